"""`manage.py verify_rollups [--repair]`, the nightly beat task, the compaction task and the data migration
that builds the roll-ups of the activities already recorded (reports/rollups.py)."""

import datetime
import logging
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.core.management.base import CommandError

from config.celery_app import app
from reports import rollups, tasks
from reports.models import RollupCases, RollupCaseState, RollupCount, RollupPendingCase, RollupScope
from reports.schedule import BEAT_SCHEDULE
from reports.selectors import accompanied_activity_report
from tests import factories
from tests.migrating import historical_case_maker, migrate_to, migrate_to_latest

from .conftest import jst

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(case, caseworker, partner, partner_b, other_area, other_caseworker):
    """A few counted activities in FY2024 and FY2025, in two areas, one voided, one without partners."""
    factories.log_activity(case, by=caseworker, when=jst(2025, 3, 31, 23, 59), agencies=[partner])
    factories.log_activity(case, by=caseworker, when=jst(2025, 4, 1, 0, 0), agencies=[partner, partner_b])
    factories.log_activity(case, by=caseworker, when=jst(2024, 10, 1), agencies=[])
    other = factories.make_case(by=other_caseworker, area=other_area, name="架空 花子", kana="カクウ ハナコ")
    factories.log_activity(other, by=other_caseworker, when=jst(2024, 10, 2), agencies=[partner_b])
    voided = factories.log_activity(other, by=other_caseworker, when=jst(2024, 10, 3), agencies=[partner])
    from casework.services import activity_void

    activity_void(activity=voided, voided_by=other_caseworker, reason="重複入力")
    rollups.apply_rollup_changes()  # as beat does every minute
    return {"cases": [case, other]}


def verify(*args) -> str:
    out = StringIO()
    call_command("verify_rollups", *args, stdout=out)
    return out.getvalue()


def test_roll_ups_kept_by_the_services_match_the_recount(year):
    assert rollups.rollup_drift() == []
    assert "roll-ups match the recount" in verify()


def test_a_deleted_delta_row_is_drift_and_the_command_fails(year, area):
    RollupCount.objects.filter(area=area, agency__isnull=True).order_by("id").first().delete()

    with pytest.raises(CommandError, match="drift from the recount"):
        verify()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_rollups", stdout=out)
    assert f"area={area.code}" in out.getvalue() and "expected 1, stored 0" in out.getvalue()


def test_an_altered_distinct_case_row_is_drift_in_its_fiscal_year_only(year):
    row = RollupCases.objects.filter(scope=RollupScope.YEAR, month=datetime.date(2024, 10, 1)).first()
    row.n += 5
    row.save(update_fields=["n"])

    with pytest.raises(CommandError):
        verify("--fiscal-year", "2024")
    assert "roll-ups match the recount (FY2025)" in verify("--fiscal-year", "2025")


def test_repair_rewrites_the_roll_ups_to_the_recount(year, area):
    before = accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1))
    RollupCount.objects.filter(area=area).delete()
    june = datetime.date(2024, 6, 1)
    RollupCount.objects.create(month=june, area=area, kind="visit", main_issue="8050", n=7)
    assert accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1)) != before

    out = verify("--repair")

    assert "repaired" in out
    assert rollups.rollup_drift() == []
    assert accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1)) == before


def test_drift_lines_name_codes_never_a_case_or_a_person(year, area):
    RollupCount.objects.all().delete()
    RollupCases.objects.all().delete()
    text = "\n".join(rollups.drift_lines(rollups.rollup_drift()))
    assert area.code in text
    for case in year["cases"]:
        assert case.number not in text and case.household_name not in text
        assert case.household_name_kana not in text


def test_compaction_folds_deltas_into_one_row_per_key_and_changes_no_figure(year, case, caseworker, partner):
    activity = factories.log_activity(case, by=caseworker, when=jst(2024, 11, 5), agencies=[partner])
    rollups.apply_rollup_changes()  # +1 Nov
    from casework.services import activity_edit

    activity_edit(activity=activity, edited_by=caseworker, occurred_at=jst(2024, 12, 5))
    rollups.apply_rollup_changes()  # −1 Nov, +1 Dec
    report = accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1))
    rows_before = RollupCount.objects.count() + RollupCases.objects.count()

    first = tasks.compact_rollups.apply().get()
    rows_after = RollupCount.objects.count() + RollupCases.objects.count()
    assert rows_after < rows_before
    for model, fields in ((RollupCount, rollups.COUNT_FIELDS), (RollupCases, rollups.CASES_FIELDS)):
        keys = list(model.objects.values_list(*fields))
        assert len(keys) == len(set(keys))  # one row per key
        assert not model.objects.filter(n=0).exists()  # zero sums dropped
    assert not RollupCount.objects.filter(month=datetime.date(2024, 11, 1)).exists()  # the moved activity
    assert accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1)) == report
    assert rollups.rollup_drift() == []

    second = tasks.compact_rollups.apply().get()  # idempotent
    assert {table: after for table, (_b, after) in second.items()} == {
        table: after for table, (_b, after) in first.items()
    }
    assert accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1)) == report


def test_beat_applies_every_minute_compacts_every_ten_and_verifies_nightly():
    apply_entry = BEAT_SCHEDULE["reports-apply-rollup-changes"]
    assert apply_entry["task"] == "reports.tasks.apply_rollup_changes" in app.tasks
    assert apply_entry["schedule"] == crontab(minute="*")
    compact, verify_entry = BEAT_SCHEDULE["reports-compact-rollups"], BEAT_SCHEDULE["reports-verify-rollups"]
    assert compact["task"] == "reports.tasks.compact_rollups"
    assert compact["schedule"] == crontab(minute="*/10")
    assert verify_entry["task"] == "reports.tasks.verify_rollups"
    assert verify_entry["schedule"] == crontab(minute=30, hour=3)
    assert {"reports-compact-rollups", "reports-verify-rollups"} <= set(app.conf.beat_schedule)
    assert {compact["task"], verify_entry["task"]} <= set(app.tasks)


