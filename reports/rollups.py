"""The roll-ups of 伴走支援活動延件数 (DESIGN.md §2, §5): what the report, its exports and the snapshots read,
so a fiscal year's report reads O(months × breakdowns) rows instead of every activity.

The counting rule is the one of `reports.indicators.counted_activities` (non-voided, ≥1 partner agency,
month and fiscal year by Asia/Tokyo). Two insert-only delta tables (reports.models):

- `RollupCount` — counts: (month, area, kind, main issue) once per activity, and (month, agency) once per
  partner agency of the activity;
- `RollupCases` — distinct cases (実件数): per month (overall and per area), and, for the fiscal year up
  to any month, the month of each case's first counted activity of the year (overall, per main issue, per
  area, per agency).

Writes: casework's services send `casework.events.activity_changed` / `case_main_issue_changed` inside
their transaction; when what counts changed, the receivers add one row naming the case to
`RollupPendingCase`, in that same transaction. That is all a writer does: it reads nothing and locks nothing,
so eight caseworkers logging into the same area and month never wait on each other.

`apply_rollup_changes` (beat, every minute) takes the pending cases and writes, as insert-only deltas, the
difference between each case's figures now and its stored `RollupCaseState`, then stores the new state.
Until then every reader (`rollup_sums`, `month_case_sums`, `rollup_drift`) folds the pending cases in
itself, reading roll-ups, states and pending rows in one snapshot (`one_snapshot`): the figures are exact
the moment the writer commits.

`compact_rollups` (beat) folds the deltas into one row per key; `rollup_drift` / `rebuild_rollups`
(`manage.py verify_rollups [--repair]`, nightly by beat) recount from the activities and repair.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import Count, FilteredRelation, Q, Sum
from django.db.models.functions import TruncMonth

from network.fiscal import TOKYO, fiscal_year_bounds, fiscal_year_of_date

# (month, area_id, kind, main_issue, agency_id)
CountKey = tuple[datetime.date, int | None, str, str, int | None]
# (month, scope, area_id, agency_id, main_issue)
CasesKey = tuple[datetime.date, str, int | None, int | None, str]

MONTH, YEAR = "month", "year"


def month_of(value) -> datetime.date:
    """The first day of the Asia/Tokyo month of an aware datetime (or of a TruncMonth result)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TOKYO)
        return datetime.date(value.year, value.month, 1)
    return datetime.date(value.year, value.month, 1)


def fiscal_year_months(fiscal_year: int, *, until: datetime.datetime | None = None) -> tuple:
    """[first month, month after the last) of a fiscal year, cut short at `until` (a Tokyo month start)."""
    start, end = fiscal_year_bounds(fiscal_year)
    if until is not None and until < end:
        end = until
    return month_of(start), month_of(end)


@dataclass(frozen=True)
class Contribution:
    """What one counted activity adds to the roll-ups; None for an activity that counts nowhere."""

    month: datetime.date
    area_id: int
    kind: str
    agency_ids: tuple[int, ...]


def contribution(facts) -> Contribution | None:
    if facts is None or facts.voided or not facts.has_partner:
        return None
    return Contribution(month_of(facts.occurred_at), facts.area_id, facts.kind, tuple(facts.agency_ids))


def case_keys(
    areas: Iterable[tuple[datetime.date, int]], agencies: Iterable[tuple[datetime.date, int]], main_issue: str
) -> Counter:
    """One case's part of the distinct-case figures, from the (month, area) and (month, agency) pairs of its
    counted activities. Every value is 1: a case counts once per key."""
    areas, agencies = set(areas), set(agencies)
    keys: Counter = Counter()
    first: dict[int, datetime.date] = {}
    first_in_area: dict[tuple[int, int], datetime.date] = {}
    first_with_agency: dict[tuple[int, int], datetime.date] = {}
    for month, area_id in areas:
        keys[(month, MONTH, None, None, "")] = 1
        keys[(month, MONTH, area_id, None, "")] = 1
        fy = fiscal_year_of_date(month)
        if fy not in first or month < first[fy]:
            first[fy] = month
        if (fy, area_id) not in first_in_area or month < first_in_area[(fy, area_id)]:
            first_in_area[(fy, area_id)] = month
    for month, agency_id in agencies:
        fy = fiscal_year_of_date(month)
        if (fy, agency_id) not in first_with_agency or month < first_with_agency[(fy, agency_id)]:
            first_with_agency[(fy, agency_id)] = month
    for month in first.values():
        keys[(month, YEAR, None, None, "")] = 1
        keys[(month, YEAR, None, None, main_issue)] = 1
    for (_fy, area_id), month in first_in_area.items():
        keys[(month, YEAR, area_id, None, "")] = 1
    for (_fy, agency_id), month in first_with_agency.items():
        keys[(month, YEAR, None, agency_id, "")] = 1
    return keys


