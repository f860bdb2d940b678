"""The person at the centre of support (is_focus) becomes the member whose relationship is 本人 (`self`).

Before this, a member had both a relationship and an `is_central` flag, and the two could disagree. Each
case is reconciled so that at most one member is `self`: the member flagged central becomes `self`; with
none flagged, the first `self` (lowest id) stays; any other `self` member becomes `other` (their relation
to the new centre is unknown: a caseworker corrects it). Each change leaves a member.change audit row
(relationships are not personal data, so old → new are kept in the clear). 0008 then drops the flag and
adds the one-本人-per-case constraint.
"""

from django.db import migrations
from django.db.models import Count, Q
from django.utils import timezone

SELF, OTHER = "self", "other"


def _cases_to_reconcile(Member) -> set[int]:
    contradicting = Member.objects.filter(is_central=True).exclude(relationship=SELF).values_list("case_id")
    several_selves = (
        Member.objects.filter(relationship=SELF)
        .values("case_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("case_id")
    )
    return {case_id for (case_id,) in contradicting} | {case_id for (case_id,) in several_selves}


def reconcile(apps, schema_editor):
    Member = apps.get_model("casework", "HouseholdMember")
    AuditEvent = apps.get_model("casework", "AuditEvent")
    now = timezone.now()
    for case_id in sorted(_cases_to_reconcile(Member)):
        # Only plain columns: personal (encrypted) fields are neither read nor rewritten.
        members = list(
            Member.objects.filter(case_id=case_id)
            .filter(Q(is_central=True) | Q(relationship=SELF))
            .order_by("-is_central", "id")
            .values("id", "relationship")
        )
        focus_id = members[0]["id"]
        for member in members:
            wanted = SELF if member["id"] == focus_id else OTHER
            if member["relationship"] == wanted:
                continue
            Member.objects.filter(pk=member["id"]).update(relationship=wanted)
            AuditEvent.objects.create(
                at=now,
                action="member.change",
                case_id=case_id,
                object_type="casework.householdmember",
                object_id=str(member["id"]),
                changes={"relationship": [member["relationship"], wanted]},
                channel="migration",
            )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0006_list_and_report_indexes"),
    ]

    operations = [
        migrations.RunPython(reconcile, migrations.RunPython.noop),
    ]
