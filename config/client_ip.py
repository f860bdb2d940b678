"""The client's address, for the audit rows and the login lockout records.

Without a proxy (the demo, `runserver`, a bare `bin/web`) it is the socket's peer, REMOTE_ADDR, and any
X-Forwarded-For header is ignored: a client can write whatever it likes there.

Behind reverse proxies (docker-compose.yml: nginx in front of every `web` replica) REMOTE_ADDR is the
proxy. Each proxy APPENDS the address it saw to X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`),
so with TRUSTED_PROXY_COUNT = N the client is the N-th entry from the RIGHT: the entry written by the
outermost proxy we trust. Anything further left came from the client and is never believed. A header with
fewer entries than N (the request did not pass through all the proxies) or a malformed entry falls back
to REMOTE_ADDR.

TRUSTED_PROXY_COUNT must match the deployment exactly: 1 for compose's nginx, 0 (default) without a
proxy. Too high, and a client can choose its recorded address; too low, and every request looks as if it
came from the proxy. The `web` service publishes no port, so only the proxy can reach it.
"""

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address under the TRUSTED_PROXY_COUNT rule (module docstring)."""
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    return _valid(forwarded[-hops]) or remote


def axes_client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: lockout records store the same address as the audit rows."""
    return client_ip(request)
