"""The meeting record pages, per role: list, record, detail, edit, and the case page's meetings panel."""

import datetime

import pytest

from casework import meeting_services
from casework.meeting_services import Discussion
from casework.models import AuditEvent, SupportMeeting, SupportMeetingRegistration
from network.groups import agency_group
from network.models import Role
from tests import factories


@pytest.fixture
def agency_user(agency):
    user = factories.make_staff("houkatsu_staff", role=Role.AGENCY, agency=agency)
    user.groups.add(agency_group(agency))
    return user


@pytest.fixture
def coordinator(area):
    return factories.make_staff("co_north", role=Role.COORDINATOR, area=area)


def _client(client, user):
    return factories.verified_client(user, client)


def _meeting(by, cases, agency, kind="support"):
    return meeting_services.meeting_record(
        recorded_by=by,
        kind=kind,
        area=cases[0].area,
        held_on=datetime.date(2025, 1, 10),
        agencies=[agency],
        discussions=[Discussion(case=c, decisions=f"決定{c.number}", roles=f"役割{c.number}") for c in cases],
        confidentiality_acknowledged=True,
        next_meeting_on=datetime.date(2025, 2, 14),
    )


def _form_data(case, agency, **extra):
    data = {
        "meeting-kind": "support",
        "meeting-area": case.area.pk,
        "meeting-held_on": "2025-01-10",
        "meeting-agencies": [agency.pk],
        "meeting-next_meeting_on": "2025-02-14",
        "meeting-confidentiality_acknowledged": "on",
        "cases-TOTAL_FORMS": "2",
        "cases-INITIAL_FORMS": "0",
        "cases-MIN_NUM_FORMS": "0",
        "cases-MAX_NUM_FORMS": "30",
        "cases-0-number": case.number,
        "cases-0-decisions": "受診同行を行う",
        "cases-0-roles": "包括: 受診同行",
        "cases-1-number": "",
        "cases-1-decisions": "",
        "cases-1-roles": "",
    }
    return data | extra


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.COORDINATOR])
def test_the_area_team_records_a_meeting(client, case, agency, agency_user, area, role):
    user = factories.make_staff(f"team_{role}", role=role, area=area)
    response = _client(client, user).post("/meetings/new/", _form_data(case, agency))

    meeting = SupportMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.discussed_cases.get().decisions == "受診同行を行う"
    assert SupportMeetingRegistration.objects.get(meeting=meeting).case == case


def test_bad_input_is_rerendered_in_japanese_with_the_input_kept(client, case, caseworker, agency):
    data = _form_data(case, agency, **{"cases-0-number": "2099-9999"})
    data.pop("meeting-confidentiality_acknowledged")

    response = _client(client, caseworker).post("/meetings/new/", data)

    body = response.content.decode()
    assert response.status_code == 400
    assert "受診同行を行う" in body
    assert "2099-9999" in body
    assert not SupportMeeting.objects.exists()


def test_a_missing_acknowledgement_is_shown_on_its_field(client, case, caseworker, agency):
    data = _form_data(case, agency)
    data.pop("meeting-confidentiality_acknowledged")

    response = _client(client, caseworker).post("/meetings/new/", data)

    assert response.status_code == 400
    assert "守秘義務" in response.content.decode()
    assert not SupportMeeting.objects.exists()


def test_agency_staff_read_but_do_not_record(client, case, caseworker, agency, agency_user):
    meeting = _meeting(caseworker, [case], agency)
    agency_client = _client(client, agency_user)

    assert agency_client.get("/meetings/new/").status_code == 403
    assert agency_client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403
    page = agency_client.get(f"/meetings/{meeting.pk}/")
    assert page.status_code == 200
    assert f"決定{case.number}" in page.content.decode()  # a 支援会議 shares the case with its members


def test_the_detail_shows_only_the_cases_the_reader_may_see(client, case, caseworker, agency, agency_user):
    hidden = factories.make_case(by=caseworker, name="架空 次郎", kana="カクウ ジロウ")
    meeting = _meeting(caseworker, [case, hidden], agency, kind="multi_agency")
    meeting_services.meeting_update(meeting=meeting, updated_by=caseworker, kind="multi_agency")
    from casework import services

    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 5), scope="full"
    )

    body = _client(client, agency_user).get(f"/meetings/{meeting.pk}/").content.decode()

    assert f"決定{case.number}" in body
    assert hidden.number not in body
    assert f"決定{hidden.number}" not in body
    assert list(
        AuditEvent.objects.filter(action="meeting_record.view", actor=agency_user).values_list(
            "case_id", flat=True
        )
    ) == [case.pk]


def test_non_participants_get_404(client, case, caseworker, agency, other_caseworker):
    meeting = _meeting(caseworker, [case], agency)
    manager = factories.make_staff("mgr", role=Role.MANAGER)
    for user in (other_caseworker, manager):
        c = _client(client, user)
        assert c.get(f"/meetings/{meeting.pk}/").status_code == 404
        assert c.get(f"/meetings/{meeting.pk}/edit/").status_code == 404
        assert c.post(f"/meetings/{meeting.pk}/edit/", {}).status_code == 404
        assert meeting.pk not in [m.pk for m in c.get("/meetings/").context["page"]]


def test_the_list_shows_visible_meetings(client, case, caseworker, agency):
    meeting = _meeting(caseworker, [case], agency)

    response = _client(client, caseworker).get("/meetings/")

    assert response.status_code == 200
    assert [m.pk for m in response.context["page"]] == [meeting.pk]
    assert case.number in response.content.decode()
    assert "支援会議" in response.content.decode()


def test_editing_takes_a_case_off_and_ends_its_registration(client, case, caseworker, agency):
    second = factories.make_case(by=caseworker, name="架空 次郎", kana="カクウ ジロウ")
    meeting = _meeting(caseworker, [case, second], agency)
    c = _client(client, caseworker)
    form = c.get(f"/meetings/{meeting.pk}/edit/")
    assert form.status_code == 200
    assert f"決定{second.number}" in form.content.decode()

    data = _form_data(case, agency, **{"cases-0-decisions": "方針を変更"})
    data.pop("meeting-area")
    response = c.post(f"/meetings/{meeting.pk}/edit/", data)

    assert response.status_code == 302
    assert list(meeting.discussed_cases.values_list("case_id", "decisions")) == [(case.pk, "方針を変更")]
    assert SupportMeetingRegistration.objects.get(meeting=meeting, case=second).ended_on is not None


def test_the_case_page_lists_its_meetings(client, case, caseworker, agency):
    meeting = _meeting(caseworker, [case], agency)

    body = _client(client, caseworker).get(f"/cases/{case.pk}/").content.decode()

    assert f"/meetings/{meeting.pk}/#case-{case.pk}" in body
    assert "このケースを協議した会議" in body


def test_the_sharing_panel_sends_a_meeting_registration_to_its_meeting(client, case, caseworker, agency):
    meeting = _meeting(caseworker, [case], agency)
    registration = SupportMeetingRegistration.objects.get(meeting=meeting)
    c = _client(client, caseworker)

    body = c.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/meetings/{registration.pk}/end/" not in body

    c.post(f"/cases/{case.pk}/meetings/{registration.pk}/end/")
    registration.refresh_from_db()
    assert registration.ended_on is None
