"""The process environment for a bench run: which database, which (synthetic) keys, production-like flags.

It must be prepared before Django is set up, because config.settings reads the environment once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/yorisoi_bench"

# Synthetic, bench-only keys (like the test suite's): the dataset's ciphertexts and blind indexes are made
# with them, so they are part of the dataset's fingerprint. Never used for real data.
BENCH_SECRETS = {
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "FIELD_ENCRYPTION_KEYS": "bench1:Ymd4c2VjcmV0LWJlbmNoLWtleS0wMTIzNDU2Nzg5YWI=",
    "BLIND_INDEX_KEY": "bench-blind-index-key-0123456789abcdef0123456789",
}

# Production-like: DEBUG off (no query log), but plain HTTP on loopback and no manifest for static files.
PRODUCTION_LIKE = {
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
    # Required in production (yorisoi.E003); the bench stores no documents.
    "CONSENT_DOCUMENT_ROOT": str(Path(tempfile.gettempdir()) / "yorisoi-bench-documents"),
}


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    """The same server's `postgres` database, to create or drop the bench database from."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def check_bench_database(url: str) -> None:
    """The builder drops and recreates its database: refuse anything not plainly a bench database."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"bench needs PostgreSQL; got {url!r}")
    if "bench" not in database_name(url):
        raise SystemExit(
            f"refusing to use database {database_name(url)!r}: the bench rebuilds its database, so its name "
            "must contain 'bench' (e.g. yorisoi_bench)"
        )


def bench_environ(database_url: str) -> dict[str, str]:
    """Variables a bench process (this one, gunicorn, the XLSX probe) runs with."""
    env = {"DATABASE_URL": database_url, **PRODUCTION_LIKE}
    for name, value in BENCH_SECRETS.items():
        env[name] = value  # always the bench keys: the dataset was encrypted with them
    return env


def prepare(database_url: str) -> None:
    """Set the environment and set up Django against the bench database."""
    os.environ.update(bench_environ(database_url))
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.pop("FIELD_ENCRYPTION_DISABLED", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
