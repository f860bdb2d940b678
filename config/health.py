"""Liveness and readiness for load balancers and the compose healthchecks (plain HTTP, no login)."""

import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """The process is alive and serving."""
    return JsonResponse({"status": "ok"})


logger = logging.getLogger(__name__)

REASON_MAX_CHARS = 200
_URL_CREDENTIALS = re.compile(r"(\w[\w+.-]*://)[^/@\s]*@")
_PASSWORD_PARAMETER = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def _configured_passwords() -> list[str]:
    passwords = [str(db.get("PASSWORD") or "") for db in settings.DATABASES.values()]
    if settings.REDIS_URL:
        passwords.append(urlsplit(settings.REDIS_URL).password or "")
    return [p for p in passwords if p]


def safe_reason(exc: BaseException) -> str:
    """The exception's type and the first line of its message, without credentials, for the log.

    Drivers quote the DSN or URL they failed on; user:password@ in URLs, password=... parameters and
    the configured passwords themselves are masked.
    """
    text = next(iter(str(exc).strip().splitlines()), "")
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _PASSWORD_PARAMETER.sub(r"\1***", text)
    for password in _configured_passwords():
        text = text.replace(password, "***")
    if len(text) > REASON_MAX_CHARS:
        text = text[: REASON_MAX_CHARS - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _report_down(dependency: str, exc: BaseException) -> None:
    logger.warning(
        "readiness: %s is down (%s)",
        dependency,
        safe_reason(exc),
        extra={"dependency": dependency, "error_type": type(exc).__name__},
    )


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as exc:
        _report_down("database", exc)
        return False


def _redis_ok() -> bool | None:
    if not settings.REDIS_URL:
        return None  # embedded mode: no Redis to wait for
    import redis

    try:
        return bool(
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        )
    except Exception as exc:
        _report_down("redis", exc)
        return False


@never_cache
def readyz(request):
    """Database and Redis answer; 503 names what is down."""
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    down = [name for name, ok in checks.items() if ok is False]
    body = {
        "status": "ok" if not down else "unavailable",
        "down": down,
        "checks": {k: ("ok" if v else "down" if v is False else "not configured") for k, v in checks.items()},
    }
    return JsonResponse(body, status=503 if down else 200)
