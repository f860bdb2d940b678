#!/usr/bin/env python
"""Bounded load (and fault) run against the real processes on loopback.

Starts bin/web, bin/worker and bin/beat itself on a scratch PostgreSQL database (dropped at the end),
then for --duration seconds (and at most --max-requests requests) caseworkers list their cases, log
activities and now and then open a case and refer it to the next area, while each area's coordinator
answers the incoming referrals (accept or decline). It prints requests/s, p50/p95 latency per endpoint
and every error, then checks that:

* the activities in the database are exactly the ones whose POST answered 201 (nothing lost, nothing
  doubled);
* every outbox message was delivered, and each in-app one produced exactly one notification.

Fault modes (one at a time):

* ``--fault redis``: runs its OWN redis-server on a spare port, stops it mid-run and restarts it
  (empty, like a lost broker). The web must keep accepting activities and referrals, /readyz must
  report redis down during the outage, and the notices queued meanwhile must be delivered after Redis
  returns (by the beat-driven outbox sweep).
* ``--fault worker``: holds a lock on the notification table so a delivery task is provably in flight,
  SIGKILLs the worker's whole process group, restarts it, makes the broker redeliver the unacked task
  (acks_late) and checks the effect happened exactly once.

Scale-out (issue #15): by default TWO bin/web processes run behind nginx with the compose proxy's own
configuration (deploy/nginx/yorisoi.conf, rendered by scripts/proxy.py), and all traffic goes through the
proxy. Before the load, scripts/scaleout.py shows that sessions, CSRF and the login lockout work across
the processes and that the client address is the one nginx saw. Without an nginx binary the run says so,
runs against one process directly, and fails (`--web-processes 1` asks for that on purpose).

Usage: .venv/bin/python scripts/load.py [--duration 60] [--fault redis|worker] [--web-processes 2]
       [--json out.json]
Environment: DATABASE_URL (any database on the PostgreSQL server; a scratch one is created beside it),
REDIS_URL (used unless --fault redis; the run uses db --redis-db of it).
Only loopback addresses are used; every loop is bounded in time and count.
"""

# ruff: noqa: S603
# S603: subprocess runs our own redis-server and manage.py only.

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import scaleout
from scripts.proxy import LocalProxy, nginx_binary
from scripts.stack import Api, Stack, free_port, problem_lines, totp, with_redis_db

