"""/api/v1/cases/{id}/plans/ and their evaluations: the plan sheet (goals → actions, the agreement) and
評価 over the API. Access is the case's: 404 for a case the user may not see, 403 for writes by those who
see it but are not its team; a summary scope sees the agencies' roles and no goal, agreement or comment."""

import datetime

import pytest
from django.utils import timezone

from casework import services
from casework.models import AuditEvent, Case, PlanEvaluation, SupportPlan
from network.groups import agency_group
from network.models import Role
from tests import factories

TODAY = timezone.localdate()


def plans_url(case_id):
    return f"/api/v1/cases/{case_id}/plans/"


def plan_url(case_id, plan_id):
    return f"/api/v1/cases/{case_id}/plans/{plan_id}/"


def evaluations_url(case_id, plan_id):
    return f"/api/v1/cases/{case_id}/plans/{plan_id}/evaluations/"


def plan_body(agency, **extra):
    return {
        "created_on": (TODAY - datetime.timedelta(days=10)).isoformat(),
        "long_term_goal": "地域で安心して暮らす",
        "review_on": (TODAY + datetime.timedelta(days=80)).isoformat(),
        "goals": [
            {
                "text": "家計を立て直す",
                "actions": [
                    {"agency": agency.code, "support": "家計相談", "frequency": "月1回"},
                    {"who": "person", "support": "家計簿をつける", "by_when": TODAY.isoformat()},
                ],
            },
            {"text": "通院を続ける", "actions": [{"who": "family", "support": "通院に付き添う"}]},
        ],
        "agreed_on": TODAY.isoformat(),
        "agreement_method": "signed",
        "agreement_note": "長女が同席",
        **extra,
    }


@pytest.fixture
def plan(api, case, agency):
    response = api.post(plans_url(case.pk), plan_body(agency), format="json")
    assert response.status_code == 201, response.content
    return SupportPlan.objects.get(pk=response.json()["id"])


