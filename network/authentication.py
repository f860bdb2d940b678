"""How the API knows who is calling: a token, or the web UI's own session, under the same second-factor
rule as the pages (API.md, Authentication). A password alone never reaches a case through the API."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .twofactor import enrolment_missing, session_passed_second_factor


class SecondFactorTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`. A token of a TOTP role that has no confirmed device (one issued before
    the rule, or before the role was given) stops working until the user enrols."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if enrolment_missing(user=user):
            raise AuthenticationFailed(_("Invalid token."))
        return user, token


class SecondFactorSessionAuthentication(SessionAuthentication):
    """The web UI's session (its htmx calls), only once it may see pages: coordinators, managers, auditors
    and anyone enrolled must have passed the TOTP step. Otherwise the request is unauthenticated (401)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _auth = result
        if not session_passed_second_factor(user=user):
            return None
        return result