def test_a_writer_adds_one_pending_row_and_readers_fold_it_in_before_beat_applies_it(
    year, case, caseworker, partner
):
    report = accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1))
    rows = RollupCount.objects.count() + RollupCases.objects.count()

    factories.log_activity(case, by=caseworker, when=jst(2024, 11, 5), agencies=[partner])
    factories.log_activity(case, by=caseworker, when=jst(2024, 11, 6), agencies=[])  # counts nowhere: no row

    assert list(RollupPendingCase.objects.values_list("case_id", flat=True)) == [case.pk]
    assert RollupCount.objects.count() + RollupCases.objects.count() == rows  # nothing written yet
    folded = accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1))
    assert folded["total"] == report["total"] + 1  # exact at once: the reader folds the pending case in
    assert rollups.rollup_drift() == []

    assert tasks.apply_rollup_changes.apply().get() == 1
    assert not RollupPendingCase.objects.exists()
    assert RollupCount.objects.count() + RollupCases.objects.count() > rows
    assert accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1)) == folded
    state = RollupCaseState.objects.get(case_id=case.pk)
    assert ["2024-11-01", case.area_id, "visit", [partner.pk]] in state.activities
    assert tasks.apply_rollup_changes.apply().get() == 0  # nothing pending: nothing done
    assert rollups.rollup_drift() == []


def test_the_nightly_task_logs_drift_as_an_error_without_personal_data_and_repairs(year, area, caplog):
    RollupCount.objects.filter(area=area).delete()

    with caplog.at_level(logging.INFO, logger="reports.tasks"):
        drifted = tasks.verify_rollups.apply().get()

    assert drifted > 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    message = errors[0].getMessage()
    assert "drifted" in message and f"area={area.code}" in message
    for case in year["cases"]:
        assert case.number not in message and case.household_name not in message
    assert rollups.rollup_drift() == []


def test_the_nightly_task_is_quiet_when_nothing_drifted(year, caplog):
    with caplog.at_level(logging.INFO, logger="reports.tasks"):
        assert tasks.verify_rollups.apply().get() == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.django_db(transaction=True)
def test_the_migration_builds_the_roll_ups_of_existing_activities():
    apps = migrate_to([("reports", "0002_snapshot_insert_only"), ("casework", "0021_national_categories")])
    try:
        make_case = historical_case_maker(apps)
        Activity = apps.get_model("casework", "Activity")
        Agency = apps.get_model("network", "Agency")
        agency = Agency.objects.create(code="mig-agency", name="移行機関", kind="comprehensive_care")
        case = make_case("2024-0001")
        for when, partners, voided in (
            (jst(2025, 3, 31, 23, 59), [agency], False),
            (jst(2025, 4, 1, 0, 0), [agency], False),
            (jst(2025, 4, 2), [], False),
            (jst(2025, 4, 3), [agency], True),
        ):
            activity = Activity.objects.create(
                case=case,
                area=case.area,
                occurred_at=when,
                kind="visit",
                staff=make_case.user,
                logged_by=make_case.user,
                has_partner=bool(partners),
                voided=voided,
            )
            activity.partner_agencies.set(partners)

        migrate_to([("reports", "0004_rollup_pending_cases")])

        assert rollups.rollup_drift() == []
        state = RollupCaseState.objects.get(case_id=case.pk)  # what the case contributes, to diff against
        assert [entry[0] for entry in state.activities] == ["2025-03-01", "2025-04-01"]
        report = accompanied_activity_report(fiscal_year=2025, today=datetime.date(2026, 5, 1))
        assert report["total"] == 1 and report["unique_cases"] == 1
        assert report["by_agency"][0]["agency"] == "mig-agency"
        assert accompanied_activity_report(fiscal_year=2024, today=datetime.date(2025, 5, 1))["total"] == 1
    finally:
        migrate_to_latest()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_entry_and_logs_drift_as_an_error(tmp_path, area, partner):
    """The beat entry's task, sent as beat sends it (by name), run by a real worker on the test database."""
    import time

    from tests.celery_worker import running_worker

    caseworker = factories.make_staff("cw_worker_rollups", area=area)
    case = factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")
    factories.log_activity(case, by=caseworker, when=jst(2025, 4, 1, 0, 0), agencies=[partner])
    log_path = tmp_path / "worker.log"

    def wait_for(done):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done():
            assert worker.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.3)

    with running_worker(log_path) as worker:
        app.send_task(BEAT_SCHEDULE["reports-apply-rollup-changes"]["task"])  # as beat sends it: by name
        wait_for(lambda: not RollupPendingCase.objects.exists() and RollupCount.objects.exists())
        assert RollupCaseState.objects.filter(case_id=case.pk).exists()
        RollupCount.objects.all().delete()  # planted drift
        app.send_task(BEAT_SCHEDULE["reports-verify-rollups"]["task"])
        wait_for(RollupCount.objects.exists)
        time.sleep(1)  # let the worker flush its log line

    assert rollups.rollup_drift() == []  # repaired by the worker
    log = log_path.read_text()
    drift_lines = [line for line in log.splitlines() if "drifted from the recount" in line]
    assert drift_lines and all("ERROR" in line for line in drift_lines), log[-3000:]
    assert case.number not in log and case.household_name not in log and case.household_name_kana not in log
