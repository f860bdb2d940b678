"""The landing page after login: what needs the user today, per role (today.selectors)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from casework.views import staff_login_required

from . import selectors


@staff_login_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """The root URL and the login's destination: each role's own starting page."""
    return redirect(selectors.landing_url_name(user=request.user))


@staff_login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    return render(request, "today/today.html", {"page": selectors.today_page(user=request.user)})
