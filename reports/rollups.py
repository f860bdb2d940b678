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
their transaction; the receivers here insert, in that same transaction, −1 for what the activity counted
before and +1 for what it counts after (for distinct cases: the difference between the case's figures
with the old and with the new version of the activity, read under a per-case advisory lock, so two writers
on the same case cannot both count its first activity of a month). No row is ever updated by a writer:
concurrent writers in the same area and month do not wait on each other.

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
CASE_LOCK_NAMESPACE = 0x726F6C6C  # "roll": pg_advisory_xact_lock(namespace, case id)


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


def count_keys(c: Contribution, main_issue: str) -> Counter:
    keys: Counter = Counter({(c.month, c.area_id, c.kind, main_issue, None): 1})
    for agency_id in c.agency_ids:
        keys[(c.month, None, "", "", agency_id)] += 1
    return keys


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


def _difference(after: Counter, before: Counter) -> dict:
    """after − before, keeping negative values (Counter's own `-` drops them) and dropping zeros."""
    delta = {}
    for key in after.keys() | before.keys():
        n = after.get(key, 0) - before.get(key, 0)
        if n:
            delta[key] = n
    return delta


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
    """A writer's deltas in one statement on PostgreSQL (both tables through a data-modifying CTE when both
    have rows), written without the ORM: this runs on every counted write; elsewhere two bulk inserts."""
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
            RollupCount(month=m, area_id=area, kind=kind, main_issue=issue, agency_id=agency, n=n)
            for (m, area, kind, issue, agency), n in counts.items()
            if n
        )
    if cases:
        RollupCases.objects.bulk_create(
            RollupCases(month=m, scope=scope, area_id=area, agency_id=agency, main_issue=issue, n=n)
            for (m, scope, area, agency, issue), n in cases.items()
            if n
        )


@functools.cache
def _case_read_sql() -> str:
    """PostgreSQL's read of `_locked_case_rows`, written once per process: building it with the ORM on every
    counted write cost more Python than running it. The month is Asia/Tokyo's, computed by the database."""
    Activity, Case, *_ = _models()
    partners = Activity.partner_agencies.through._meta.db_table
    month = f"(date_trunc('month', a.occurred_at AT TIME ZONE '{TOKYO.key}'))::date"
    return (  # table names and a zone name only, from the models and network.fiscal
        f"SELECT c.main_issue, a.id, {month}, a.area_id, a.kind, p.agency_id FROM {Case._meta.db_table} c "  # noqa: S608
        f"LEFT JOIN {Activity._meta.db_table} a ON a.case_id = c.id AND a.has_partner AND NOT a.voided "
        f"LEFT JOIN {partners} p ON p.activity_id = a.id WHERE c.id = %d"
    )


def _locked_case_rows(case_id: int) -> list[tuple]:
    """(main issue, activity id, month or occurred_at, area, kind, agency) of the case left-joined to its
    counted activities (reports.indicators' rule: not voided, at least one partner) and their partner
    agencies, read under the case's lock.

    The lock serialises the roll-up writes of one case (not of an area or a month): a transaction-scoped
    advisory lock, which waits on no row lock, so it cannot deadlock with a transfer or status change that
    locks the case row. On PostgreSQL the lock and the read travel as two statements of one simple query,
    one round trip on every counted write: under READ COMMITTED each statement takes its own snapshot, so
    the read, which starts once the lock is granted, sees whatever the previous holder committed. The
    simple protocol takes no parameters, hence the case's id written into the text as an integer. SQLite
    serialises every writer already.
    """
    case_id = int(case_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT pg_advisory_xact_lock({CASE_LOCK_NAMESPACE}, {case_id}); "
                + _case_read_sql() % case_id
            )
            cursor.nextset()
            return cursor.fetchall()
    _activity, Case, *_ = _models()
    return list(
        Case.objects.filter(pk=case_id)
        .annotate(
            counted=FilteredRelation(
                "activities", condition=Q(activities__voided=False, activities__has_partner=True)
            )
        )
        .values_list(
            "main_issue",
            "counted__id",
            "counted__occurred_at",
            "counted__area_id",
            "counted__kind",
            "counted__partner_agencies",
        )
        .order_by()
    )


def _case_activities(case_id: int) -> tuple[str, dict[int, tuple[datetime.date, int, str, set[int]]]]:
    """The case's main issue and its counted activities, as committed plus this transaction's writes:
    id → (month, area, kind, agencies), taking the case's lock first."""
    _activity, Case, *_ = _models()
    main_issue, found = None, {}
    for main_issue, activity_id, when, area_id, kind, agency_id in _locked_case_rows(case_id):  # noqa: B007
        if activity_id is None:
            continue
        entry = found.get(activity_id)
        if entry is None:
            entry = found[activity_id] = (month_of(when), area_id, kind, set())
        if agency_id is not None:
            entry[3].add(agency_id)
    if main_issue is None:
        raise Case.DoesNotExist(case_id)
    return main_issue, found


