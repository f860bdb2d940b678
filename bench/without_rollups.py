"""A bench-only app that disconnects the 延件数 roll-up receivers, so measurement 3 can show what keeping
the roll-ups in the writing transaction costs (3c). Only bench/settings_without_rollups.py installs it; the
roll-ups it leaves unwritten belong to activities the measurement deletes afterwards."""

from django.apps import AppConfig


class WithoutRollupsConfig(AppConfig):
    name = "bench"
    label = "bench_without_rollups"

    def ready(self) -> None:
        from casework import events

        events.activity_changed.disconnect(dispatch_uid="reports-rollups-activity")
        events.case_main_issue_changed.disconnect(dispatch_uid="reports-rollups-main-issue")
