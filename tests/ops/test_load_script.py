"""scripts/load.py stays runnable: a 5-second run against the real processes (two bin/web behind nginx),
no errors, every activity that was answered 201 is in the database exactly once, and the scale-out checks
pass. (The real figures come from the 60 s run and the fault runs recorded in docs/operations.md; this only
keeps the script from rotting.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.redis
def test_a_short_load_run_has_no_errors_and_loses_no_activity(tmp_path):
    out = tmp_path / "load.json"
    env = os.environ | {"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": settings.REDIS_URL}
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts/load.py"),
            "--duration",
            "5",
            "--caseworkers",
            "2",
            "--redis-db",
            "11",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads(out.read_text())
    assert report["errors"] == 0
    checks = report["checks"]
    assert checks["ok"]
    assert checks["activities_posted_201"] > 0
    assert checks["activities_in_db"] == checks["activities_posted_201"]
    assert checks["notifications"] == checks["outbox_in_app"]
    assert report["exit_codes"] == {"beat": 0, "worker": 0, "web": 0, "web2": 0, "nginx": 0}
    # Two bin/web processes behind the compose proxy's nginx configuration (issue #15): the load went
    # through nginx to both, and sessions, CSRF, the lockout and the client address held across them.
    assert len(report["proxy"]["by_upstream"]) == 2 and report["proxy"]["error_lines"] == 0
    scale = report["scaleout"]
    assert scale["ok"], scale
    assert scale["login_csrf_across"]["form_from"] != scale["login_csrf_across"]["posted_to"]
    assert scale["csrf_forged_token"]["status"] == 403
    assert set(scale["session_through_proxy"]["statuses_by_process"]) == {"web1", "web2"}
    assert {name for name, _status in scale["lockout"]["failed_attempts"]} == {"web1", "web2"}
    assert scale["client_ip"]["recorded"] == ["127.0.0.3"]
