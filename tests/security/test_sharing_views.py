"""Access control through the web UI: the sharing panel (consents, 支援会議, overrides), "who looked at
this", and a manager's break-glass read. Real database, real middleware (TOTP marked as passed)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import selectors, services
from casework.models import AccessBasis, AuditEvent, CaseAccessGrant, Consent, SupportMeetingRegistration
from network.groups import agency_group
from network.roles import role_group_sync, role_permissions_sync
from tests import factories


def url(name, case, *args):
    return reverse(f"casework:{name}", args=[case.pk, *args])


verified_client = factories.verified_client


@pytest.fixture
def cw_client(client, caseworker):
    client.force_login(caseworker)
    return client


@pytest.fixture
def agency_user(agency):
    user = factories.make_staff("houkatsu_staff", role="agency", agency=agency)
    user.groups.add(agency_group(agency))
    return user


@pytest.fixture
def agency_client(agency_user):
    client = Client()
    client.force_login(agency_user)
    return client


@pytest.fixture
def coordinator(area):
    """The north area's coordinator, holding the role permissions (override sharing)."""
    user = factories.make_staff("coord_north", role="coordinator", area=area)
    role_permissions_sync()
    role_group_sync(user=user)
    return user


@pytest.fixture
def coord_client(coordinator):
    return verified_client(coordinator)


@pytest.fixture
def manager(db):
    user = factories.make_staff("manager_hq", role="manager")
    user.user_permissions.add(Permission.objects.get(codename="break_glass"))
    return user


@pytest.fixture
def manager_client(manager):
    return verified_client(manager)


def today_str() -> str:
    return timezone.localdate().isoformat()


# --- consents -------------------------------------------------------------------------------------


