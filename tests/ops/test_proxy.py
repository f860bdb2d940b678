"""The compose proxy's nginx configuration (deploy/nginx/yorisoi.conf): it reaches the `web` service's
replicas through Docker's DNS, passes the forwarded headers Django relies on, lets the largest upload in,
and the load run's rendering of it (scripts/proxy.py) is a valid nginx configuration that changes only the
marked lines."""

import os
import re
import shutil

import pytest
import yaml
from django.test import Client

from casework.imports.uploads import MAX_UPLOAD_BYTES
from scripts.proxy import CONF, ROOT, LocalProxy, nginx_binary, render

TEXT = CONF.read_text()


def _directives(text: str) -> list[str]:
    """Directive lines without comments or blank lines."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def test_the_upstream_is_the_web_service_re_resolved_through_docker_dns():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    port = compose["services"]["web"]["environment"]["PORT"]
    directives = _directives(TEXT)
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in directives
    servers = [d for d in directives if d.startswith("server ") and d != "server {"]
    assert servers == [f"server web:{port} resolve max_fails=3 fail_timeout=10s;"]
    assert "zone yorisoi_web 64k;" in directives  # `resolve` needs the shared zone
    assert "proxy_pass http://yorisoi_web;" in directives
    # The image must be new enough for `resolve` in an upstream (nginx >= 1.27.3).
    assert compose["services"]["proxy"]["image"].startswith("nginx:1.28")


def test_forwarded_headers_timeouts_and_no_retried_posts():
    directives = _directives(TEXT)
    for header in (
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",  # appends: one hop per proxy
        "proxy_set_header X-Forwarded-Proto $scheme;",  # SECURE_PROXY_SSL_HEADER
        "proxy_set_header X-Forwarded-Host $http_host;",
        "proxy_set_header Host $http_host;",
    ):
        assert header in directives
    # gunicorn's own timeout (bin/web WEB_TIMEOUT, 30 s) fires first.
    assert "proxy_read_timeout 60s;" in directives
    # A POST is never re-sent to another replica: no `non_idempotent`.
    assert "proxy_next_upstream error timeout;" in directives
    assert not any("non_idempotent" in d for d in directives)


def test_the_body_limit_lets_the_largest_upload_in():
    (size,) = re.findall(r"client_max_body_size (\d+)m;", TEXT)
    assert MAX_UPLOAD_BYTES < int(size) * 1024 * 1024 <= MAX_UPLOAD_BYTES + 10 * 1024 * 1024


def test_rendering_changes_only_the_marked_lines(tmp_path):
    rendered = render(
        ["127.0.0.1:9001", "127.0.0.1:9002"], listen="127.0.0.1:9100", access_log=tmp_path / "a"
    )
    original, local = _directives(TEXT), _directives(rendered)
    assert [d for d in local if d.startswith("server ") and d != "server {"] == [
        "server 127.0.0.1:9001 max_fails=3 fail_timeout=10s;",
        "server 127.0.0.1:9002 max_fails=3 fail_timeout=10s;",
    ]
    assert "listen 127.0.0.1:9100;" in local
    dropped = {d for d in original if d not in local}
    assert all(d.startswith(("resolver", "listen", "ssl_", "server web:", "access_log")) for d in dropped), (
        dropped
    )
    added = {d for d in local if d not in original}
    assert all(d.startswith(("server 127.0.0.1:", "listen 127.0.0.1:", "access_log")) for d in added), added


def test_the_rendered_configuration_passes_nginx_t(tmp_path):
    if not nginx_binary():
        pytest.skip("nginx is not installed (apt-get install nginx-light); .ci/run installs it")
    result = LocalProxy(tmp_path, ["127.0.0.1:9001", "127.0.0.1:9002"], 9100).check()
    assert result.returncode == 0, result.stderr


def test_an_unknown_render_mark_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown render mark"):
        render(
            ["127.0.0.1:1"], listen="127.0.0.1:2", access_log=tmp_path / "a", text="foo;  # render: bogus\n"
        )


def test_the_ci_installs_nginx():
    assert shutil.which("nginx") or "nginx-light" in (ROOT / ".ci/run").read_text()


def test_served_by_names_the_process_only_when_switched_on(settings):
    assert "X-Served-By" not in Client().get("/healthz").headers  # production default
    settings.SERVED_BY_HEADER = True
    settings.INSTANCE_NAME = "web7"
    assert Client().get("/healthz").headers["X-Served-By"] == f"web7/{os.getpid()}"
