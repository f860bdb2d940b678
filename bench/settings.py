"""Settings for the bench's gunicorn only: the app's settings with the bench URLconf (bench.urls), which adds
the minimal durable write measurement 3 compares against. Never used by the app, the tests or a deployment:
the bench server sets DJANGO_SETTINGS_MODULE=bench.settings for its own process (bench/server.py)."""

from config.settings import *  # noqa: F403 - the app's settings, unchanged but for the URLconf

ROOT_URLCONF = "bench.urls"