def _models(apps=None):
    apps = apps or global_apps
    return (
        apps.get_model("casework", "Activity"),
        apps.get_model("casework", "Case"),
        apps.get_model("reports", "RollupCount"),
        apps.get_model("reports", "RollupCases"),
    )


_COUNT_INSERT = "INSERT INTO reports_rollup_count (month, area_id, kind, main_issue, agency_id, n) VALUES "
_CASES_INSERT = "INSERT INTO reports_rollup_cases (month, scope, area_id, agency_id, main_issue, n) VALUES "


def _insert_deltas(counts: dict, cases: dict) -> None:
    """Deltas in one statement on PostgreSQL (both tables through a data-modifying CTE when both have rows),
    written without the ORM; elsewhere two bulk inserts."""
    counts = {k: n for k, n in counts.items() if n}
    cases = {k: n for k, n in cases.items() if n}
    if connection.vendor != "postgresql":
        _insert(counts, cases)
        return
    row = "(%s, %s, %s, %s, %s, %s)"
    parts = [
        (head + ", ".join([row] * len(deltas)), [v for key, n in deltas.items() for v in (*key, n)])
        for head, deltas in ((_COUNT_INSERT, counts), (_CASES_INSERT, cases))
        if deltas
    ]
    if not parts:
        return
    sql = parts[-1][0] if len(parts) == 1 else f"WITH c AS ({parts[0][0]}) {parts[1][0]}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for _sql, values in parts for v in values])


def _insert(counts: dict, cases: dict, *, apps=None) -> None:
    _a, _c, RollupCount, RollupCases = _models(apps)
    if counts:
        RollupCount.objects.bulk_create(
            (
                RollupCount(month=m, area_id=area, kind=kind, main_issue=issue, agency_id=agency, n=n)
                for (m, area, kind, issue, agency), n in counts.items()
                if n
            ),
            batch_size=5000,
        )
    if cases:
        RollupCases.objects.bulk_create(
            (
                RollupCases(month=m, scope=scope, area_id=area, agency_id=agency, main_issue=issue, n=n)
                for (m, scope, area, agency, issue), n in cases.items()
                if n
            ),
            batch_size=5000,
        )


# --- what one case contributes ---------------------------------------------------------------------------

# A case's counted activities: (month, area id, kind, agency ids), one per activity.
Counted = tuple[datetime.date, int, str, tuple[int, ...]]


def case_figures(main_issue: str | None, activities: Iterable[Counted]) -> tuple[Counter, Counter]:
    """Everything one case adds to the roll-ups: its count keys (once per activity, once per partner) and
    its distinct-case keys. No activities: nothing."""
    counts: Counter = Counter()
    areas, agencies = set(), set()
    for month, area_id, kind, agency_ids in activities:
        counts[(month, area_id, kind, main_issue, None)] += 1
        areas.add((month, area_id))
        for agency_id in agency_ids:
            counts[(month, None, "", "", agency_id)] += 1
            agencies.add((month, agency_id))
    return counts, case_keys(areas, agencies, main_issue)


