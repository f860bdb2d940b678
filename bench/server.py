"""gunicorn (bin/web, as deployed) on a loopback port against the bench database, and a bounded closed-loop
load: N client threads, each with its own keep-alive connection, sending requests back to back."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .env import bench_environ

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(
    database_url: str, *, ready_timeout: float = 60, settings: str = "bench.settings"
) -> Iterator[int]:
    """bin/web with its defaults (workers, threads) on 127.0.0.1:<free port>; yields the port. Its settings
    are bench.settings: the app's, plus the bench-only URL of the minimal durable write (bench/urls.py);
    measurement 3c passes bench.settings_without_rollups."""
    port = free_port()
    env = {
        **os.environ,
        **bench_environ(database_url),
        "MIGRATE_ON_START": "0",
        # The app's settings with the bench URLconf (the minimal durable write of measurement 3).
        "DJANGO_SETTINGS_MODULE": settings,
        "BIND_ADDRESS": "127.0.0.1",
        "PORT": str(port),
        "PYTHON": str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else "python",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    env.pop("FIELD_ENCRYPTION_DISABLED", None)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [str(ROOT / "bin" / "web")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_ready(port, process, ready_timeout, log)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(port: int, process: subprocess.Popen, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(
                f"gunicorn exited ({process.returncode}):\n{log.read().decode(errors='replace')}"
            )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


@dataclass
class LoadResult:
    seconds: float
    ok: int
    errors: int
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


def closed_loop(
    port: int, make_request: Callable[[int, int], Request], *, clients: int, seconds: float, expect: int
) -> LoadResult:
    """`clients` threads send requests back to back for `seconds`; make_request(client, n) gives each one."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    result = LoadResult(seconds=0.0, ok=0, errors=0)
    start = time.perf_counter()

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        local_lat, ok, errors, statuses = [], 0, 0, {}
        while time.perf_counter() < deadline:
            method, path, body, headers = make_request(index, n)
            n += 1
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            local_lat.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
            if status == expect:
                ok += 1
            else:
                errors += 1
        conn.close()
        with lock:
            result.latencies.extend(local_lat)
            result.ok += ok
            result.errors += errors
            for key, value in statuses.items():
                result.statuses[key] = result.statuses.get(key, 0) + value

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - start
    return result


def json_request(method: str, path: str, token: str, payload: dict | None = None) -> Request:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    return method, path, body, headers
