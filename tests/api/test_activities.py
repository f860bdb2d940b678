import datetime

from django.utils import timezone

from casework.models import Activity
from tests import factories


def activities(case_id) -> str:
    return f"/api/v1/cases/{case_id}/activities/"


def void(activity_id) -> str:
    return f"/api/v1/activities/{activity_id}/void/"


def test_log_with_an_offset_is_201_and_answers_in_tokyo_time(api, case, agency):
    response = api.post(
        activities(case.pk),
        {
            "occurred_at": "2025-01-10T01:30:00Z",
            "kind": "accompany",
            "minutes": 90,
            "partner_agencies": ["houkatsu-n"],
            "note": "同行支援(架空)",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["occurred_at"] == "2025-01-10T10:30:00+09:00"
    assert body["case"] == case.pk
    assert body["kind"] == "accompany"
    assert body["minutes"] == 90
    assert body["staff"] == "cw_north"
    assert body["partner_agencies"] == ["houkatsu-n"]
    assert body["note"] == "同行支援(架空)"
    assert body["voided"] is False
    assert body["version"] == 1
    stored = Activity.objects.get(pk=body["id"])
    assert stored.occurred_at == datetime.datetime(2025, 1, 10, 1, 30, tzinfo=datetime.UTC)
    assert stored.has_partner


def test_log_with_a_naive_datetime_is_400(api, case):
    response = api.post(activities(case.pk), {"occurred_at": "2025-01-10T10:30:00", "kind": "visit"})

    assert response.status_code == 400
    assert list(response.json()) == ["occurred_at"]
    assert not Activity.objects.exists()


def test_log_with_a_date_only_is_400(api, case):
    response = api.post(activities(case.pk), {"occurred_at": "2025-01-10", "kind": "visit"})
    assert response.status_code == 400
    assert "occurred_at" in response.json()


def test_log_with_an_unknown_agency_is_400(api, case, agency):
    response = api.post(
        activities(case.pk),
        {
            "occurred_at": "2025-01-10T10:30:00+09:00",
            "kind": "visit",
            "partner_agencies": ["houkatsu-n", "no-such-agency"],
        },
    )

    assert response.status_code == 400
    errors = response.json()["partner_agencies"]
    assert errors and "no-such-agency" in errors[0]
    assert not Activity.objects.exists()


def test_log_in_the_future_is_400_from_the_service(api, case):
    later = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = api.post(activities(case.pk), {"occurred_at": later, "kind": "visit"})
    assert response.status_code == 400
    assert "occurred_at" in response.json()


def test_log_on_another_areas_case_is_404(api, other_case):
    response = api.post(
        activities(other_case.pk), {"occurred_at": "2025-01-10T10:30:00+09:00", "kind": "visit"}
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_list_is_paginated_and_newest_first(api, case, caseworker):
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    first = factories.log_activity(
        case, by=caseworker, when=datetime.datetime(2025, 1, 5, 9, 0, tzinfo=tokyo)
    )
    third = factories.log_activity(
        case, by=caseworker, when=datetime.datetime(2025, 2, 5, 9, 0, tzinfo=tokyo)
    )
    second = factories.log_activity(
        case, by=caseworker, when=datetime.datetime(2025, 1, 20, 9, 0, tzinfo=tokyo)
    )

    body = api.get(activities(case.pk)).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert [a["id"] for a in body["results"]] == [third.pk, second.pk, first.pk]
    assert body["results"][0]["occurred_at"] == "2025-02-05T09:00:00+09:00"


def test_list_of_another_areas_case_is_404(api, other_case, other_caseworker):
    factories.log_activity(other_case, by=other_caseworker)
    assert api.get(activities(other_case.pk)).status_code == 404


def test_void_answers_200_with_the_voided_activity(api, case, caseworker):
    activity = factories.log_activity(case, by=caseworker)

    response = api.post(void(activity.pk), {"reason": "二重登録"})

    assert response.status_code == 200
    body = response.json()
    assert body["voided"] is True
    assert body["void_reason"] == "二重登録"
    assert body["voided_at"].endswith("+09:00")


def test_void_twice_is_409(api, case, caseworker):
    activity = factories.log_activity(case, by=caseworker)
    api.post(void(activity.pk), {"reason": "二重登録"})

    response = api.post(void(activity.pk), {"reason": "again"})

    assert response.status_code == 409
    assert set(response.json()) == {"detail"}


def test_void_without_reason_is_400(api, case, caseworker):
    activity = factories.log_activity(case, by=caseworker)

    response = api.post(void(activity.pk), {})

    assert response.status_code == 400
    assert "reason" in response.json()
    activity.refresh_from_db()
    assert not activity.voided


def test_void_with_a_blank_reason_is_400(api, case, caseworker):
    activity = factories.log_activity(case, by=caseworker)
    assert api.post(void(activity.pk), {"reason": "   "}).status_code == 400


def test_void_on_another_areas_activity_is_404_like_a_missing_one(api, other_case, other_caseworker):
    activity = factories.log_activity(other_case, by=other_caseworker)

    hidden = api.post(void(activity.pk), {"reason": "x"})
    missing = api.post(void(activity.pk + 1000), {"reason": "x"})

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    activity.refresh_from_db()
    assert not activity.voided


def test_a_voided_activity_stays_listed_as_voided(api, case, caseworker):
    kept = factories.log_activity(case, by=caseworker)
    voided = factories.log_activity(case, by=caseworker, when=timezone.now() - datetime.timedelta(hours=3))
    api.post(void(voided.pk), {"reason": "誤登録"})

    rows = {a["id"]: a for a in api.get(activities(case.pk)).json()["results"]}

    assert rows[voided.pk]["voided"] is True
    assert rows[voided.pk]["void_reason"] == "誤登録"
    assert rows[kept.pk]["voided"] is False


def test_a_visit_without_a_note_is_400_on_the_note(api, case):
    response = api.post(activities(case.pk), {"occurred_at": "2025-01-10T10:30:00+09:00", "kind": "visit"})
    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    assert not Activity.objects.exists()


def test_a_phone_call_without_a_note_is_201(api, case):
    response = api.post(activities(case.pk), {"occurred_at": "2025-01-10T10:30:00+09:00", "kind": "phone"})
    assert response.status_code == 201
    assert response.json()["note"] == ""


def test_logging_to_a_closed_case_is_409(api, case, caseworker):
    from casework import services

    services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    now = timezone.localtime(timezone.now()).isoformat()
    response = api.post(activities(case.pk), {"occurred_at": now, "kind": "phone"})
    assert response.status_code == 409
    assert "再開" in response.json()["detail"] or "Reopen" in response.json()["detail"]
    assert not Activity.objects.exists()


def test_a_sharing_agency_may_void_only_its_own_entries_403_otherwise(case, caseworker, agency, client_for):
    from casework import services
    from network.models import Role
    from network.services import staff_groups_sync

    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today(), scope="full"
    )
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff_groups_sync(user=staff)
    owners = factories.log_activity(case, by=caseworker)
    own = factories.log_activity(case, by=staff, kind="phone")
    api = client_for(staff)
    refused = api.post(void(owners.pk), {"reason": "誤り"})
    assert refused.status_code == 403
    assert "detail" in refused.json()
    owners.refresh_from_db()
    assert not owners.voided
    done = api.post(void(own.pk), {"reason": "誤り"})
    assert done.status_code == 200
    assert done.json()["voided"] is True and done.json()["logged_by"] == "agency_staff"
