"""The OpenAPI schema's shared parts, so every operation, present and future, documents its errors.

Integrators generate clients from /api/v1/schema/, so the error answers of API.md ("Errors") are part of
every operation's contract, not something each view remembers to declare:

- 400 with a body (``ValidationError``: field → messages, or ``{"detail"}``) on every operation that
  takes a request body, and a body for any 400 a view declares (e.g. a bad query parameter);
- 401 (``ErrorDetail`` and the ``WWW-Authenticate`` header) on every operation that needs a login;
- 404 (``ErrorDetail``) on every operation whose path names an object;
- a body for every other error answer a view declares without one (403, 409, 429).

Views still declare what only they know (403, 409, a paginated list's 404) with config/api_fields.py's
responses; this class adds the rest and fills in the bodies. The auth extensions below describe the
``Token`` and ``Bearer`` keywords so generated clients send the right header.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ResolvedComponent

from config.api_fields import NOT_FOUND, ErrorDetailSerializer

BODY_METHODS = ("POST", "PUT", "PATCH")
VALIDATION_ERROR = "ValidationError"
ERROR_DESCRIPTIONS = {
    "400": 'Invalid input: {"field": ["message", ...]} (non_field_errors for the input as a whole), '
    'or {"detail": "..."}.',
    "401": "Not authenticated: no valid Authorization header (Token or Bearer) and no signed-in session.",
}
TOKEN_HELP = (
    "Send `Authorization: Token <token>`: the word `Token`, one space, then the token from "
    "POST /api/v1/auth/token/. `Authorization: Bearer <token>` is accepted as well (bearerAuth)."
)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method in BODY_METHODS and self.get_request_serializer() is not None:
            responses.setdefault("400", {"description": ERROR_DESCRIPTIONS["400"]})
        if self._requires_authentication():
            responses.setdefault("401", {"description": ERROR_DESCRIPTIONS["401"]})
        if "{" in self.path:
            responses.setdefault("404", self._get_response_for_code(NOT_FOUND, "404", direction=direction))
        for code, response in responses.items():
            if code.startswith("4") and "content" not in response:
                response["content"] = {"application/json": {"schema": self._error_schema(code)}}
        if "401" in responses:
            responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
                "schema": {"type": "string"},
                "description": "The keyword to authenticate with: Token.",
            }
        return dict(sorted(responses.items()))

    def _requires_authentication(self) -> bool:
        """Some authenticator applies and anonymous access is not allowed (get_auth adds {} for that)."""
        auth = self.get_auth()
        return bool(auth) and {} not in auth

    def _error_schema(self, code: str) -> dict:
        detail = self.resolve_serializer(ErrorDetailSerializer, "response").ref
        if code != "400":
            return detail
        component = ResolvedComponent(
            name=VALIDATION_ERROR,
            type=ResolvedComponent.SCHEMA,
            object=VALIDATION_ERROR,
            schema={
                "oneOf": [
                    {
                        "type": "object",
                        "description": "Messages by field name; non_field_errors for the input as a whole.",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                    detail,
                ]
            },
        )
        self.registry.register_on_missing(component)
        return component.ref


class TokenScheme(OpenApiAuthenticationExtension):
    """DRF's ``Token`` keyword (and subclasses); OpenAPI 3.0 has no scheme for it, so say it in words."""

    target_class = "rest_framework.authentication.TokenAuthentication"
    match_subclasses = True
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": TOKEN_HELP}


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "config.api_auth.BearerTokenAuthentication"
    match_subclasses = True
    name = "bearerAuth"
    priority = 2  # before TokenScheme, which would match it as a subclass

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The same token as tokenAuth, sent as `Authorization: Bearer <token>`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    """The web UI's session cookie, also for SessionAuthentication subclasses."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    match_subclasses = True
    name = "cookieAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The web UI's signed-in session (CSRF token for writes), for TOTP roles and enrolled users "
                "only after the TOTP step; not for integrations."
            ),
        }
