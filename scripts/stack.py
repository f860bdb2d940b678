"""The production processes as real processes, on a scratch database: shared by the smoke test
(tests/ops/test_smoke_processes.py) and the load and fault runs (scripts/load.py).

`Stack` creates a fresh PostgreSQL database (yorisoi_smoke_<random>), starts the SAME entrypoints the
containers run (bin/web = migrations + gunicorn, bin/worker, bin/beat) with their output in log files,
and drops the database again on close. Everything listens on loopback only. Only the standard library,
psycopg and redis (both already dependencies) are used, so this runs with the project's virtualenv.
"""

# ruff: noqa: S310, S603
# S310/S603: urllib and subprocess on loopback URLs and our own bin/ scripts only.

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    """A TCP port nothing listens on right now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def totp(secret_b32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 code (SHA-1, 30 s), what an authenticator app shows for `create_staff --totp-secret`."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


def with_database(url: str, dbname: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))


def with_redis_db(url: str, db: int) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


@dataclass
class Reply:
    status: int
    body: object
    ms: float
    error: str = ""  # transport error (refused, timeout); status is 0 then


class Api:
    """A tiny JSON client (urllib): one new connection per request, no retries (a retried POST could
    double an activity, which is exactly what the load run checks for)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0):
        host = urllib.parse.urlsplit(base_url)
        if host.scheme != "http" or host.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"loopback http:// only, not {base_url!r}")  # load runs never leave the machine
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: object | None = None) -> Reply:
        headers = {"Accept": "application/json", "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        started = time.perf_counter()
        try:
            # nosec B310: the scheme and host were checked in __init__ (http on loopback only)
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        except (OSError, urllib.error.URLError) as exc:
            return Reply(0, None, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}")
        ms = (time.perf_counter() - started) * 1000
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:200].decode(errors="replace")
        return Reply(status, parsed, ms)

    def get(self, path: str) -> Reply:
        return self.call("GET", path)

    def post(self, path: str, body: object | None = None) -> Reply:
        return self.call("POST", path, body if body is not None else {})

    def login(self, username: str, password: str, otp: str | None = None) -> str:
        payload = {"username": username, "password": password} | ({"otp": otp} if otp else {})
        reply = Api(self.base_url).post("/api/v1/auth/token/", payload)
        if reply.status != 200:
            raise RuntimeError(f"token for {username}: {reply.status} {reply.body} {reply.error}")
        return reply.body["token"]


