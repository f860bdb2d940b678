"""Consent scope becomes a fixed choice: `summary` or `full` (DESIGN.md §3, "Sharing by scope").

Until now the scope was free text that nothing enforced: every agency with a consent saw the whole record.
Existing texts are mapped on the safe side: only a text that clearly means everything becomes `full`;
anything else (empty, a purpose, a list of items, a typo) becomes `summary`. Narrowing is reversible by the
area team (record a new consent with `full`); widening wrongly would disclose what the person never agreed
to share, which cannot be undone. The original texts are not kept: they were never shown to agencies, and
a free-text column beside the choice would invite the old habit back. Each changed consent leaves an
audit row (channel "migration") whose encrypted reason keeps the old wording, as evidence of what the person
had agreed to.
"""

import unicodedata

from django.db import migrations, models
from django.utils import timezone

# Texts that clearly mean "everything", compared after NFKC, trimming and lower-casing.
CLEARLY_FULL = {
    "full",
    "all",
    "everything",
    "全部",
    "全て",
    "すべて",
    "全情報",
    "全項目",
    "全部共有",
    "すべて共有",
    "全て共有",
    "全情報共有",
}


def scope_code(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").strip().lower()
    return "full" if folded in CLEARLY_FULL else "summary"


def free_text_to_codes(apps, schema_editor):
    Consent = apps.get_model("casework", "Consent")
    AuditEvent = apps.get_model("casework", "AuditEvent")
    now = timezone.now()
    for consent_id, case_id, text in Consent.objects.order_by("pk").values_list("pk", "case_id", "scope"):
        code = scope_code(text)
        if text == code:
            continue
        Consent.objects.filter(pk=consent_id).update(scope=code)
        AuditEvent.objects.create(
            at=now,
            action="consent.give",
            case_id=case_id,
            object_type="casework.consent",
            object_id=str(consent_id),
            # The old wording may name people: only in the encrypted reason, never in `changes`.
            changes={"scope": ["(free text)", code]},
            reason=f"scope written as free text, mapped to {code}: {text}",
            channel="migration",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0013_audit_action_choices_in_code"),
    ]

    operations = [
        # Codes first, while the column still holds 200 characters; then the narrower column with choices.
        migrations.RunPython(free_text_to_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="consent",
            name="scope",
            field=models.CharField(
                choices=[("summary", "概要のみ"), ("full", "すべて")],
                default="summary",
                max_length=16,
                verbose_name="scope",
            ),
        ),
    ]
