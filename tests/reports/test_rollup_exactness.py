"""The 延件数 roll-ups are exactly a full recount, after any sequence of casework writes (issue #15).

A hypothesis state machine logs activities (with and without partners, at instants on the month and
fiscal-year edges in Tokyo), edits them (time across an edge, kind, partners added and removed), voids them,
transfers cases between areas, changes a case's main issue, imports ledgers, applies the pending cases,
compacts the roll-ups and rotates the encryption keys, in random order (so the readers fold in whatever
is pending at that moment, from nothing to every case). After every step the report's figures — totals,
months, unique cases, every breakdown — equal the row-based figures (`_monthly_counts` and `_breakdowns` over
`counted_activities`, the queries the report used before the roll-ups and the drill-down still uses), and
`rollup_drift()` finds nothing. Runs on whichever database runs the suite (SQLite and PostgreSQL in CI).
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from casework import encryption, rotation
from casework import services as casework_services
from casework.imports.ledger import ledger_import
from casework.models import Activity, ActivityKind, Case
from network.fiscal import TOKYO
from reports import rollups
from reports.indicators import counted_activities
from reports.selectors import (
    _breakdowns,
    _monthly_counts,
    accompanied_activity_report,
    unique_cases_by_month,
    unique_cases_in_year,
)
from tests import factories
from tests.casework.imports.ledgers import activity_row, case_row, workbook

pytestmark = pytest.mark.django_db

# Tokyo wall-clock instants on and around the edges (the previous day in UTC).
INSTANTS = [
    datetime.datetime(2024, 4, 1, 0, 0, tzinfo=TOKYO),
    datetime.datetime(2024, 12, 31, 23, 59, tzinfo=TOKYO),
    datetime.datetime(2025, 1, 1, 0, 0, tzinfo=TOKYO),
    datetime.datetime(2025, 3, 31, 23, 59, tzinfo=TOKYO),
    datetime.datetime(2025, 4, 1, 0, 0, tzinfo=TOKYO),
    datetime.datetime(2025, 4, 30, 23, 59, tzinfo=TOKYO),
    datetime.datetime(2025, 5, 1, 0, 0, tzinfo=TOKYO),
    datetime.datetime(2025, 5, 15, 9, 30, tzinfo=TOKYO),
]
FISCAL_YEARS = (2024, 2025)
THROUGH = ((2024, 12), (2025, 4))  # "as of" a month: the cut-off must match too
KINDS = [ActivityKind.VISIT, ActivityKind.PHONE, ActivityKind.ACCOMPANY]
ISSUES = ["8050", "poverty", "hikikomori"]
_source_numbers = itertools.count(1)


def row_based_figures(fiscal_year: int, through: tuple[int, int] | None = None) -> dict:
    """The report's figures as the rows give them (the reference)."""
    until = None
    if through is not None:
        y, m = (through[0] + 1, 1) if through[1] == 12 else (through[0], through[1] + 1)
        until = datetime.datetime(y, m, 1, tzinfo=TOKYO)
    counted = counted_activities(fiscal_year=fiscal_year, until=until)
    monthly = _monthly_counts(counted)
    return {
        "total": counted.count(),
        "unique_cases": counted.aggregate(n=Count("case_id", distinct=True))["n"],
        "months": {f"{y:04d}-{m:02d}": (v["count"], v["cases"]) for (y, m), v in monthly.items()},
        **_breakdowns(counted, fiscal_year=fiscal_year),
    }


def report_figures(fiscal_year: int, through: tuple[int, int] | None = None) -> dict:
    report = accompanied_activity_report(
        fiscal_year=fiscal_year, through=through, today=datetime.date(2026, 11, 1)
    )
    return {
        "total": report["total"],
        "unique_cases": report["unique_cases"],
        "months": {m["month"]: (m["count"], m["unique_cases"]) for m in report["months"] if m["count"]},
        **{key: report[key] for key in ("by_area", "by_kind", "by_issue", "by_agency")},
    }


