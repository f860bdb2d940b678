"""The CI rule itself (tests/ci_rules.py): under CI=true a skipped test fails the run, an expected failure
and a deselected test do not; without CI a skip stays a skip. Each case is a nested pytest run (a
subprocess, without Django) on made-up test files, with the plugin loaded exactly as conftest loads it."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MIXED = """
import pytest

def test_runs():
    pass

def test_skips_inside():
    pytest.skip("needs docker-compose")

@pytest.mark.skipif(True, reason="needs a Chromium browser on PATH")
def test_skips_by_marker():
    pass

@pytest.mark.xfail(reason="known and tracked")
def test_known_failure():
    assert False
"""

SERVICE = """
import pytest

def test_runs():
    pass

@pytest.mark.postgres
def test_needs_postgres():
    pytest.skip("needs PostgreSQL")
"""


@pytest.fixture
def nested(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("CI", raising=False)
    pytester.makeini("[pytest]\nmarkers =\n    postgres: needs PostgreSQL\n")

    def run(*args, ci: bool):
        if ci:
            monkeypatch.setenv("CI", "true")
        else:
            monkeypatch.delenv("CI", raising=False)
        return pytester.runpytest_subprocess("-p", "no:django", "-p", "tests.ci_rules", "-ra", *args)

    return pytester, run


def test_without_ci_a_missing_tool_is_a_skip_with_its_reason(nested):
    pytester, run = nested
    pytester.makepyfile(test_mixed=MIXED)
    result = run(ci=False)
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*needs docker-compose*", "*needs a Chromium browser on PATH*"])


def test_under_ci_every_skip_fails_the_run_and_says_why(nested):
    pytester, run = nested
    pytester.makepyfile(test_mixed=MIXED)
    result = run(ci=True)
    # A skip in the test body fails it; a skip marker (decided at set-up) errors: both fail the run.
    result.assert_outcomes(passed=1, failed=1, errors=1, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    assert "would be skipped (needs docker-compose)" in output
    assert "would be skipped (needs a Chromium browser on PATH)" in output
    assert "CI=true forbids skipped tests" in output


def test_under_ci_deselecting_the_service_tests_is_allowed(nested):
    pytester, run = nested
    pytester.makepyfile(test_service=SERVICE)
    result = run("-m", "not postgres", ci=True)
    result.assert_outcomes(passed=1, deselected=1)
    assert result.ret == 0
    # Not deselected, the same test fails under CI.
    assert run(ci=True).ret == pytest.ExitCode.TESTS_FAILED


def test_under_ci_a_module_skipped_at_import_fails_too(nested):
    pytester, run = nested
    pytester.makepyfile(
        test_module="import pytest\npytest.skip('needs Redis', allow_module_level=True)\n"
        "def test_never():\n    pass\n"
    )
    assert run(ci=False).ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result = run(ci=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error stops the run
    assert "would be skipped (needs Redis)" in result.stdout.str()
