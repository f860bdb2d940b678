"""Support meeting records through the API: GET/POST /api/v1/meetings/, GET/PATCH /api/v1/meetings/{id}/."""

import datetime

import pytest

from casework import meeting_services, services
from casework.meeting_services import Discussion
from casework.models import AuditEvent, SupportMeeting, SupportMeetingRegistration
from network.groups import agency_group
from network.models import Role
from tests import factories

MEETINGS = "/api/v1/meetings/"


def detail(meeting_id) -> str:
    return f"/api/v1/meetings/{meeting_id}/"


@pytest.fixture
def agency_staff(agency):
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return staff


@pytest.fixture
def second_case(caseworker, area):
    return factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")


def payload(case, agency, **extra) -> dict:
    return {
        "kind": "support",
        "area": case.area.code,
        "held_on": "2025-01-10",
        "agencies": [agency.code],
        "next_meeting_on": "2025-02-10",
        "confidentiality_acknowledged": True,
        "cases": [{"case": case.pk, "decisions": "受診同行を行う", "roles": "包括: 受診同行"}],
        **extra,
    }


def _meeting(caseworker, cases, agency, kind="multi_agency"):
    return meeting_services.meeting_record(
        recorded_by=caseworker,
        kind=kind,
        area=cases[0].area,
        held_on=datetime.date(2025, 1, 10),
        agencies=[agency],
        discussions=[Discussion(case=c, decisions=f"決定{c.pk}", roles=f"役割{c.pk}") for c in cases],
        confidentiality_acknowledged=True,
    )


def test_recording_a_support_meeting_is_201_and_shares_the_case(api, client_for, case, agency, agency_staff):
    assert client_for(agency_staff).get(f"/api/v1/cases/{case.pk}/").status_code == 404

    response = api.post(MEETINGS, payload(case, agency, staff=["cw_north", "agency_staff"]), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "support"
    assert body["area"] == "north"
    assert body["agencies"] == [agency.code]
    assert sorted(body["staff"]) == ["agency_staff", "cw_north"]
    assert body["next_meeting_on"] == "2025-02-10"
    assert body["cases"] == [
        {"case": case.pk, "number": case.number, "decisions": "受診同行を行う", "roles": "包括: 受診同行"}
    ]
    assert client_for(agency_staff).get(f"/api/v1/cases/{case.pk}/").status_code == 200
    registration = SupportMeetingRegistration.objects.get(meeting_id=body["id"])
    assert api.get(f"/api/v1/cases/{case.pk}/support-meetings/").json()["results"][0]["id"] == registration.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confidentiality_acknowledged": False}, "confidentiality_acknowledged"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"agencies": []}, "agencies"),
        ({"kind": "party"}, "kind"),
        ({"area": "south"}, "area"),
        ({"cases": []}, "cases"),
        ({"cases": [{"case": 987654321}]}, "cases"),
        ({"staff": ["nobody"]}, "staff"),
    ],
)
def test_invalid_meetings_are_400_on_the_field(api, case, agency, other_area, change, field):
    response = api.post(MEETINGS, {**payload(case, agency), **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not SupportMeeting.objects.exists()


def test_a_case_the_user_may_not_see_is_unknown(api, case, agency, other_case):
    response = api.post(MEETINGS, payload(case, agency, cases=[{"case": other_case.pk}]), format="json")

    assert response.status_code == 400
    assert "cases" in response.json()


def test_agency_staff_may_not_record(client_for, case, agency, agency_staff):
    assert client_for(agency_staff).post(MEETINGS, payload(case, agency), format="json").status_code == 403


def test_the_list_shows_visible_meetings_with_visible_case_ids(
    api, client_for, case, second_case, caseworker, agency, agency_staff, other_caseworker
):
    meeting = _meeting(caseworker, [case, second_case], agency)
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 5), scope="full"
    )

    own = api.get(MEETINGS).json()["results"]
    theirs = client_for(agency_staff).get(MEETINGS).json()["results"]

    assert [(m["id"], m["cases"]) for m in own] == [(meeting.pk, [case.pk, second_case.pk])]
    assert [(m["id"], m["cases"]) for m in theirs] == [(meeting.pk, [case.pk])]
    assert client_for(other_caseworker).get(MEETINGS).json()["results"] == []


