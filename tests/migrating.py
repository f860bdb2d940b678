"""Data-migration tests: move the test database to a migration state and back."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets):
    """Migrate to `targets` and return the apps registry of that state (historical models)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


def historical_case_maker(apps):
    """A function making minimal cases with the historical models of `apps`: (number) → case."""
    import datetime

    user = apps.get_model("network", "User").objects.create(username="migrator")
    area = apps.get_model("network", "Area").objects.create(code="mig", name="移行エリア")
    Case = apps.get_model("casework", "Case")

    def case(number):
        return Case.objects.create(
            number=number,
            area=area,
            opened_on=datetime.date(2024, 4, 1),
            main_issue="8050",
            household_name="x",
            household_name_kana="x",
            created_by=user,
        )

    case.user = user
    return case