JST = timezone(timedelta(hours=9))
AREAS = ["tanaka", "nanbu", "shintomi", "hokubu"]  # seed_master's four areas
PASSWORD = "Load-test-pass-2025!"
KINDS = ["visit", "office", "phone", "accompany", "interview", "conference", "mail", "other"]
ISSUES = ["8050", "double_care", "hikikomori", "poverty", "isolation", "debt", "housing"]


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- measurements -------------------------------------------------------------------------------------
class Recorder:
    def __init__(self, max_requests: int):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[dict] = []
        self.total = 0
        self.max_requests = max_requests
        self.activity_ids: list[int] = []
        self.activity_unknown = 0  # POSTs whose outcome the client could not see (timeouts)
        self.referrals_created = 0
        self.decisions: dict[str, int] = defaultdict(int)
        self.conflicts = 0
        self.by_phase: dict[str, dict[str, dict[int, int]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int))
        )

    def budget(self) -> bool:
        with self.lock:
            if self.total >= self.max_requests:
                return False
            self.total += 1
            return True

    def record(self, endpoint: str, reply, expected: tuple[int, ...], phase: str = "") -> bool:
        with self.lock:
            self.samples[endpoint].append(reply.ms)
            self.statuses[endpoint][reply.status] += 1
            self.by_phase[phase][endpoint][reply.status] += 1
            if reply.status in expected:
                return True
            if reply.status == 409 and endpoint.startswith("POST referral "):
                self.conflicts += 1  # two answers raced; the API says so, as documented
                return False
            self.errors.append(
                {
                    "endpoint": endpoint,
                    "status": reply.status,
                    "error": reply.error,
                    "body": str(reply.body)[:300],
                    "phase": phase,
                    "at": time.time(),
                }
            )
            return False


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# --- the virtual users ---------------------------------------------------------------------------------
class Run:
    def __init__(self, args, stack: Stack, recorder: Recorder):
        self.args = args
        self.stack = stack
        self.rec = recorder
        self.deadline = 0.0
        self.phase = "steady"
        self.agencies: list[str] = []
        self.stop = threading.Event()

    def running(self) -> bool:
        return not self.stop.is_set() and time.monotonic() < self.deadline

    def caseworker(self, api: Api, area: str, cases: list[int], seed: int) -> None:
        rng = random.Random(seed)
        next_area = AREAS[(AREAS.index(area) + 1) % len(AREAS)]
        i = 0
        while self.running():
            i += 1
            if not self.rec.budget():
                return
            self.rec.record("GET cases", api.get("/api/v1/cases/"), (200,), self.phase)
            if not self.running() or not self.rec.budget():
                return
            case_id = rng.choice(cases)
            body = {
                "occurred_at": datetime.now(JST).replace(microsecond=0).isoformat(),
                "kind": rng.choice(KINDS),
                "minutes": rng.choice([10, 15, 30, 45, 60, 90]),
                "partner_agencies": rng.sample(self.agencies, k=rng.choice([0, 1, 1, 2])),
                "note": f"架空の記録 {seed}-{i}",
            }
            reply = api.post(f"/api/v1/cases/{case_id}/activities/", body)
            if self.rec.record("POST activity", reply, (201,), self.phase):
                with self.rec.lock:
                    self.rec.activity_ids.append(reply.body["id"])
            elif reply.status == 0 and "timed out" in reply.error:
                with self.rec.lock:
                    self.rec.activity_unknown += 1
            if i % self.args.refer_every == 0 and self.running() and self.rec.budget():
                case = api.post("/api/v1/cases/", new_case(area, rng))
                if self.rec.record("POST case", case, (201,), self.phase):
                    cases.append(case.body["id"])
                    if self.rec.budget():
                        referral = api.post(
                            "/api/v1/referrals/",
                            {
                                "case": case.body["id"],
                                "kind": "collaboration",
                                "to_area": next_area,
                                "reason": "架空の連携依頼（負荷試験）",
                            },
                        )
                        if self.rec.record("POST referral", referral, (201,), self.phase):
                            with self.rec.lock:
                                self.rec.referrals_created += 1

    def coordinator(self, api: Api, seed: int) -> None:
        rng = random.Random(seed)
        while self.running():
            if not self.rec.budget():
                return
            inbox = api.get("/api/v1/referrals/?direction=incoming&status=requested")
            if not self.rec.record("GET referrals incoming", inbox, (200,), self.phase):
                time.sleep(0.2)
                continue
            pending = inbox.body["results"][:3]
            if not pending:
                time.sleep(0.3)
                continue
            for referral in pending:
                if not self.running() or not self.rec.budget():
                    return
                if rng.random() < 0.7:
                    reply = api.post(f"/api/v1/referrals/{referral['id']}/accept/")
                    action = "accept"
                else:
                    reply = api.post(
                        f"/api/v1/referrals/{referral['id']}/decline/",
                        {"reason": "架空：今回は対応できません"},
                    )
                    action = "decline"
                if self.rec.record(f"POST referral {action}", reply, (200,), self.phase):
                    with self.rec.lock:
                        self.rec.decisions[action] += 1


def new_case(area: str, rng: random.Random) -> dict:
    issues = rng.sample(ISSUES, k=2)
    return {
        "area": area,
        "household_name": f"架空負荷世帯{rng.randrange(10**6)}",
        "household_name_kana": f"カクウフカ{rng.randrange(10**6)}",
        "issues": issues,
        "main_issue": issues[0],
    }


