"""Checks that several web processes behind the proxy behave as one site (scripts/load.py, issue #15).

Every web process runs with SERVED_BY_HEADER=1 and its own INSTANCE_NAME, so each answer says which
process served it (X-Served-By: web1/<pid>). Through the proxy (deploy/nginx/yorisoi.conf rendered by
scripts/proxy.py) the checks show:

* sessions: a login made through the proxy is valid on every process (through the proxy, and asked of each
  process directly), and a logout ends it on every process;
* CSRF: the login form fetched from one process is accepted when posted to another, a logout form token
  from a page served by one process is accepted by another, and a forged token is refused (403);
* the login lockout: failed logins that land on different processes count towards one limit, after which
  the right password is refused (429) by every process; the attempts are counted in PostgreSQL
  (django-axes' database handler, table axes_accessattempt), which every process shares;
* the client address: requests sent from 127.0.0.3 with a forged X-Forwarded-For are recorded with
  127.0.0.3, the address nginx saw (TRUSTED_PROXY_COUNT=1), not the forged one and not the proxy's.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from http.cookies import SimpleCookie

FORGED_IP = "203.0.113.9"  # TEST-NET-3: what a client writes into X-Forwarded-For to hide
CLIENT_SOURCE_IP = "127.0.0.3"  # the address our test client really connects from
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP/1.1 client for loopback, one connection per request, no redirects followed."""

    def __init__(self, base_url: str, *, source_ip: str | None = None, cookies: dict | None = None):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError(f"loopback http:// only, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or 80
        self.source = (source_ip, 0) if source_ip else None
        self.cookies: dict[str, str] = cookies if cookies is not None else {}

    def at(self, base_url: str) -> Browser:
        """The same cookies (one browser), talking to another address (a web process directly)."""
        return Browser(base_url, cookies=self.cookies)

    def request(self, method: str, path: str, *, form=None, json_body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30, source_address=self.source)
        sent = {"Accept-Language": "ja"} | (headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.base_url}
        elif json_body is not None:
            body = json.dumps(json_body)
            sent |= {"Content-Type": "application/json", "Accept": "application/json"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            for raw in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(raw).items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Answer(response.status, dict(response.headers.items()), text)
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> Answer:
        return self.request("POST", path, **kw)


class Answer:
    def __init__(self, status: int, headers: dict, text: str):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.text = text

    @property
    def served_by(self) -> str:
        """The process name (INSTANCE_NAME) from X-Served-By: name/pid, or "?"."""
        return self.headers.get("x-served-by", "?").split("/")[0]

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def token(self) -> str:
        match = TOKEN_RE.search(self.text)
        if not match:
            raise AssertionError(f"no CSRF token in the page ({self.status})")
        return match.group(1)


def _to_login(answer: Answer) -> bool:
    return answer.status == 302 and "/login/" in answer.location


def login_across(proxy_url: str, username: str, password: str, tries: int = 10):
    """Log in through the proxy so that the login page and the POST land on different processes. Returns
    (browser, {"form_from": a, "posted_to": b, "status": 302})."""
    for _ in range(tries):
        browser = Browser(proxy_url)
        page = browser.get("/login/")
        if page.status != 200:
            raise AssertionError(f"GET /login/: {page.status}")
        answer = browser.post(
            "/login/",
            form={"username": username, "password": password, "csrfmiddlewaretoken": page.token()},
        )
        if answer.served_by == page.served_by:
            continue  # same process both times; try again (round robin alternates)
        return browser, {
            "form_from": page.served_by,
            "posted_to": answer.served_by,
            "status": answer.status,
            "ok": answer.status == 302 and not _to_login(answer) and "sessionid" in browser.cookies,
        }
    raise AssertionError(f"the login page and its POST never landed on different processes in {tries} tries")


def run_checks(
    proxy_url: str,
    direct_urls: dict[str, str],
    user: str,
    password: str,
    lockout_user: str,
    failure_limit: int,
    sql,
) -> dict:
    """All the checks; `direct_urls` maps each process name to its own address; `sql` runs a query on the
    scratch database. Returns a dict with "ok" and the evidence."""
    names = sorted(direct_urls)
    out: dict = {"processes": names}

    # --- CSRF is enforced at all: a forged form token is refused. -----------------------------------
    browser = Browser(proxy_url)
    page = browser.get("/login/")
    forged = page.token()[:-4] + ("AAAA" if not page.token().endswith("AAAA") else "BBBB")
    refused = browser.post(
        "/login/", form={"username": user, "password": password, "csrfmiddlewaretoken": forged}
    )
    out["csrf_forged_token"] = {"status": refused.status, "ok": refused.status == 403}

    # --- Log in: the form from one process, the POST to another. ------------------------------------
    browser, login = login_across(proxy_url, user, password)
    out["login_csrf_across"] = login

    # --- The session is valid on every process. -----------------------------------------------------
    seen: dict[str, list[int]] = {}
    for _ in range(2 * len(names) + 2):
        answer = browser.get("/cases/")
        seen.setdefault(answer.served_by, []).append(answer.status)
    direct = {name: browser.at(url).get("/cases/").status for name, url in direct_urls.items()}
    out["session_through_proxy"] = {
        "statuses_by_process": seen,
        "ok": set(seen) == set(names) and all(s == 200 for v in seen.values() for s in v),
    }
    out["session_direct"] = {"statuses": direct, "ok": all(s == 200 for s in direct.values())}

    # --- An authenticated form: the token from a page served by one process, posted to another (logout).
    logout = None
    for _ in range(6):
        page = browser.get("/cases/")
        answer = browser.post("/logout/", form={"csrfmiddlewaretoken": page.token()})
        if answer.served_by != page.served_by:
            logout = {"form_from": page.served_by, "posted_to": answer.served_by, "status": answer.status}
            break
        browser, _login = login_across(proxy_url, user, password)  # logged out on the same one: again
    if logout is None:
        out["logout_csrf_across"] = {"ok": False, "error": "never landed on two processes"}
    else:
        after = {name: browser.at(url).get("/cases/") for name, url in direct_urls.items()}
        logout["after_logout_direct"] = {n: a.status for n, a in after.items()}
        logout["ok"] = _to_login(answer) and all(_to_login(a) for a in after.values())
        out["logout_csrf_across"] = logout

    # --- The login lockout counts across processes; the client address is the one nginx saw. --------
    client = Browser(proxy_url, source_ip=CLIENT_SOURCE_IP)
    spoof = {"X-Forwarded-For": FORGED_IP}
    attempts = []
    for n in range(failure_limit):
        answer = client.post(
            "/api/v1/auth/token/",
            json_body={"username": lockout_user, "password": f"wrong-{n}"},
            headers=spoof,
        )
        attempts.append((answer.served_by, answer.status))
    good = {"username": lockout_user, "password": password}
    right = []
    for _ in range(2 * len(names)):
        answer = client.post("/api/v1/auth/token/", json_body=good, headers=spoof)
        right.append((answer.served_by, answer.status))
    # What the attempts through the proxy recorded, before asking each process directly (from 127.0.0.1).
    recorded = sorted(
        {
            row[0]
            for row in sql(
                "SELECT DISTINCT host(ip_address) FROM axes_accessattempt WHERE username = %s", [lockout_user]
            )
        }
    )
    failures = sql(
        "SELECT coalesce(sum(failures_since_start), 0) FROM axes_accessattempt WHERE username = %s",
        [lockout_user],
    )[0][0]
    direct_right = {
        name: Browser(url).post("/api/v1/auth/token/", json_body=good).status
        for name, url in direct_urls.items()
    }
    expected = [400] * (failure_limit - 1) + [429]
    out["lockout"] = {
        "failure_limit": failure_limit,
        "failed_attempts": attempts,
        "right_password_after_lock": right,
        "right_password_direct": direct_right,
        "stored_in": "PostgreSQL (django-axes AxesDatabaseHandler, table axes_accessattempt)",
        "ok": [s for _n, s in attempts] == expected
        and len({n for n, _s in attempts}) == len(names)
        and all(s == 429 for _n, s in right)
        and {n for n, _s in right} == set(names)
        and all(s == 429 for s in direct_right.values()),
    }
    out["lockout"]["failures_counted"] = int(failures)
    out["client_ip"] = {
        "connected_from": CLIENT_SOURCE_IP,
        "forged_x_forwarded_for": FORGED_IP,
        "recorded": recorded,
        "ok": recorded == [CLIENT_SOURCE_IP],
    }
    out["ok"] = all(v.get("ok") for v in out.values() if isinstance(v, dict))
    return out


def summary_lines(result: dict) -> list[str]:
    """The short human summary printed at the end of the load run."""
    if result.get("skipped"):
        return [f"scale-out: NOT CHECKED — {result['skipped']}"]

    def mark(part: dict) -> str:
        return "ok" if part.get("ok") else "FAILED"

    lines = [f"scale-out: {len(result['processes'])} web processes {result['processes']} behind nginx"]
    login = result["login_csrf_across"]
    lines.append(
        f"  session+CSRF: login form from {login['form_from']}, POST to {login['posted_to']} → "
        f"{login['status']} [{mark(login)}]; forged token → {result['csrf_forged_token']['status']} "
        f"[{mark(result['csrf_forged_token'])}]"
    )
    session = result["session_through_proxy"]
    lines.append(
        f"  one session on every process: via proxy {session['statuses_by_process']} [{mark(session)}], "
        f"direct {result['session_direct']['statuses']} [{mark(result['session_direct'])}]"
    )
    logout = result["logout_csrf_across"]
    if "form_from" in logout:
        lines.append(
            f"  logout form from {logout['form_from']}, POST to {logout['posted_to']} → {logout['status']}; "
            f"afterwards every process sends to login {logout['after_logout_direct']} [{mark(logout)}]"
        )
    else:
        lines.append(f"  logout across processes: {logout.get('error')} [FAILED]")
    lock = result["lockout"]
    lines.append(
        f"  lockout after {lock['failure_limit']} failures spread over processes {lock['failed_attempts']}; "
        f"right password then: via proxy {lock['right_password_after_lock']}, direct "
        f"{lock['right_password_direct']} [{mark(lock)}] — counted in {lock['stored_in']}"
    )
    ip = result["client_ip"]
    lines.append(
        f"  client address: sent from {ip['connected_from']} with X-Forwarded-For"
        f" {ip['forged_x_forwarded_for']} → recorded {ip['recorded']} [{mark(ip)}]"
    )
    return lines
