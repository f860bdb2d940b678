"""Every write that changes what an activity counts goes through casework's services, which send the domain
signals the roll-ups are kept by (casework/events.py). A new write elsewhere — a queryset `.update()` of
activities, a `bulk_create`, a change of partner agencies or of a case's main issue — would escape them and
drift: this scan of the application's code fails until the new path sends the signals (and is listed here).
"""

import re
from pathlib import Path

from django.conf import settings

APPS = ("casework", "network", "referrals", "reports", "today", "config")
# (file, pattern) pairs allowed: the services that send `activity_changed` / `case_main_issue_changed`.
WRITES = {
    "activity rows": re.compile(
        r"Activity\.objects\.(create|bulk_create|bulk_update|update\w*)\(|insert_new\(\s*Activity\("
    ),
    "activity querysets": re.compile(r"activit\w*\.(filter|all)\([^)]*\)\.(update|delete)\("),
    "partner agencies": re.compile(r"partner_agencies\.(set|add|remove|clear)\(|_link_new_activity\("),
    "main issue": re.compile(r"\.main_issue\s*=[^=]|update\([^)]*main_issue\s*="),
    "activity facts": re.compile(r"update\([^)]*\b(occurred_at|voided|has_partner|area_id|area)\s*="),
}
ALLOWED = {
    ("casework/services.py", "activity rows"),  # activity_insert: sends activity_changed
    ("casework/services.py", "partner agencies"),  # activity_insert, activity_edit: send activity_changed
    ("casework/services.py", "main issue"),  # case_update: sends case_main_issue_changed
}


def test_activity_and_main_issue_writes_happen_only_where_the_signals_are_sent():
    base = Path(settings.BASE_DIR)
    found = set()
    for app in APPS:
        for path in (base / app).rglob("*.py"):
            relative = path.relative_to(base).as_posix()
            if "/migrations/" in relative or "/management/commands/seed_" in relative:
                continue
            text = path.read_text(encoding="utf-8")
            for name, pattern in WRITES.items():
                if pattern.search(text):
                    found.add((relative, name))
    assert found - ALLOWED == set()
    assert ALLOWED <= found  # the scan still sees the writes it allows (the patterns have not gone stale)


def test_the_services_that_write_send_the_signals():
    services = (Path(settings.BASE_DIR) / "casework" / "services.py").read_text(encoding="utf-8")
    for function in ("activity_insert", "activity_edit", "activity_void"):
        body = services.split(f"def {function}(", 1)[1].split("\ndef ", 1)[0]
        assert "events.activity_changed_send(" in body, function
    body = services.split("def case_update(", 1)[1].split("\ndef ", 1)[0]
    assert "events.case_main_issue_changed_send(" in body
