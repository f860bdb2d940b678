"""Liveness and readiness for load balancers and the compose healthchecks (plain HTTP, no login)."""

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """The process is alive and serving."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_ok() -> bool | None:
    if not settings.REDIS_URL:
        return None  # embedded mode: no Redis to wait for
    import redis

    try:
        return bool(
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        )
    except Exception:
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
