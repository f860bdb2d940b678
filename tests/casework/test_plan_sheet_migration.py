"""0022: each plan's one short-term goal text becomes a PlanGoal holding the plan's existing roles; the text
column goes. Backwards the goals are folded back into the text; what the old schema cannot hold stops it."""

import datetime

import pytest

from tests.migrating import historical_case_maker, migrate_to, migrate_to_latest

BEFORE = [("casework", "0021_national_categories")]
AFTER = [("casework", "0022_plan_sheet")]


def _agency(apps):
    return apps.get_model("network", "Agency").objects.create(code="mig-ag", name="移行機関", kind="other")


@pytest.mark.django_db(transaction=True)
def test_the_short_term_goal_becomes_a_goal_holding_the_plans_roles_and_back():
    apps = migrate_to(BEFORE)
    try:
        make_case = historical_case_maker(apps)
        SupportPlan = apps.get_model("casework", "SupportPlan")
        PlanRole = apps.get_model("casework", "PlanRole")
        agency = _agency(apps)
        case = make_case("2024-0001")
        day = datetime.date(2024, 5, 1)
        with_goal = SupportPlan.objects.create(
            case=case, created_on=day, short_term_goal="家計を立て直す", created_by=make_case.user
        )
        PlanRole.objects.create(plan=with_goal, agency=agency, support="家計相談", frequency="月1回")
        PlanRole.objects.create(plan=with_goal, agency=agency, support="同行", frequency="")
        without_goal = SupportPlan.objects.create(case=case, created_on=day, created_by=make_case.user)
        PlanRole.objects.create(plan=without_goal, agency=agency, support="見守り", frequency="")

        apps = migrate_to(AFTER)
        PlanGoal = apps.get_model("casework", "PlanGoal")
        PlanRole = apps.get_model("casework", "PlanRole")
        goal = PlanGoal.objects.get(plan_id=with_goal.pk)
        assert (goal.order, goal.text) == (1, "家計を立て直す")
        assert sorted(PlanRole.objects.filter(plan_id=with_goal.pk).values_list("goal_id", "who")) == [
            (goal.pk, "agency"),
            (goal.pk, "agency"),
        ]
        assert not PlanGoal.objects.filter(plan_id=without_goal.pk).exists()
        assert PlanRole.objects.get(plan_id=without_goal.pk).goal_id is None
        plan_fields = {f.name for f in apps.get_model("casework", "SupportPlan")._meta.fields}
        assert "short_term_goal" not in plan_fields

        # a second goal written after the migration folds back into one numbered text
        PlanGoal.objects.create(plan_id=with_goal.pk, order=2, text="就労につなぐ")
        apps = migrate_to(BEFORE)
        SupportPlan = apps.get_model("casework", "SupportPlan")
        texts = dict(SupportPlan.objects.values_list("pk", "short_term_goal"))
        assert texts == {with_goal.pk: "1. 家計を立て直す\n2. 就労につなぐ", without_goal.pk: ""}
        assert apps.get_model("casework", "PlanRole").objects.filter(plan_id=with_goal.pk).count() == 2
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_migrating_back_refuses_actions_the_old_schema_cannot_hold():
    apps = migrate_to(AFTER)
    try:
        make_case = historical_case_maker(apps)
        SupportPlan = apps.get_model("casework", "SupportPlan")
        plan = SupportPlan.objects.create(
            case=make_case("2024-0002"), created_on=datetime.date(2024, 5, 1), created_by=make_case.user
        )
        apps.get_model("casework", "PlanRole").objects.create(plan=plan, who="person", support="通院する")
        with pytest.raises(RuntimeError, match="本人"):
            migrate_to(BEFORE)
    finally:
        migrate_to_latest()