# --- faults -------------------------------------------------------------------------------------------
class OwnRedis:
    """A redis-server of our own on a spare loopback port, so stopping it harms nothing else."""

    def __init__(self, workdir: Path, port: int):
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise SystemExit("--fault redis needs redis-server on PATH")
        with (self.workdir / "redis.log").open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        for _ in range(50):
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("own redis-server did not answer")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def watch_readyz(stack: Stack, stop: threading.Event, seen: list) -> None:
    api = Api(stack.base_url, timeout=5)
    while not stop.is_set():
        reply = api.get("/readyz")
        seen.append(
            (
                time.time(),
                reply.status,
                (reply.body or {}).get("down") if isinstance(reply.body, dict) else None,
            )
        )
        stop.wait(1.0)


def fault_redis(run: Run, own: OwnRedis, at: float, outage: float, report: dict) -> None:
    time.sleep(at)
    if not run.running():
        return
    seen: list = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch_readyz, args=(run.stack, stop, seen), daemon=True)
    log(f"fault: stopping redis-server :{own.port} for {outage:.0f}s")
    run.phase = "redis down"
    down_at = time.time()
    own.stop()
    watcher.start()
    time.sleep(outage)
    log("fault: restarting redis-server (empty)")
    own.start()
    up_at = time.time()
    run.phase = "redis back"
    # Readiness comes back by itself.
    for _ in range(30):
        if Api(run.stack.base_url, timeout=5).get("/readyz").status == 200:
            break
        time.sleep(0.5)
    stop.set()
    watcher.join()
    ready_back = time.time()
    report["fault"] = {
        "kind": "redis",
        "outage_seconds": round(up_at - down_at, 1),
        "readyz_during_outage": sorted({(s, tuple(d or ())) for t, s, d in seen if down_at < t < up_at}),
        "readyz_ok_after_restart_seconds": round(ready_back - up_at, 1),
        "down_at": down_at,
        "up_at": up_at,
    }


def _unacked_outbox_ids(broker) -> list[int]:
    """The outbox message ids of the dispatch tasks in Redis's unacked set (kombu's Redis transport)."""
    import base64

    ids = []
    for raw in broker.hvals("unacked"):
        message = json.loads(raw)[0]
        if message.get("headers", {}).get("task") != "referrals.tasks.dispatch_outbox":
            continue
        body = json.loads(base64.b64decode(message["body"]))
        ids.append(int(body[0][0]))
    return sorted(ids)


