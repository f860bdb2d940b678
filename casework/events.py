"""Casework's domain signals: facts a higher app may keep its own data by, in the writing transaction.

Sent by casework's services after the write, inside the same transaction, so a receiver's rows commit or
roll back with the change (DESIGN.md §5: reports keeps its roll-ups this way; no import points up). Every
write that changes what an activity is — its time, kind, partner agencies, void state — or the case's
main issue sends one; a write that escapes them is a drift that `manage.py verify_rollups` reports.

- `activity_changed(sender=Activity, case_id, activity_id, before, after)`: `before`/`after` are
  `ActivityFacts` (None for "did not exist"): logged (None → facts), edited (facts → facts), voided
  (facts → facts with voided=True).
- `case_main_issue_changed(sender=Case, case_id, before, after)`: the case's main issue tag changed
  (every activity of the case is reported under its case's current main issue).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.dispatch import Signal

activity_changed = Signal()
case_main_issue_changed = Signal()


@dataclass(frozen=True)
class ActivityFacts:
    """What an activity is, as far as anything aggregated over activities cares: no personal data."""

    occurred_at: datetime.datetime
    area_id: int
    kind: str
    agency_ids: tuple[int, ...]
    has_partner: bool
    voided: bool


def activity_facts(activity, agency_ids: Iterable[int]) -> ActivityFacts:
    return ActivityFacts(
        occurred_at=activity.occurred_at,
        area_id=activity.area_id,
        kind=activity.kind,
        agency_ids=tuple(sorted(set(agency_ids))),
        has_partner=activity.has_partner,
        voided=activity.voided,
    )


def activity_changed_send(activity, *, before: ActivityFacts | None, after: ActivityFacts | None) -> None:
    activity_changed.send(
        sender=type(activity), case_id=activity.case_id, activity_id=activity.pk, before=before, after=after
    )


def case_main_issue_changed_send(case, *, before: str, after: str) -> None:
    if before != after:
        case_main_issue_changed.send(sender=type(case), case_id=case.pk, before=before, after=after)
