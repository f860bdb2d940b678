"""The compose proxy's nginx configuration (deploy/nginx/yorisoi.conf), rendered for processes on this
machine and run with the local nginx binary (Debian: `apt-get install nginx-light`). Used by the load run
(scripts/load.py) to put two bin/web processes behind the same configuration as docker-compose.yml, and by
tests/ops/test_proxy.py.

Rendering changes only the lines the file marks with "# render: ..." (Docker DNS and TLS dropped, the
upstream servers, the listen address and the access log); everything else is used as written.
"""

# ruff: noqa: S603
# S603: subprocess runs the local nginx binary on a file we just wrote.

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "nginx" / "yorisoi.conf"
MARK = "# render:"


def nginx_binary() -> str | None:
    """The local nginx, or None (then the caller says so: nothing can stand in for the real proxy)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def render(upstreams: list[str], *, listen: str, access_log: Path, text: str | None = None) -> str:
    """deploy/nginx/yorisoi.conf for local processes: `upstreams` are host:port of the web processes."""
    out = []
    for line in (text if text is not None else CONF.read_text()).splitlines():
        code, _, mark = line.rpartition(MARK)
        mark = mark.strip() if code.strip() and not code.lstrip().startswith("#") else ""
        indent = line[: len(line) - len(line.lstrip())]
        if not mark:
            out.append(line)
        elif mark == "drop":
            continue
        elif mark == "upstreams":
            options = code.strip().rstrip(";").split()[2:]  # after "server web:8000"
            options = [o for o in options if o != "resolve"]  # needs a resolver; fixed addresses here
            out.extend(f"{indent}server {u}{''.join(' ' + o for o in options)};" for u in upstreams)
        elif mark == "listen":
            out.append(f"{indent}listen {listen};")
        elif mark == "log":
            out.append(f"{indent}access_log {access_log} yorisoi_json;")
        else:
            raise ValueError(f"unknown render mark {mark!r} in {CONF}")
    return "\n".join(out) + "\n"


def main_conf(workdir: Path, site: Path) -> str:
    """A minimal nginx.conf around the site file (what the official image's own nginx.conf provides)."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would drop to nobody
    temp = "\n".join(
        f"    {name}_temp_path {workdir / (name + '_temp')};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\n"
        "daemon off;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    default_type application/octet-stream;\n"
        f"{temp}\n"
        f"    include {site};\n"
        "}\n"
    )


class LocalProxy:
    """nginx with deploy/nginx/yorisoi.conf in front of local web processes, on 127.0.0.1:port."""

    def __init__(self, workdir: Path, upstreams: list[str], port: int):
        self.workdir = Path(workdir) / "nginx"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.access_log = self.workdir / "access.log"
        self.site = self.workdir / "yorisoi.conf"
        self.site.write_text(render(upstreams, listen=f"127.0.0.1:{port}", access_log=self.access_log))
        self.conf = self.workdir / "nginx.conf"
        self.conf.write_text(main_conf(self.workdir, self.site))
        self.proc: subprocess.Popen | None = None
        self.binary = nginx_binary()

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the rendered configuration."""
        if not self.binary:
            raise FileNotFoundError("nginx")
        return subprocess.run(
            [self.binary, "-t", "-c", str(self.conf), "-e", str(self.workdir / "nginx-error.log")],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def start(self, timeout: float = 10.0) -> None:
        if not self.binary:
            raise FileNotFoundError("nginx")
        with (self.workdir / "nginx.out").open("ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, "-c", str(self.conf), "-e", str(self.workdir / "nginx-error.log")],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}:\n{self.errors()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return
            time.sleep(0.1)
        raise TimeoutError(f"nginx did not listen on {self.port}:\n{self.errors()}")

    def errors(self) -> str:
        path = self.workdir / "nginx-error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        return self.proc.returncode
