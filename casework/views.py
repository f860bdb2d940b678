"""The caseworker web UI: server-rendered pages, enhanced with htmx where it saves a page load.

Views only translate HTTP to services and selectors and back. Conventions:
- a case or activity the user may not see is a 404, exactly like a missing one, on every route;
- a form that fails (its own checks or a service's ValidationError / StateConflict) is re-rendered with
  the input kept and status 400, for htmx and plain requests alike (htmx is configured to swap 400s);
- every successful POST without htmx redirects (POST-redirect-GET);
- seeing a case is not enough to change it: the case's area team edits it (members, plan, status), and
  whoever may log activities logs and voids them (selectors.can_log_activity); others get 403,
  since they can see the case anyway. Opening the case page is an audited read of personal data.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from . import selectors, services
from .forms import (
    CaseFilterForm,
    CaseIntakeForm,
    MemberForm,
    PlanForm,
    QuickActivityForm,
    ReopenForm,
    StatusChangeForm,
    VoidForm,
    apply_service_errors,
    plan_role_formset,
)
from .models import Activity, Case, PlanRole

TIMELINE_LIMIT = 100  # newest activities shown on the case page
DUPLICATES_SHOWN = 20
FORM_ERROR = 400
MAX_ID = 2**63 - 1  # a larger id in a URL is simply not found (PostgreSQL would refuse the query)


def staff_login_required(view):
    """login_required that, for an htmx request, sends the whole page to the login form
    instead of swapping the login page into a fragment."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            current = request.htmx.current_url_abs_path or request.get_full_path()
            login = resolve_url(settings.LOGIN_URL)
            return HttpResponseClientRedirect(redirect_to_login(current, login).url)
        return redirect_to_login(request.get_full_path())

    return wrapper


def _is_fragment_for(request: HttpRequest, target_id: str) -> bool:
    return (
        bool(request.htmx) and not request.htmx.history_restore_request and request.htmx.target == target_id
    )