@functools.cache
def _cases_read_sql() -> str:
    """PostgreSQL's read of `_current`, written once per process: each case left-joined to its counted
    activities (reports.indicators' rule: not voided, at least one partner) and their partner agencies. The
    month is Asia/Tokyo's, computed by the database."""
    Activity, Case, *_ = _models()
    partners = Activity.partner_agencies.through._meta.db_table
    month = f"(date_trunc('month', a.occurred_at AT TIME ZONE '{TOKYO.key}'))::date"
    return (  # table names and a zone name only, from the models and network.fiscal
        f"SELECT c.id, c.main_issue, a.id, {month}, a.area_id, a.kind, p.agency_id "  # noqa: S608
        f"FROM {Case._meta.db_table} c "
        f"LEFT JOIN {Activity._meta.db_table} a ON a.case_id = c.id AND a.has_partner AND NOT a.voided "
        f"LEFT JOIN {partners} p ON p.activity_id = a.id WHERE c.id = ANY(%s)"
    )


def _current(case_ids: list[int]) -> dict[int, tuple[str, list[Counted]]]:
    """Each case's main issue and counted activities as committed now (a case gone: absent)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_cases_read_sql(), [list(case_ids)])
            rows = cursor.fetchall()
    else:
        _activity, Case, *_ = _models()
        rows = [
            row
            for i in range(0, len(case_ids), 500)  # SQLite's limit on a statement's parameters
            for row in _sqlite_case_rows(Case, case_ids[i : i + 500])
        ]
    issues: dict[int, str] = {}
    activity_rows = []
    for case_id, main_issue, *activity in rows:
        issues[case_id] = main_issue
        if activity[0] is not None:
            activity_rows.append((case_id, *activity))
    counted = _by_case(activity_rows)
    return {case_id: (issue, counted.get(case_id, [])) for case_id, issue in issues.items()}


def _by_case(rows: Iterable[tuple]) -> dict[int, list[Counted]]:
    """(case, activity, month or occurred_at, area, kind, agency) rows, one per partner agency, as each
    case's counted activities in order."""
    found: dict[int, dict[int, tuple]] = defaultdict(dict)
    for case_id, activity_id, when, area_id, kind, agency_id in rows:
        entry = found[case_id].get(activity_id)
        if entry is None:
            entry = found[case_id][activity_id] = (month_of(when), area_id, kind, set())
        if agency_id is not None:
            entry[3].add(agency_id)
    return {
        case_id: sorted((m, area, kind, tuple(sorted(ags))) for m, area, kind, ags in activities.values())
        for case_id, activities in found.items()
    }


def _sqlite_case_rows(Case, case_ids: list[int]):
    return (
        Case.objects.using(connection.alias)
        .filter(pk__in=case_ids)
        .annotate(
            counted=FilteredRelation(
                "activities", condition=Q(activities__voided=False, activities__has_partner=True)
            )
        )
        .values_list(
            "id",
            "main_issue",
            "counted__id",
            "counted__occurred_at",
            "counted__area_id",
            "counted__kind",
            "counted__partner_agencies",
        )
        .order_by()
    )


def _as_entries(activities: list[Counted]) -> list:
    return [[m.isoformat(), area, kind, list(agencies)] for m, area, kind, agencies in activities]


def _from_entries(entries: list) -> list[Counted]:
    return [
        (datetime.date.fromisoformat(m), area, kind, tuple(agencies)) for m, area, kind, agencies in entries
    ]


def _states(case_ids: list[int]) -> dict[int, tuple[str, list[Counted]]]:
    State = global_apps.get_model("reports", "RollupCaseState")
    return {
        case_id: (issue, _from_entries(entries))
        for case_id, issue, entries in State.objects.using(connection.alias)
        .filter(case_id__in=case_ids)
        .values_list("case_id", "main_issue", "activities")
    }


def _changes(case_ids: list[int]) -> tuple[Counter, Counter, dict]:
    """What the roll-ups lack for these cases: their figures now minus those of their stored states, and
    the cases' figures now (to store)."""
    now, then = _current(case_ids), _states(case_ids)
    counts: Counter = Counter()
    cases: Counter = Counter()
    for case_id in case_ids:
        current, stored = now.get(case_id, (None, [])), then.get(case_id, (None, []))
        if current == stored or (not current[1] and not stored[1]):
            continue
        new_counts, new_cases = case_figures(*current)
        old_counts, old_cases = case_figures(*stored)
        counts.update(new_counts)
        counts.subtract(old_counts)
        cases.update(new_cases)
        cases.subtract(old_cases)
    return _nonzero(counts), _nonzero(cases), now