def agency_client(case, caseworker, agency, client_for, scope):
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=TODAY, scope=scope)
    staff = factories.make_staff(f"agency_{scope}", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return client_for(staff)


def goal_results(plan, *results):
    return [
        {"goal": goal.pk, "result": result, "comment": f"所見{goal.order}"}
        for goal, result in zip(plan.goals.order_by("order"), results, strict=True)
    ]


def test_create_answers_201_with_the_sheet_and_a_location(api, case, agency):
    response = api.post(plans_url(case.pk), plan_body(agency), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(plan_url(case.pk, body["id"]))
    assert body["in_force"] is True and body["long_term_goal"] == "地域で安心して暮らす"
    assert [(g["order"], g["text"]) for g in body["goals"]] == [(1, "家計を立て直す"), (2, "通院を続ける")]
    first = body["goals"][0]["actions"]
    assert [(a["who"], a["agency"], a["support"]) for a in first] == [
        ("agency", agency.code, "家計相談"),
        ("person", None, "家計簿をつける"),
    ]
    assert len(body["roles"]) == 3
    assert (body["agreed_on"], body["agreement_method"], body["agreement_note"]) == (
        TODAY.isoformat(),
        "signed",
        "長女が同席",
    )
    assert AuditEvent.objects.filter(action="plan.create", case=case).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"goals": [{"text": ""}]}, "goals.0.text"),
        ({"goals": [{"text": "目標", "actions": [{"support": "支援"}]}]}, "goals.0.actions.0.agency"),
        (
            {"goals": [{"text": "目標", "actions": [{"agency": "nope", "support": "x"}]}]},
            "goals.0.actions.0.agency",
        ),
        (
            {"goals": [{"text": "目標", "actions": [{"who": "boss", "support": "x"}]}]},
            "goals.0.actions.0.who",
        ),
        ({"agreement_method": ""}, "agreement_method"),
        ({"review_on": "2000-01-01"}, "review_on"),
    ],
)
def test_bad_input_is_400_with_flat_field_paths(api, case, agency, change, field):
    response = api.post(plans_url(case.pk), plan_body(agency) | change, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors and all(isinstance(m, str) for m in errors[field])
    assert not SupportPlan.objects.exists()


def test_list_and_detail_newest_first_with_the_plan_in_force_marked(api, case, agency, plan):
    newer = api.post(
        plans_url(case.pk), plan_body(agency, created_on=TODAY.isoformat()), format="json"
    ).json()
    rows = api.get(plans_url(case.pk)).json()["results"]
    assert [(r["id"], r["in_force"]) for r in rows] == [(newer["id"], True), (plan.pk, False)]
    detail = api.get(plan_url(case.pk, plan.pk)).json()
    assert detail["in_force"] is False and detail["goals"][1]["text"] == "通院を続ける"


def test_evaluate_continue_sets_the_review_date_the_caseload_reads(api, case, plan):
    review = TODAY + datetime.timedelta(days=120)
    response = api.post(
        evaluations_url(case.pk, plan.pk),
        {
            "results": goal_results(plan, "achieved", "partly"),
            "decision": "continue",
            "next_review_on": review.isoformat(),
            "comment": "順調",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(r["order"], r["result"], r["comment"]) for r in body["results"]] == [
        (1, "achieved", "所見1"),
        (2, "partly", "所見2"),
    ]
    row = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert row.get("next_review_on", review.isoformat()) == review.isoformat()
    listed = api.get("/api/v1/cases/").json()["results"]
    assert [r["next_review_on"] for r in listed if r["id"] == case.pk] == [review.isoformat()]
    assert api.get(evaluations_url(case.pk, plan.pk)).json()["results"][0]["id"] == body["id"]


def test_evaluate_needs_every_goal_and_the_decisions_date_or_reason(api, case, plan):
    url = evaluations_url(case.pk, plan.pk)
    one = goal_results(plan, "achieved", "partly")[:1]
    assert "results" in api.post(url, {"results": one, "decision": "revise"}, format="json").json()
    both = goal_results(plan, "achieved", "partly")
    continuing = api.post(url, {"results": both, "decision": "continue"}, format="json")
    assert continuing.status_code == 400 and "next_review_on" in continuing.json()
    closing = api.post(url, {"results": both, "decision": "close"}, format="json")
    assert closing.status_code == 400 and "closure_reason" in closing.json()
    bad = api.post(url, {"results": [{"goal": 1, "result": "great"}], "decision": "revise"}, format="json")
    assert bad.status_code == 400 and "results.0.result" in bad.json()
    assert not PlanEvaluation.objects.exists()


def test_evaluate_close_closes_the_case_and_then_answers_409(api, case, plan):
    url = evaluations_url(case.pk, plan.pk)
    body = {
        "results": goal_results(plan, "achieved", "achieved"),
        "decision": "close",
        "closure_reason": "goal_achieved",
    }
    assert api.post(url, body, format="json").status_code == 201
    assert Case.objects.get(pk=case.pk).status == "closed"
    assert api.post(url, body, format="json").status_code == 409


def test_summary_scope_sees_the_roles_and_no_goal_agreement_or_comment(
    api, case, caseworker, agency, client_for, plan
):
    services.plan_evaluate(
        plan=plan,
        evaluated_by=caseworker,
        results=[
            services.GoalAssessment(goal_id=g.pk, result="partly", comment="架空の所見")
            for g in plan.goals.all()
        ],
        decision="revise",
        comment="架空の総合所見",
    )
    summary = agency_client(case, caseworker, agency, client_for, "summary")
    rows = summary.get(plans_url(case.pk)).json()["results"]
    assert set(rows[0]) == {"id", "case", "created_on", "review_on", "in_force", "roles"}
    assert rows[0]["roles"] == [{"agency": agency.code, "support": "家計相談", "frequency": "月1回"}]
    detail = summary.get(plan_url(case.pk, plan.pk))
    assert detail.status_code == 200 and "goals" not in detail.json()
    evaluations = summary.get(evaluations_url(case.pk, plan.pk)).json()["results"]
    assert "comment" not in evaluations[0] and all("comment" not in r for r in evaluations[0]["results"])
    for response in (summary.get(plans_url(case.pk)), detail, summary.get(evaluations_url(case.pk, plan.pk))):
        text = response.content.decode()
        assert "家計を立て直す" not in text and "長女" not in text and "架空の" not in text
        assert "家計簿" not in text  # 本人's own action is not an agency's role


def test_full_scope_agency_reads_the_sheet_but_may_not_write(case, caseworker, agency, client_for, plan):
    full = agency_client(case, caseworker, agency, client_for, "full")
    assert full.get(plan_url(case.pk, plan.pk)).json()["goals"][0]["text"] == "家計を立て直す"
    assert full.post(plans_url(case.pk), plan_body(agency), format="json").status_code == 403
    body = {"results": goal_results(plan, "achieved", "partly"), "decision": "revise"}
    assert full.post(evaluations_url(case.pk, plan.pk), body, format="json").status_code == 403
    assert SupportPlan.objects.count() == 1 and not PlanEvaluation.objects.exists()


def test_outsiders_get_404_like_a_missing_case(client_for, other_caseworker, case, agency, plan):
    outsider = client_for(other_caseworker)
    assert outsider.get(plans_url(case.pk)).status_code == 404
    assert outsider.post(plans_url(case.pk), plan_body(agency), format="json").status_code == 404
    assert outsider.get(plan_url(case.pk, plan.pk)).status_code == 404
    assert outsider.get(evaluations_url(case.pk, plan.pk)).status_code == 404
    assert outsider.post(evaluations_url(case.pk, plan.pk), {}, format="json").status_code == 404


def test_a_plan_of_another_case_is_404(api, caseworker, case, plan):
    second = factories.make_case(by=caseworker, name="架空 次郎", kana="カクウ ジロウ")
    assert api.get(plan_url(second.pk, plan.pk)).status_code == 404
    assert api.get(evaluations_url(second.pk, plan.pk)).status_code == 404


def test_the_routes_are_in_the_schema(api):
    paths = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/cases/{case_id}/plans/"])
    assert "get" in paths["/api/v1/cases/{case_id}/plans/{plan_id}/"]
    assert {"get", "post"} <= set(paths["/api/v1/cases/{case_id}/plans/{plan_id}/evaluations/"])
