"""The measurements, each a subject against a baseline measured in the same run, and the one table.

1. report  — the full fiscal-year 延件数 report (all breakdowns) vs one hand-written SQL GROUP BY, same rows
2. list    — a caseworker's first page of "my cases" (+ count) vs the same page unfiltered
3. api     — logging an activity over HTTP (gunicorn, 8 clients) vs a trivial authenticated GET, throughput
4. xlsx    — RSS growth during the export itself, 200,000 vs 20,000 activity rows (× scale), each in a
             fresh process
5. crypto  — logging an activity with its encrypted note vs with encryption off
6. search  — a caseworker's first page of "my cases" searched by part of a kana vs the same page unsearched;
             with the size of the search tokens per case
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection, transaction

from . import plans, server
from .env import bench_environ
from .stats import Stats, interleaved, timed

ROOT = Path(__file__).resolve().parent.parent
ALL = ("report", "list", "api", "xlsx", "crypto", "search")
CLIENTS = 8
NOTE = (
    "本人宅を訪問し、生活状況と体調を確認した。母親より、息子が外出できない状態が続いていると相談があった。"
    "地域包括支援センター職員と同行し、介護保険の申請手続きを支援した。家計の状況を聞き取り、自立相談支援機関へ"
    "つなぐことを提案した。支援会議にて各機関の役割分担を確認し、次回評価日を設定した。"
) * 3  # ~500 characters: a typical 支援経過 entry


@dataclass(frozen=True)
class Options:
    repeats: dict[str, int]
    seconds: float
    only: tuple[str, ...]
    plans: str
    database_url: str
    fiscal_year: int
    scale: float
    smoke: bool

    @classmethod
    def for_run(cls, *, smoke, repeats, seconds, only, plans, database_url, params) -> Options:
        defaults = {"report": 9, "list": 41, "api": 5, "xlsx": 3, "crypto": 201, "search": 41}
        if smoke:
            defaults = {"report": 1, "list": 2, "api": 1, "xlsx": 1, "crypto": 2, "search": 2}
        if repeats:
            defaults = dict.fromkeys(defaults, repeats)
        return cls(
            repeats=defaults,
            seconds=seconds or (0.5 if smoke else 6.0),
            only=tuple(only or ALL),
            plans=plans,
            database_url=database_url,
            fiscal_year=params.last_fiscal_year,
            scale=params.scale,
            smoke=smoke,
        )


@dataclass
class Result:
    number: int | str
    key: str
    title: str
    subject: str
    baseline: str
    unit: str
    subject_stats: Stats
    baseline_stats: Stats
    ratio: float
    goal: str
    met: bool | None  # None: a yardstick, no goal of its own
    notes: list[str] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------------------------------


def _bench_user(prefix: str):
    from network.models import User

    return User.objects.filter(username__startswith=prefix).order_by("id").first()


def _caseworkers(n: int) -> list:
    """n caseworkers spread over the four area teams (the first of each team, then the second …)."""
    from network.models import Area, User

    teams = [
        list(User.objects.filter(username__startswith=f"bench_cw_{a.code}_").order_by("id")[:n])
        for a in Area.objects.order_by("sort_order", "code")
    ]
    picked = []
    for i in range(n):
        for team in teams:
            if i < len(team) and len(picked) < n:
                picked.append(team[i])
    return picked


def _open_cases(user, limit: int) -> list:
    from casework.models import Case, CaseStatus
    from network.selectors import area_team_ids

    return list(
        Case.objects.filter(area_id__in=area_team_ids(user=user))
        .exclude(status=CaseStatus.CLOSED)
        .order_by("id")[:limit]
    )


def _local_agencies(case) -> list:
    from network.models import Agency

    return list(Agency.objects.filter(area_id=case.area_id, is_active=True).order_by("id")[:2])


def _ms(seconds: list[float]) -> list[float]:
    return [s * 1000 for s in seconds]


# --- 1. the fiscal-year report --------------------------------------------------------------------------

BASELINE_REPORT_SQL = """
SELECT date_trunc('month', occurred_at AT TIME ZONE 'Asia/Tokyo') AS month, area_id, count(*)
FROM casework_activity
WHERE NOT voided AND has_partner AND occurred_at >= %s AND occurred_at < %s
GROUP BY 1, 2
"""


def measure_report(options: Options) -> Result:
    from network.fiscal import fiscal_year_bounds
    from reports.selectors import accompanied_activity_report

    fy = options.fiscal_year
    today = datetime.date(fy + 1, 5, 1)  # the finished year, as reported in May
    start, end = fiscal_year_bounds(fy)

    def subject():
        return accompanied_activity_report(fiscal_year=fy, today=today)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_REPORT_SQL, [start, end])
            return cursor.fetchall()

    report = subject()
    subject_t, baseline_t = interleaved(subject, baseline, repeats=options.repeats["report"])
    s, b = Stats.of(_ms(subject_t)), Stats.of(_ms(baseline_t))
    ratio = s.median / b.median
    return Result(
        1,
        "report",
        f"FY{fy} 延件数 report, all breakdowns ({report['total']:,} counted activities)",
        "accompanied_activity_report()",
        "SQL GROUP BY month × area",
        "ms",
        s,
        b,
        ratio,
        "≤ 1.0× (issue #15; at scale 3 no larger than at scale 1)",
        ratio <= 1.0,
    )


# --- 2. "my cases", first page with the count -----------------------------------------------------------


def _first_page(queryset) -> tuple[int, list]:
    """What the case list view does: Paginator.get_page(1) (the count, then the page of 50 rows)."""
    paginator = Paginator(queryset, settings.CASE_LIST_PAGE_SIZE)
    page = paginator.get_page(1)
    rows = list(page.object_list)
    for case in rows:  # what the row template touches
        _ = (case.area.name, case.lead_caseworker_id and case.lead_caseworker.username, case.issue_tags)
    return paginator.count, rows


def measure_list(options: Options) -> Result:
    from casework.models import Case
    from casework.selectors import case_list, case_list_page_rows

    user = _caseworkers(1)[0]

    def subject():
        return _first_page(case_list_page_rows(case_list(fetched_by=user)))

    def baseline():
        return _first_page(case_list_page_rows(Case.objects.all()))

    visible, _rows = subject()
    total, _rows = baseline()
    subject_t, baseline_t = interleaved(subject, baseline, repeats=options.repeats["list"])
    s, b = Stats.of(_ms(subject_t)), Stats.of(_ms(baseline_t))
    ratio = s.median / b.median
    return Result(
        2,
        "list",
        f"caseworker's first page of my cases + count ({visible:,} of {total:,} visible)",
        "case_list + case_list_page_rows",
        "same page, unfiltered",
        "ms",
        s,
        b,
        ratio,
        "≤ 2× and p95 < 50 ms",
        ratio <= 2 and s.p95 < 50,
        [f"p95 {s.p95:.1f} ms (baseline p95 {b.p95:.1f} ms)"],
    )


# --- 3. logging an activity over HTTP under 8 concurrent clients ----------------------------------------


def _watermarks() -> dict[str, int]:
    tables = (
        "casework_activity",
        "casework_activity_partner_agencies",
        "casework_auditevent",
        "reports_rollup_pending",
    )
    with connection.cursor() as cursor:
        marks = {}
        for table in tables:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed names
            marks[table] = cursor.fetchone()[0]
    return marks


def _timed_apply() -> tuple[int, float]:
    """What beat's minute pass (reports.rollups.apply_rollup_changes) costs for the cases the load left
    pending, rolled back so the cached dataset keeps its roll-ups as built."""
    from django.db import transaction

    from reports.rollups import apply_rollup_changes

    started = time.perf_counter()
    with transaction.atomic():
        applied = apply_rollup_changes()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return applied, elapsed


def _restore(marks: dict[str, int]) -> int:
    """Delete what the measurement wrote, so the cached dataset stays as built. The audit table is
    append-only by trigger; this scratch database bypasses it (session_replication_role) for the clean-up."""
    deleted = 0
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            for table, column in (
                ("reports_rollup_pending", "id"),  # no applier ran: the roll-ups are as built
                ("casework_activity_partner_agencies", "id"),
                ("casework_auditevent", "id"),
                ("casework_activity", "id"),
            ):
                cursor.execute(f"DELETE FROM {table} WHERE {column} > %s", [marks[table]])  # noqa: S608
                deleted += cursor.rowcount
        finally:
            cursor.execute("SET session_replication_role = origin")
        if deleted:
            cursor.execute(
                "VACUUM (ANALYZE) casework_activity, casework_activity_partner_agencies, casework_auditevent"
            )
    return deleted


def activity_payload(codes: list[str], n: int) -> dict:
    """The n-th POST …/activities/ body: an hour ago, one or two of the partner codes, the long note."""
    return {
        "occurred_at": (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).isoformat(),
        "kind": "visit",
        "minutes": 30,
        "partner_agencies": codes[: 1 + n % 2],
        "note": NOTE,
    }


def measure_api(options: Options) -> list[Result]:
    from rest_framework.authtoken.models import Token

    users = _caseworkers(CLIENTS)
    tokens = [Token.objects.get_or_create(user=u)[0].key for u in users]
    targets = []
    for user in users:
        cases = _open_cases(user, 40)
        codes = [a.code for a in _local_agencies(cases[0])]
        targets.append(([c.pk for c in cases], codes))
    marks = _watermarks()
    connection.close()  # gunicorn and the clients do the work now

    def log_activity(client: int, n: int):
        case_ids, codes = targets[client % len(targets)]
        path = f"/api/v1/cases/{case_ids[n % len(case_ids)]}/activities/"
        return server.json_request("POST", path, tokens[client % len(tokens)], activity_payload(codes, n))

    def areas(client: int, n: int):
        return server.json_request("GET", "/api/v1/areas/", tokens[client % len(tokens)])

    def durable_write(client: int, n: int):
        return server.json_request("POST", "/bench/durable-write/", tokens[client % len(tokens)], {})

    phases = [("trivial", areas, 200), ("log", log_activity, 201), ("write", durable_write, 201)]
    # 3c: the same POST and GET against a server without the roll-up receivers (what they cost)
    bare = [("trivial_bare", areas, 200), ("log_bare", log_activity, 201)]
    runs: dict[str, list] = {name: [] for name, _make, _expect in phases + bare}
    try:
        for settings_module, group in (("bench.settings", phases), ("bench.settings_without_rollups", bare)):
            with server.gunicorn(options.database_url, settings=settings_module) as port:
                warm = min(1.0, options.seconds)
                for _name, make, expect in group:
                    server.closed_loop(port, make, clients=CLIENTS, seconds=warm, expect=expect)
                for i in range(options.repeats["api"]):
                    k = i % len(group)
                    for name, make, expect in group[k:] + group[:k]:  # rotate the order
                        run = server.closed_loop(
                            port, make, clients=CLIENTS, seconds=options.seconds, expect=expect
                        )
                        runs[name].append(run)
        applied, apply_seconds = _timed_apply()
    finally:
        removed = _restore(marks)
    logged, trivial, written = runs["log"], runs["trivial"], runs["write"]
    s = Stats.of([r.throughput for r in logged])
    b = Stats.of([r.throughput for r in trivial])
    w = Stats.of([r.throughput for r in written])
    ratio = s.median / b.median if b.median else 0.0
    ratio_write = s.median / w.median if w.median else 0.0
    lat = {name: Stats.of(_ms([x for r in rs for x in r.latencies])) for name, rs in runs.items()}
    s_bare = Stats.of([r.throughput for r in runs["log_bare"]])
    b_bare = Stats.of([r.throughput for r in runs["trivial_bare"]])
    ratio_bare = s_bare.median / b_bare.median if b_bare.median else 0.0
    everything = logged + trivial + written + runs["log_bare"] + runs["trivial_bare"]
    errors = sum(r.errors for r in everything)
    notes = [
        f"latency p50/p95: POST activity {lat['log'].median:.0f}/{lat['log'].p95:.0f} ms, "
        f"GET {lat['trivial'].median:.0f}/{lat['trivial'].p95:.0f} ms, "
        f"durable write {lat['write'].median:.0f}/{lat['write'].p95:.0f} ms",
        f"{sum(r.ok for r in logged):,} activities logged, {errors} errors; {removed:,} rows removed after",
        f"beat's pass over the {applied:,} cases the load left pending: {apply_seconds:.2f} s "
        f"({apply_seconds / max(applied, 1) * 1000:.2f} ms a case; rolled back)",
    ]
    if errors:
        statuses: dict[int, int] = {}
        for r in everything:
            for k, v in r.statuses.items():
                statuses[k] = statuses.get(k, 0) + v
        notes.append(f"statuses: {statuses}")
    title = f"log an activity over HTTP, {CLIENTS} clients, gunicorn bin/web defaults"
    return [
        Result(
            3,
            "api",
            title,
            "POST …/activities/",
            "GET /api/v1/areas/",
            "req/s",
            s,
            b,
            ratio,
            "≥ 0.5× throughput",
            ratio >= 0.5 and errors == 0,
            notes,
        ),
        Result(
            "3b",
            "api",
            "the same against a minimal durable write (token auth, one INSERT, one commit; bench.urls)",
            "POST …/activities/",
            "POST /bench/durable-write/",
            "req/s",
            s,
            w,
            ratio_write,
            "— (a yardstick; issue #15's goal is against the GET)",
            None,
        ),
        Result(
            "3c",
            "api",
            "the same POST and GET on a server without the roll-up receivers (bench/without_rollups.py)",
            "POST …/activities/, no roll-ups",
            "GET /api/v1/areas/",
            "req/s",
            s_bare,
            b_bare,
            ratio_bare,
            "— (what keeping the roll-ups in the transaction costs)",
            None,
        ),
    ]


# --- 4. XLSX export: peak memory, 200k vs 20k rows -------------------------------------------------------


def _probe(options: Options, rows: int) -> dict:
    out = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "bench.xlsx_probe",
            "--database-url",
            options.database_url,
            "--fiscal-year",
            str(options.fiscal_year),
            "--rows",
            str(rows),
        ],
        cwd=ROOT,
        env={**_subprocess_env(options)},
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _subprocess_env(options: Options) -> dict[str, str]:
    import os

    env = {**os.environ, **bench_environ(options.database_url)}
    env.pop("FIELD_ENCRYPTION_DISABLED", None)
    return env


def measure_xlsx(options: Options) -> Result:
    """Each export in a fresh process (bench.xlsx_probe); the figure is how far the export itself raised
    that process's resident memory above what Django, the imports and the report had already taken."""
    big_rows = max(200, round(200_000 * options.scale))
    small_rows = max(20, round(20_000 * options.scale))
    big, small = [], []
    for _ in range(options.repeats["xlsx"]):
        small.append(_probe(options, small_rows))
        big.append(_probe(options, big_rows))
    s = Stats.of([p["export_growth_mb"] for p in big])
    b = Stats.of([p["export_growth_mb"] for p in small])
    ratio = s.median / b.median if b.median else float("inf") if s.median else 1.0

    def median(probes, key):
        return Stats.of([p[key] for p in probes]).median

    notes = [
        f"rows written {big[0]['rows']:,} vs {small[0]['rows']:,}; export took "
        f"{median(big, 'seconds'):.1f} s vs {median(small, 'seconds'):.1f} s; "
        f"file {big[0]['bytes'] / 1e6:.1f} MB vs {small[0]['bytes'] / 1e6:.1f} MB",
        f"RSS before the export {median(big, 'rss_before_export_mb'):.1f} MB vs "
        f"{median(small, 'rss_before_export_mb'):.1f} MB, peak during it "
        f"{median(big, 'export_peak_rss_mb'):.1f} MB vs {median(small, 'export_peak_rss_mb'):.1f} MB "
        f"({big[0]['peak_source']}); whole-process peak (ru_maxrss) "
        f"{median(big, 'process_peak_rss_mb'):.1f} MB vs {median(small, 'process_peak_rss_mb'):.1f} MB",
    ]
    return Result(
        4,
        "xlsx",
        f"XLSX export of a year's activities, RSS growth during it ({big_rows:,} vs {small_rows:,} rows)",
        f"{big_rows:,} rows",
        f"{small_rows:,} rows",
        "MB",
        s,
        b,
        ratio,
        "≤ 2×",
        ratio <= 2,
        notes,
    )