def _case_or_404(request: HttpRequest, case_id: int) -> Case:
    if case_id > MAX_ID:
        raise Http404
    try:
        return selectors.case_get(fetched_by=request.user, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404 from None


def _activity_or_404(request: HttpRequest, case: Case, activity_id: int) -> Activity:
    if activity_id > MAX_ID:
        raise Http404
    try:
        activity = selectors.activity_get(fetched_by=request.user, activity_id=activity_id)
    except Activity.DoesNotExist:
        raise Http404 from None
    if activity.case_id != case.pk:
        raise Http404
    return activity


def _require_case_team(request: HttpRequest, case: Case) -> None:
    if not selectors.is_on_case_team(user=request.user, case=case):
        raise PermissionDenied(_("Only the case's area team can change this case."))


def _require_activity_logging(request: HttpRequest, case: Case) -> None:
    if not selectors.can_log_activity(user=request.user, case=case):
        raise PermissionDenied(_("You may read this case but not record activities on it."))


def _timeline_item(case: Case, activity_id: int) -> Activity:
    return selectors.case_activities(case=case).get(pk=activity_id)


def _case_url(case: Case, anchor: str = "") -> str:
    url = reverse("casework:case_detail", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


# --- my cases ---------------------------------------------------------------------------------------


@staff_login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """My cases: the page of cases the selector lets this user see, with search, filters and a count."""
    form = CaseFilterForm(request.GET or None, user=request.user)
    filters = form.to_filters()
    cases = selectors.case_list(fetched_by=request.user, filters=filters)
    paginator = Paginator(selectors.case_list_page_rows(cases), settings.CASE_LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": filters != selectors.CaseFilters()}
    template = (
        "casework/partials/case_results.html"
        if _is_fragment_for(request, "case-results")
        else "casework/case_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# --- intake -----------------------------------------------------------------------------------------


@staff_login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    """相談受付. Before creating, warn about visible households with the same kana or phone."""
    form = CaseIntakeForm(request.POST if request.method == "POST" else None, user=request.user)
    duplicates: list[dict] = []
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            if not form.cleaned_data["confirm_duplicate"]:
                duplicates = list(
                    selectors.possible_duplicates(
                        fetched_by=request.user,
                        kana=form.cleaned_data["household_name_kana"],
                        phone=form.cleaned_data["phone"],
                    ).values("pk", "number")[:DUPLICATES_SHOWN]
                )
            if duplicates:
                status = 200  # not an error: the user is asked to confirm
            else:
                try:
                    case = services.case_open(opened_by=request.user, **form.to_service_kwargs())
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    messages.success(request, _("Case %(number)s was opened.") % {"number": case.number})
                    return redirect(_case_url(case))
    return render(request, "casework/case_form.html", {"form": form, "duplicates": duplicates}, status=status)


# --- case page --------------------------------------------------------------------------------------


def _render_case_detail(request: HttpRequest, case: Case, *, status: int = 200, **forms) -> HttpResponse:
    activities = selectors.case_activities(case=case)
    plans = list(
        case.plans.select_related("created_by").prefetch_related(
            Prefetch("roles", queryset=PlanRole.objects.select_related("agency").order_by("id"))
        )
    )
    context = {
        "case": case,
        "can_edit_case": selectors.is_on_case_team(user=request.user, case=case),
        "can_log": selectors.can_log_activity(user=request.user, case=case),
        "members": case.members.all(),
        "current_plan": plans[0] if plans else None,
        "past_plans": plans[1:],
        "status_changes": case.status_changes.select_related("changed_by").order_by("-changed_at", "-id"),
        "activities": activities[:TIMELINE_LIMIT],
        "activity_total": activities.count(),
        "timeline_limit": TIMELINE_LIMIT,
        "log_form": forms.get("log_form") or QuickActivityForm(),
        "member_form": forms.get("member_form") or MemberForm(),
        "plan_form": forms.get("plan_form") or PlanForm(),
        "role_formset": forms.get("role_formset") or plan_role_formset(),
        "status_form": forms.get("status_form")
        or StatusChangeForm(next_statuses=services.TRANSITIONS[case.status]),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
    }
    return render(request, "casework/case_detail.html", context, status=status)


@staff_login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    services.case_record_read(case=case, read_by=request.user)  # every read of personal data is audited
    return _render_case_detail(request, case)


@staff_login_required
@require_POST
def member_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            services.member_add(case=case, added_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The household member was added."))
            return redirect(_case_url(case, "members"))
    return _render_case_detail(request, case, status=FORM_ERROR, member_form=form)


@staff_login_required
@require_POST
def plan_create(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    form, roles = PlanForm(request.POST), plan_role_formset(request.POST)
    if form.is_valid() and roles.is_valid():
        try:
            services.plan_create(
                case=case,
                created_by=request.user,
                **form.cleaned_data,
                roles=[role for role in (f.as_role() for f in roles.forms) if role],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The support plan was saved."))
            return redirect(_case_url(case, "plan"))
    return _render_case_detail(request, case, status=FORM_ERROR, plan_form=form, role_formset=roles)


@staff_login_required
@require_POST
def case_change_status(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    form = StatusChangeForm(request.POST, next_statuses=services.TRANSITIONS[case.status])
    if form.is_valid():
        try:
            services.case_change_status(case=case, changed_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except services.StateConflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The status was changed."))
            return redirect(_case_url(case, "status"))
    return _render_case_detail(request, case, status=FORM_ERROR, status_form=form)


@staff_login_required
@require_POST
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.case_reopen(case=case, reopened_by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except services.StateConflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The case was reopened."))
            return redirect(_case_url(case, "status"))
    return _render_case_detail(request, case, status=FORM_ERROR, reopen_form=form)


# --- activities -------------------------------------------------------------------------------------


@staff_login_required
@require_http_methods(["GET", "POST"])
def activity_log(request: HttpRequest, case_id: int) -> HttpResponse:
    """The quick log. With htmx: the fresh form plus the new entry at the top of the timeline."""
    case = _case_or_404(request, case_id)
    _require_activity_logging(request, case)
    form = QuickActivityForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            try:
                activity = services.activity_log(
                    case=case, logged_by=request.user, **form.to_service_kwargs()
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if request.htmx:
                    return render(
                        request,
                        "casework/partials/activity_logged.html",
                        {
                            "case": case,
                            "log_form": QuickActivityForm(),
                            "activity": _timeline_item(case, activity.pk),
                            "just_logged": True,
                            "can_log": True,
                        },
                    )
                messages.success(request, _("The activity was recorded."))
                return redirect(_case_url(case, "timeline"))
    template = "casework/partials/quick_log_form.html" if request.htmx else "casework/activity_log.html"
    return render(request, template, {"case": case, "log_form": form}, status=status)


@staff_login_required
@require_http_methods(["GET", "POST"])
def activity_void(request: HttpRequest, case_id: int, activity_id: int) -> HttpResponse:
    """Void with a reason (the row stays, struck through). With htmx: the updated timeline entry."""
    case = _case_or_404(request, case_id)
    activity = _activity_or_404(request, case, activity_id)
    _require_activity_logging(request, case)
    form = VoidForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            try:
                services.activity_void(
                    activity=activity, voided_by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except services.StateConflict as exc:
                form.add_error(None, str(exc))
            else:
                if request.htmx:
                    return render(
                        request,
                        "casework/partials/activity_item.html",
                        {"case": case, "activity": _timeline_item(case, activity.pk), "can_log": True},
                    )
                messages.success(request, _("The activity was voided."))
                return redirect(_case_url(case, f"activity-{activity.pk}"))
    context = {
        "case": case,
        "activity": _timeline_item(case, activity.pk),
        "void_form": form,
        "can_log": True,
    }
    template = "casework/partials/activity_item.html" if request.htmx else "casework/activity_void.html"
    return render(request, template, context, status=status)
