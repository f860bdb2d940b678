"""The web pages: inbox with in-place accept / decline (htmx), the request form, notifications, and the
two panels other apps' templates include."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from casework.models import Case
from referrals import services
from referrals.models import Notification, OutboxMessage
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "referral-1"}


def login(client, user):
    return factories.verified_client(user, client)


def test_inbox_lists_incoming_with_due_date_and_outgoing(client, referral, south_coordinator, caseworker):
    body = login(client, south_coordinator).get(reverse("referrals:inbox")).content.decode()
    assert f'id="referral-{referral.pk}"' in body
    assert referral.case.number in body and "架空" not in body  # the case's name is not shown
    assert reverse("referrals:referral_accept", args=[referral.pk]) in body
    client.logout()
    body = login(client, caseworker).get(reverse("referrals:inbox")).content.decode()
    assert reverse("referrals:referral_withdraw", args=[referral.pk]) in body
    assert reverse("referrals:referral_accept", args=[referral.pk]) not in body


def test_overdue_requests_come_first(client, referral, case, caseworker, south_coordinator, agency):
    from django.utils import timezone

    from casework import services as casework_services
    from referrals.models import Referral

    casework_services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    south_coordinator.memberships.create(role="agency", agency=agency)
    later = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_agency=agency, reason="依頼"
    )
    Referral.objects.filter(pk=later.pk).update(due_by=timezone.localdate() - timezone.timedelta(days=2))
    body = login(client, south_coordinator).get(reverse("referrals:inbox")).content.decode()
    assert body.index(f'id="referral-{later.pk}"') < body.index(f'id="referral-{referral.pk}"')
    assert "urgency-high" in body


def test_accept_in_place_with_htmx(client, referral, south_coordinator):
    response = login(client, south_coordinator).post(
        reverse("referrals:referral_accept", args=[referral.pk]), **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li id="referral-{referral.pk}"')
    assert reverse("casework:case_detail", args=[referral.case_id]) in body
    referral.refresh_from_db()
    assert referral.status == "accepted"
    again = client.post(reverse("referrals:referral_accept", args=[referral.pk]), **HTMX)
    assert again.status_code == 400 and "form-errors" in again.content.decode()


def test_decline_in_place_needs_a_reason(client, referral, south_coordinator):
    client = login(client, south_coordinator)
    url = reverse("referrals:referral_decline", args=[referral.pk])
    response = client.post(url, {"reason": ""}, **HTMX)
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "requested"
    response = client.post(url, {"reason": "担当者不在のため"}, **HTMX)
    assert response.status_code == 200 and "担当者不在のため" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "declined"


def test_without_htmx_actions_redirect_to_the_inbox(client, referral, caseworker):
    response = login(client, caseworker).post(reverse("referrals:referral_withdraw", args=[referral.pk]))
    assert response.status_code == 302 and response.url == reverse("referrals:inbox")
    referral.refresh_from_db()
    assert referral.status == "withdrawn"


def test_the_sender_gets_403_on_accept_and_outsiders_404(client, referral, caseworker, other_caseworker):
    assert (
        login(client, caseworker).post(reverse("referrals:referral_accept", args=[referral.pk])).status_code
        == 403
    )
    client.logout()
    assert (
        login(client, other_caseworker)
        .post(reverse("referrals:referral_accept", args=[referral.pk]))
        .status_code
        == 404
    )


def test_request_form(client, case, caseworker, other_area, south_coordinator):
    client = login(client, caseworker)
    url = reverse("referrals:referral_new") + f"?case={case.pk}"
    page = client.get(url)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    assert 'name="override_reason"' not in page.content.decode()  # caseworkers hold no override
    bad = client.post(url, {"case": case.pk, "kind": "collaboration", "reason": "x"})
    assert bad.status_code == 400
    response = client.post(
        url, {"case": case.pk, "kind": "transfer", "to_area": other_area.pk, "reason": "転居予定"}
    )
    assert response.status_code == 302
    assert case.referrals.get().kind == "transfer"


def test_request_form_hides_cases_the_user_may_not_see(client, case, other_caseworker):
    response = login(client, other_caseworker).get(reverse("referrals:referral_new") + f"?case={case.pk}")
    assert response.status_code == 404


def test_notifications_list_and_mark_read(client, referral, south_coordinator):
    for message in OutboxMessage.objects.all():
        services.outbox_dispatch(message_id=message.pk)
    client = login(client, south_coordinator)
    body = client.get(reverse("referrals:notifications")).content.decode()
    assert referral.case.number in body
    notice = Notification.objects.get(recipient=south_coordinator)
    response = client.post(reverse("referrals:notifications"), {"id": notice.pk})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None


def render(template: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load referrals_ui %}" + template).render(Context({"request": request, **context}))


def test_notification_badge_shows_the_unread_count(referral, south_coordinator, caseworker):
    for message in OutboxMessage.objects.all():
        services.outbox_dispatch(message_id=message.pk)
    html = render("{% notification_badge %}", south_coordinator)
    assert reverse("referrals:notifications") in html and ">1</span>" in html
    assert ">1</span>" not in render("{% notification_badge %}", caseworker)


def test_case_panel_shows_the_history_to_the_case_team(referral, case, caseworker, other_caseworker):
    html = render("{% case_referrals case %}", caseworker, case=Case.objects.get(pk=case.pk))
    assert f'id="case-referral-{referral.pk}"' in html
    assert reverse("referrals:referral_new") + f"?case={case.pk}" in html
    html = render("{% case_referrals case %}", other_caseworker, case=case)
    assert f"case-referral-{referral.pk}" not in html


@pytest.mark.parametrize("name", ["inbox", "notifications", "referral_new"])
def test_pages_need_a_login(client, db, name):
    response = client.get(reverse(f"referrals:{name}"))
    assert response.status_code == 302 and "/login/" in response.url


def test_pages_and_notices_are_japanese_first(client, referral, south_coordinator):
    body = login(client, south_coordinator).get(reverse("referrals:inbox")).content.decode()
    assert "回答待ちの依頼" in body and "受諾する" in body and "連携依頼" in body
    message = OutboxMessage.objects.get(recipient=south_coordinator, channel="in_app").payload["message"]
    assert message.startswith(f"ケース {referral.case.number}")
