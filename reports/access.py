"""What every report page shares: who may open it, the fiscal year it asks for, and its 400 page."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from casework.views import staff_login_required
from network.fiscal import fiscal_year_of_date

from . import selectors

BAD_REQUEST = 400


def reports_viewer_required(view):
    """Signed-in managers and coordinators; anyone else is told the page does not exist."""

    @staff_login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not selectors.can_view_reports(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def requested_fiscal_year(request: HttpRequest) -> int:
    """?fiscal_year= (default: the current fiscal year); a wrong value is a ValidationError."""
    raw = request.GET.get("fiscal_year")
    if raw in (None, ""):
        return fiscal_year_of_date(selectors.tokyo_today())
    return selectors.parse_fiscal_year(raw)


def bad_request_page(request: HttpRequest, error: ValidationError) -> HttpResponse:
    messages_ = [m for msgs in getattr(error, "message_dict", {"": error.messages}).values() for m in msgs]
    return render(request, "reports/bad_request.html", {"errors": messages_}, status=BAD_REQUEST)
