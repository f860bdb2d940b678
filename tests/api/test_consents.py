"""本人同意 through the API: a consent shares the case with its agencies, withdrawal takes the access back."""

import datetime

import pytest

from casework import services
from casework.models import AuditEvent, CaseAccessGrant, Consent
from network.groups import agency_group
from network.models import Role
from tests import factories

GIVEN_ON = "2025-01-01"


def consents(case_id) -> str:
    return f"/api/v1/cases/{case_id}/consents/"


def withdraw(case_id, consent_id) -> str:
    return f"/api/v1/cases/{case_id}/consents/{consent_id}/withdraw/"


def consent_payload(*agencies, **extra) -> dict:
    return {"agencies": [a.code for a in agencies], "given_on": GIVEN_ON, "scope": "full", **extra}


@pytest.fixture
def agency_staff(agency):
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return staff


@pytest.fixture
def given(case, caseworker, agency) -> Consent:
    """A consent sharing the north case with the agency, recorded through the service."""
    return services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 1)
    )


def test_consent_opens_the_case_to_the_agency_and_withdrawal_closes_it(
    api, client_for, case, agency, agency_staff
):
    agency_client = client_for(agency_staff)
    assert agency_client.get(f"/api/v1/cases/{case.pk}/").status_code == 404

    given = api.post(consents(case.pk), consent_payload(agency))
    assert given.status_code == 201

    assert agency_client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    logged = agency_client.post(
        f"/api/v1/cases/{case.pk}/activities/",
        {
            "occurred_at": "2025-01-10T10:30:00+09:00",
            "kind": "accompany",
            "partner_agencies": [agency.code],
            "note": "窓口へ同行した",
        },
    )
    assert logged.status_code == 201

    withdrawn = api.post(withdraw(case.pk, given.json()["id"]))
    assert withdrawn.status_code == 200

    assert agency_client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_a_new_consent_is_answered_with_its_representation(api, case, agency):
    response = api.post(consents(case.pk), consent_payload(agency))

    body = response.json()
    assert set(body) >= {"id", "case", "agencies", "given_on", "scope", "withdrawn_on", "recorded_by"}
    assert body["case"] == case.pk
    assert body["agencies"] == [agency.code]
    assert body["given_on"] == GIVEN_ON
    assert body["scope"] == "full"
    assert body["withdrawn_on"] is None
    assert body["recorded_by"] == "cw_north"


def test_a_consent_grants_each_agency_on_the_consent_basis(api, case, agency):
    second = factories.make_agency("soudan-n", kind="disability")

    response = api.post(consents(case.pk), consent_payload(agency, second))

    grants = CaseAccessGrant.objects.filter(case=case, basis="consent", source_id=response.json()["id"])
    assert sorted(g.group.name for g in grants) == ["agency:houkatsu-n", "agency:soudan-n"]


def test_giving_consent_is_audited_as_an_api_change(api, case, agency):
    api.post(consents(case.pk), consent_payload(agency))

    event = AuditEvent.objects.get(case=case, action="consent.give")
    assert event.actor_username == "cw_north"
    assert event.channel == "api"


def test_consents_are_listed_newest_first_with_withdrawn_ones(api, case, caseworker, agency, given):
    later = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 2, 1)
    )
    services.consent_withdraw(consent=given, withdrawn_by=caseworker)

    response = api.get(consents(case.pk))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [later.pk, given.pk]
    assert rows[0]["withdrawn_on"] is None
    assert rows[1]["withdrawn_on"] is not None


def test_withdrawal_answers_with_the_withdrawn_consent(api, case, given):
    response = api.post(withdraw(case.pk, given.pk))

    assert response.json()["id"] == given.pk
    assert response.json()["withdrawn_on"] is not None


def test_withdrawing_twice_is_409(api, case, given):
    assert api.post(withdraw(case.pk, given.pk)).status_code == 200

    response = api.post(withdraw(case.pk, given.pk))

    assert response.status_code == 409
    assert set(response.json()) == {"detail"}


def test_withdrawal_keeps_access_that_rests_on_another_basis(
    api, client_for, case, caseworker, agency, agency_staff, given
):
    services.support_meeting_register(
        case=case,
        registered_by=caseworker,
        agencies=[agency],
        registered_on=datetime.date(2025, 1, 5),
        confidentiality_acknowledged=True,
    )

    api.post(withdraw(case.pk, given.pk))

    assert client_for(agency_staff).get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_a_consent_of_another_case_is_404(api, case, caseworker, area, agency):
    second_case = factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")
    foreign = services.consent_give(
        case=second_case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 1)
    )

    response = api.post(withdraw(case.pk, foreign.pk))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_a_missing_consent_is_404(api, case):
    assert api.post(withdraw(case.pk, 987654)).status_code == 404


def test_agency_staff_may_not_give_consent_on_a_case_shared_with_them(
    client_for, case, agency, agency_staff, given
):
    other = factories.make_agency("other-agency")

    response = client_for(agency_staff).post(consents(case.pk), consent_payload(other))

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert Consent.objects.filter(case=case).count() == 1


def test_agency_staff_may_not_withdraw_a_consent(client_for, case, agency_staff, given):
    response = client_for(agency_staff).post(withdraw(case.pk, given.pk))

    assert response.status_code == 403
    given.refresh_from_db()
    assert given.is_active


def test_agency_staff_may_not_list_consents(client_for, case, agency_staff, given):
    assert client_for(agency_staff).get(consents(case.pk)).status_code == 403


def test_another_areas_case_is_404_like_a_missing_one(api, other_case, agency):
    hidden = api.post(consents(other_case.pk), consent_payload(agency))
    missing = api.post(consents(987654), consent_payload(agency))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert not Consent.objects.exists()


def test_listing_another_areas_consents_is_404(api, other_case):
    assert api.get(consents(other_case.pk)).status_code == 404


def test_withdrawing_on_another_areas_case_is_404(api, other_case, other_caseworker, agency):
    foreign = services.consent_give(
        case=other_case, given_by=other_caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 1)
    )

    assert api.post(withdraw(other_case.pk, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"agencies": []}, "agencies"),
        ({"agencies": ["no-such-agency"]}, "agencies"),
        ({"given_on": "2999-01-01"}, "given_on"),
        ({"given_on": "not a date"}, "given_on"),
        ({"scope": "支援方針の検討"}, "scope"),
        ({"scope": "ALL"}, "scope"),
        ({"scope": ""}, "scope"),
    ],
)
def test_invalid_consent_is_400_on_the_field(api, case, agency, change, field):
    response = api.post(consents(case.pk), {**consent_payload(agency), **change})

    assert response.status_code == 400
    assert field in response.json()
    assert not Consent.objects.exists()


def test_an_inactive_agency_cannot_be_given_consent(api, case, agency):
    agency.is_active = False
    agency.save(update_fields=["is_active"])

    response = api.post(consents(case.pk), consent_payload(agency))

    assert response.status_code == 400
    assert "agencies" in response.json()
