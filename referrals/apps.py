from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from casework.ecomap import register_provider

        from .ecomap import referral_ties

        register_provider("referrals")(referral_ties)