class Stack:
    """bin/web, bin/worker and bin/beat on a scratch PostgreSQL database and a given Redis URL."""

    def __init__(
        self,
        workdir: Path,
        *,
        server_url: str | None = None,
        redis_url: str,
        web_concurrency: int = 2,
        worker_concurrency: int = 2,
        prefix: str = "yorisoi_smoke",
        extra_env: dict[str, str] | None = None,
    ):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.server_url = server_url or DEFAULT_SERVER_URL
        self.admin_url = with_database(self.server_url, "postgres")
        self.dbname = f"{prefix}_{secrets.token_hex(4)}"
        self.database_url = with_database(self.server_url, self.dbname)
        self.redis_url = redis_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.logfiles: dict[str, Path] = {}
        self._starts: dict[str, int] = {}
        self.env = self._environment(web_concurrency, worker_concurrency, extra_env or {})

    # --- set-up -----------------------------------------------------------------------------------
    def _environment(self, web_concurrency: int, worker_concurrency: int, extra: dict[str, str]) -> dict:
        # Only what a container would have: the machine's basics plus the .env variables; nothing that
        # the test runner put in os.environ (pytest-env's test keys, DJANGO_SETTINGS_MODULE, ...).
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env |= {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": "smoke1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "PORT": str(self.port),
            "BIND_ADDRESS": "127.0.0.1",
            "WEB_CONCURRENCY": str(web_concurrency),
            "WORKER_CONCURRENCY": str(worker_concurrency),
            "WORKER_NAME": f"{self.dbname}",
            "BEAT_SCHEDULE_FILE": str(self.workdir / "celerybeat-schedule"),
            "CONSENT_DOCUMENT_ROOT": str(self.workdir / "documents"),
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
            # No SMTP server here; staff created by the runs have no e-mail address anyway.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHON": PYTHON,
            "PYTHONUNBUFFERED": "1",
            # Static files are served from the finders (no collectstatic in a scratch checkout).
            "STATIC_MANIFEST": "0",
        }
        return env | extra

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.dbname}"')

    def drop_database(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url, socket_connect_timeout=2).flushdb()

    # --- processes --------------------------------------------------------------------------------
    def start(
        self, name: str, entrypoint: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """Start bin/<name> (web, worker, beat), or bin/<entrypoint> under another name (a second web
        process: "web2", "web"), with `env` on top of the stack's environment; its stdout and stderr go to
        <workdir>/<name>[.N].log."""
        count = self._starts.get(name, 0)
        self._starts[name] = count + 1
        log = self.workdir / (f"{name}.log" if count == 0 else f"{name}.{count}.log")
        self.logfiles[f"{name}.{count}"] = log
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [str(ROOT / "bin" / (entrypoint or name))],
                cwd=ROOT,
                # libpq's PGAPPNAME names the process's database sessions in pg_stat_activity.
                env=self.env | {"PGAPPNAME": f"yorisoi-{name}"} | (env or {}),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: a SIGKILL takes the pool children too
            )
        self.procs[name] = proc
        return proc

    def wait_ready(self, timeout: float = 120.0, *, name: str = "web", base_url: str | None = None) -> dict:
        """Poll /readyz of web process `name` until 200 (bin/web migrates the fresh database first)."""
        deadline = time.monotonic() + timeout
        api = Api(base_url or self.base_url, timeout=5)
        last = None
        while time.monotonic() < deadline:
            web = self.procs.get(name)
            if web is not None and web.poll() is not None:
                raise RuntimeError(f"bin/web ({name}) exited with {web.returncode}:\n{self.tail(name)}")
            last = api.get("/readyz")
            if last.status == 200:
                return last.body
            time.sleep(0.5)
        raise TimeoutError(f"/readyz not 200 after {timeout}s (last: {last}):\n{self.tail(name)}")

    def manage(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args[:1])} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
            )
        return result.stdout

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        """Signal the process (not its group: the entrypoint execs the server, which stops its own
        children) and wait; returns the exit code, or None if it had to be killed."""
        proc = self.procs.get(name)
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill(name)
                return None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group, if any
        return proc.returncode

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group (what an OOM kill or `docker kill` does to a container)."""
        proc = self.procs.get(name)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)

    def stop_all(self) -> dict[str, int | None]:
        codes = {}
        order = ["beat", "worker"] + [n for n in self.procs if n not in ("beat", "worker")]
        for name in order:
            if name in self.procs:
                codes[name] = self.stop(name)
        return codes

    # --- inspection -------------------------------------------------------------------------------
    def log_text(self) -> dict[str, str]:
        return {key: path.read_text(errors="replace") for key, path in self.logfiles.items() if path.exists()}

    def tail(self, name: str, lines: int = 40) -> str:
        texts = [t for k, t in self.log_text().items() if k.split(".")[0] == name]
        return "\n".join("\n".join(t.splitlines()[-lines:]) for t in texts)

    def sql(self, query: str, params: tuple | list = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def scalar(self, query: str, params: tuple | list = ()):
        return self.sql(query, params)[0][0]

    def close(self, *, keep_database: bool = False) -> dict[str, int | None]:
        codes = self.stop_all()
        if not keep_database:
            self.drop_database()
        return codes


def problem_lines(text: str) -> list[str]:
    """Log lines that show an error: level ERROR/CRITICAL (JSON or Celery/gunicorn plain) or a traceback."""
    bad = []
    for line in text.splitlines():
        if "Traceback" in line or "ERROR" in line or "CRITICAL" in line:
            bad.append(line)
    return bad