class RollupMachine(RuleBasedStateMachine):
    """Each example runs in a savepoint rolled back at teardown; the world (areas, staff, agencies) is the
    test's."""

    world: dict = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.activities: list[int] = []
        self.cases: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---

    def _team_member(self, case: Case):
        return self.world["caseworkers"][case.area_id]

    def _activity(self, pick: int) -> Activity:
        return Activity.objects.select_related("case").get(pk=self.activities[pick % len(self.activities)])

    def _agencies(self, picks: list[int]):
        agencies = self.world["agencies"]
        return [agencies[i] for i in sorted(set(picks))]

    @initialize(area=st.integers(0, 1))
    def open_first_case(self, area):
        self.open_case(area=area, issue=0)

    # --- the writes ---

    @rule(area=st.integers(0, 1), issue=st.integers(0, len(ISSUES) - 1))
    def open_case(self, area, issue):
        area = self.world["areas"][area]
        case = factories.make_case(
            by=self.world["caseworkers"][area.pk], area=area, issues=[ISSUES[issue]], main_issue=ISSUES[issue]
        )
        self.cases.append(case.pk)

    @rule(
        pick=st.integers(0, 1000),
        when=st.sampled_from(INSTANTS),
        kind=st.sampled_from(KINDS),
        agencies=st.lists(st.integers(0, 2), max_size=3),
    )
    def log(self, pick, when, kind, agencies):
        case = Case.objects.get(pk=self.cases[pick % len(self.cases)])
        activity = factories.log_activity(
            case, by=self._team_member(case), when=when, kind=kind, agencies=self._agencies(agencies)
        )
        self.activities.append(activity.pk)

    @rule(
        pick=st.integers(0, 1000),
        when=st.none() | st.sampled_from(INSTANTS),
        kind=st.none() | st.sampled_from(KINDS),
        agencies=st.none() | st.lists(st.integers(0, 2), max_size=3),
    )
    def edit(self, pick, when, kind, agencies):
        if not self.activities:
            return
        activity = Activity.objects.select_related("case").get(
            pk=self.activities[pick % len(self.activities)]
        )
        if activity.voided:
            return
        casework_services.activity_edit(
            activity=activity,
            edited_by=self._team_member(activity.case),
            occurred_at=when,
            kind=kind,
            partner_agencies=None if agencies is None else self._agencies(agencies),
            note="架空の支援記録（訂正）",  # a phone call may have none; a visit may not
        )

    @rule(pick=st.integers(0, 1000))
    def void(self, pick):
        if not self.activities:
            return
        activity = Activity.objects.select_related("case").get(
            pk=self.activities[pick % len(self.activities)]
        )
        if activity.voided:
            return
        casework_services.activity_void(
            activity=activity, voided_by=self._team_member(activity.case), reason="重複入力"
        )

    @rule(pick=st.integers(0, 1000))
    def transfer(self, pick):
        case = Case.objects.get(pk=self.cases[pick % len(self.cases)])
        to_area = next(a for a in self.world["areas"] if a.pk != case.area_id)
        casework_services.case_transfer(case=case, to_area=to_area, transferred_by=self.world["manager"])

    @rule(pick=st.integers(0, 1000), issue=st.sampled_from(ISSUES))
    def change_main_issue(self, pick, issue):
        case = Case.objects.get(pk=self.cases[pick % len(self.cases)])
        casework_services.case_update(
            case=case, updated_by=self._team_member(case), issues=[issue], main_issue=issue
        )

    @rule(
        area=st.integers(0, 1),
        rows=st.lists(
            st.tuples(st.sampled_from(INSTANTS), st.lists(st.integers(0, 2), max_size=2)),
            min_size=1,
            max_size=3,
        ),
    )
    def import_ledger(self, area, rows):
        area = self.world["areas"][area]
        number = str(next(_source_numbers))
        activities = [
            activity_row(
                number,
                day=f"{when:%Y/%m/%d}",
                time=f"{when:%H:%M}",
                agencies="、".join(self.world["agencies"][i].code for i in sorted(set(picks))),
                note=f"取込{number}-{position}",
            )
            for position, (when, picks) in enumerate(rows)
        ]
        path = workbook(
            self.world["tmp_path"] / f"ledger-{number}.xlsx",
            cases=[case_row(number, "2024/4/1", main="生活困窮")],
            activities=activities,
        )
        result = ledger_import(path=path, area=area, imported_by=self.world["manager"])
        assert result.written, result
        case = Case.objects.get(area=area, source_number=number)
        self.cases.append(case.pk)
        self.activities.extend(Activity.objects.filter(case=case).values_list("pk", flat=True))

    @rule()
    def compact(self):
        rollups.compact_rollups()

    @rule()
    def apply_pending_cases(self):
        """Beat's minute pass; between passes the readers fold the pending cases in themselves."""
        rollups.apply_rollup_changes(batch=2)  # small batches: several passes of the loop

    @rule()
    def rotate_keys(self):
        settings = self.world["settings"]
        key_id = "k" + "".join(chr(ord("a") + int(d)) for d in str(next(_source_numbers)))
        keys = f"{key_id}:{encryption.generate_key()},{settings.FIELD_ENCRYPTION_KEYS}"
        settings.FIELD_ENCRYPTION_KEYS = keys
        for column in rotation.encrypted_columns():
            if column.table in ("casework_activity", "casework_case"):
                rotation.rotate_column(column)

    # --- what must always hold ---

    @invariant()
    def the_report_is_the_recount(self):
        for fiscal_year in FISCAL_YEARS:
            assert report_figures(fiscal_year) == row_based_figures(fiscal_year)
        for through in THROUGH:
            fiscal_year = through[0] if through[1] >= 4 else through[0] - 1
            assert report_figures(fiscal_year, through) == row_based_figures(fiscal_year, through)

    @invariant()
    def verify_finds_no_drift(self):
        assert rollups.rollup_drift() == []


