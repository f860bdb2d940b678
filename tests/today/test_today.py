"""The Today page: what each role needs today, only from cases and referrals the user may see."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from referrals import services as referral_services
from referrals.models import Notification
from tests import factories
from today import selectors

URL = reverse("today:today")


def _plan(case, by, review_on, created_on=None):
    created_on = created_on or min(timezone.localdate(), review_on)
    return casework_services.plan_create(
        case=case, created_by=by, created_on=created_on, review_on=review_on, long_term_goal="目標"
    )


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def today():
    return timezone.localdate()


def test_reviews_due_lists_my_cases_whose_plan_is_due_or_past(caseworker, area, today):
    due = factories.make_case(by=caseworker, area=area)
    _plan(due, caseworker, today)
    past = factories.make_case(by=caseworker, area=area)
    _plan(past, caseworker, today - datetime.timedelta(days=3))
    later = factories.make_case(by=caseworker, area=area)
    _plan(later, caseworker, today + datetime.timedelta(days=3))
    superseded = factories.make_case(by=caseworker, area=area)
    _plan(superseded, caseworker, today - datetime.timedelta(days=30))
    _plan(
        superseded, caseworker, today + datetime.timedelta(days=30), created_on=today
    )  # the plan in force is not due
    teammate = factories.make_staff("cw_mate", area=area)
    not_mine = factories.make_case(by=teammate, area=area)
    _plan(not_mine, teammate, today)

    page = selectors.today_page(user=caseworker)

    assert [c.pk for c in page.reviews_due.items] == [past.pk, due.pk]
    assert page.reviews_due.total == 2


def test_closed_cases_are_not_due(caseworker, area, today):
    case = factories.make_case(by=caseworker, area=area)
    _plan(case, caseworker, today)
    casework_services.case_change_status(
        case=case, changed_by=caseworker, status="closed", closure_reason="goal_achieved"
    )
    assert selectors.today_page(user=caseworker).reviews_due.total == 0


def test_no_recent_contact_uses_the_configured_days(settings, caseworker, area, today):
    settings.TODAY_NO_CONTACT_DAYS = 10
    quiet = factories.make_case(by=caseworker, area=area, opened_on=today - datetime.timedelta(days=60))
    factories.log_activity(quiet, by=caseworker, when=_days_ago(11))
    recent = factories.make_case(by=caseworker, area=area, opened_on=today - datetime.timedelta(days=60))
    factories.log_activity(recent, by=caseworker, when=_days_ago(2))
    never = factories.make_case(by=caseworker, area=area, opened_on=today - datetime.timedelta(days=20))
    new = factories.make_case(by=caseworker, area=area, opened_on=today)  # just opened: not yet quiet
    voided_only = factories.make_case(by=caseworker, area=area, opened_on=today - datetime.timedelta(days=60))
    activity = factories.log_activity(voided_only, by=caseworker, when=_days_ago(1))
    casework_services.activity_void(activity=activity, voided_by=caseworker, reason="誤入力")

    page = selectors.today_page(user=caseworker)

    ids = [c.pk for c in page.no_recent_contact.items]
    assert ids[:2] == sorted([never.pk, voided_only.pk])  # never contacted first
    assert ids[2:] == [quiet.pk]
    assert recent.pk not in ids and new.pk not in ids
    assert page.no_contact_days == 10


def test_lists_are_bounded(caseworker, area, today):
    for _ in range(selectors.ROWS + 2):
        _plan(factories.make_case(by=caseworker, area=area), caseworker, today)
    rows = selectors.today_page(user=caseworker).reviews_due
    assert len(rows.items) == selectors.ROWS
    assert rows.total == selectors.ROWS + 2
    assert rows.more == 2


def test_my_referrals_awaiting_an_answer(caseworker, case, other_area):
    referral = referral_services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", reason="連携のお願い", to_area=other_area
    )
    page = selectors.today_page(user=caseworker)
    assert [r.pk for r in page.my_referrals.items] == [referral.pk]


def test_coordinator_sees_inbox_overdue_and_area_reviews(caseworker, case, area, other_area, today):
    coordinator = factories.make_staff("coord_south", role="coordinator", area=other_area)
    referral = referral_services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", reason="連携のお願い", to_area=other_area
    )
    south_cw = factories.make_staff("cw_south2", area=other_area)
    south_case = factories.make_case(by=south_cw, area=other_area)
    _plan(south_case, south_cw, today)
    _plan(case, caseworker, today)  # north: not the south coordinator's area

    page = selectors.today_page(user=coordinator)
    assert [r.pk for r in page.inbox.items] == [referral.pk]
    assert page.overdue.total == 0
    assert [c.pk for c in page.area_reviews_due.items] == [south_case.pk]

    type(referral).objects.filter(pk=referral.pk).update(due_by=today - datetime.timedelta(days=1))
    assert [r.pk for r in selectors.today_page(user=coordinator).overdue.items] == [referral.pk]


def test_every_case_listed_is_visible_to_the_user(caseworker, case, other_caseworker, other_area, today):
    """A lead who has lost sight of a case (moved to another area's case) never gets it listed."""
    other = factories.make_case(by=other_caseworker, area=other_area)
    _plan(other, other_caseworker, today)
    type(other).objects.filter(pk=other.pk).update(lead_caseworker=caseworker)  # stale lead, other area
    page = selectors.today_page(user=caseworker)
    assert other.pk not in [c.pk for c in page.reviews_due.items]
    assert other.pk not in [c.pk for c in page.no_recent_contact.items]


def test_unread_notifications_are_listed(caseworker):
    Notification.objects.create(recipient=caseworker, kind="accepted", message="連携依頼が承諾されました")
    Notification.objects.create(
        recipient=caseworker, kind="accepted", message="既読のお知らせ", read_at=timezone.now()
    )
    page = selectors.today_page(user=caseworker)
    assert [n.message for n in page.notifications.items] == ["連携依頼が承諾されました"]


def test_caseworker_page_renders_sections_in_japanese(client, caseworker, case, today):
    _plan(case, caseworker, today)
    client.force_login(caseworker)
    body = client.get(URL).content.decode()
    assert "今日" in body
    assert "見直し期限を迎えたプラン" in body
    assert case.number in body and "架空 太郎" in body
    assert "回答待ちの自分の連携依頼" in body
    assert "回答が必要な連携依頼" not in body  # a caseworker decides no referrals


def test_agency_staff_see_only_what_they_can_act_on(agency):
    user = factories.make_staff("agency_n", role="agency", agency=agency)
    client = factories.verified_client(user)
    body = client.get(URL).content.decode()
    assert "回答が必要な連携依頼" in body
    assert "見直し期限を迎えたプラン" not in body
    assert reverse("casework:case_create") not in body  # no intake for agency staff


def test_page_queries_do_not_grow_with_rows(client, caseworker, area, today):
    client.force_login(caseworker)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    _plan(factories.make_case(by=caseworker, area=area), caseworker, today)
    few = count()
    for _ in range(4):
        _plan(factories.make_case(by=caseworker, area=area), caseworker, today)
    assert count() == few


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("caseworker", "today:today"),
        ("coordinator", "today:today"),
        ("agency", "today:today"),
        ("auditor", "audit:event_list"),
        ("manager", "reports:report"),
    ],
)
def test_root_url_sends_each_role_to_its_landing_page(db, area, agency, role, landing):
    user = factories.make_staff(f"u_{role}", role=role, area=area, agency=agency)
    client = factories.verified_client(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse(landing)


def test_login_goes_to_the_landing_page(client, caseworker):
    response = client.post(reverse("login"), {"username": "cw_north", "password": "correct-horse-9"})
    assert response.status_code == 302
    assert response.url == reverse("landing")
    assert client.get(response.url).url == URL


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