# --- 5. encryption's share of logging an activity -------------------------------------------------------


def measure_crypto(options: Options) -> Result:
    from casework import services

    user = _caseworkers(1)[0]
    case = _open_cases(user, 1)[0]
    agencies = _local_agencies(case)

    def log(disabled: bool):
        def run():
            settings.FIELD_ENCRYPTION_DISABLED = disabled
            try:
                with transaction.atomic():  # rolled back: the dataset stays as built
                    services.activity_log(
                        case=case,
                        logged_by=user,
                        occurred_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
                        kind="visit",
                        minutes=30,
                        partner_agencies=agencies,
                        note=NOTE,
                    )
                    transaction.set_rollback(True)
            finally:
                settings.FIELD_ENCRYPTION_DISABLED = False

        return run

    subject_t, baseline_t = interleaved(log(False), log(True), repeats=options.repeats["crypto"], warmup=3)
    s, b = Stats.of(_ms(subject_t)), Stats.of(_ms(baseline_t))
    ratio = s.median / b.median
    from casework import encryption

    enc = Stats.of(
        _ms([timed(lambda: encryption.encrypt(NOTE, context="casework_activity.note")) for _ in range(200)])
    )
    return Result(
        5,
        "crypto",
        f"activity_log() with a {len(NOTE)}-character note, in a rolled-back transaction",
        "note encrypted (AES-GCM)",
        "FIELD_ENCRYPTION_DISABLED",
        "ms",
        s,
        b,
        ratio,
        "≤ 1.2×",
        ratio <= 1.2,
        [f"encrypt() alone: {enc.median * 1000:.0f} µs median"],
    )