def fault_worker(run: Run, at: float, report: dict) -> None:
    """Make delivery tasks provably in flight (blocked on a table lock inside their transaction), SIGKILL
    the worker's process group, restart it, and let the broker redeliver what was never acknowledged."""
    import psycopg
    import redis
    from kombu import Connection

    time.sleep(at)
    if not run.running():
        return
    stack = run.stack
    info: dict = {"kind": "worker"}
    report["fault"] = info
    blocker = psycopg.connect(stack.database_url)
    blocker.execute("LOCK TABLE referrals_notification IN EXCLUSIVE MODE")
    log("fault: notification table locked; waiting for delivery tasks to block on it")
    in_flight_sql = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name ="
        " 'yorisoi-worker' AND wait_event_type = 'Lock' AND query ILIKE '%%referrals_notification%%'"
    )
    waiting: list = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(waiting) < run.args.worker_concurrency:
        time.sleep(0.5)
        waiting = stack.sql(in_flight_sql)
    info["tasks_blocked_mid_delivery"] = len(waiting)
    broker = redis.Redis.from_url(stack.redis_url)
    log(f"fault: SIGKILL the worker's process group ({len(waiting)} deliveries in flight)")
    stack.kill("worker")
    killed_at = time.time()
    in_flight = _unacked_outbox_ids(broker)
    info["unacked_after_kill"] = broker.hlen("unacked")
    info["in_flight_outbox_ids"] = in_flight
    blocker.rollback()
    blocker.close()
    # The killed worker's sessions end when they next talk to their (gone) client; they never committed.
    pids = [p for (p,) in waiting]
    for _ in range(50):
        if not pids or not stack.sql("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]):
            break
        time.sleep(0.2)
    else:
        stack.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
    info["delivered_by_killed_worker"] = stack.scalar(
        "SELECT count(*) FROM referrals_outboxmessage WHERE id = ANY(%s) AND dispatched_at IS NOT NULL",
        [in_flight],
    )
    log("fault: restarting the worker")
    stack.start("worker")
    # acks_late: the killed tasks are still in Redis's unacked set. The broker hands them out again after
    # its visibility timeout (kombu's default: 1 hour); do now what that timer does, with a 0 s timeout.
    with Connection(stack.redis_url, transport_options={"visibility_timeout": 0}) as conn:
        conn.default_channel.qos.restore_visible(num=10_000)
    info["unacked_after_restore"] = broker.hlen("unacked")
    deadline = time.monotonic() + 60
    delivered = 0
    while time.monotonic() < deadline:
        delivered = stack.scalar(
            "SELECT count(*) FROM referrals_outboxmessage WHERE id = ANY(%s) AND dispatched_at IS NOT NULL",
            [in_flight],
        )
        if delivered == len(in_flight):
            break
        time.sleep(0.5)
    info["in_flight_delivered_after_redelivery"] = delivered
    info["redelivered_within_seconds"] = round(time.time() - killed_at, 1)
    info["notifications_for_in_flight"] = stack.sql(
        "SELECT m.id, count(n.id) FROM referrals_outboxmessage m LEFT JOIN referrals_notification n"
        " ON n.outbox_message_id = m.id WHERE m.id = ANY(%s) GROUP BY m.id ORDER BY m.id",
        [in_flight],
    )


# --- the run ----------------------------------------------------------------------------------------
def wait_outbox(stack: Stack, timeout: float, *, sweep_after: float | None = None) -> dict:
    """Wait until every outbox message is delivered. With `sweep_after`, run the sweep ourselves
    (manage.py shell) if the beat has not emptied it by then."""
    started = time.monotonic()
    swept = False
    while True:
        pending = stack.scalar("SELECT count(*) FROM referrals_outboxmessage WHERE dispatched_at IS NULL")
        elapsed = time.monotonic() - started
        if pending == 0:
            return {"pending": 0, "seconds": round(elapsed, 1), "manual_sweep": swept}
        if sweep_after is not None and elapsed > sweep_after and not swept:
            log(f"{pending} messages still pending after {elapsed:.0f}s; running the sweep by hand")
            stack.manage(
                "shell",
                "-c",
                "from referrals.tasks import sweep_outbox; print(sweep_outbox(min_age_seconds=0))",
            )
            swept = True
            continue
        if elapsed > timeout:
            return {"pending": pending, "seconds": round(elapsed, 1), "manual_sweep": swept}
        time.sleep(1)


def verify(stack: Stack, rec: Recorder) -> dict:
    db_ids = {row[0] for row in stack.sql("SELECT id FROM casework_activity")}
    posted = rec.activity_ids
    checks = {
        "activities_posted_201": len(posted),
        "activities_in_db": len(db_ids),
        "activities_unknown_outcome": rec.activity_unknown,
        "activity_ids_duplicated_in_answers": len(posted) - len(set(posted)),
        "activities_missing_in_db": len(set(posted) - db_ids),
        "activities_in_db_not_answered": len(db_ids - set(posted)),
    }
    checks["outbox_messages"] = stack.scalar("SELECT count(*) FROM referrals_outboxmessage")
    checks["outbox_in_app"] = stack.scalar(
        "SELECT count(*) FROM referrals_outboxmessage WHERE channel = 'in_app'"
    )
    checks["outbox_pending"] = stack.scalar(
        "SELECT count(*) FROM referrals_outboxmessage WHERE dispatched_at IS NULL"
    )
    checks["notifications"] = stack.scalar("SELECT count(*) FROM referrals_notification")
    checks["in_app_messages_without_notification"] = stack.scalar(
        "SELECT count(*) FROM referrals_outboxmessage m WHERE m.channel = 'in_app' AND NOT EXISTS"
        " (SELECT 1 FROM referrals_notification n WHERE n.outbox_message_id = m.id)"
    )
    checks["notifications_duplicated"] = int(
        stack.scalar(
            "SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) c FROM referrals_notification"
            " GROUP BY recipient_id, referral_id, kind) t"
        )
    )
    checks["outbox_max_attempts"] = stack.scalar(
        "SELECT coalesce(max(attempts), 0) FROM referrals_outboxmessage"
    )
    checks["referrals_by_status"] = dict(
        stack.sql("SELECT status, count(*) FROM referrals_referral GROUP BY status")
    )
    checks["ok"] = (
        checks["activities_in_db"] == checks["activities_posted_201"]
        and checks["activities_missing_in_db"] == 0
        and checks["activities_in_db_not_answered"] == 0
        and checks["outbox_pending"] == 0
        and checks["in_app_messages_without_notification"] == 0
        and checks["notifications_duplicated"] == 0
        and checks["notifications"] == checks["outbox_in_app"]
    )
    return checks


def setup_users(stack: Stack, args) -> tuple[dict, dict]:
    """seed_master and the staff in one manage.py process (each manage.py start costs ~2 s)."""
    cw, co = {}, {}
    lines = ["from django.core.management import call_command", "call_command('seed_master', verbosity=0)"]
    for n in range(args.caseworkers):
        area = AREAS[n % len(AREAS)]
        cw[f"load_cw{n}"] = area
        lines.append(
            f"call_command('create_staff', 'load_cw{n}', password={PASSWORD!r}, role='caseworker',"
            f" area={area!r})"
        )
    # Only for the lockout check (scripts/scaleout.py): it ends locked out.
    lines.append(
        f"call_command('create_staff', 'load_lockout', password={PASSWORD!r}, role='caseworker',"
        f" area={AREAS[0]!r})"
    )
    for area in AREAS:
        secret = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(32))
        co[f"load_co_{area}"] = secret
        lines.append(
            f"call_command('create_staff', 'load_co_{area}', password={PASSWORD!r},"
            f" role='coordinator', area={area!r}, totp_secret={secret!r})"
        )
    stack.manage("shell", "-c", "\n".join(lines))
    return cw, co


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60, max 600)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="hard cap on requests")
    parser.add_argument("--caseworkers", type=int, default=4)
    parser.add_argument("--refer-every", type=int, default=5, help="a new case + referral every N loops")
    parser.add_argument("--web-concurrency", type=int, default=2, help="gunicorn processes per bin/web")
    parser.add_argument(
        "--web-processes", type=int, default=2, help="bin/web processes behind nginx (1: no proxy)"
    )
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--fault", choices=["redis", "worker"], default=None)
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--redis-port", type=int, default=6391, help="port of the own redis (--fault redis)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and logs")
    args = parser.parse_args(argv)
    args.duration = max(1.0, min(args.duration, 600.0))
    args.web_processes = max(1, min(args.web_processes, 4))
    scale_skipped = ""
    if args.web_processes > 1 and not nginx_binary():
        scale_skipped = (
            "nginx not found on this machine, so the two web processes cannot be put behind the proxy"
            " configuration (install it: apt-get install nginx-light); this run uses ONE bin/web directly"
        )
        log(f"SCALE-OUT NOT CHECKED: {scale_skipped}")
        args.web_processes = 1
    proxied = args.web_processes > 1

    workdir = Path(tempfile.mkdtemp(prefix="yorisoi-load-"))
    own_redis = None
    if args.fault == "redis":
        port = args.redis_port
        try:
            with __import__("socket").create_connection(("127.0.0.1", port), timeout=0.5):
                port = free_port()  # taken: use another
        except OSError:
            pass
        own_redis = OwnRedis(workdir, port)
        own_redis.start()
        redis_url = own_redis.url
    else:
        redis_url = with_redis_db(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), args.redis_db)

    stack = Stack(
        workdir,
        server_url=os.environ.get("DATABASE_URL"),
        redis_url=redis_url,
        web_concurrency=args.web_concurrency,
        worker_concurrency=args.worker_concurrency,
        prefix="yorisoi_load",
        # Behind the proxy: every answer names its process, and nginx's X-Forwarded-For hop is believed.
        extra_env={"SERVED_BY_HEADER": "1", "TRUSTED_PROXY_COUNT": "1"} if proxied else None,
    )
    rec = Recorder(args.max_requests)
    report: dict = {"duration_requested": args.duration, "fault": None, "workdir": str(workdir)}
    report["scaleout"] = {"skipped": scale_skipped} if scale_skipped else None
    exit_code = 1
    proxy = None
    stack.create_database()
    try:
        stack.flush_redis()
        log(f"scratch database {stack.dbname}, redis {redis_url}, web on {stack.base_url}")
        stack.start("web", env={"INSTANCE_NAME": "web1"})
        stack.wait_ready(timeout=120)
        direct = {"web1": stack.base_url}
        for n in range(2, args.web_processes + 1):
            # The database is migrated by the first; the others only check and serve (like compose).
            port = free_port()
            name = f"web{n}"
            stack.start(name, "web", env={"PORT": str(port), "INSTANCE_NAME": name, "MIGRATE_ON_START": "0"})
            direct[name] = f"http://127.0.0.1:{port}"
            stack.wait_ready(timeout=120, name=name, base_url=direct[name])
        if proxied:
            proxy = LocalProxy(workdir, [u.removeprefix("http://") for u in direct.values()], free_port())
            proxy.start()
            stack.base_url = proxy.base_url  # from here on every client goes through nginx
            log(f"nginx {proxy.base_url} → {', '.join(f'{k} {v}' for k, v in direct.items())}")
        cw_users, co_users = setup_users(stack, args)
        stack.start("worker")
        stack.start("beat")
        if proxied:
            report["scaleout"] = scaleout.run_checks(
                proxy.base_url,
                direct,
                user=next(iter(cw_users)),
                password=PASSWORD,
                lockout_user="load_lockout",
                failure_limit=int(stack.env.get("LOGIN_FAILURE_LIMIT", "5")),
                sql=stack.sql,
            )
            log("scale-out checks " + ("passed" if report["scaleout"]["ok"] else "FAILED"))

        anonymous = Api(stack.base_url)
        run = Run(args, stack, rec)
        first = Api(stack.base_url, anonymous.login(next(iter(cw_users)), PASSWORD))
        run.agencies = [a["code"] for a in first.get("/api/v1/agencies/").body][:8]
        threads = []
        rng = random.Random(7)
        for n, (username, area) in enumerate(cw_users.items()):
            api = Api(stack.base_url, anonymous.login(username, PASSWORD))
            cases = []
            for _ in range(3):
                reply = api.post("/api/v1/cases/", new_case(area, rng))
                if reply.status != 201:
                    raise RuntimeError(f"seeding a case: {reply}")
                cases.append(reply.body["id"])
            threads.append(threading.Thread(target=run.caseworker, args=(api, area, cases, n), daemon=True))
        for n, (username, secret) in enumerate(co_users.items()):
            api = Api(stack.base_url, anonymous.login(username, PASSWORD, otp=totp(secret)))
            threads.append(threading.Thread(target=run.coordinator, args=(api, 100 + n), daemon=True))

        if args.fault == "redis":
            threads.append(
                threading.Thread(
                    target=fault_redis,
                    args=(
                        run,
                        own_redis,
                        args.duration * 0.3,
                        min(20.0, max(3.0, args.duration * 0.3)),
                        report,
                    ),
                    daemon=True,
                )
            )
        elif args.fault == "worker":
            threads.append(
                threading.Thread(target=fault_worker, args=(run, args.duration * 0.3, report), daemon=True)
            )

        log(
            f"load: {len(cw_users)} caseworkers, {len(co_users)} coordinators, {args.duration:.0f}s"
            f"{', fault ' + args.fault if args.fault else ''}"
        )
        started = time.monotonic()
        run.deadline = started + args.duration
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.duration + 120)
        run.stop.set()
        elapsed = time.monotonic() - started

        # Deliveries: the worker normally empties the outbox within a second or two; after a Redis
        # outage the beat's sweep (every minute, messages older than a minute) does it.
        outbox_timeout = 150.0 if args.fault else 30.0
        late = [
            i
            for (i,) in stack.sql(
                "SELECT id FROM referrals_outboxmessage WHERE dispatched_at IS NULL ORDER BY id"
            )
        ]
        report["outbox_drain"] = wait_outbox(stack, outbox_timeout, sweep_after=outbox_timeout - 20)
        report["outbox_drain"]["pending_when_load_stopped"] = late
        report["outbox_drain"]["not_queued_warnings"] = sum(
            "not queued" in line for text in stack.log_text().values() for line in text.splitlines()
        )

        endpoints = {}
        for endpoint, samples in sorted(rec.samples.items()):
            endpoints[endpoint] = {
                "n": len(samples),
                "p50_ms": round(percentile(samples, 50), 1),
                "p95_ms": round(percentile(samples, 95), 1),
                "max_ms": round(max(samples), 1),
                "mean_ms": round(statistics.fmean(samples), 1),
                "statuses": dict(rec.statuses[endpoint]),
            }
        total = sum(len(s) for s in rec.samples.values())
        report.update(
            {
                "seconds": round(elapsed, 1),
                "requests": total,
                "requests_per_second": round(total / elapsed, 1),
                "errors": len(rec.errors),
                "error_samples": rec.errors[:20],
                "conflicts_409": rec.conflicts,
                "referrals_created": rec.referrals_created,
                "decisions": dict(rec.decisions),
                "endpoints": endpoints,
                "statuses_by_phase": {
                    phase: {e: dict(s) for e, s in eps.items()} for phase, eps in rec.by_phase.items()
                },
            }
        )
        report["checks"] = verify(stack, rec)
        if args.fault == "redis" and report["fault"]:
            fault = report["fault"]
            fault["errors_during_outage"] = [
                e for e in rec.errors if fault["down_at"] <= e["at"] <= fault["up_at"]
            ]
        codes = stack.stop_all()
        report["exit_codes"] = codes
        if proxy:
            report["proxy"] = proxy_report(proxy)
            codes["nginx"] = proxy.stop()
        logs = stack.log_text()
        report["log_problem_lines"] = {k: len(problem_lines(v)) for k, v in logs.items()}
        report["log_problem_samples"] = {k: problem_lines(v)[:5] for k, v in logs.items() if problem_lines(v)}
        exit_code = 0 if evaluate(report, args) else 1
    finally:
        if proxy:
            proxy.stop()
        stack.close(keep_database=args.keep)
        if own_redis:
            own_redis.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return exit_code