def _case_pairs(activities: Iterable[tuple]) -> tuple[set, set]:
    areas, agencies = set(), set()
    for month, area_id, _kind, agency_ids in activities:
        areas.add((month, area_id))
        agencies.update((month, agency_id) for agency_id in agency_ids)
    return areas, agencies


def _atomic():
    """The services call the receivers inside their transaction; a caller outside one gets its own."""
    return contextlib.nullcontext() if connection.in_atomic_block else transaction.atomic()


# --- receivers of casework's signals (connected in ReportsConfig.ready) -----------------------------------


def activity_changed_receiver(sender, *, case_id, activity_id, before, after, **kwargs) -> None:
    old, new = contribution(before), contribution(after)
    if old == new:  # minutes or note edited, or nothing that counts changed
        return
    with _atomic():
        # read under the lock: a concurrent main-issue change has either committed (and we see it) or waits
        main_issue, now = _case_activities(case_id)
        counts: Counter = Counter()
        if new is not None:
            counts.update(count_keys(new, main_issue))
        if old is not None:
            counts.subtract(count_keys(old, main_issue))
        cases = {}
        presence = tuple(None if c is None else (c.month, c.area_id, c.agency_ids) for c in (old, new))
        if presence[0] != presence[1]:  # a kind-only edit changes no distinct-case figure
            now.pop(activity_id, None)
            others = list(now.values())
            then = others + ([(old.month, old.area_id, old.kind, old.agency_ids)] if old else [])
            after_ = others + ([(new.month, new.area_id, new.kind, new.agency_ids)] if new else [])
            cases = _difference(
                case_keys(*_case_pairs(after_), main_issue), case_keys(*_case_pairs(then), main_issue)
            )
        _insert_deltas(counts, cases)


def case_main_issue_changed_receiver(sender, *, case_id, before, after, **kwargs) -> None:
    """Every activity of a case is reported under the case's current main issue: move them all."""
    if before == after:
        return
    with _atomic():
        activities = list(_case_activities(case_id)[1].values())
        counts: Counter = Counter()
        for month, area_id, kind, _agencies in activities:
            counts[(month, area_id, kind, after, None)] += 1
            counts[(month, area_id, kind, before, None)] -= 1
        pairs = _case_pairs(activities)
        cases = _difference(case_keys(*pairs, after), case_keys(*pairs, before))
        _insert_deltas(counts, cases)


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
    """Every key where the roll-ups differ from a full recount (empty: exact). The recount and the roll-ups
    are read in one snapshot on PostgreSQL (REPEATABLE READ), so concurrent writers cause no false drift."""
    _a, _c, RollupCount, RollupCases = _models()
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:  # SET TRANSACTION must come first
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counts, cases = recount(fiscal_year=fiscal_year)
        stored_counts = _stored(RollupCount, COUNT_FIELDS, fiscal_year=fiscal_year)
        stored_cases = _stored(RollupCases, CASES_FIELDS, fiscal_year=fiscal_year)
    drift = []
    for table, expected, stored in (("count", counts, stored_counts), ("cases", cases, stored_cases)):
        for key in sorted(expected.keys() | stored.keys(), key=lambda k: tuple(str(p) for p in k)):
            if expected.get(key, 0) != stored.get(key, 0):
                drift.append(Drift(table, key, expected.get(key, 0), stored.get(key, 0)))
    return drift


def _lock_rollups() -> None:
    """Writers insert deltas (ROW EXCLUSIVE); a rebuild takes SHARE ROW EXCLUSIVE: it waits for writers
    in flight and holds new ones until it commits, so its recount and its rows are of the same moment."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE reports_rollup_count, reports_rollup_cases IN SHARE ROW EXCLUSIVE MODE"
            )


def rebuild_rollups(*, fiscal_year: int | None = None, apps=None) -> tuple[int, int]:
    """Rewrite the roll-ups (all, or one fiscal year's months) to a full recount, in one transaction.
    Used by `verify_rollups --repair`, the data migration and the bench after its COPY load. Returns the
    rows written (count, cases)."""
    _a, _c, RollupCount, RollupCases = _models(apps)
    with transaction.atomic():
        _lock_rollups()
        counts, cases = recount(fiscal_year=fiscal_year, apps=apps)
        for model in (RollupCount, RollupCases):
            rows = model.objects.all()
            if fiscal_year is not None:
                first, after = fiscal_year_months(fiscal_year)
                rows = rows.filter(month__gte=first, month__lt=after)
            rows._raw_delete(rows.db)
        _insert(counts, cases, apps=apps)
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
    found: dict[str, dict] = {part: {} for part in _PARTS}
    with connection.cursor() as cursor:
        cursor.execute(_SUMS_SQL, [first, after] * 7)
        rows = cursor.fetchall()
    for part, month, some_id, text, agency_id, issue, total in rows:
        if not total:
            continue
        name = _PARTS[part]
        if name in ("month", "month_cases"):
            key = _as_date(month)
        elif name in ("area", "agency"):
            key = some_id
        elif name in ("kind", "issue"):
            key = text
        else:
            key = (some_id, agency_id, issue)
        found[name][key] = total
    return found