MACHINE_SETTINGS = hypothesis_settings(
    max_examples=6,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_rollups_equal_the_recount_after_any_sequence_of_writes(
    area, other_area, caseworker, other_caseworker, manager, tmp_path, settings
):
    settings.FIELD_ENCRYPTION_KEYS = f"old:{encryption.generate_key()}"
    RollupMachine.world = {
        "areas": [area, other_area],
        "caseworkers": {area.pk: caseworker, other_area.pk: other_caseworker},
        "agencies": [factories.make_agency(f"rollup-{i}") for i in range(3)],
        "manager": manager,
        "tmp_path": tmp_path,
        "settings": settings,
    }
    run_state_machine_as_test(RollupMachine, settings=MACHINE_SETTINGS)


def test_unique_cases_by_month_is_the_distinct_cases_of_each_month(area, other_area, caseworker, partner):
    case = factories.make_case(by=caseworker, area=area)
    other = factories.make_case(by=caseworker, area=area)
    for when in (INSTANTS[3], INSTANTS[3] - datetime.timedelta(days=2), INSTANTS[4]):
        factories.log_activity(case, by=caseworker, when=when, agencies=[partner])
    factories.log_activity(other, by=caseworker, when=INSTANTS[3], agencies=[partner])
    factories.log_activity(other, by=caseworker, when=INSTANTS[4])  # no partner: not counted
    assert unique_cases_by_month(fiscal_year=2024) == {(2025, 3): 2}
    assert unique_cases_by_month(fiscal_year=2025) == {(2025, 4): 1}
    assert unique_cases_by_month(fiscal_year=2024, by_area=True) == {(2025, 3, area.pk): 2}
    assert unique_cases_by_month(fiscal_year=2024, through=(2025, 2)) == {}
    assert unique_cases_in_year(fiscal_year=2024) == {"total": 2, "by_area": {area.pk: 2}}
    assert unique_cases_in_year(fiscal_year=2025) == {"total": 1, "by_area": {area.pk: 1}}
