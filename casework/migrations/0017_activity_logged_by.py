"""Who entered each activity, so a collaborating team or agency voids only its own entries.

Every activity so far was entered by its `staff` (casework.services.activity_log defaulted staff to the
person logging, and no caller chose another), so that is the backfill.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def logged_by_is_staff(apps, schema_editor):
    Activity = apps.get_model("casework", "Activity")
    Activity.objects.filter(logged_by__isnull=True).update(logged_by=models.F("staff"))


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0016_assessments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="logged_by",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(logged_by_is_staff, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="activity",
            name="logged_by",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
