"""No silent skips in CI: with CI=true in the environment, a skipped test fails the run.

Every skip in this suite means "a tool this test needs is missing here" (PostgreSQL, Redis, a Chromium
browser, docker-compose). On a laptop that is fine and `make test` says why; in CI it would hide a test
that never ran behind a green run. So under CI the skip becomes a failure that names what is missing.
A run that legitimately lacks a tool (the SQLite run of .ci/run) deselects those tests explicitly with
`-m "not postgres and not redis"`: deselected tests are not skips.

This module is a pytest plugin (tests/conftest.py loads it) and imports neither Django nor the project, so
tests/test_ci_rules.py can load it on its own in a nested pytest run.
"""

from __future__ import annotations

import os

import pytest

TRUTHY = {"1", "true", "yes", "on"}
HINT = (
    "CI=true forbids skipped tests: install or start what is missing (bash .ci/run does), "
    'or deselect the tests on purpose (e.g. -m "not postgres and not redis").'
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in TRUTHY


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: reason")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and in_ci():
        report.outcome = "failed"
        report.longrepr = f"This test would be skipped ({_skip_reason(report)}). {HINT}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A whole module skipped at import (pytest.skip(allow_module_level=True)) fails too."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci():
        report.outcome = "failed"
        report.longrepr = f"{collector.nodeid} would be skipped ({_skip_reason(report)}). {HINT}"