def _nonzero(counter: Counter) -> Counter:
    return Counter({key: n for key, n in counter.items() if n})


# --- writers: mark the case ---------------------------------------------------------------------------------

_PENDING_INSERT = "INSERT INTO reports_rollup_pending (case_id) VALUES (%s)"


def _mark_changed(case_id: int) -> None:
    """The whole of a writer's roll-up work: one row naming the case, in the writer's transaction, so it
    commits or rolls back with the change. Nothing is read and nothing locked."""
    with connection.cursor() as cursor:
        cursor.execute(_PENDING_INSERT, [int(case_id)])


def activity_changed_receiver(sender, *, case_id, activity_id, before, after, **kwargs) -> None:
    if contribution(before) == contribution(after):  # minutes or note edited, or nothing that counts changed
        return
    _mark_changed(case_id)


def case_main_issue_changed_receiver(sender, *, case_id, before, after, **kwargs) -> None:
    """Every activity of a case is reported under the case's current main issue."""
    if before != after:
        _mark_changed(case_id)


# --- applying the pending cases (beat) -------------------------------------------------------------------


def _lock_against_appliers(mode: str) -> None:
    """Appliers serialise on the state table (SHARE ROW EXCLUSIVE conflicts with itself): each reads the
    states after the previous one committed. A rebuild takes the same mode on every roll-up table; a
    reader in a caller's transaction takes SHARE, which lets readers through and holds appliers off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE reports_rollup_case_state IN {mode} MODE")


_TAKE_PENDING = (
    "DELETE FROM reports_rollup_pending WHERE case_id IN "
    "(SELECT case_id FROM reports_rollup_pending ORDER BY id LIMIT %s) RETURNING case_id"
)


def apply_rollup_changes(*, batch: int = 500) -> int:
    """Turn the pending cases into deltas, a batch per transaction: take (delete) their pending rows, read
    their figures now, write the difference from their stored states, store the new states. A write that
    commits after the delete leaves its own row behind for the next pass; one that commits between the
    delete and the read is taken in now and again next time, as a difference of zero. Idempotent; writers
    never wait on it. Returns the number of cases applied."""
    State = global_apps.get_model("reports", "RollupCaseState")
    applied = 0
    while True:
        with transaction.atomic():
            _lock_against_appliers("SHARE ROW EXCLUSIVE")
            with connection.cursor() as cursor:
                cursor.execute(_TAKE_PENDING, [batch])
                case_ids = sorted({case_id for (case_id,) in cursor.fetchall()})
            if not case_ids:
                return applied
            counts, cases, now = _changes(case_ids)
            _insert_deltas(counts, cases)
            State.objects.filter(case_id__in=case_ids).delete()
            State.objects.bulk_create(
                State(case_id=case_id, main_issue=issue, activities=_as_entries(activities))
                for case_id, (issue, activities) in now.items()
                if activities
            )
        applied += len(case_ids)


def pending_changes() -> tuple[Counter, Counter]:
    """What the pending cases add to the stored roll-ups, read-only: a reader folds it in, in the snapshot
    it reads the roll-ups in (`one_snapshot`), so its figures are exact before the next apply."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT case_id FROM reports_rollup_pending")
        case_ids = sorted(case_id for (case_id,) in cursor.fetchall())
    if not case_ids:
        return Counter(), Counter()
    counts, cases, _now = _changes(case_ids)
    return counts, cases


