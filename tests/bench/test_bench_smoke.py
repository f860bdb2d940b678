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
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| # | measurement |")
    assert len(table) == 7  # header + six measurements (the separator row starts with "|-")
