"""The benchmark harness still runs end to end: a tiny dataset in its own scratch database, every measurement
once, the table printed. It asserts completion only; figures live in docs/benchmarks.md, never here."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


def _scratch_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/yorisoi_bench_smoke_{os.getpid()}"


def test_bench_smoke_run_prints_the_table():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_DATABASE_URL")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "0.001",
            "--smoke",
            "--rebuild",
            "--drop-after",
            "--database-url",
            _scratch_url(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # minutes of migrations and start-ups when the machine is shared; no figure is checked
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| # | measurement |")
    # header + six measurements + 3b, the minimal durable write, + 3c, the POST on a server without the
    # roll-up receivers (the separator row starts with "|-")
    assert len(table) == 9, "\n".join(table)
    assert any(line.startswith("| 3b |") for line in table)
    assert any(line.startswith("| 3c |") for line in table)
    assert "report ÷ one SQL GROUP BY, by scale" in result.stdout


def test_each_further_scale_has_its_own_database():
    """`--scales 1,3`: the first scale uses the URL's database, each further one `<name>_s<scale>` (cached
    separately, by its own fingerprint); --scale is the same option, the last given wins."""
    from bench.__main__ import parse_args, scale_database_url

    url = "postgres://postgres@127.0.0.1:5432/yorisoi_bench"
    assert scale_database_url(url, 1.0, 1.0) == url
    assert scale_database_url(url, 3.0, 1.0) == url + "_s3"
    assert scale_database_url(url, 0.5, 1.0) == url + "_s0_5"
    assert parse_args(["--scales", "1,3"]).scale_list == [1.0, 3.0]
    assert parse_args(["--scales", "1,3", "--scale", "0.01"]).scale_list == [0.01]
    assert parse_args([]).scale_list == [1.0]