@contextlib.contextmanager
def _transaction_of_one_moment():
    """A transaction whose reads all see one moment: REPEATABLE READ on PostgreSQL (SQLite's transaction is
    a snapshot already), unless nested in a caller's transaction, which has chosen its level."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:  # SET TRANSACTION must come first
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


@contextlib.contextmanager
def one_snapshot():
    """Read the roll-ups, the states and the pending cases as of one moment, all on the primary
    (`connection`, also inside `replica_reads()`: a replica may lag the pending rows folded in). On
    PostgreSQL, a REPEATABLE READ transaction of its own (read-only work: it never fails to serialise);
    inside a caller's transaction, a SHARE lock on the states keeps an applier from committing between the
    reads. SQLite's transaction is a snapshot already."""
    if connection.in_atomic_block:
        _lock_against_appliers("SHARE")
        yield
        return
    with _transaction_of_one_moment():
        yield


# --- recount, verify, repair ---------------------------------------------------------------------------


def recount(*, fiscal_year: int | None = None, apps=None) -> tuple[Counter, Counter]:
    """The roll-ups as a full recount from the activities gives them (one row per key, no zeros): the
    reference `verify_rollups` compares with, and what a repair writes. A few GROUP BY queries; the
    distinct-case keys are built per case from its (month, area) and (month, agency) pairs."""
    Activity, Case, _rc, _rcs = _models(apps)
    counted = Activity.objects.filter(voided=False, has_partner=True)
    if fiscal_year is not None:
        start, end = fiscal_year_bounds(fiscal_year)
        counted = counted.filter(occurred_at__gte=start, occurred_at__lt=end)
    monthly = counted.annotate(m=TruncMonth("occurred_at", tzinfo=TOKYO))
    with_agency = monthly.filter(partner_agencies__isnull=False)

    counts: Counter = Counter()
    for m, area_id, kind, issue, n in (
        monthly.values_list("m", "area_id", "kind", "case__main_issue").annotate(n=Count("*")).order_by()
    ):
        counts[(month_of(m), area_id, kind, issue, None)] += n
    for m, agency_id, n in with_agency.values_list("m", "partner_agencies").annotate(n=Count("*")).order_by():
        counts[(month_of(m), None, "", "", agency_id)] += n

    areas: dict[int, set] = defaultdict(set)
    agencies: dict[int, set] = defaultdict(set)
    for case_id, m, area_id, _n in (
        monthly.values_list("case_id", "m", "area_id").annotate(n=Count("*")).order_by()
    ):
        areas[case_id].add((month_of(m), area_id))
    for case_id, m, agency_id, _n in (
        with_agency.values_list("case_id", "m", "partner_agencies").annotate(n=Count("*")).order_by()
    ):
        agencies[case_id].add((month_of(m), agency_id))
    issues = dict(Case.objects.filter(id__in=counted.values("case_id")).values_list("id", "main_issue"))
    cases: Counter = Counter()
    for case_id, pairs in areas.items():
        cases.update(case_keys(pairs, agencies.get(case_id, ()), issues[case_id]))
    return counts, cases


def _stored(model, fields: tuple[str, ...], *, fiscal_year: int | None) -> Counter:
    rows = model.objects.all()
    if fiscal_year is not None:
        first, after = fiscal_year_months(fiscal_year)
        rows = rows.filter(month__gte=first, month__lt=after)
    stored: Counter = Counter()
    for row in rows.values(*fields).annotate(total=Sum("n")).order_by():
        if row["total"]:
            stored[tuple(row[f] for f in fields)] = row["total"]
    return stored


COUNT_FIELDS = ("month", "area_id", "kind", "main_issue", "agency_id")
CASES_FIELDS = ("month", "scope", "area_id", "agency_id", "main_issue")


@dataclass(frozen=True)
class Drift:
    table: str  # "count" or "cases"
    key: tuple
    expected: int
    stored: int