def proxy_report(proxy: LocalProxy) -> dict:
    """How nginx spread the requests (its JSON access log) and what it logged as errors."""
    by_upstream: dict[str, int] = defaultdict(int)
    statuses: dict[int, int] = defaultdict(int)
    lines = proxy.access_log.read_text().splitlines() if proxy.access_log.exists() else []
    for line in lines:
        entry = json.loads(line)
        by_upstream[entry["upstream"] or "-"] += 1
        statuses[entry["status"]] += 1
    errors = [
        line
        for line in proxy.errors().splitlines()
        if any(f"[{lv}]" in line for lv in ("error", "crit", "alert", "emerg"))
    ]
    return {
        "requests": len(lines),
        "by_upstream": dict(by_upstream),
        "statuses": dict(statuses),
        "error_lines": len(errors),
        "error_samples": errors[:5],
    }


def evaluate(report: dict, args) -> bool:
    failures = []
    scale = report.get("scaleout")
    if scale and scale.get("skipped"):
        failures.append("scale-out not checked (nginx missing)")
    elif scale and not scale.get("ok"):
        failures.append("scale-out checks failed")
    if report.get("proxy", {}).get("error_lines") and not args.fault:
        failures.append(f"nginx logged {report['proxy']['error_lines']} error lines")
    if report["errors"]:
        failures.append(f"{report['errors']} request errors")
    if not report["checks"]["ok"]:
        failures.append("database checks failed")
    clean_exit = {k: v for k, v in report["exit_codes"].items() if v != 0}
    if clean_exit:
        failures.append(f"unclean exits: {clean_exit}")
    fault = report.get("fault")
    if args.fault == "redis":
        states = fault and fault["readyz_during_outage"]
        if not states or (503, ("redis",)) not in [tuple(s) for s in states]:
            failures.append("/readyz did not report redis down during the outage")
    if args.fault == "worker" and fault:
        if not fault.get("tasks_blocked_mid_delivery") or not fault.get("in_flight_outbox_ids"):
            failures.append("no delivery was in flight when the worker was killed")
        elif fault["in_flight_delivered_after_redelivery"] != len(fault["in_flight_outbox_ids"]):
            failures.append("the redelivered tasks did not deliver the in-flight messages")
        elif any(count != 1 for _id, count in fault["notifications_for_in_flight"]):
            failures.append("an in-flight message did not end with exactly one notification")
    if not args.fault and any(report["log_problem_lines"].values()):
        failures.append(f"error lines in the logs: {report['log_problem_lines']}")
    report["failures"] = failures
    return not failures


