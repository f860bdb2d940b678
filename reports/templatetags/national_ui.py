"""Display helpers of the yearly national figures' page."""

from __future__ import annotations

import calendar

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def month_label(key: str) -> str:
    """A fiscal month's column head: "2024-04" → 4月 (ja) / Apr (en); the caption carries the year."""
    month = int(key.split("-")[1])
    return calendar.month_abbr[month] if (get_language() or "ja").startswith("en") else f"{month}月"
