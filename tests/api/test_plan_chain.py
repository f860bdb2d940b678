"""The whole national frame over the API, as a client system would drive it: intake → assessment →
plan sheet → activity → evaluation (close) → the case is closed with its reason, and the record reads back."""

import datetime

from django.utils import timezone

TODAY = timezone.localdate()


def test_intake_to_closure_through_the_api(api, area, agency):
    intake = api.post(
        "/api/v1/cases/",
        {
            "area": area.code,
            "household_name": "架空 一郎",
            "household_name_kana": "カクウ イチロウ",
            "issues": ["8050", "poverty"],
            "main_issue": "8050",
            "opened_on": (TODAY - datetime.timedelta(days=20)).isoformat(),
        },
        format="json",
    )
    assert intake.status_code == 201, intake.content
    case_id = intake.json()["id"]

    assessment = api.post(
        f"/api/v1/cases/{case_id}/assessments/",
        {"economy_status": "issue", "economy_note": "家賃の滞納がある"},
        format="json",
    )
    assert assessment.status_code == 201, assessment.content

    plan = api.post(
        f"/api/v1/cases/{case_id}/plans/",
        {
            "long_term_goal": "地域で安心して暮らす",
            "review_on": (TODAY + datetime.timedelta(days=90)).isoformat(),
            "goals": [
                {"text": "家計を立て直す", "actions": [{"agency": agency.code, "support": "家計相談"}]},
                {"text": "通院を続ける", "actions": [{"who": "person", "support": "月1回通院する"}]},
            ],
            "agreed_on": TODAY.isoformat(),
            "agreement_method": "signed",
        },
        format="json",
    )
    assert plan.status_code == 201, plan.content
    plan_id, goals = plan.json()["id"], plan.json()["goals"]

    activity = api.post(
        f"/api/v1/cases/{case_id}/activities/",
        {
            "occurred_at": timezone.now().isoformat(),
            "kind": "visit",
            "minutes": 60,
            "partner_agencies": [agency.code],
            "note": "家計の状況を一緒に確認した",
        },
        format="json",
    )
    assert activity.status_code == 201, activity.content

    evaluation = api.post(
        f"/api/v1/cases/{case_id}/plans/{plan_id}/evaluations/",
        {
            "results": [
                {"goal": goals[0]["id"], "result": "achieved", "comment": "滞納が解消した"},
                {"goal": goals[1]["id"], "result": "achieved"},
            ],
            "decision": "close",
            "closure_reason": "goal_achieved",
            "comment": "目標を達成し終結",
        },
        format="json",
    )
    assert evaluation.status_code == 201, evaluation.content

    case = api.get(f"/api/v1/cases/{case_id}/").json()
    assert (case["status"], case["closure_reason"], case["closed_on"]) == (
        "closed",
        "goal_achieved",
        TODAY.isoformat(),
    )
    evaluations = api.get(f"/api/v1/cases/{case_id}/plans/{plan_id}/evaluations/").json()["results"]
    assert [(e["decision"], [r["result"] for r in e["results"]]) for e in evaluations] == [
        ("close", ["achieved", "achieved"])
    ]
    # a closed case takes no new work until it is reopened
    late = api.post(
        f"/api/v1/cases/{case_id}/activities/",
        {"occurred_at": (timezone.now() + datetime.timedelta(minutes=5)).isoformat(), "kind": "phone"},
        format="json",
    )
    assert late.status_code == 409