# --- 6. search by part of a kana, and the size of the search tokens ------------------------------------

SEARCH_QUERY = "かはし"  # part of たかはし: three kana, two bigrams, so candidates are checked when few


def _search_index_size() -> tuple[int, int, int, int]:
    """(token rows, cases, table bytes, index bytes) of casework_casesearchtoken."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM casework_casesearchtoken), (SELECT count(*) FROM casework_case),"
            " pg_table_size('casework_casesearchtoken'), pg_indexes_size('casework_casesearchtoken')"
        )
        return cursor.fetchone()


def measure_search(options: Options) -> Result:
    from casework import search
    from casework.selectors import CaseFilters, case_list, case_list_page_rows

    user = _caseworkers(1)[0]
    query = CaseFilters(q=SEARCH_QUERY)

    def subject():
        return _first_page(case_list_page_rows(case_list(fetched_by=user, filters=query)))

    def baseline():
        return _first_page(case_list_page_rows(case_list(fetched_by=user)))

    found, _rows = subject()
    visible, _rows = baseline()
    subject_t, baseline_t = interleaved(subject, baseline, repeats=options.repeats["search"])
    s, b = Stats.of(_ms(subject_t)), Stats.of(_ms(baseline_t))
    ratio = s.median / b.median
    rows, cases, table_bytes, index_bytes = _search_index_size()
    checked = "checked against the decrypted names" if found <= search.VERIFY_LIMIT else "token match only"
    return Result(
        6,
        "search",
        f"caseworker's first page of my cases + count, ?q={SEARCH_QUERY} ({found:,} of {visible:,} visible)",
        "case_list(q) + case_list_page_rows",
        "same page, no q",
        "ms",
        s,
        b,
        ratio,
        "≤ 3× and p95 < 100 ms",
        ratio <= 3 and s.p95 < 100,
        [
            f"p95 {s.p95:.1f} ms (baseline p95 {b.p95:.1f} ms); {checked}",
            f"search tokens: {rows / cases:.1f} rows and {(table_bytes + index_bytes) / cases:,.0f} bytes "
            f"per case (table {table_bytes / cases:,.0f} + indexes {index_bytes / cases:,.0f}); "
            f"{rows:,} rows, {(table_bytes + index_bytes) / 2**20:,.1f} MiB in all",
        ],
    )


MEASUREMENTS = {
    "report": measure_report,
    "list": measure_list,
    "api": measure_api,
    "xlsx": measure_xlsx,
    "crypto": measure_crypto,
    "search": measure_search,
}


def run_all(options: Options) -> list[Result]:
    results = []
    for key in ALL:
        if key not in options.only:
            continue
        print(f"bench: measuring {key} …", flush=True)
        measured = MEASUREMENTS[key](options)
        for result in measured if isinstance(measured, list) else [measured]:
            verdict = "a yardstick" if result.met is None else "met" if result.met else "NOT met"
            print(f"bench:   {result.number}: {result.ratio:.2f}× ({verdict})", flush=True)
            results.append(result)
    if options.plans:
        plans.write_plans(options.plans, fiscal_year=options.fiscal_year)
        print(f"bench: plans written to {options.plans}", flush=True)
    return results


def _fmt(stats: Stats, unit: str) -> str:
    digits = 0 if stats.median >= 100 else 1 if stats.median >= 10 else 2
    return f"{stats.median:.{digits}f} {unit} (±{stats.spread() * 50:.0f}%)"


def render_table(results: list[Result], *, params) -> str:
    """One Markdown table; spread = half the p10–p90 range relative to the median."""
    lines = [
        f"Yorisoi bench — scale {params.scale:g}: {params.sizes['cases']:,} cases, "
        f"{params.sizes['activities']:,} activities, FY{params.last_fiscal_year} — "
        f"{datetime.date.today():%Y-%m-%d}",
        "",
        "| # | measurement | subject | median (spread) | baseline | median (spread) | ratio | goal | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.number} | {r.title} | {r.subject} | {_fmt(r.subject_stats, r.unit)} | {r.baseline} | "
            f"{_fmt(r.baseline_stats, r.unit)} | {r.ratio:.2f}× | {r.goal} | "
            f"{'—' if r.met is None else 'yes' if r.met else 'NO'} |"
        )
    notes = [f"- {r.number}: {note}" for r in results for note in r.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def render_scale_comparison(results: list[Result], *, params) -> str:
    """The report's ratio at each scale measured (issue #15: ≤ 1.0× at scale 1, no larger at scale 3)."""
    reports = [r for r in results if r.key == "report"]
    if not reports:
        return ""
    parts = [
        f"{f'scale {params.scale:g}' if r.number == 1 else r.number}: {r.ratio:.2f}× "
        f"({r.subject_stats.median:.0f} ms vs {r.baseline_stats.median:.0f} ms)"
        for r in reports
    ]
    line = "report ÷ one SQL GROUP BY, by scale — " + "; ".join(parts)
    if len(reports) > 1:
        grows = reports[-1].ratio > reports[0].ratio
        line += f"; the ratio {'grows' if grows else 'does not grow'} with the data"
    return "\n" + line
