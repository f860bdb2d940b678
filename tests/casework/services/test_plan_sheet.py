"""The plan sheet (goals → actions, the person's agreement) and its evaluation (評価): continue, revise and
close; every goal gets a result; the caseload's review date follows the plan in force exactly."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import selectors, services
from casework.models import AuditEvent, Case, CaseStatus, PlanEvaluation, PlanRole
from casework.services import GoalAssessment, PlanAction, PlanGoalDraft
from today import selectors as today_selectors

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def plan(case, caseworker, agency):
    return services.plan_create(
        case=case,
        created_by=caseworker,
        created_on=days(-30),
        long_term_goal="地域で安心して暮らす",
        goals=[
            PlanGoalDraft(
                text="家計を立て直す",
                actions=[
                    PlanAction(support="家計相談", agency=agency, frequency="月1回", by_when=days(60)),
                    PlanAction(support="家計簿をつける", who="person"),
                ],
            ),
            PlanGoalDraft(text="通院を続ける", actions=[PlanAction(support="通院に同行", who="family")]),
        ],
        review_on=days(-1),
        agreed_on=days(-30),
        agreement_method="signed",
        agreement_note="長女同席",
    )


def results(plan, *values):
    return [
        GoalAssessment(goal_id=goal.pk, result=value, comment=f"所見{goal.order}")
        for goal, value in zip(plan.goals.order_by("order"), values, strict=True)
    ]


def review_date(case) -> datetime.date | None:
    return selectors.with_follow_up(Case.objects.filter(pk=case.pk)).get().next_review_on


# --- plan_create -------------------------------------------------------------------------------------


def test_goals_keep_their_order_and_actions_their_goal(plan, agency):
    goals = list(plan.goals.order_by("order"))
    assert [(g.order, g.text) for g in goals] == [(1, "家計を立て直す"), (2, "通院を続ける")]
    first = list(goals[0].actions.order_by("id"))
    assert [(a.who, a.agency, a.support, a.by_when) for a in first] == [
        ("agency", agency, "家計相談", days(60)),
        ("person", None, "家計簿をつける", None),
    ]
    assert [a.who for a in goals[1].actions.all()] == ["family"]
    assert plan.agency_roles() == [first[0]]  # what a summary scope sees
    assert (plan.agreed_on, plan.agreement_method, plan.agreement_note) == (days(-30), "signed", "長女同席")


def test_plan_create_is_audited_with_personal_values_masked(plan):
    event = AuditEvent.objects.get(action="plan.create", object_id=str(plan.pk))
    assert event.changes["long_term_goal"] == ["", "***"]
    assert event.changes["agreement_note"] == ["", "***"]
    assert event.changes["goals"] == [None, 2] and event.changes["actions"] == [None, 3]
    assert "家計" not in str(event.changes) and "長女" not in str(event.changes)


@pytest.mark.parametrize(
    ("goals", "key"),
    [
        ([PlanGoalDraft(text="  ")], "goals.0.text"),
        ([PlanGoalDraft(text="目標", actions=[PlanAction(support="支援")])], "goals.0.actions.0.agency"),
        (
            [PlanGoalDraft(text="目標", actions=[PlanAction(support="", who="person")])],
            "goals.0.actions.0.support",
        ),
        (
            [PlanGoalDraft(text="目標", actions=[PlanAction(support="x", who="boss")])],
            "goals.0.actions.0.who",
        ),
        (
            [PlanGoalDraft(text="目標", actions=[PlanAction(support="x", who="person", by_when=days(-99))])],
            "goals.0.actions.0.by_when",
        ),
    ],
)
def test_bad_goals_and_actions_are_reported_by_path(case, caseworker, goals, key):
    with pytest.raises(ValidationError) as error:
        services.plan_create(case=case, created_by=caseworker, goals=goals)
    assert key in error.value.message_dict
    assert not case.plans.exists()


def test_an_agency_with_a_non_agency_actor_is_refused(case, caseworker, agency):
    action = PlanAction(support="x", who="family", agency=agency)
    with pytest.raises(ValidationError) as error:
        services.plan_create(case=case, created_by=caseworker, goals=[PlanGoalDraft("目標", [action])])
    assert "goals.0.actions.0.agency" in error.value.message_dict


def test_the_database_refuses_an_action_with_both_or_neither(plan, agency):
    goal = plan.goals.first()
    for who, with_agency in (("person", agency), ("agency", None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            PlanRole.objects.create(plan=plan, goal=goal, who=who, agency=with_agency, support="x")


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"agreed_on": days(-1)}, "agreement_method"),
        ({"agreement_method": "verbal"}, "agreed_on"),
        ({"agreed_on": days(1), "agreement_method": "verbal"}, "agreed_on"),
        ({"agreed_on": days(-1), "agreement_method": "nod"}, "agreement_method"),
        ({"agreement_note": "メモ"}, "agreed_on"),
    ],
)
def test_the_agreement_needs_a_date_and_how_it_was_recorded(case, caseworker, fields, key):
    with pytest.raises(ValidationError) as error:
        services.plan_create(case=case, created_by=caseworker, created_on=days(-5), **fields)
    assert key in error.value.message_dict


def test_only_the_case_team_makes_plans(case, other_caseworker):
    with pytest.raises(PermissionDenied):
        services.plan_create(case=case, created_by=other_caseworker, goals=[PlanGoalDraft("目標")])


# --- plan_evaluate ------------------------------------------------------------------------------------


def test_continue_sets_the_next_review_and_the_caseload_follows_exactly(plan, case, caseworker):
    assert review_date(case) == days(-1)
    assert case in today_selectors_reviews(caseworker)
    evaluation = services.plan_evaluate(
        plan=plan,
        evaluated_by=caseworker,
        results=results(plan, "achieved", "partly"),
        decision="continue",
        next_review_on=days(90),
        comment="順調",
    )
    plan.refresh_from_db()
    assert plan.review_on == days(90) == evaluation.next_review_on
    assert review_date(case) == days(90)
    assert case not in today_selectors_reviews(caseworker)
    assert [(r.goal.order, r.result, r.comment) for r in evaluation.goal_results.order_by("goal__order")] == [
        (1, "achieved", "所見1"),
        (2, "partly", "所見2"),
    ]


def today_selectors_reviews(user) -> list[Case]:
    """The cases on the user's Today page under "reviews due"."""
    return today_selectors.today_page(user=user).reviews_due.items


