"""In-process profile of logging an activity over the API, on the bench dataset (docs/benchmarks.md).

`python -m bench.profile_post [--database-url URL] [--requests 200] [--top 25]`

Django's test client (the whole middleware and DRF stack, token auth, no network) sends POST
/api/v1/cases/{id}/activities/ as measurement 3's clients do, then GET /api/v1/areas/ and the minimal durable
write (bench.urls); prints each one's median time and its queries, and cProfile's top functions of the
POSTs (own time and cumulative). What it wrote is deleted afterwards, as measurement 3 does.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time

from . import env

BREAKDOWN = (  # (label, file, function) of the stack a POST goes through
    ("the whole request (test client)", "django/core/handlers/base.py", "get_response"),
    ("  the view (after middleware, auth and DRF's set-up)", "casework/api.py", "post"),
    ("  token authentication (token + user, roles)", "network/authentication.py", "authenticate_credentials"),
    ("    the case, with the team check", "casework/selectors.py", "case_for_write"),
    ("    can_log_activity", "casework/selectors.py", "can_log_activity"),
    ("    validating the body", "rest_framework/serializers.py", "is_valid"),
    ("    activity_log (transaction)", "casework/services.py", "activity_log"),
    ("      insert_new (the activity's and the audit row's INSERT)", "config/inserts.py", "insert_new"),
    ("      INSERT partners", "casework/services.py", "_link_new_activity"),
    ("      the roll-up mark (reports_rollup_pending)", "reports/rollups.py", "_mark_changed"),
    ("      audit.record (the audit row)", "casework/audit.py", "record"),
    ("    rendering the answer", "rest_framework/serializers.py", "to_representation"),
    ("  waiting on PostgreSQL (all round trips)", "psycopg/connection.py", "wait"),
    ("  compiling SQL (as_sql, nested calls counted again)", "django/db/models/sql/compiler.py", "as_sql"),
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_post")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL") or env.DEFAULT_DATABASE_URL
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    env.check_bench_database(args.database_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env.prepare(args.database_url)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from . import measurements

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = measurements._caseworkers(1)[0]
    cases = measurements._open_cases(user, 40)
    codes = [a.code for a in measurements._local_agencies(cases[0])]
    token = Token.objects.get_or_create(user=user)[0].key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT="application/json")
    marks = measurements._watermarks()

    def post(n: int):
        body = measurements.activity_payload(codes, n)
        response = client.post(
            f"/api/v1/cases/{cases[n % len(cases)].pk}/activities/", json.dumps(body), "application/json"
        )
        assert response.status_code == 201, response.content

    def get(n: int):
        assert client.get("/api/v1/areas/").status_code == 200

    def write(n: int):
        response = client.post("/bench/durable-write/", "{}", "application/json")
        assert response.status_code == 201, response.content

    try:
        for label, call in (("POST activity", post), ("GET areas", get), ("durable write", write)):
            for n in range(20):
                call(n)
            captured: list[str] = []

            def record(execute, sql, *rest, captured=captured):
                captured.append(sql)
                return execute(sql, *rest)

            with connection.execute_wrapper(record):
                call(1)  # two partner agencies
            times = []
            for n in range(args.requests):
                started = time.perf_counter()
                call(n)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{label}: median {statistics.median(times):.2f} ms, {len(captured)} queries")
            for sql in captured:
                print(f"    {sql[:110]}")
        profile = cProfile.Profile()
        profile.enable()
        for n in range(args.requests):
            post(n)
        profile.disable()
        stats = pstats.Stats(profile)
        print(f"\n--- where a POST's time goes (cumulative ms per request, {args.requests} POSTs) ---")
        for label, path_end, name in BREAKDOWN:
            total = sum(
                row[3]
                for (path, _line, func), row in stats.stats.items()
                if path.endswith(path_end) and func == name
            )
            print(f"{total * 1000 / args.requests:8.2f} ms  {label}")
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
            print(f"\n--- {args.requests} POSTs, top {args.top} by {order} ---")
            print(out.getvalue().split("\n", 6)[-1] if order == "tottime" else out.getvalue())
    finally:
        print(f"removed {measurements._restore(marks)} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
