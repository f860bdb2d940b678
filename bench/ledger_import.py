"""Ledger import at adoption scale: a workbook of N cases and M activities (two sheets, a title row above each
table, dates in several spellings) imported by `manage.py import_ledger` in a fresh process, in its own
database. Prints rows per second and how far the import itself raised the memory of its fresh process
(bench.import_probe: VmRSS after the set-up, VmHWM after the import; the whole-process peak beside it).

`python -m bench.ledger_import [--database-url URL] [--cases 20000] [--activities 200000]`
(`make bench-import`). The database is dropped and recreated: its name must contain "bench".
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yorisoi_bench_import"
KINDS = ["訪問", "電話", "来所", "同行", "面談"]
ISSUES = ["生活困窮", "ひきこもり", "8050問題", "認知症", "障害"]


def build_workbook(path: Path, *, cases: int, activities: int) -> None:
    """Write-only (streamed) workbook: the bench measures the import, not the building."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("ケース一覧")
    sheet.append(["令和4年度 ケース台帳（架空）"])
    sheet.append(["No.", "受付日", "氏名", "フリガナ", "生年月日", "電話番号", "住所", "主訴", "課題"])
    start = datetime.date(2021, 4, 1)
    for n in range(1, cases + 1):
        opened = start + datetime.timedelta(days=n % 1000)
        spelled = (
            opened
            if n % 3 == 0
            else (
                f"R{opened.year - 2018}.{opened.month}.{opened.day}"
                if n % 3 == 1
                else f"{opened.year}/{opened.month}/{opened.day}"
            )
        )
        sheet.append(
            [
                n,
                spelled,
                f"架空 {n}",
                "カクウ",
                f"S{40 + n % 20}.1.{1 + n % 28}",
                f"090-0000-{n % 10000:04d}",
                f"架空市{n}丁目",
                ISSUES[n % 5],
                ISSUES[(n + 1) % 5],
            ]
        )
    sheet = book.create_sheet("支援経過")
    sheet.append(["支援経過（架空）"])
    sheet.append(["No.", "日付", "時刻", "所要時間", "種別", "内容"])
    for n in range(activities):
        case = 1 + n % cases
        day = start + datetime.timedelta(days=case % 1000 + 1 + n // cases)
        sheet.append([case, day, f"{9 + n % 8}:{n % 60:02d}", 30, KINDS[n % 5], f"架空の支援記録 {n}"])
    book.save(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger_import", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_IMPORT_DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--activities", type=int, default=200000)
    args = parser.parse_args(argv)
    env.check_bench_database(args.database_url)
    from . import database

    database.recreate(args.database_url)
    child_env = {**os.environ, **env.bench_environ(args.database_url)}
    manage = [sys.executable, "manage.py"]
    root = Path(__file__).resolve().parent.parent
    for command in (["migrate", "-v", "0"], ["seed_master"]):
        subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [*manage, *command], cwd=root, env=child_env, check=True, stdout=subprocess.DEVNULL
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.xlsx"
        built = time.perf_counter()
        build_workbook(path, cases=args.cases, activities=args.activities)
        print(f"workbook: {path.stat().st_size / 1e6:.1f} MB built in {time.perf_counter() - built:.1f} s")
        area = (
            subprocess.run(  # noqa: S603 - our own manage.py
                [
                    *manage,
                    "shell",
                    "-c",
                    "from network.models import Area; print(Area.objects.order_by('id')[0].code)",
                ],
                cwd=root,
                env=child_env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        probe = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "bench.import_probe",
                "--database-url",
                args.database_url,
                "--area",
                area,
                str(path),
            ],
            cwd=root,
            env=child_env,
            check=True,
            capture_output=True,
            text=True,
        )
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    summary = result["summary"]
    rows = summary["cases"]["rows"] + summary["activities"]["rows"]
    seconds = result["seconds"]
    print(
        f"import: {summary['cases']['created']} cases and {summary['activities']['created']} activities "
        f"created, {len(summary['errors'])} errors"
    )
    print(f"{rows} rows in {seconds:.1f} s = {rows / seconds:.0f} rows/s")
    print(
        f"memory of the import alone (fresh process, {result['peak_source']}): grew "
        f"{result['import_growth_mb']:.1f} MB, from {result['rss_before_import_mb']:.1f} MB after the set-up "
        f"to a peak of {result['import_peak_rss_mb']:.1f} MB; whole-process peak (ru_maxrss) "
        f"{result['process_peak_rss_mb']:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
