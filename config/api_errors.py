"""One mapping from domain exceptions to API answers (API.md, "Errors"), for every app's api.py.

Services raise Django's ValidationError and casework's StateConflict; selectors raise DoesNotExist for
anything the user may not see. Views let them propagate and this handler turns them into:

- ValidationError → 400 ``{"field": ["message", ...]}`` (errors not tied to a field under
  ``non_field_errors``, as DRF's own serializers do);
- StateConflict → 409 ``{"detail": "..."}``;
- django's PermissionDenied (a service refusing someone who may see the case) → 403 ``{"detail": "..."}``
  with the service's message, which says who may do it (DRF's own mapping would drop it);
- Http404 / ObjectDoesNotExist → 404 with DRF's default body, never the exception's own message, so an
  object the user may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from casework.services import StateConflict


def validation_error_data(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Django's ValidationError as DRF's field → messages dict."""
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): list(messages)
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(validation_error_data(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, StateConflict):
        set_rollback()
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, PermissionDenied):
        set_rollback()
        detail = str(exc) or exceptions.PermissionDenied.default_detail
        return Response({"detail": detail}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        # Drop the message: "No Case matches the given query." would tell a hidden object from a missing one.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
