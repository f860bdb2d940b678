"""The header's unread-notification count, computed only if a template uses it."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"referral_unread_count": 0}
    return {"referral_unread_count": SimpleLazyObject(lambda: unread_count(user=user))}
