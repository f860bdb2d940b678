"""The plan sheet (プランシート) and its evaluation (評価) on the web: a page to write a plan version and a
page to evaluate the plan in force. Conventions as in casework.views: an unseen case is a 404, a case the
user sees but whose area team they are not on is a 403, a failing form comes back with the input and 400."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import PlanEvaluationForm, PlanSheet
from .models import EvaluationDecision
from .views import (
    FORM_ERROR,
    _case_or_404,
    _case_url,
    _require_case_team,
    _scoped_or_404,
    staff_login_required,
)

ADD_GOAL = "add_goal"
ADD_ACTION = "add_action"


@staff_login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, case_id: int) -> HttpResponse:
    """A new plan version. It starts as a copy of the plan in force (goals, actions, review date); "add a
    goal" and "add an action" send the form back with one more blank row, nothing saved."""
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    plan_in_force = selectors.case_plans(case=case).first()
    status = 200
    if request.method == "GET":
        services.case_record_read(case=case, read_by=request.user)  # the copy shows the plan's texts
        sheet = PlanSheet.from_plan(plan_in_force)
    elif ADD_GOAL in request.POST or ADD_ACTION in request.POST:
        add_action_to = int(request.POST[ADD_ACTION]) if request.POST.get(ADD_ACTION, "").isdigit() else None
        sheet = PlanSheet.with_more_rows(
            request.POST, add_goal=ADD_GOAL in request.POST, add_action_to=add_action_to
        )
    else:
        sheet = PlanSheet(request.POST)
        status = FORM_ERROR
        if sheet.is_valid():
            try:
                services.plan_create(
                    case=case, created_by=request.user, **sheet.plan_fields(), goals=sheet.drafts()
                )
            except ValidationError as exc:
                sheet.apply_errors(exc)
            else:
                messages.success(request, _("The support plan was saved."))
                return redirect(_case_url(case, "plan"))
    context = {"case": case, "sheet": sheet, "plan_in_force": plan_in_force}
    return render(request, "casework/plan_form.html", context, status=status)


@staff_login_required
@require_http_methods(["GET", "POST"])
def plan_evaluate(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    """評価 of the plan in force: a result per goal, then continue (next review date), revise (on to the
    revision page, prefilled from this plan) or close (the case closes with the reason given)."""
    case = _case_or_404(request, case_id)
    plan = _scoped_or_404(selectors.case_plans(case=case), plan_id)
    _require_case_team(request, case)
    goals = list(plan.goals.all())
    form = PlanEvaluationForm(request.POST or None, goals=goals)
    status = 200
    if request.method == "GET":
        services.case_record_read(case=case, read_by=request.user)
    else:
        status = FORM_ERROR
        if form.is_valid():
            try:
                evaluation = services.plan_evaluate(
                    plan=plan, evaluated_by=request.user, **form.service_values()
                )
            except ValidationError as exc:
                form.apply_errors(exc)
            except services.StateConflict as exc:
                form.add_error(None, str(exc))
            else:
                return _after_evaluation(request, case, evaluation.decision)
    in_force = selectors.plan_in_force_id(case=case) == plan.pk
    context = {"case": case, "plan": plan, "form": form, "in_force": in_force, "full_scope": True}
    return render(request, "casework/plan_evaluation_form.html", context, status=status)


def _after_evaluation(request: HttpRequest, case, decision: str) -> HttpResponse:
    if decision == EvaluationDecision.REVISE:
        messages.success(
            request,
            _("The evaluation was saved. Revise the plan: the form starts from the plan in force."),
        )
        return redirect(reverse("casework:plan_create", args=[case.pk]))
    if decision == EvaluationDecision.CLOSE:
        messages.success(request, _("The evaluation was saved and the case was closed."))
        return redirect(_case_url(case, "status"))
    messages.success(request, _("The evaluation was saved; the plan continues until the next review."))
    return redirect(_case_url(case, "plan"))