def rollup_drift(*, fiscal_year: int | None = None) -> list[Drift]:
    """Every key where the roll-ups, with the pending cases folded in as every reader folds them, differ
    from a full recount (empty: exact). All read in one snapshot, so concurrent writers cause no false
    drift."""
    _a, _c, RollupCount, RollupCases = _models()
    with one_snapshot():
        counts, cases = recount(fiscal_year=fiscal_year)
        stored_counts = _stored(RollupCount, COUNT_FIELDS, fiscal_year=fiscal_year)
        stored_cases = _stored(RollupCases, CASES_FIELDS, fiscal_year=fiscal_year)
        pending_counts, pending_cases = pending_changes()
    months = None if fiscal_year is None else fiscal_year_months(fiscal_year)
    for stored, pending in ((stored_counts, pending_counts), (stored_cases, pending_cases)):
        for key, n in pending.items():
            if months is None or months[0] <= key[0] < months[1]:
                stored[key] += n
        for key in [key for key, n in stored.items() if not n]:
            del stored[key]
    drift = []
    for table, expected, stored in (("count", counts, stored_counts), ("cases", cases, stored_cases)):
        for key in sorted(expected.keys() | stored.keys(), key=lambda k: tuple(str(p) for p in k)):
            if expected.get(key, 0) != stored.get(key, 0):
                drift.append(Drift(table, key, expected.get(key, 0), stored.get(key, 0)))
    return drift


def _lock_rollups() -> None:
    """An applier inserts deltas (ROW EXCLUSIVE) after locking the states; a rebuild takes SHARE ROW
    EXCLUSIVE on all three tables: it waits for an applier in flight and holds the next one until it
    commits. Writers only add pending rows, so they never wait on it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE reports_rollup_case_state, reports_rollup_count, reports_rollup_cases "
                "IN SHARE ROW EXCLUSIVE MODE"
            )


def _counted_by_case(*, fiscal_year: int | None, apps=None) -> dict[int, list[Counted]]:
    """Every case's counted activities (of one fiscal year, or all), as `_current` gives them for a few."""
    Activity, *_ = _models(apps)
    counted = Activity.objects.filter(voided=False, has_partner=True)
    if fiscal_year is not None:
        start, end = fiscal_year_bounds(fiscal_year)
        counted = counted.filter(occurred_at__gte=start, occurred_at__lt=end)
    return _by_case(
        counted.annotate(m=TruncMonth("occurred_at", tzinfo=TOKYO))
        .values_list("case_id", "id", "m", "area_id", "kind", "partner_agencies")
        .order_by()
        .iterator(chunk_size=20000)
    )


def _rebuild_states(*, fiscal_year: int | None, apps=None) -> None:
    """Every case's state as the recount of `rebuild_rollups` has it: all of it, or one fiscal year's
    months (the other months' entries are kept; the pending cases were applied first, so the main issue
    of every state is its case's)."""
    _a, Case, *_ = _models(apps)
    State = (apps or global_apps).get_model("reports", "RollupCaseState")
    counted = _counted_by_case(fiscal_year=fiscal_year, apps=apps)
    states: dict[int, tuple[str, list]] = {}
    if fiscal_year is not None:
        first, after = fiscal_year_months(fiscal_year)
        for case_id, issue, entries in State.objects.values_list("case_id", "main_issue", "activities"):
            kept = [e for e in _from_entries(entries) if not first <= e[0] < after]
            states[case_id] = (issue, kept)
    issues = dict(Case.objects.values_list("pk", "main_issue"))
    for case_id, activities in counted.items():
        _issue, kept = states.get(case_id, ("", []))
        states[case_id] = (issues[case_id], sorted(kept + activities))
    State.objects.all()._raw_delete(State.objects.db)
    State.objects.bulk_create(
        (
            State(case_id=case_id, main_issue=issue, activities=_as_entries(activities))
            for case_id, (issue, activities) in states.items()
            if activities
        ),
        batch_size=5000,
    )


