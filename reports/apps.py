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

        from casework.demo import demo_filler_register

        from .demo import demo_reports_fill

        # `seed_demo` fills centre usage, network meetings and the action plan's grades for the demo.
        demo_filler_register(name="reports", filler=demo_reports_fill)

        from casework import events

        from . import rollups

        # 延件数 roll-ups kept in casework's writing transaction (DESIGN.md §5): no import points up.
        events.activity_changed.connect(
            rollups.activity_changed_receiver, dispatch_uid="reports-rollups-activity"
        )
        events.case_main_issue_changed.connect(
            rollups.case_main_issue_changed_receiver, dispatch_uid="reports-rollups-main-issue"
        )
