"""/api/v1/referrals/: the fixed contract of API.md — paths, fields and status codes."""

import pytest
from django.utils import timezone

from casework import services as casework_services
from referrals.business_days import add_business_days

URL = "/api/v1/referrals/"


@pytest.fixture
def posted(api_for, caseworker, case, south_coordinator):
    response = api_for(caseworker).post(
        URL,
        {"case": case.pk, "kind": "collaboration", "to_area": "south", "reason": "同行支援の依頼"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_post_creates_a_requested_referral(posted, case):
    assert posted["status"] == "requested"
    assert posted["due_by"] == add_business_days(timezone.localdate(), 3).isoformat()
    assert {"id", "case", "kind", "to_area", "to_agency", "reason"} <= set(posted)
    assert posted["case"] == case.pk and posted["to_area"] == "south" and posted["to_agency"] is None


def test_post_validation_errors_are_400(api_for, caseworker, case):
    client = api_for(caseworker)
    for body, field in [
        ({"case": case.pk, "kind": "collaboration", "to_area": "north", "reason": "x"}, "to_area"),
        ({"case": case.pk, "kind": "collaboration", "reason": "x"}, "to_area"),
        ({"case": case.pk, "kind": "transfer", "to_area": "nowhere", "reason": "x"}, "to_area"),
        ({"case": case.pk, "kind": "collaboration", "to_area": "south"}, "reason"),
        ({"case": case.pk, "kind": "merge", "to_area": "south", "reason": "x"}, "kind"),
    ]:
        response = client.post(URL, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), (body, response.json())


def test_post_for_an_invisible_case_is_400_like_a_missing_one(api_for, other_caseworker, case):
    client = api_for(other_caseworker)
    hidden = client.post(URL, {"case": case.pk, "kind": "collaboration", "to_area": "north", "reason": "x"})
    missing = client.post(URL, {"case": 987654, "kind": "collaboration", "to_area": "north", "reason": "x"})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["case"][0].replace(str(case.pk), "ID") == missing.json()["case"][0].replace(
        "987654", "ID"
    )


def test_post_by_someone_who_sees_but_does_not_own_the_case_is_403(
    api_for, case, caseworker, agency, agency_user, other_area
):
    casework_services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate()
    )
    response = api_for(agency_user).post(
        URL, {"case": case.pk, "kind": "collaboration", "to_area": "south", "reason": "x"}, format="json"
    )
    assert response.status_code == 403, response.json()


def test_a_second_open_referral_to_the_same_place_is_409(posted, api_for, caseworker, case):
    response = api_for(caseworker).post(
        URL, {"case": case.pk, "kind": "collaboration", "to_area": "south", "reason": "重複"}, format="json"
    )
    assert response.status_code == 409


def test_accept_is_200_then_409(posted, api_for, south_coordinator):
    client = api_for(south_coordinator)
    response = client.post(f"{URL}{posted['id']}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert client.post(f"{URL}{posted['id']}/accept/").status_code == 409
    assert client.post(f"{URL}{posted['id']}/decline/", {"reason": "x"}).status_code == 409


def test_the_sender_may_not_accept_403(posted, api_for, caseworker):
    assert api_for(caseworker).post(f"{URL}{posted['id']}/accept/").status_code == 403


def test_outsiders_get_404_on_every_referral_route(posted, api_for, agency_user):
    client = api_for(agency_user)
    for suffix in ("", "accept/", "decline/", "withdraw/", "complete/"):
        method = client.get if suffix == "" else client.post
        assert method(f"{URL}{posted['id']}/{suffix}").status_code == 404, suffix
        assert method(f"{URL}987654/{suffix}").status_code == 404, suffix


def test_decline_needs_a_reason(posted, api_for, south_coordinator):
    client = api_for(south_coordinator)
    response = client.post(f"{URL}{posted['id']}/decline/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(f"{URL}{posted['id']}/decline/", {"reason": "体制が整わない"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_withdraw_by_the_sender(posted, api_for, caseworker, south_coordinator):
    assert api_for(south_coordinator).post(f"{URL}{posted['id']}/withdraw/").status_code == 403
    response = api_for(caseworker).post(f"{URL}{posted['id']}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert api_for(caseworker).post(f"{URL}{posted['id']}/withdraw/").status_code == 409


def test_complete_with_an_outcome(posted, api_for, south_coordinator):
    client = api_for(south_coordinator)
    assert client.post(f"{URL}{posted['id']}/complete/", {"outcome": "x"}).status_code == 409
    client.post(f"{URL}{posted['id']}/accept/")
    assert client.post(f"{URL}{posted['id']}/complete/", {}, format="json").status_code == 400
    response = client.post(f"{URL}{posted['id']}/complete/", {"outcome": "支援開始"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "completed"


def test_list_filters_by_direction_and_status(posted, api_for, caseworker, south_coordinator):
    incoming = api_for(south_coordinator).get(URL, {"direction": "incoming"}).json()
    assert [r["id"] for r in incoming["results"]] == [posted["id"]]
    assert api_for(south_coordinator).get(URL, {"direction": "outgoing"}).json()["count"] == 0
    assert api_for(caseworker).get(URL, {"direction": "outgoing", "status": "requested"}).json()["count"] == 1
    assert api_for(caseworker).get(URL, {"status": "declined"}).json()["count"] == 0
    assert api_for(caseworker).get(URL, {"direction": "sideways"}).status_code == 400


def test_unauthenticated_is_401(client, db):
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401


def test_the_schema_documents_the_referral_routes(api_for, caseworker):
    response = api_for(caseworker).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/referrals/{referral_id}/accept/" in body
