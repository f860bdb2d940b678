"""System checks that stop the processes at start (check, runserver, migrate, bin/web) on bad keys.

Without them a malformed key would surface as a 500 on the first request that reads a personal field.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from . import encryption


@register(Tags.security)
def encryption_keys_check(app_configs=None, **kwargs) -> list[Error]:
    """yorisoi.E001: FIELD_ENCRYPTION_KEYS, yorisoi.E002: BLIND_INDEX_KEY; no key material in messages."""
    errors = [
        Error(message, id="yorisoi.E001")
        for message in encryption.key_spec_errors(str(settings.FIELD_ENCRYPTION_KEYS or ""))
    ]
    errors += [
        Error(message, id="yorisoi.E002")
        for message in encryption.blind_index_key_errors(str(settings.BLIND_INDEX_KEY or ""))
    ]
    return errors
