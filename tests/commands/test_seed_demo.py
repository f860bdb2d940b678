import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.test import override_settings
from django.utils import timezone

from casework.models import Activity, Assessment, Case, CaseStatus, HouseholdMember
from network.fiscal import fiscal_year_bounds
from network.models import Area, Membership, Role, User

HOUSEHOLDS = 20


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--households", str(HOUSEHOLDS), *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """One demo database for the read-only tests of this module, rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        yield seed_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_once, db):
    return _demo_once


def test_seed_demo_creates_staff_of_every_role(demo):
    roles = set(Membership.objects.values_list("role", flat=True))

    assert roles == set(Role.values)
    for area in Area.objects.all():
        assert Membership.objects.filter(role=Role.CASEWORKER, area=area).exists()
        assert Membership.objects.filter(role=Role.COORDINATOR, area=area).exists()


def test_demo_logins_are_printed_and_work(demo):
    assert "demo-pass-2024" in demo
    for username in ("cw_tanaka", "coord_tanaka", "agency_houkatsu_tanaka", "manager", "auditor"):
        assert username in demo
        assert User.objects.get(username=username).check_password("demo-pass-2024")


def test_seed_demo_creates_the_households_asked_for(demo):
    assert Case.objects.count() == HOUSEHOLDS
    assert not Case.objects.annotate(n=Count("members")).filter(n=0).exists()
    assert HouseholdMember.objects.filter(relationship="self").count() == HOUSEHOLDS


def test_demo_activities_include_work_with_partner_agencies(demo):
    with_partners = Activity.objects.filter(has_partner=True)

    assert Activity.objects.count() > 100
    assert 0.45 < with_partners.count() / Activity.objects.count() < 0.75
    assert with_partners.annotate(n=Count("partner_agencies")).filter(n__gt=1).exists()


def test_demo_activities_are_never_in_the_future(demo):
    assert not Activity.objects.filter(occurred_at__gt=timezone.now()).exists()
    assert not Activity.objects.filter(occurred_at__lt=fiscal_year_bounds(2022)[0]).exists()


def test_demo_activities_span_every_fiscal_year_since_2022(demo):
    current = timezone.localdate().year if timezone.localdate().month >= 4 else timezone.localdate().year - 1
    for fiscal_year in range(2022, current + 1):
        start, end = fiscal_year_bounds(fiscal_year)
        assert Activity.objects.filter(occurred_at__gte=start, occurred_at__lt=end).exists(), fiscal_year


def test_demo_activities_carry_their_cases_area(demo):
    assert not Activity.objects.exclude(area_id=F("case__area_id")).exists()


def test_demo_has_partner_matches_the_partner_agencies(demo):
    activities = Activity.objects.annotate(n=Count("partner_agencies"))

    assert not activities.filter(has_partner=True, n=0).exists()
    assert not activities.filter(has_partner=False, n__gt=0).exists()


def test_demo_activities_happen_while_their_case_is_open(demo):
    for activity in Activity.objects.select_related("case"):
        local_day = timezone.localdate(activity.occurred_at)
        assert local_day >= activity.case.opened_on
        if activity.case.closed_on:
            assert local_day <= activity.case.closed_on


def test_demo_closed_cases_have_reasons(demo):
    closed = Case.objects.filter(status=CaseStatus.CLOSED)

    assert closed.exists()
    assert not closed.filter(closure_reason="").exists()
    assert not closed.filter(closed_on__isnull=True).exists()


def test_demo_status_history_is_dated_in_the_story(demo):
    case = Case.objects.filter(status=CaseStatus.CLOSED).first()
    changes = list(case.status_changes.values_list("to_status", "changed_at"))

    assert changes[0][0] == CaseStatus.INTAKE
    assert timezone.localdate(changes[0][1]) == case.opened_on
    assert timezone.localdate(changes[-1][1]) == case.closed_on
    assert [at for _status, at in changes] == sorted(at for _status, at in changes)


def test_running_seed_demo_again_adds_no_households(demo, settings):
    settings.DEBUG = True
    before = (Case.objects.count(), Activity.objects.count())

    out = seed_demo()

    assert (Case.objects.count(), Activity.objects.count()) == before
    assert "no households generated" in out
    assert "cw_tanaka" in out


def test_seed_demo_summary_counts_activities_with_partners_per_fiscal_year(demo):
    start, end = fiscal_year_bounds(2022)
    counted = Activity.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, voided=False, has_partner=True
    ).count()

    assert "令和4(2022)年度: " in demo
    assert f"{counted} with partner agencies" in demo


