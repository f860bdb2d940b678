from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network: areas, agencies and staff")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Agency
        from .selectors import forget_active_agencies

        for signal in (post_save, post_delete):
            signal.connect(forget_active_agencies, sender=Agency, dispatch_uid="network.forget_agencies")
