"""相談経路 and 終結理由 in the national forms' categories (issue #12).

Only one stored value changes: 生活保護開始 (public_assistance) is a handover to the welfare office, so it
becomes handed_over; each changed case gets an audit row (channel "migration"). The other codes keep their
values under their national names; new codes are added (referral: community, government, other; closure:
unreachable)."""

from django.db import migrations, models
from django.utils import timezone


def public_assistance_to_handed_over(apps, schema_editor):
    Case = apps.get_model("casework", "Case")
    AuditEvent = apps.get_model("casework", "AuditEvent")
    now = timezone.now()
    moved = list(Case.objects.filter(closure_reason="public_assistance").values_list("pk", flat=True))
    Case.objects.filter(pk__in=moved).update(closure_reason="handed_over")
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=now,
            action="case.update",
            case_id=case_id,
            object_type="casework.case",
            object_id=str(case_id),
            changes={"closure_reason": ["public_assistance", "handed_over"]},
            channel="migration",
        )
        for case_id in moved
    )


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0020_ledger_import_checking'),
    ]

    operations = [
        migrations.RunPython(public_assistance_to_handed_over, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='case',
            name='closure_reason',
            field=models.CharField(blank=True, choices=[('goal_achieved', '課題解決'), ('handed_over', '他機関へ引継ぎ'), ('moved', '転居'), ('deceased', '死亡'), ('declined', '本人の意向による終了'), ('unreachable', '連絡不能'), ('other', 'その他')], max_length=32, verbose_name='closure reason'),
        ),
        migrations.AlterField(
            model_name='case',
            name='referral_source',
            field=models.CharField(blank=True, choices=[('self', '本人'), ('family', '家族・親族'), ('minsei', '民生委員・児童委員'), ('community', '地域住民・団体'), ('agency', '関係機関'), ('government', '行政'), ('outreach', 'アウトリーチ'), ('other', 'その他')], max_length=16, verbose_name='referral source'),
        ),
    ]