def test_demo_timeline_uses_local_dates(demo):
    # an activity's occurred_at is aware and on a weekday-ish office hour in Tokyo
    activity = Activity.objects.first()
    local = timezone.localtime(activity.occurred_at)
    assert 9 <= local.hour <= 17
    assert local.utcoffset() == datetime.timedelta(hours=9)


def test_demo_cases_past_intake_have_an_assessment_and_long_cases_a_reassessment(demo):
    assessed = Case.objects.filter(status_changes__to_status=CaseStatus.ASSESSMENT).distinct()
    assert assessed.exists()
    assert not assessed.filter(assessments__isnull=True).exists()
    assert Assessment.objects.filter(version__gt=1).exists()
    assert Assessment.objects.exclude(health_status="unknown").exists()
    assert not Assessment.objects.filter(assessed_on__gt=timezone.localdate()).exists()


def test_demo_plans_are_decided_at_recorded_meetings(demo):
    from casework.models import DiscussedCase, SupportMeeting, SupportMeetingRegistration, SupportPlan

    planned = set(SupportPlan.objects.values_list("case_id", flat=True))
    discussed = set(DiscussedCase.objects.values_list("case_id", flat=True))
    assert SupportMeeting.objects.exists()
    assert discussed and discussed <= planned
    assert all(row.decisions and row.roles for row in DiscussedCase.objects.all()[:20])
    support_meetings = SupportMeeting.objects.filter(kind="support")
    assert set(
        SupportMeetingRegistration.objects.filter(
            meeting__in=support_meetings, ended_on__isnull=True
        ).values_list("case_id", flat=True)
    ) == set(DiscussedCase.objects.filter(meeting__in=support_meetings).values_list("case_id", flat=True))


def test_seed_demo_fills_centre_usage_meetings_and_the_action_plan(demo):
    from network.models import NetworkMeeting
    from reports.models import ActionPlanEvaluation, ActionPlanItem, CentreUsage

    centres = set(CentreUsage.objects.values_list("centre__code", flat=True))
    assert len(centres) >= 3 and CentreUsage.objects.filter(date__gte=datetime.date(2022, 4, 1)).count() > 100
    assert not CentreUsage.objects.filter(date__gt=timezone.localdate()).exists()
    assert NetworkMeeting.objects.count() >= 12
    assert all(m.agencies.exists() for m in NetworkMeeting.objects.all())
    graded_years = set(ActionPlanEvaluation.objects.values_list("fiscal_year", flat=True))
    assert {2022, 2023, 2024} <= graded_years
    assert ActionPlanEvaluation.objects.count() == ActionPlanItem.objects.count() * len(graded_years)
    assert "network meetings" in demo


def test_running_seed_demo_again_adds_no_report_data(demo, settings):
    from network.models import NetworkMeeting
    from reports.models import ActionPlanEvaluation, CentreUsage

    settings.DEBUG = True
    before = (
        CentreUsage.objects.count(),
        NetworkMeeting.objects.count(),
        ActionPlanEvaluation.objects.count(),
    )

    seed_demo()

    after = (
        CentreUsage.objects.count(),
        NetworkMeeting.objects.count(),
        ActionPlanEvaluation.objects.count(),
    )
    assert after == before


def test_demo_plans_are_sheets_with_agreements_and_evaluations(demo):
    """Plans have goals with actions by agencies and by the person or family, an agreement, and some have
    evaluations of each kind of decision — closures by evaluation close their case with its reason."""
    from casework.models import PlanEvaluation, PlanGoal, PlanRole, SupportPlan

    plans = SupportPlan.objects.all()
    assert plans.exists()
    assert not plans.filter(agreed_on__isnull=True).exists()
    assert set(PlanGoal.objects.values_list("order", flat=True)) == {1, 2}
    assert PlanRole.objects.filter(agency__isnull=True).values("who").distinct().count() >= 2
    decisions = set(PlanEvaluation.objects.values_list("decision", flat=True))
    assert decisions == {"continue", "revise", "close"}
    for evaluation in PlanEvaluation.objects.filter(decision="close").select_related("plan__case"):
        case = evaluation.plan.case
        assert (case.status, case.closure_reason) == ("closed", evaluation.closure_reason)
        assert evaluation.goal_results.count() == evaluation.plan.goals.count()
