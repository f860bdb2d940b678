"""A real Celery worker process for the tests that prove background work end to end (Redis broker,
PostgreSQL test database)."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings


def test_database_url() -> str:
    """The pytest-django test database as a URL the worker process can connect to."""
    db = settings.DATABASES["default"]  # at test time NAME is the pytest-django test database
    auth = quote(db.get("USER") or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@contextlib.contextmanager
def running_worker(log_path: Path, **extra_env: str):
    """`celery worker` on the test database and REDIS_URL, logging to `log_path`; stopped on exit."""
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DB_CONN_MAX_AGE": "0",
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", "celery"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
