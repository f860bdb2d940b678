"""Session lifetime and the two-factor requirement for roles that hold the keys to many cases."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .twofactor import session_passed_second_factor

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

    /api/ is exempt from the redirect only: the API's own authentication classes apply the same rule to the
    session and refuse tokens of TOTP roles that have not enrolled (network.authentication).
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
            and not session_passed_second_factor(user=user)
        ):
            return redirect(f"{reverse('two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