def rebuild_rollups(*, fiscal_year: int | None = None, apps=None) -> tuple[int, int]:
    """Rewrite the roll-ups (all, or one fiscal year's months) and the cases' states to a full recount, in
    one transaction and one snapshot. Used by `verify_rollups --repair`, the data migration and the bench
    after its COPY load. Returns the rows written (count, cases)."""
    _a, _c, RollupCount, RollupCases = _models(apps)
    with _transaction_of_one_moment():
        _lock_rollups()  # before the snapshot's first read: it sees what the last applier committed
        if apps is None:  # a migration's tables hold no pending case yet
            apply_rollup_changes()
        counts, cases = recount(fiscal_year=fiscal_year, apps=apps)
        for model in (RollupCount, RollupCases):
            rows = model.objects.all()
            if fiscal_year is not None:
                first, after = fiscal_year_months(fiscal_year)
                rows = rows.filter(month__gte=first, month__lt=after)
            rows._raw_delete(rows.db)
        _insert(counts, cases, apps=apps)
        _rebuild_states(fiscal_year=fiscal_year, apps=apps)
    return len(counts), len(cases)


# --- compaction --------------------------------------------------------------------------------------------


def compact_rollups() -> dict[str, tuple[int, int]]:
    """Fold each table's deltas into one row per key (zero sums dropped). Per table, one transaction:
    DELETE … RETURNING the rows up to the largest id seen, then insert their sums — exactly the rows it
    deleted, so a delta committed meanwhile is neither lost nor counted twice. Idempotent; writers only
    insert, so they never wait on it. Returns table → (rows before, rows after)."""
    _a, _c, RollupCount, RollupCases = _models()
    done = {}
    for model, fields in ((RollupCount, COUNT_FIELDS), (RollupCases, CASES_FIELDS)):
        table = model._meta.db_table
        with transaction.atomic():
            top = model.objects.order_by("-id").values_list("id", flat=True).first()
            if top is None:
                done[table] = (0, 0)
                continue
            qn = connection.ops.quote_name  # the field names here are the column names
            with connection.cursor() as cursor:
                returning = ", ".join(map(qn, fields))  # our own column names, quoted; no input
                cursor.execute(f"DELETE FROM {qn(table)} WHERE id <= %s RETURNING {returning}, n", [top])  # noqa: S608
                deleted = cursor.fetchall()
            sums: Counter = Counter()
            for *key, n in deleted:
                key[0] = _as_date(key[0])
                sums[tuple(key)] += n
            rows = [model(**dict(zip(fields, key, strict=True)), n=n) for key, n in sums.items() if n]
            model.objects.bulk_create(rows)
        done[table] = (len(deleted), len(rows))
    return done


def _as_date(value) -> datetime.date:
    if isinstance(value, str):  # SQLite's RETURNING gives the stored text
        return datetime.date.fromisoformat(value)
    return value


def drift_lines(drift: list[Drift]) -> list[str]:
    """One line per drifting key, in codes (month, area, kind, issue, agency): no case, no person."""
    from network.models import Agency, Area

    areas = dict(Area.objects.values_list("id", "code"))
    agencies = dict(Agency.objects.values_list("id", "code"))
    lines = []
    for d in drift:
        if d.table == "count":
            month, area_id, kind, issue, agency_id = d.key
            what = f"count {month:%Y-%m} area={areas.get(area_id, '-')} kind={kind or '-'}"
            what += f" issue={issue or '-'}"
        else:
            month, scope, area_id, agency_id, issue = d.key
            what = f"cases {month:%Y-%m} scope={scope} area={areas.get(area_id, '-')} issue={issue or '-'}"
        what += f" agency={agencies.get(agency_id, '-')}"
        lines.append(f"{what}: expected {d.expected}, stored {d.stored}")
    return lines


# --- reading ---------------------------------------------------------------------------------------------