def print_report(report: dict) -> None:
    print()
    print(
        f"== load: {report.get('requests', 0)} requests in {report.get('seconds', 0)} s = "
        f"{report.get('requests_per_second', 0)} req/s; errors {report.get('errors', '?')}, "
        f"409 conflicts {report.get('conflicts_409', 0)}"
    )
    print(f"{'endpoint':30} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
    for endpoint, e in report.get("endpoints", {}).items():
        print(
            f"{endpoint:30} {e['n']:>7} {e['p50_ms']:>8} {e['p95_ms']:>8} {e['max_ms']:>8}  {e['statuses']}"
        )
    for e in report.get("error_samples", [])[:10]:
        print(f"  error: {e['endpoint']} {e['status']} {e['error']} {e['body'][:120]} ({e['phase']})")
    print(f"referrals created {report.get('referrals_created')}, decisions {report.get('decisions')}")
    print("checks:", json.dumps(report.get("checks"), ensure_ascii=False, default=str))
    print("outbox drain:", report.get("outbox_drain"))
    if report.get("fault"):
        shown = {k: v for k, v in report["fault"].items() if k not in ("down_at", "up_at")}
        print("fault:", json.dumps(shown, ensure_ascii=False, default=str))
        for phase, eps in report.get("statuses_by_phase", {}).items():
            print(f"  {phase}: " + ", ".join(f"{e} {dict(s)}" for e, s in eps.items()))
    if report.get("proxy"):
        p = report["proxy"]
        print(
            f"nginx: {p['requests']} requests, by upstream {p['by_upstream']}, statuses {p['statuses']},"
            f" error lines {p['error_lines']}"
        )
    if report.get("scaleout"):
        for line in scaleout.summary_lines(report["scaleout"]):
            print(line)
    print("exit codes:", report.get("exit_codes"), "log error lines:", report.get("log_problem_lines"))
    for name, lines in report.get("log_problem_samples", {}).items():
        for line in lines[:3]:
            print(f"  {name}: {line[:200]}")
    print("RESULT:", "OK" if not report.get("failures") else "FAILED " + "; ".join(report["failures"]))


if __name__ == "__main__":
    sys.exit(main())