def test_continue_needs_a_review_date_after_the_evaluation(plan, caseworker):
    for review in (None, TODAY):
        with pytest.raises(ValidationError) as error:
            services.plan_evaluate(
                plan=plan,
                evaluated_by=caseworker,
                results=results(plan, "achieved", "partly"),
                decision="continue",
                next_review_on=review,
            )
        assert "next_review_on" in error.value.message_dict
    assert not PlanEvaluation.objects.exists()


def test_every_goal_needs_a_result(plan, caseworker):
    first = plan.goals.order_by("order").first()
    with pytest.raises(ValidationError) as error:
        services.plan_evaluate(
            plan=plan,
            evaluated_by=caseworker,
            results=[GoalAssessment(goal_id=first.pk, result="achieved")],
            decision="revise",
        )
    assert "results" in error.value.message_dict
    assert "2" in error.value.message_dict["results"][0]


def test_a_result_for_another_plans_goal_or_an_unknown_result_is_refused(plan, case, caseworker):
    other = services.plan_create(
        case=case, created_by=caseworker, created_on=days(-40), goals=[PlanGoalDraft("別の目標")]
    )  # older: the plan in force stays `plan`
    stranger = GoalAssessment(goal_id=other.goals.get().pk, result="achieved")
    with pytest.raises(ValidationError) as error:
        services.plan_evaluate(
            plan=plan,
            evaluated_by=caseworker,
            results=[*results(plan, "achieved", "partly"), stranger],
            decision="revise",
        )
    assert "results" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.plan_evaluate(
            plan=plan, evaluated_by=caseworker, results=results(plan, "achieved", "great"), decision="revise"
        )
    assert "results.2" in error.value.message_dict