def test_consent_given_through_the_page_shares_the_case_and_withdrawal_ends_it(
    cw_client, agency_client, case, agency
):
    assert agency_client.get(url("case_detail", case)).status_code == 404

    response = cw_client.post(
        url("consent_give", case),
        {"consent-agencies": [agency.pk], "consent-given_on": today_str(), "consent-scope": "summary"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#sharing")
    consent = Consent.objects.get(case=case)
    assert consent.scope == "summary" and list(consent.agencies.all()) == [agency]
    assert agency_client.get(url("case_detail", case)).status_code == 200

    response = cw_client.post(url("consent_withdraw", case, consent.pk))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert agency_client.get(url("case_detail", case)).status_code == 404


def test_consent_without_agencies_is_400_with_the_input_kept(cw_client, case):
    response = cw_client.post(
        url("consent_give", case), {"consent-given_on": today_str(), "consent-scope": "full"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "機関を1つ以上選んでください。" in body
    assert '<option value="full" selected>' in body
    assert not Consent.objects.filter(case=case).exists()


def test_a_future_consent_date_is_refused_by_the_service_and_shown_on_the_field(cw_client, case, agency):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = cw_client.post(
        url("consent_give", case), {"consent-agencies": [agency.pk], "consent-given_on": tomorrow}
    )
    assert response.status_code == 400
    assert "未来の日付は指定できません。" in response.content.decode()
    assert not Consent.objects.filter(case=case).exists()


def test_withdrawing_twice_says_so_instead_of_failing(cw_client, caseworker, case, agency):
    consent = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    cw_client.post(url("consent_withdraw", case, consent.pk))
    response = cw_client.post(url("consent_withdraw", case, consent.pk), follow=True)
    assert response.status_code == 200
    assert "この同意はすでに撤回されています。" in response.content.decode()


def test_a_consent_of_another_case_is_404_under_this_case(cw_client, caseworker, case, agency):
    second = factories.make_case(by=caseworker, name="架空 次郎", kana="カクウ ジロウ")
    consent = services.consent_give(
        case=second, given_by=caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    assert cw_client.post(url("consent_withdraw", case, consent.pk)).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


# --- 支援会議 -----------------------------------------------------------------------------------------


def test_meeting_registration_without_the_confidentiality_checkbox_is_400_and_creates_nothing(
    cw_client, case, agency
):
    response = cw_client.post(
        url("meeting_register", case), {"meeting-agencies": [agency.pk], "meeting-registered_on": today_str()}
    )
    assert response.status_code == 400
    assert "構成員の守秘義務の確認が必要です。" in response.content.decode()
    assert not SupportMeetingRegistration.objects.filter(case=case).exists()
    assert not CaseAccessGrant.objects.filter(case=case, basis=AccessBasis.SUPPORT_MEETING).exists()


def test_meeting_registration_shares_the_case_until_it_ends(cw_client, agency_client, case, agency):
    response = cw_client.post(
        url("meeting_register", case),
        {
            "meeting-agencies": [agency.pk],
            "meeting-registered_on": today_str(),
            "meeting-confidentiality_acknowledged": "on",
        },
    )
    assert response.status_code == 302
    registration = SupportMeetingRegistration.objects.get(case=case)
    assert registration.confidentiality_acknowledged
    assert agency_client.get(url("case_detail", case)).status_code == 200

    assert cw_client.post(url("meeting_end", case, registration.pk)).status_code == 302
    registration.refresh_from_db()
    assert registration.ended_on == timezone.localdate()
    assert agency_client.get(url("case_detail", case)).status_code == 404


# --- overrides ------------------------------------------------------------------------------------


def test_override_without_the_permission_is_403_and_shares_nothing(cw_client, case, agency):
    response = cw_client.post(
        url("share_override", case), {"share-agency": agency.pk, "share-reason": "緊急"}
    )
    assert response.status_code == 403
    assert not CaseAccessGrant.objects.filter(case=case, basis=AccessBasis.OVERRIDE).exists()


def test_override_form_is_shown_only_with_the_permission(cw_client, coord_client, case):
    assert url("share_override", case) not in cw_client.get(url("case_detail", case)).content.decode()
    assert url("share_override", case) in coord_client.get(url("case_detail", case)).content.decode()


def test_override_with_the_permission_shares_until_ended(coord_client, agency_client, case, agency):
    response = coord_client.post(
        url("share_override", case),
        {"share-agency": agency.pk, "share-reason": "本人と連絡が取れず安否確認のため"},
    )
    assert response.status_code == 302
    grant = CaseAccessGrant.objects.get(case=case, basis=AccessBasis.OVERRIDE)
    assert grant.reason == "本人と連絡が取れず安否確認のため"
    assert agency_client.get(url("case_detail", case)).status_code == 200
    body = coord_client.get(url("case_detail", case)).content.decode()
    assert f'id="grant-{grant.pk}"' in body and agency.name in body

    assert coord_client.post(url("share_override_end", case, grant.pk)).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert agency_client.get(url("case_detail", case)).status_code == 404


def test_override_without_a_reason_is_400(coord_client, case, agency):
    response = coord_client.post(url("share_override", case), {"share-agency": agency.pk, "share-reason": ""})
    assert response.status_code == 400
    assert not CaseAccessGrant.objects.filter(case=case, basis=AccessBasis.OVERRIDE).exists()


def test_ending_a_consent_grant_as_an_override_is_refused_with_a_message(cw_client, caseworker, case, agency):
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate())
    grant = CaseAccessGrant.objects.get(case=case, basis=AccessBasis.CONSENT)
    response = cw_client.post(url("share_override_end", case, grant.pk), follow=True)
    assert response.status_code == 200
    grant.refresh_from_db()
    assert grant.revoked_at is None


# --- who sees the panels ----------------------------------------------------------------------------


def test_the_sharing_panel_is_for_the_area_team_only(cw_client, agency_client, caseworker, case, agency):
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate())
    own = cw_client.get(url("case_detail", case)).content.decode()
    assert 'id="sharing"' in own and url("consent_give", case) in own
    shared = agency_client.get(url("case_detail", case))
    assert shared.status_code == 200
    assert 'id="sharing"' not in shared.content.decode()


def test_an_agency_the_case_is_shared_with_may_not_change_the_sharing(
    agency_client, caseworker, case, agency
):
    consent = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    assert agency_client.post(url("consent_withdraw", case, consent.pk)).status_code == 403
    response = agency_client.post(
        url("consent_give", case), {"consent-agencies": [agency.pk], "consent-given_on": today_str()}
    )
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_who_looked_is_shown_to_the_area_coordinator_but_not_to_a_caseworker(cw_client, coord_client, case):
    cw_client.get(url("case_detail", case))
    coordinator_page = coord_client.get(url("case_detail", case)).content.decode()
    assert 'id="readers"' in coordinator_page and "cw_north" in coordinator_page
    assert 'id="readers"' not in cw_client.get(url("case_detail", case)).content.decode()


def test_coordinating_another_area_is_not_enough_to_see_who_looked(case, area, other_area):
    """A north caseworker who coordinates the south area sees the north case, but not who looked at it."""
    from network.models import Membership, Role

    user = factories.make_staff("coord_south", role="coordinator", area=other_area)
    Membership.objects.create(user=user, role=Role.CASEWORKER, area=area)
    page = verified_client(user).get(url("case_detail", case))
    assert page.status_code == 200
    assert 'id="readers"' not in page.content.decode()


def test_who_looked_shows_the_newest_fifty(coord_client, caseworker, case):
    for _ in range(selectors.CASE_READERS_SHOWN + 5):
        services.case_record_read(case=case, read_by=caseworker)
    body = coord_client.get(url("case_detail", case)).content.decode()
    assert body.count('<tr class="reader') == selectors.CASE_READERS_SHOWN


# --- break-glass ------------------------------------------------------------------------------------

BREAK_GLASS = reverse("casework:break_glass")


def test_break_glass_page_does_not_exist_for_a_caseworker(cw_client, case):
    assert cw_client.get(BREAK_GLASS).status_code == 404
    assert cw_client.post(BREAK_GLASS, {"number": case.number, "reason": "確認のため必要"}).status_code == 404
    assert not CaseAccessGrant.objects.filter(basis=AccessBasis.BREAK_GLASS).exists()


def test_break_glass_page_does_not_exist_for_a_manager_without_the_permission(case):
    client = verified_client(factories.make_staff("manager_plain", role="manager"))
    assert client.get(BREAK_GLASS).status_code == 404


def test_manager_role_group_gives_break_glass(case):
    manager = factories.make_staff("manager_role", role="manager")
    role_permissions_sync()
    role_group_sync(user=manager)
    client = verified_client(manager)
    assert client.get(BREAK_GLASS).status_code == 200
    assert BREAK_GLASS in client.get(reverse("casework:case_list")).content.decode()  # header link


def test_caseworkers_get_no_break_glass_link(cw_client):
    assert BREAK_GLASS not in cw_client.get(reverse("casework:case_list")).content.decode()


def test_manager_opens_a_case_by_number_and_the_coordinator_sees_it(
    manager_client, manager, coord_client, case
):
    assert manager_client.get(url("case_detail", case)).status_code == 404
    reason = "安否確認の通報があり、緊急連絡先を確認するため"

    response = manager_client.post(BREAK_GLASS, {"number": case.number, "reason": reason})
    assert response.status_code == 302 and response["Location"] == url("case_detail", case)

    page = manager_client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "架空 太郎" in body
    assert "緊急閲覧中" in body  # the banner
    assert 'id="sharing"' not in body and 'id="readers"' not in body
    event = AuditEvent.objects.get(case=case, action="break_glass", actor=manager)
    assert event.reason == reason
    assert AuditEvent.objects.filter(case=case, action="case.view", actor=manager).exists()

    readers = coord_client.get(url("case_detail", case)).content.decode()
    assert '<tr class="reader break-glass">' in readers
    assert "manager_hq" in readers and reason in readers


def test_break_glass_accepts_a_full_width_number(manager_client, case):
    full_width = case.number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    response = manager_client.post(BREAK_GLASS, {"number": full_width, "reason": "緊急の安否確認"})
    assert response.status_code == 302


def test_break_glass_for_a_missing_number_is_400(manager_client, case):
    response = manager_client.post(BREAK_GLASS, {"number": "1999-9999", "reason": "緊急の安否確認"})
    assert response.status_code == 400
    assert "この番号のケースはありません" in response.content.decode()
    assert not CaseAccessGrant.objects.filter(basis=AccessBasis.BREAK_GLASS).exists()


def test_break_glass_needs_a_reason_of_five_characters(manager_client, case):
    response = manager_client.post(BREAK_GLASS, {"number": case.number, "reason": "確認"})
    assert response.status_code == 400
    assert "このケースを開く理由を5文字以上で入力してください。" in response.content.decode()
    assert not CaseAccessGrant.objects.filter(basis=AccessBasis.BREAK_GLASS).exists()


def test_after_the_break_glass_expires_the_case_is_hidden_again(manager_client, manager, case):
    manager_client.post(BREAK_GLASS, {"number": case.number, "reason": "緊急の安否確認"})
    CaseAccessGrant.objects.filter(user=manager).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert manager_client.get(url("case_detail", case)).status_code == 404


# --- another area's caseworker learns nothing -----------------------------------------------------


@pytest.fixture
def hidden(other_caseworker, other_area):
    """A case of the south area with one of each object the new routes name."""
    hidden_case = factories.make_case(
        by=other_caseworker, area=other_area, name="秘匿 花子", kana="ヒトク ハナコ"
    )
    agency = factories.make_agency()
    consent = services.consent_give(
        case=hidden_case, given_by=other_caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    registration = services.support_meeting_register(
        case=hidden_case,
        registered_by=other_caseworker,
        agencies=[agency],
        registered_on=timezone.localdate(),
        confidentiality_acknowledged=True,
    )
    grant = CaseAccessGrant.objects.filter(case=hidden_case).first()
    return {"case": hidden_case, "consent": consent.pk, "registration": registration.pk, "grant": grant.pk}


@pytest.mark.parametrize(
    "name,extra",
    [
        ("consent_give", None),
        ("consent_withdraw", "consent"),
        ("meeting_register", None),
        ("meeting_end", "registration"),
        ("share_override", None),
        ("share_override_end", "grant"),
        ("lead_assign", None),
    ],
)
def test_every_new_route_is_404_for_another_areas_caseworker(cw_client, hidden, name, extra):
    args = [hidden[extra]] if extra else []
    response = cw_client.post(url(name, hidden["case"], *args), {"share-reason": "x", "consent-scope": "x"})
    assert response.status_code == 404
    assert "秘匿" not in response.content.decode()
    assert Consent.objects.get(pk=hidden["consent"]).withdrawn_on is None
    assert SupportMeetingRegistration.objects.get(pk=hidden["registration"]).ended_on is None
