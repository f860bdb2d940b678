"""Display helpers of the report pages."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.formats import date_format

register = template.Library()


@register.filter
def signed(value) -> str:
    """+3 / −2 / ±0 for restated differences; blank for None."""
    if value is None or value == "":
        return ""
    if value == 0:
        return "±0"
    return f"+{value}" if value > 0 else f"−{abs(value)}"


@register.filter
def number(value) -> str:
    """1,234 (or 12.5); a dash where there is no figure (e.g. no target)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


@register.filter
def iso_date(value: str) -> str:
    """A report's ISO date ("2024-04-01", as the JSON export keeps it) in the pages' date shape."""
    return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT") if value else ""


@register.simple_tag
def drilldown_url(fiscal_year: int, **filters) -> str:
    """Link from a figure to the cases behind it: {% drilldown_url 2024 area="tanaka" %}."""
    query = {"fiscal_year": fiscal_year, **{k: v for k, v in filters.items() if v}}
    return f"{reverse('reports:drilldown')}?{urlencode(query)}"
