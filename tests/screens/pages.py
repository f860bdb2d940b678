"""Every page of the web UI, as each role reaches it: the routes come from the URL resolver (through the
access matrix's helpers), filled with the ids of a case the role may see. A page a teammate adds tomorrow
is walked by these tests without a change here; a route whose parameters cannot be filled fails loudly
(tests/security/test_access_matrix.py's `fill`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.test import Client
from django.utils import timezone

from casework import services
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from tests import factories
from tests.security.test_access_matrix import ROLES, World, fill, url_patterns

__all__ = ["ROLES", "ScreensWorld", "html_pages", "page_routes", "visible_text"]

# Not pages: the admin (superusers, Django's own UI), the API, health probes, language and session
# switches, and downloads.
NOT_PAGES = ("admin/", "api/", "healthz", "readyz", "logout/", "i18n/setlang/")

# Japanese display names: what colleagues read in headers, timelines and lists (never the login name).
DISPLAY_NAMES = {
    "caseworker": ("田中", "優子"),
    "coordinator": ("佐藤", "花子"),
    "agency": ("鈴木", "一郎"),
    "manager": ("高橋", "誠"),
    "auditor": ("伊藤", "直美"),
}


class ScreensWorld(World):
    """The access matrix's world, with the role permissions and groups real staff get (so each role sees
    its own menus), display names, and a manager's break-glass read of the own-area case."""

    def __init__(self):
        super().__init__()
        role_permissions_sync()
        for role, user in self.users.items():
            user.last_name, user.first_name = DISPLAY_NAMES[role]
            user.save(update_fields=["last_name", "first_name"])
            staff_groups_sync(user=user)
        self.other_cw.last_name, self.other_cw.first_name = "山本", "健"
        self.other_cw.save(update_fields=["last_name", "first_name"])
        services.case_break_glass(case=self.cases["own"], opened_by=self.manager, reason="緊急の安否確認")
        # A plan due for review today, so the caseworker's and coordinator's Today pages list a case.
        services.plan_create(
            case=self.cases["own"],
            created_by=self.caseworker,
            review_on=timezone.localdate(),
            long_term_goal="目標",
        )
        self._report_data()
        self.cases["own"].objects["import_id"] = self._managers_ledger_import().pk

    def _report_data(self):
        """Something on the managers' report pages: a graded action plan item, a network meeting, a
        finalised month; and the pages reached through a query string (walked by `query_pages`)."""
        import datetime

        from network.meetings import network_meeting_record
        from reports.models import ActionPlanEvaluation, ActionPlanItem
        from reports.selectors import tokyo_today
        from reports.services import indicator_master_data_seed, last_month

        indicator_master_data_seed()
        item = ActionPlanItem.objects.create(
            code="ap-screens", title="地域の居場所づくり", section="つながる"
        )
        ActionPlanEvaluation.objects.create(item=item, fiscal_year=2024, grade="〇")
        today = tokyo_today()
        meeting = network_meeting_record(
            held_on=today - datetime.timedelta(days=1), theme="合同研修", agencies=[self.agency]
        )
        year, month = last_month(today)
        self.query_pages = {
            "manager": [
                f"/reports/meetings/edit/?meeting={meeting.pk}",
                f"/reports/finalise/?month={year:04d}-{month:02d}",
                "/reports/action-plan/edit/?fiscal_year=2024",
                f"/reports/cases/?area={self.area.code}",
            ],
            "coordinator": [f"/reports/cases/?area={self.area.code}"],
        }

    def _managers_ledger_import(self):
        """A ledger the manager uploaded, with a preview and an error, so the import pages show it all."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from casework.imports.uploads import ledger_upload

        ledger = (
            "No.,受付日,氏名,フリガナ,主訴\n1,R4.5.1,架空 一郎,カクウ イチロウ,生活困窮\n"
            "2,来週,架空 二郎,カクウ,dv\n"
        )
        return ledger_upload(
            upload=SimpleUploadedFile("ledger.csv", ledger.encode()), area=self.area, uploaded_by=self.manager
        )

    def case_for(self, role: str):
        """The case whose pages the role walks: the one it may see (the manager's through break-glass)."""
        return self.cases["shared" if role == "agency" else "own"]

    def client(self, role: str, language: str = "ja") -> Client:
        client = factories.verified_client(self.users[role])
        client.cookies["django_language"] = language
        return client


def page_routes() -> list[str]:
    return [route for route, _pattern in url_patterns() if not route.startswith(NOT_PAGES)]


def html_pages(world: ScreensWorld, role: str, client: Client) -> dict[str, str]:
    """path → HTML of every route that answers GET with a page for this role."""
    pages = {}
    for route in page_routes():
        path = fill(route, world.case_for(role).objects)
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages[path] = response.content.decode()
    for path in getattr(world, "query_pages", {}).get(role, []):  # pages reached with a query string
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.content.decode()
    return pages


# Elements whose text nobody reads as prose (scripts, styles) or that are marked as not for translation
# (translate="no": login names, codes) or as another language (lang="en" on the language switcher).
SKIPPED_TAGS = {"script", "style", "template", "code", "pre"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


class _VisibleText(HTMLParser):
    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # per open element: its tag, and is its content skipped?
        self.parts: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skipped = (
            self._skipped()
            or tag in SKIPPED_TAGS
            or attrs.get("translate") == "no"
            or (lang is not None and not lang.startswith(self.language))
            or "hidden" in attrs
        )
        if not skipped:
            self.parts += [attrs[name] for name in READ_ATTRIBUTES if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID_TAGS:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag):
        # Optional end tags (</li>, </p>, </td>) may be left out: close up to the matching element.
        open_tags = [open_tag for open_tag, _skipped in self.stack]
        if tag in open_tags:
            del self.stack[len(open_tags) - 1 - open_tags[::-1].index(tag) :]

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.parts.append(re.sub(r"\s+", " ", data.strip()))


def visible_text(html: str, language: str = "ja") -> list[str]:
    """The pieces of text a person reads (or hears from a screen reader) on the page, in page order."""
    parser = _VisibleText(language)
    parser.feed(html)
    return parser.parts