def test_revise_leaves_the_plan_due_until_the_revision_is_saved(plan, case, caseworker):
    services.plan_evaluate(
        plan=plan, evaluated_by=caseworker, results=results(plan, "achieved", "partly"), decision="revise"
    )
    case.refresh_from_db()
    assert case.status != CaseStatus.CLOSED and review_date(case) == days(-1)
    revision = services.plan_create(case=case, created_by=caseworker, review_on=days(120))
    assert review_date(case) == days(120) == revision.review_on


def test_only_the_plan_in_force_is_evaluated(plan, case, caseworker):
    services.plan_create(case=case, created_by=caseworker, goals=[PlanGoalDraft("新しい目標")])
    with pytest.raises(services.StateConflict):
        services.plan_evaluate(
            plan=plan, evaluated_by=caseworker, results=results(plan, "achieved", "partly"), decision="revise"
        )


def test_close_closes_the_case_in_the_same_transaction_with_the_reason(plan, case, caseworker):
    evaluation = services.plan_evaluate(
        plan=plan,
        evaluated_by=caseworker,
        evaluated_on=days(-2),
        results=results(plan, "achieved", "achieved"),
        decision="close",
        closure_reason="goal_achieved",
    )
    case.refresh_from_db()
    assert (case.status, case.closure_reason, case.closed_on) == ("closed", "goal_achieved", days(-2))
    assert evaluation.closure_reason == "goal_achieved"
    actions = list(AuditEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["plan.evaluate", "case.status"]
    with pytest.raises(services.StateConflict):  # a closed case's plan is not evaluated again
        services.plan_evaluate(
            plan=plan,
            evaluated_by=caseworker,
            results=results(plan, "achieved", "achieved"),
            decision="revise",
        )


def test_close_needs_a_national_closure_reason_and_changes_nothing_without(plan, case, caseworker):
    with pytest.raises(ValidationError) as error:
        services.plan_evaluate(
            plan=plan,
            evaluated_by=caseworker,
            results=results(plan, "achieved", "achieved"),
            decision="close",
            closure_reason="bored",
        )
    assert "closure_reason" in error.value.message_dict
    case.refresh_from_db()
    assert case.status != "closed" and not PlanEvaluation.objects.exists()


def test_the_evaluation_is_audited_with_comments_masked(plan, caseworker):
    evaluation = services.plan_evaluate(
        plan=plan,
        evaluated_by=caseworker,
        results=results(plan, "achieved", "not_achieved"),
        decision="continue",
        next_review_on=days(30),
        comment="本人は前向き",
    )
    event = AuditEvent.objects.get(action="plan.evaluate", object_id=str(evaluation.pk))
    assert event.changes["decision"] == [None, "continue"]
    assert event.changes["results"] == [None, {"1": "achieved", "2": "not_achieved"}]
    assert event.changes["comment"] == [None, "***"] and event.changes["goal_comments"] == [None, "***"]
    assert event.changes["review_on"] == [days(-1).isoformat(), days(30).isoformat()]
    assert "前向き" not in str(event.changes) and "所見" not in str(event.changes)


def test_an_evaluation_is_not_dated_before_the_plan_or_in_the_future(plan, caseworker):
    for day in (days(-31), days(1)):
        with pytest.raises(ValidationError) as error:
            services.plan_evaluate(
                plan=plan,
                evaluated_by=caseworker,
                evaluated_on=day,
                results=results(plan, "achieved", "partly"),
                decision="revise",
            )
        assert "evaluated_on" in error.value.message_dict


def test_only_the_case_team_evaluates(plan, other_caseworker):
    with pytest.raises(PermissionDenied):
        services.plan_evaluate(
            plan=plan,
            evaluated_by=other_caseworker,
            results=results(plan, "achieved", "partly"),
            decision="revise",
        )
