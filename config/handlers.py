"""Answers Django gives outside any view: unmatched URLs, uncaught errors and login lockouts.

Under /api/ every answer is JSON (API.md, "Errors"), so an integrator never has to parse an HTML page; the
web keeps its templates. A URL that matches no route answers exactly like an object the user may not
see (DRF's NotFound body, in the request's language), so /api/v1/cases/abc/ tells nothing more than
/api/v1/cases/999999/.
"""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views import defaults
from rest_framework import exceptions

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/, otherwise Django's own (templates/404.html if there is one)."""
    if is_api_request(request):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: never any internal detail in the answer (the traceback goes to the log and the admins)."""
    if is_api_request(request):
        return JsonResponse({"detail": gettext("Server error.")}, status=500)
    return defaults.server_error(request)


# The same words as registration/locked_out.html, so both share one translation.
LOCKED_OUT_MESSAGE = (
    "Too many failed logins. The account is locked for 30 minutes; ask your administrator if you need "
    "access sooner."
)


def lockout(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 for a locked-out account, JSON under /api/, the lockout page on the web.

    Axes replaces whatever the login view answered (for the token login, a 400 "wrong credentials") with
    this, both for the failure that reaches the limit and for every attempt during the cool-off, the right
    password included. Retry-After tells clients when to try again; nothing says whether the password was
    right.
    """
    status = settings.AXES_HTTP_RESPONSE_CODE
    cool_off = get_cool_off(request)
    if is_api_request(request):
        response = JsonResponse({"detail": gettext(LOCKED_OUT_MESSAGE)}, status=status)
    else:
        context = {"cooloff_timedelta": cool_off}
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