# One round trip for every figure of the report: each branch groups the (compacted) rows of the months read.
# Columns: part, month, an id (area or agency), a text (kind, issue or scope), agency id, issue, sum.
_SUMS_SQL = """
SELECT 0, month, CAST(NULL AS BIGINT), CAST(NULL AS VARCHAR(16)), CAST(NULL AS BIGINT),
 CAST(NULL AS VARCHAR(16)), SUM(n) FROM reports_rollup_count
 WHERE month >= %s AND month < %s AND agency_id IS NULL GROUP BY month
UNION ALL SELECT 1, NULL, area_id, NULL, NULL, NULL, SUM(n) FROM reports_rollup_count
 WHERE month >= %s AND month < %s AND agency_id IS NULL GROUP BY area_id
UNION ALL SELECT 2, NULL, NULL, kind, NULL, NULL, SUM(n) FROM reports_rollup_count
 WHERE month >= %s AND month < %s AND agency_id IS NULL GROUP BY kind
UNION ALL SELECT 3, NULL, NULL, main_issue, NULL, NULL, SUM(n) FROM reports_rollup_count
 WHERE month >= %s AND month < %s AND agency_id IS NULL GROUP BY main_issue
UNION ALL SELECT 4, NULL, agency_id, NULL, NULL, NULL, SUM(n) FROM reports_rollup_count
 WHERE month >= %s AND month < %s AND agency_id IS NOT NULL GROUP BY agency_id
UNION ALL SELECT 5, month, NULL, NULL, NULL, NULL, SUM(n) FROM reports_rollup_cases
 WHERE month >= %s AND month < %s AND scope = 'month' AND area_id IS NULL GROUP BY month
UNION ALL SELECT 6, NULL, area_id, NULL, agency_id, main_issue, SUM(n) FROM reports_rollup_cases
 WHERE month >= %s AND month < %s AND scope = 'year' GROUP BY area_id, agency_id, main_issue
"""
_PARTS = ("month", "area", "kind", "issue", "agency", "month_cases", "year_cases")


def rollup_sums(*, first: datetime.date, after: datetime.date) -> dict[str, dict]:
    """The summed roll-ups of the months [first, after): counts by month, area, kind, main issue and agency;
    distinct cases by month (`month_cases`) and over the months (`year_cases`, keyed (area, agency, issue),
    (None, None, "") for all). Zero sums (uncompacted deltas that cancel) are left out."""
    found: dict[str, Counter] = {part: Counter() for part in _PARTS}
    with one_snapshot():
        with connection.cursor() as cursor:
            cursor.execute(_SUMS_SQL, [first, after] * 7)
            rows = cursor.fetchall()
        counts, cases = pending_changes()
    for part, month, some_id, text, agency_id, issue, total in rows:
        name = _PARTS[part]
        if name in ("month", "month_cases"):
            key = _as_date(month)
        elif name in ("area", "agency"):
            key = some_id
        elif name in ("kind", "issue"):
            key = text
        else:
            key = (some_id, agency_id, issue)
        found[name][key] += total or 0
    for (month, area_id, kind, issue, agency_id), n in counts.items():
        if first <= month < after:
            if agency_id is None:
                for name, key in (("month", month), ("area", area_id), ("kind", kind), ("issue", issue)):
                    found[name][key] += n
            else:
                found["agency"][agency_id] += n
    for (month, scope, area_id, agency_id, issue), n in cases.items():
        if first <= month < after:
            if scope == YEAR:
                found["year_cases"][(area_id, agency_id, issue)] += n
            elif area_id is None:
                found["month_cases"][month] += n
    return {name: {key: n for key, n in sums.items() if n} for name, sums in found.items()}


def month_case_sums(*, first: datetime.date, after: datetime.date, by_area: bool) -> dict[tuple, int]:
    """Distinct cases (実件数) per month of [first, after), keyed (month,) or (month, area id), pending cases
    folded in; zeros left out."""
    _a, _c, _rc, RollupCases = _models()
    found: Counter = Counter()
    with one_snapshot():
        rows = RollupCases.objects.using(connection.alias).filter(
            scope=MONTH, month__gte=first, month__lt=after, area__isnull=not by_area
        )
        fields = ("month", "area_id") if by_area else ("month",)
        for row in rows.values(*fields).annotate(total=Sum("n")).order_by():
            found[tuple(_as_date(row[f]) if f == "month" else row[f] for f in fields)] += row["total"]
        _counts, cases = pending_changes()
    for (month, scope, area_id, _agency_id, _issue), n in cases.items():
        if scope == MONTH and first <= month < after and (area_id is not None) == by_area:
            found[(month, area_id) if by_area else (month,)] += n
    return {key: n for key, n in found.items() if n}
