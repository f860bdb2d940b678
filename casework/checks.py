"""System checks that stop the processes at start (check, runserver, migrate, bin/web) on bad keys.

Without them a malformed key would surface as a 500 on the first request that reads a personal field.
"""

from __future__ import annotations

from pathlib import Path

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


@register(Tags.security)
def consent_document_storage_check(app_configs=None, **kwargs) -> list[Error]:
    """yorisoi.E003: where consent documents are kept must be configured, and never under static files."""
    backend = settings.STORAGES.get("consent_documents", {})
    if "FileSystemStorage" not in backend.get("BACKEND", ""):
        if not backend.get("OPTIONS", {}).get("bucket_name"):
            return [
                Error(
                    "CONSENT_DOCUMENT_STORAGE=s3 needs CONSENT_DOCUMENT_S3_BUCKET (and its endpoint and "
                    "credentials, unless the environment provides them).",
                    id="yorisoi.E003",
                )
            ]
        return []
    root = str(backend.get("OPTIONS", {}).get("location") or "")
    if not root:
        return [
            Error(
                "CONSENT_DOCUMENT_ROOT is not set: give a directory outside the code and the static files "
                "for the encrypted consent documents (e.g. /srv/yorisoi/documents); bin/backup includes it.",
                id="yorisoi.E003",
            )
        ]
    resolved = Path(root).resolve()
    static_dirs = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]
    for static in filter(None, static_dirs):
        static_path = Path(static).resolve()
        if resolved == static_path or static_path in resolved.parents or resolved in static_path.parents:
            return [
                Error(
                    "CONSENT_DOCUMENT_ROOT overlaps the static files; give a directory of its own.",
                    id="yorisoi.E003",
                )
            ]
    return []
