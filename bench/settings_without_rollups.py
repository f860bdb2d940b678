"""bench.settings without the roll-up receivers (bench/without_rollups.py): measurement 3c only."""

from bench.settings import *  # noqa: F403 - the bench's settings, plus the app below

INSTALLED_APPS = [*INSTALLED_APPS, "bench.without_rollups.WithoutRollupsConfig"]  # noqa: F405
