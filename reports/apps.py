from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from network.services import master_data_seeder_register

        from .services import indicator_master_data_seed

        # `seed_master` loads the indicator definitions and the plan's targets with the network's data.
        master_data_seeder_register(name="reports", seeder=indicator_master_data_seed)
