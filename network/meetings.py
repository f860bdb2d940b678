"""分野を超えた社会福祉法人の連携の場: recording network meetings and counting them per fiscal year."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .fiscal import fiscal_year_bounds
from .models import Agency, NetworkMeeting


@transaction.atomic
def network_meeting_record(
    *,
    held_on: datetime.date,
    theme: str,
    agencies: Iterable[Agency] = (),
    minutes: str = "",
    recorded_by=None,
) -> NetworkMeeting:
    """Record a meeting that took place (never a future one)."""
    errors = _meeting_errors(held_on=held_on, theme=theme)
    if errors:
        raise ValidationError(errors)
    meeting = NetworkMeeting.objects.create(
        held_on=held_on, theme=theme.strip(), minutes=minutes, recorded_by=recorded_by
    )
    meeting.agencies.set(list(agencies))
    return meeting


def _meeting_errors(*, held_on: datetime.date | None, theme: str) -> dict:
    errors = {}
    if held_on is None:
        errors["held_on"] = _("Give the day the meeting was held.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("Record a meeting once it has been held, not before.")
    if not (theme or "").strip():
        errors["theme"] = _("Give the meeting's theme.")
    return errors


@transaction.atomic
def network_meeting_update(
    *, meeting: NetworkMeeting, held_on: datetime.date, theme: str, agencies: Iterable[Agency] = ()
) -> NetworkMeeting:
    """Correct a recorded meeting's day, theme or participants (the same rules as recording it)."""
    errors = _meeting_errors(held_on=held_on, theme=theme)
    if errors:
        raise ValidationError(errors)
    meeting.held_on, meeting.theme = held_on, theme.strip()
    meeting.save(update_fields=["held_on", "theme"])
    meeting.agencies.set(list(agencies))
    return meeting


def network_meetings_in_fiscal_year(fiscal_year: int):
    start, end = fiscal_year_bounds(fiscal_year)
    return NetworkMeeting.objects.filter(held_on__gte=start.date(), held_on__lt=end.date())


def network_meeting_count(*, fiscal_year: int) -> int:
    """Meetings held in the fiscal year (1 April – 31 March)."""
    return network_meetings_in_fiscal_year(fiscal_year).count()