def test_the_detail_shows_only_the_cases_the_reader_may_see(
    client_for, case, second_case, caseworker, agency, agency_staff
):
    meeting = _meeting(caseworker, [case, second_case], agency)
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 5), scope="full"
    )

    response = client_for(agency_staff).get(detail(meeting.pk))

    assert response.status_code == 200
    assert [row["case"] for row in response.json()["cases"]] == [case.pk]
    assert f"決定{second_case.pk}" not in response.content.decode()
    reads = AuditEvent.objects.filter(action="meeting_record.view", actor=agency_staff)
    assert [e.case_id for e in reads] == [case.pk]


def test_non_participants_get_404_like_a_missing_meeting(
    client_for, case, caseworker, agency, other_caseworker
):
    meeting = _meeting(caseworker, [case], agency)
    outsider_agency = factories.make_agency("shakyo")
    outsider = factories.make_staff("outsider", role=Role.AGENCY, agency=outsider_agency)
    manager = factories.make_staff("mgr", role=Role.MANAGER)

    for user in (other_caseworker, outsider, manager):
        client = client_for(user)
        assert client.get(detail(meeting.pk)).status_code == 404
        assert client.patch(detail(meeting.pk), {"kind": "support"}, format="json").status_code == 404
        assert client.get(detail(987654321)).status_code == 404
    assert client_for(other_caseworker).get(detail(2**70)).status_code == 404


def test_patch_changes_the_meeting_and_its_basis(
    api, client_for, case, second_case, caseworker, agency, agency_staff
):
    meeting = _meeting(caseworker, [case], agency, kind="case_conference")

    response = api.patch(
        detail(meeting.pk),
        {
            "kind": "support",
            "confidentiality_acknowledged": True,
            "cases": [{"case": case.pk, "decisions": "方針を変更"}, {"case": second_case.pk}],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "support"
    assert [(row["case"], row["decisions"]) for row in body["cases"]] == [
        (case.pk, "方針を変更"),
        (second_case.pk, ""),
    ]
    assert client_for(agency_staff).get(f"/api/v1/cases/{second_case.pk}/").status_code == 200
    assert AuditEvent.objects.filter(action="meeting_record.update", case=case).exists()


def test_patch_by_a_participating_agency_is_403(client_for, case, caseworker, agency, agency_staff):
    meeting = _meeting(caseworker, [case], agency)

    response = client_for(agency_staff).patch(
        detail(meeting.pk), {"next_meeting_on": "2025-03-01"}, format="json"
    )

    assert response.status_code == 403


def test_patch_refuses_the_area_and_unknown_keys(api, case, caseworker, agency):
    meeting = _meeting(caseworker, [case], agency)

    response = api.patch(detail(meeting.pk), {"area": "south", "colour": "red"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"area", "colour"}


def test_a_meeting_registration_cannot_be_ended_through_the_case_route(api, case, caseworker, agency):
    meeting = _meeting(caseworker, [case], agency, kind="support")
    registration = SupportMeetingRegistration.objects.get(meeting=meeting)

    response = api.post(f"/api/v1/cases/{case.pk}/support-meetings/{registration.pk}/end/")

    assert response.status_code == 409
    registration.refresh_from_db()
    assert registration.ended_on is None


def test_a_bad_case_row_is_reported_as_a_flat_message(api, case, agency):
    response = api.post(
        MEETINGS, payload(case, agency, cases=[{"case": case.pk}, {"case": 987654321}, "x"]), format="json"
    )

    assert response.status_code == 400
    messages = response.json()["cases"]
    assert all(isinstance(m, str) for m in messages)
    assert any("987654321" in m for m in messages)
    assert len(messages) == 2
