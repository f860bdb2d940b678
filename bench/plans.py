"""EXPLAIN (ANALYZE, BUFFERS) of every query on the measured paths, captured as the app issues them.

Writes are listed but not explained (EXPLAIN ANALYZE would execute them); the activity POST runs in a
rolled-back transaction so the dataset stays as built.
"""

from __future__ import annotations

import datetime
import json

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext


def _capture(fn) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries]


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def paths(fiscal_year: int) -> dict[str, list[str]]:
    from rest_framework.authtoken.models import Token

    from casework.models import Case
    from casework.selectors import case_list, case_list_page_rows
    from reports import selectors as report_selectors

    from .measurements import NOTE, _caseworkers, _first_page, _local_agencies, _open_cases

    user = _caseworkers(1)[0]
    case = _open_cases(user, 1)[0]
    codes = [a.code for a in _local_agencies(case)]
    token = Token.objects.get_or_create(user=user)[0].key
    today = datetime.date(fiscal_year + 1, 5, 1)
    found = {
        "1. report: accompanied_activity_report()": _capture(
            lambda: report_selectors.accompanied_activity_report(fiscal_year=fiscal_year, today=today)
        ),
        "2. my cases: first page + count": _capture(
            lambda: _first_page(case_list_page_rows(case_list(fetched_by=user)))
        ),
        "2. baseline: the same page unfiltered": _capture(
            lambda: _first_page(case_list_page_rows(Case.objects.all()))
        ),
        "4. export rows: first batch of counted_activity_rows()": _capture(
            lambda: next(iter(report_selectors.counted_activity_rows(fiscal_year=fiscal_year)))
        ),
    }

    def post():
        client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
        with transaction.atomic():
            body = {
                "occurred_at": (
                    datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
                ).isoformat(),
                "kind": "visit",
                "minutes": 30,
                "partner_agencies": codes,
                "note": NOTE,
            }
            response = client.post(
                f"/api/v1/cases/{case.pk}/activities/", json.dumps(body), content_type="application/json"
            )
            assert response.status_code == 201, response.content
            transaction.set_rollback(True)

    with transaction.atomic():
        found["3/5. POST /api/v1/cases/{id}/activities/"] = _capture(post)
        transaction.set_rollback(True)
    return found


def write_plans(path: str, *, fiscal_year: int) -> None:
    out = []
    for title, queries in paths(fiscal_year).items():
        out.append(f"## {title} — {len(queries)} queries\n")
        for n, sql in enumerate(queries, start=1):
            statement = sql.lstrip().split(None, 1)[0].upper()
            out.append(f"### {n}. {sql[:4000]}\n")
            if statement == "SELECT":
                with transaction.atomic():
                    out.append("```\n" + _explain(sql) + "\n```\n")
                    transaction.set_rollback(True)
            else:
                out.append("(write: not explained)\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
