"""Build the search tokens (and refresh the exact blind indexes: '+81' phones now fold to '0') of the cases
that exist already; the same code as `manage.py rebuild_search_tokens`."""

from django.db import migrations


def build(apps, schema_editor):
    from casework import search

    search.rebuild_all(
        models=(
            apps.get_model("casework", "Case"),
            apps.get_model("casework", "HouseholdMember"),
            apps.get_model("casework", "CaseSearchToken"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0010_case_search_tokens")]

    operations = [migrations.RunPython(build, migrations.RunPython.noop)]
