"""Session lifetime and the two-factor requirement for roles that hold the keys to many cases."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import has_role
from .twofactor import has_confirmed_device

SESSION_STARTED = "yorisoi_session_started"


class SessionTimeoutMiddleware:
    """Idle timeout is SESSION_COOKIE_AGE (renewed each request); this adds the absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = int(time.time())
            elif time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('login')}?next={request.path}")
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Coordinators, managers, auditors (and anyone enrolled) pass TOTP before any page; others enrol first.

    Token-authenticated API calls are checked at token issuance instead (API.md).
    """

    EXEMPT_PREFIXES = (
        "/login/",
        "/logout/",
        "/account/2fa/",
        "/static/",
        "/i18n/",
        "/api/",
        "/healthz",
        "/readyz",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and not user.is_verified()
            and (has_role(user, *settings.TWO_FACTOR_ROLES) or has_confirmed_device(user=user))
        ):
            return redirect(f"{reverse('two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
