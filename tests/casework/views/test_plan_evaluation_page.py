"""The evaluation page (評価): one row per goal (result + comment), the decision, and what it needs;
continue → back to the case, revise → the revision page prefilled from the plan, close → the case closed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import Case, PlanEvaluation
from casework.services import PlanAction, PlanGoalDraft

TODAY = timezone.localdate()


@pytest.fixture
def plan(case, caseworker, agency):
    return services.plan_create(
        case=case,
        created_by=caseworker,
        created_on=TODAY - datetime.timedelta(days=60),
        goals=[
            PlanGoalDraft("家計を立て直す", [PlanAction(support="家計相談", agency=agency)]),
            PlanGoalDraft("通院を続ける", [PlanAction(support="通院", who="person")]),
        ],
        review_on=TODAY,
    )


def evaluate_url(case, plan):
    return reverse("casework:plan_evaluate", args=[case.pk, plan.pk])


def answers(plan, *results, **extra):
    data = {"evaluated_on": TODAY.isoformat(), "comment": "", "next_review_on": "", "closure_reason": ""}
    for goal, result in zip(plan.goals.order_by("order"), results, strict=True):
        data[f"goal-{goal.pk}-result"] = result
        data[f"goal-{goal.pk}-comment"] = f"所見{goal.order}"
    return data | extra


def test_the_page_has_a_row_per_goal_with_its_actions(cw_client, case, plan):
    body = cw_client.get(evaluate_url(case, plan)).content.decode()
    for goal in plan.goals.all():
        assert f'name="goal-{goal.pk}-result"' in body and f'name="goal-{goal.pk}-comment"' in body
    assert "家計を立て直す" in body and "家計相談" in body and "達成" in body and "一部達成" in body
    assert "今後の方針" in body and "終結理由" in body


def test_continue_goes_back_to_the_case_with_the_new_review_date(cw_client, case, plan):
    review = TODAY + datetime.timedelta(days=90)
    response = cw_client.post(
        evaluate_url(case, plan),
        answers(plan, "achieved", "partly", decision="continue", next_review_on=review.isoformat()),
    )
    assert response.status_code == 302 and response.url.endswith("#plan")
    plan.refresh_from_db()
    assert plan.review_on == review
    page = cw_client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "継続" in page and "所見1" in page and "一部達成" in page


def test_revise_leads_to_the_revision_page_prefilled_from_the_plan(cw_client, case, plan):
    response = cw_client.post(
        evaluate_url(case, plan), answers(plan, "achieved", "partly", decision="revise")
    )
    assert response.status_code == 302
    assert response.url == reverse("casework:plan_create", args=[case.pk])
    page = cw_client.get(response.url).content.decode()
    assert "家計を立て直す</textarea>" in page and "通院を続ける</textarea>" in page
    assert "評価を保存しました。プランを見直してください" in page


def test_close_closes_the_case_with_the_reason(cw_client, case, plan):
    response = cw_client.post(
        evaluate_url(case, plan),
        answers(plan, "achieved", "achieved", decision="close", closure_reason="goal_achieved"),
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.closure_reason) == ("closed", "goal_achieved")


def test_a_missing_result_or_review_date_comes_back_with_the_input_in_japanese(cw_client, case, plan):
    data = answers(plan, "achieved", "partly", decision="continue", comment="総合的に前進")
    _first, second = plan.goals.order_by("order")
    del data[f"goal-{second.pk}-result"]
    response = cw_client.post(evaluate_url(case, plan), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "この目標の評価を選んでください。" in body
    assert "総合的に前進</textarea>" in body and "所見2</textarea>" in body
    data[f"goal-{second.pk}-result"] = "partly"
    body = cw_client.post(evaluate_url(case, plan), data).content.decode()
    assert "プランを継続するには次回評価日を入力してください。" in body
    data |= {"decision": "close"}
    body = cw_client.post(evaluate_url(case, plan), data).content.decode()
    assert "終結理由を選んでください" in body
    assert not PlanEvaluation.objects.exists()


def test_an_older_plan_is_not_evaluated(cw_client, case, caseworker, plan):
    services.plan_create(case=case, created_by=caseworker, goals=[PlanGoalDraft("新しい目標")])
    response = cw_client.post(
        evaluate_url(case, plan), answers(plan, "achieved", "partly", decision="revise")
    )
    assert response.status_code == 400
    assert "評価できるのは現在のプランだけです" in response.content.decode()


def test_a_plan_of_another_case_is_not_found(cw_client, case, caseworker, plan):
    other = services.plan_create(
        case=services.case_open(
            opened_by=caseworker,
            area=case.area,
            household_name="架空 次郎",
            household_name_kana="カクウ ジロウ",
            issues=["8050"],
            main_issue="8050",
        ),
        created_by=caseworker,
    )
    assert cw_client.get(reverse("casework:plan_evaluate", args=[case.pk, other.pk])).status_code == 404
