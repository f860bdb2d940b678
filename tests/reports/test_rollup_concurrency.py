"""Eight caseworkers logging into the same area and month at once (issue #15): a writer adds one row naming
its case and the roll-ups are insert-only, so nobody queues on a shared row; the totals come out exact,
with beat's applier, its compactor and a reader running alongside; no deadlock, no serialisation failure.

PostgreSQL only (SQLite serialises every writer by design). Never a timed assertion: the lock waits seen in
pg_stat_activity while the writers run are printed (`-s`) and recorded in docs/benchmarks.md ("roll-up
writers"); what the test asserts is that nothing failed and every figure is exact.
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection, connections

from casework import services as casework_services
from reports import rollups
from reports.selectors import accompanied_activity_report, unique_cases_by_month
from tests import factories

from .conftest import jst

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 8
EACH = 12


class LockWaits:
    """Samples pg_stat_activity every few ms from its own connection: backends of this database waiting on
    a heavyweight lock (row, tuple, transaction id, advisory), by wait event."""

    def __init__(self):
        self.samples = 0
        self.waits: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            with connection.cursor() as cursor:
                while not self._stop.is_set():
                    cursor.execute(
                        "SELECT wait_event FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                        "AND pid <> pg_backend_pid()"
                    )
                    self.samples += 1
                    for (event,) in cursor.fetchall():
                        self.waits[event] = self.waits.get(event, 0) + 1
                    time.sleep(0.002)
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_writers(jobs) -> tuple[list[BaseException], float]:
    """Run each job in its own thread (its own database connection), all released at once."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, time.perf_counter() - started


def logger(case, user, agencies, count: int):
    def job():
        for i in range(count):
            casework_services.activity_log(
                case=case,
                logged_by=user,
                occurred_at=jst(2025, 5, 1 + i % 28, 10, 0),
                kind="visit",
                minutes=30,
                partner_agencies=agencies,
                note="架空の支援記録",
            )

    return job


@pytest.fixture
def team(area, partner):
    caseworker = factories.make_staff("cw_concurrent", area=area)
    return {"caseworker": caseworker, "partner": partner}


def test_eight_writers_in_one_area_and_month_never_wait_and_count_exactly(area, team, capsys):
    cases = [
        factories.make_case(by=team["caseworker"], area=area, name=f"架空 {i}", kana=f"カクウ {i}")
        for i in range(WRITERS)
    ]
    jobs = [logger(case, team["caseworker"], [team["partner"]], EACH) for case in cases]

    with LockWaits() as waits:
        errors, elapsed = run_writers(jobs)
    single_errors, single = run_writers([logger(cases[0], team["caseworker"], [team["partner"]], EACH)])

    assert errors == [] and single_errors == []  # no deadlock, no serialisation failure
    report = accompanied_activity_report(fiscal_year=2025, today=datetime.date(2026, 5, 1))
    assert report["total"] == WRITERS * EACH + EACH
    assert report["unique_cases"] == WRITERS
    assert unique_cases_by_month(fiscal_year=2025) == {(2025, 5): WRITERS}
    assert (
        report["by_area"][[a["area"] for a in report["by_area"]].index(area.code)]["count"] == report["total"]
    )
    assert rollups.rollup_drift() == []
    with capsys.disabled():
        print(
            f"\nroll-up writers: {WRITERS}×{EACH} activities in {elapsed * 1000:.0f} ms "
            f"({elapsed / (WRITERS * EACH) * 1000:.1f} ms each, wall) "
            f"vs one writer {EACH} in {single * 1000:.0f} ms "
            f"({single / EACH * 1000:.1f} ms each); lock waits seen in {sum(waits.waits.values())} of "
            f"{waits.samples} samples: {waits.waits or 'none'}"
        )


def test_eight_writers_on_one_case_count_it_once(area, team):
    case = factories.make_case(by=team["caseworker"], area=area)
    jobs = [logger(case, team["caseworker"], [team["partner"]], 3) for _ in range(WRITERS)]

    errors, _elapsed = run_writers(jobs)

    assert errors == []
    report = accompanied_activity_report(fiscal_year=2025, today=datetime.date(2026, 5, 1))
    assert report["total"] == WRITERS * 3
    assert report["unique_cases"] == 1  # the race for "the case's first activity of May" counted once
    assert report["by_agency"][0]["unique_cases"] == 1
    assert rollups.rollup_drift() == []


def test_applying_and_compacting_while_writers_log_loses_and_doubles_nothing(area, team):
    """Beat's applier and compactor run flat out while four writers log; a reader reading the report all
    the while sees each moment whole: its total never goes down and never passes what was written."""
    cases = [factories.make_case(by=team["caseworker"], area=area, name=f"架空 {i}") for i in range(4)]
    stop = threading.Event()
    totals: list[int] = []

    def background(step):
        def loop():
            try:
                while not stop.is_set():
                    step()
            finally:
                connections.close_all()

        return threading.Thread(target=loop)

    def read_total():
        report = accompanied_activity_report(fiscal_year=2025, today=datetime.date(2026, 5, 1))
        totals.append(report["total"])

    threads = [
        background(rollups.apply_rollup_changes),
        background(rollups.compact_rollups),
        background(read_total),
    ]
    jobs = [logger(case, team["caseworker"], [team["partner"]], 3 * EACH) for case in cases]
    for thread in threads:
        thread.start()
    try:
        errors, _elapsed = run_writers(jobs)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert errors == []
    assert len(totals) > 1
    assert totals == sorted(totals) and totals[-1] <= 4 * 3 * EACH
    report = accompanied_activity_report(fiscal_year=2025, today=datetime.date(2026, 5, 1))
    assert report["total"] == 4 * 3 * EACH and report["unique_cases"] == 4
    assert rollups.rollup_drift() == []
    rollups.apply_rollup_changes()
    rollups.compact_rollups()
    assert accompanied_activity_report(fiscal_year=2025, today=datetime.date(2026, 5, 1)) == report
    assert rollups.rollup_drift() == []
