"""The caseworker web UI: server-rendered pages, enhanced with htmx where it saves a page load.

Views only translate HTTP to services and selectors and back. Conventions:
- a case or activity the user may not see is a 404, exactly like a missing one, on every route;
- a form that fails (its own checks or a service's ValidationError / StateConflict) is re-rendered with
  the input kept and status 400, for htmx and plain requests alike (htmx is configured to swap 400s);
- every successful POST without htmx redirects (POST-redirect-GET);
- seeing a case is not enough to change it: the case's area team edits it (members, plan, status), and
  whoever may log activities logs them (selectors.can_log_activity) while the case is open; the area
  team voids any entry, a collaborating team or agency only its own (selectors.can_void_activity);
  others get 403, since they can see the case anyway. Opening the case page is an audited read of
  personal data.
- how a case is shared (consents, 支援会議, overrides) is shown to and changed by its area team only;
  "who looked at this" and the lead caseworker are the area coordinator's. A consent, registration or
  grant of another case is a 404, like a missing one.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from . import documents, meeting_selectors, printing, selectors, services
from .forms import (
    AssessmentForm,
    BreakGlassForm,
    CaseEditForm,
    CaseFilterForm,
    CaseIntakeForm,
    ConsentDocumentDeleteForm,
    ConsentDocumentForm,
    ConsentForm,
    EcomapResourceForm,
    EcomapResourceRemoveForm,
    LeadCaseworkerForm,
    MemberForm,
    QuickActivityForm,
    ReopenForm,
    ShareOverrideForm,
    StatusChangeForm,
    SupportMeetingForm,
    VoidForm,
    apply_service_errors,
)
from .models import (
    Activity,
    Assessment,
    Case,
    CaseAccessGrant,
    Consent,
    ConsentDocument,
    ConsentScope,
    SupportMeetingRegistration,
)

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


def _timeline_item(request: HttpRequest, case: Case, activity_id: int) -> Activity:
    activity = selectors.case_activities(case=case).get(pk=activity_id)
    activity.can_void = selectors.can_void_activity(user=request.user, activity=activity)
    return activity


def _with_void_buttons(request: HttpRequest, case: Case, activities) -> list[Activity]:
    """The timeline's entries, each marked with whether this user may void it (one rule, one scope)."""
    scope = selectors.activity_void_scope(user=request.user, case=case)
    activities = list(activities)
    for activity in activities:
        activity.can_void = scope.allows(activity)
    return activities


def _case_url(case: Case, anchor: str = "") -> str:
    url = reverse("casework:case_detail", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


# --- my cases ---------------------------------------------------------------------------------------


@staff_login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the selector lets this user see, or only their caseload (`?lead=me`), with search, filters,
    a count, and the last contact and next review dates, sortable (`?order=`, whitelisted)."""
    form = CaseFilterForm(request.GET or None, user=request.user)
    filters = form.to_filters()
    cases = selectors.case_list_ordered(
        selectors.case_list(fetched_by=request.user, filters=filters), form.sort_order
    )
    paginator = Paginator(selectors.case_list_page_rows(cases), settings.CASE_LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    caseload = filters.lead == selectors.LEAD_ME
    context = {
        "form": form,
        "page": page,
        "caseload": caseload,
        "order": form.sort_order,
        "today": timezone.localdate(),
        "filtered": filters != selectors.CaseFilters(lead=filters.lead),
    }
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
    """相談受付. Before creating, warn about households with the same kana or phone: visible ones by number,
    one in a case the user may not see only as "exists in another area" (selectors.possible_duplicates)."""
    form = CaseIntakeForm(request.POST if request.method == "POST" else None, user=request.user)
    duplicates = selectors.DuplicateCheck(visible=[], elsewhere=False)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            if not form.cleaned_data["confirm_duplicate"]:
                duplicates = selectors.possible_duplicates(
                    fetched_by=request.user,
                    kana=form.cleaned_data["household_name_kana"],
                    phone=form.cleaned_data["phone"],
                    limit=DUPLICATES_SHOWN,
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


def _scope_context(request: HttpRequest, case: Case) -> dict:
    """What of the case this user sees (DESIGN.md §3, sharing by scope), decided afresh on every request:
    with a summary scope the templates leave out everything else (absent, not blanked), the members and
    other parties' activities are not even read."""
    scope = selectors.case_scope_for(user=request.user, case=case)
    full = scope == ConsentScope.FULL
    return {
        "full_scope": full,
        "members": selectors.case_members(case=case) if full else [],
        "activities_in_scope": selectors.case_activities_in_scope(case=case, user=request.user, scope=scope),
    }


def _render_case_detail(request: HttpRequest, case: Case, *, status: int = 200, **forms) -> HttpResponse:
    in_scope = _scope_context(request, case)
    activities = in_scope.pop("activities_in_scope")
    plans = list(selectors.case_plans(case=case, full=in_scope["full_scope"]))
    context = in_scope | {
        "case": case,
        "can_edit_case": selectors.is_on_case_team(user=request.user, case=case),
        "can_log": selectors.can_log_activity(user=request.user, case=case),
        "current_plan": plans[0] if plans else None,
        "past_plans": plans[1:],
        "status_changes": selectors.case_status_history(case=case),
        "activities": _with_void_buttons(request, case, activities[:TIMELINE_LIMIT]),
        "activity_total": activities.count(),
        "timeline_limit": TIMELINE_LIMIT,
        "log_form": forms.get("log_form") or QuickActivityForm(agencies_for=request.user),
        "member_form": forms.get("member_form") or MemberForm(parents=selectors.case_members(case=case)),
        "status_form": forms.get("status_form")
        or StatusChangeForm(next_statuses=services.TRANSITIONS[case.status]),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "break_glass_grant": selectors.break_glass_grant(user=request.user, case=case),
        "can_read_assessment": selectors.can_read_assessment(user=request.user, case=case),
        "can_record_assessment": selectors.can_record_assessment(user=request.user, case=case),
        "assessment": selectors.assessment_latest(case=case),
        "case_meetings": list(meeting_selectors.case_meetings(case=case, fetched_by=request.user)),
    }
    context |= _access_control_context(request, case, forms)
    return render(request, "casework/case_detail.html", context, status=status)


def _access_control_context(request: HttpRequest, case: Case, forms: dict) -> dict:
    """The sharing panel (area team), "who looked at this" and lead assignment (area coordinator)."""
    context: dict = {"can_manage_sharing": selectors.can_manage_sharing(user=request.user, case=case)}
    if context["can_manage_sharing"]:
        sharing = selectors.case_sharing(case=case)
        consents = list(sharing["consents"].select_related("document"))
        for consent in consents:  # one upload form per consent card, each with its own element ids
            consent.document_form = (
                forms["document_form"]
                if forms.get("document_form_consent") == consent.pk
                else ConsentDocumentForm(auto_id=f"id_consent{consent.pk}_%s")
            )
        can_override = request.user.has_perm("casework.share_without_basis")
        context |= {
            "consents": consents,
            "meetings": sharing["meetings"],
            "grant_rows": selectors.case_active_grants(case=case),
            "consent_form": forms.get("consent_form") or ConsentForm(agencies_for=request.user),
            "meeting_form": forms.get("meeting_form") or SupportMeetingForm(agencies_for=request.user),
            "can_override": can_override,
            "share_form": (forms.get("share_form") or ShareOverrideForm()) if can_override else None,
        }
    context["is_area_coordinator"] = selectors.is_case_area_coordinator(user=request.user, case=case)
    if context["is_area_coordinator"]:
        context |= {
            "readers": selectors.case_recent_readers(case=case),
            "readers_shown": selectors.CASE_READERS_SHOWN,
            "lead_form": forms.get("lead_form")
            or LeadCaseworkerForm(
                initial={"lead_caseworker": case.lead_caseworker_id},
                choices=selectors.lead_caseworker_choices(case=case),
            ),
        }
    return context


@staff_login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    services.case_record_read(case=case, read_by=request.user)  # every read of personal data is audited
    return _render_case_detail(request, case)


@staff_login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Correct the household's record (identity block and intake data). The same service as the API's
    PATCH /api/v1/cases/{id}/ (services.case_update), which audits old → new with personal values masked."""
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    form = CaseEditForm.for_case(case, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            try:
                services.case_update(case=case, updated_by=request.user, **form.to_service_kwargs())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The case record was updated."))
                return redirect(_case_url(case))
            case.refresh_from_db()  # the page heading shows the stored record, not the rejected input
    else:
        services.case_record_read(case=case, read_by=request.user)  # the form shows personal data
    return render(request, "casework/case_edit.html", {"case": case, "form": form}, status=status)


def _printable_case(request: HttpRequest, case_id: int) -> tuple[Case, list[printing.Sheet]]:
    """The case and the sheets asked for (?sheet=intake&sheet=plan; all when none). Every sheet holds
    personal data, so only a reader who sees the case in full prints it: 404 for a case the user may not
    see, 403 for one seen in summary (the page says why)."""
    case = _case_or_404(request, case_id)
    if selectors.case_scope_for(user=request.user, case=case) != ConsentScope.FULL:
        raise PermissionDenied(
            _("Only staff who see the whole case may print its file; you see a summary of this case.")
        )
    return case, printing.sheets_chosen(request.GET.getlist("sheet"))


def _print_file_html(request: HttpRequest, case: Case, sheets: list[printing.Sheet], *, pdf: bool) -> str:
    context = printing.print_file_context(case=case, sheets=sheets) | {
        "pdf": pdf,
        "sheet_query": urlencode([("sheet", sheet.code) for sheet in sheets]),
    }
    return render_to_string("casework/print_file.html", context, request=request)


@staff_login_required
@require_GET
def case_print(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case file in the national forms' layout (A4), with a chooser of sheets. Printing personal data
    is an audited read of its own (case.print), which names the sheets shown."""
    case, sheets = _printable_case(request, case_id)
    services.case_file_print(case=case, printed_by=request.user, sheets=[s.code for s in sheets])
    return HttpResponse(_print_file_html(request, case, sheets, pdf=False))


@staff_login_required
@require_GET
def case_print_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """The same file as a PDF download (WeasyPrint), audited as an export (case.export)."""
    case, sheets = _printable_case(request, case_id)
    services.case_file_print(case=case, printed_by=request.user, sheets=[s.code for s in sheets], pdf=True)
    document = printing.render_pdf(_print_file_html(request, case, sheets, pdf=True))
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-{case.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@staff_login_required
@require_POST
def member_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    form = MemberForm(request.POST, parents=selectors.case_members(case=case))
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
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, case_id: int, member_id: int) -> HttpResponse:
    """One member's own page (sized for a phone); the service audits the change old → new. Members are
    outside a summary scope: for such a viewer the member does not exist (404)."""
    case = _case_or_404(request, case_id)
    if selectors.case_scope_for(user=request.user, case=case) != ConsentScope.FULL:
        raise Http404
    member = _scoped_or_404(selectors.case_members(case=case), member_id)
    _require_case_team(request, case)
    form = MemberForm.for_member(member, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            try:
                services.member_update(member=member, updated_by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The household member was updated."))
                return redirect(_case_url(case, f"member-{member.pk}"))
    else:
        services.case_record_read(case=case, read_by=request.user)  # the form shows personal data
    return render(request, "casework/member_form.html", {"case": case, "form": form}, status=status)


# --- assessment (インテーク・アセスメントシート) --------------------------------------------------------


def _readable_assessments_or_404(request: HttpRequest, case_id: int) -> Case:
    """The case, if the user may read its assessments; 404 like a missing case otherwise."""
    case = _case_or_404(request, case_id)
    if not selectors.can_read_assessment(user=request.user, case=case):
        raise Http404
    return case


@staff_login_required
@require_GET
def assessment_history(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every version, newest first, each with its statuses and a link to read it whole."""
    case = _readable_assessments_or_404(request, case_id)
    services.assessment_record_read(case=case, read_by=request.user)
    context = {
        "case": case,
        "assessments": selectors.case_assessments(case=case),
        "can_record_assessment": selectors.can_record_assessment(user=request.user, case=case),
    }
    return render(request, "casework/assessment_history.html", context)


@staff_login_required
@require_GET
def assessment_detail(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    """One version as written (an audited read of its narratives)."""
    case = _readable_assessments_or_404(request, case_id)
    assessment: Assessment = _scoped_or_404(selectors.case_assessments(case=case), assessment_id)
    services.assessment_record_read(case=case, read_by=request.user, assessment=assessment)
    latest = selectors.assessment_latest(case=case)
    context = {
        "case": case,
        "assessment": assessment,
        "is_latest": latest is not None and latest.pk == assessment.pk,
        "can_record_assessment": selectors.can_record_assessment(user=request.user, case=case),
    }
    return render(request, "casework/assessment_detail.html", context)


@staff_login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, case_id: int) -> HttpResponse:
    """The (re-)assessment form, prefilled from the latest version; saving makes a new version."""
    case = _readable_assessments_or_404(request, case_id)
    if not selectors.can_record_assessment(user=request.user, case=case):
        raise PermissionDenied(_("Only the case's area team can change this case."))
    latest = selectors.assessment_latest(case=case)
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessment = services.assessment_record(
                    case=case, recorded_by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The assessment was saved."))
                return redirect("casework:assessment_detail", case.pk, assessment.pk)
        status = FORM_ERROR
    else:
        form = AssessmentForm(initial=selectors.assessment_initial(case=case))
        services.assessment_record_read(case=case, read_by=request.user, assessment=latest)
        status = 200
    context = {"case": case, "form": form, "latest": latest}
    return render(request, "casework/assessment_form.html", context, status=status)


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
    form = QuickActivityForm(request.POST if request.method == "POST" else None, agencies_for=request.user)
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
            except services.StateConflict as exc:  # the case was closed meanwhile
                form.add_error(None, str(exc))
            else:
                if request.htmx:
                    return render(
                        request,
                        "casework/partials/activity_logged.html",
                        {
                            "case": case,
                            "log_form": QuickActivityForm(agencies_for=request.user),
                            "activity": _timeline_item(request, case, activity.pk),
                            "just_logged": True,
                            "can_log": True,
                        },
                    )
                messages.success(request, _("The activity was recorded."))
                return redirect(_case_url(case, "timeline"))
    template = "casework/partials/quick_log_form.html" if request.htmx else "casework/activity_log.html"
    context = {
        "case": case,
        "log_form": form,
        "can_edit_case": selectors.is_on_case_team(user=request.user, case=case),
    }
    return render(request, template, context, status=status)


@staff_login_required
@require_http_methods(["GET", "POST"])
def activity_void(request: HttpRequest, case_id: int, activity_id: int) -> HttpResponse:
    """Void with a reason (the row stays, struck through). With htmx: the updated timeline entry."""
    case = _case_or_404(request, case_id)
    activity = _activity_or_404(request, case, activity_id)
    if not selectors.can_void_activity(user=request.user, activity=activity):
        raise PermissionDenied(services.VOID_REFUSED)
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
                        {
                            "case": case,
                            "activity": _timeline_item(request, case, activity.pk),
                            "can_log": True,
                        },
                    )
                messages.success(request, _("The activity was voided."))
                return redirect(_case_url(case, f"activity-{activity.pk}"))
    context = {
        "case": case,
        "activity": _timeline_item(request, case, activity.pk),
        "void_form": form,
        "can_log": True,
    }
    template = "casework/partials/activity_item.html" if request.htmx else "casework/activity_void.html"
    return render(request, template, context, status=status)


# --- access control: sharing, lead caseworker, break-glass ---------------------------------------


def _require_sharing_manager(request: HttpRequest, case: Case) -> None:
    if not selectors.can_manage_sharing(user=request.user, case=case):
        raise PermissionDenied(_("Only the case's area team can change how it is shared."))


def _require_area_coordinator(request: HttpRequest, case: Case) -> None:
    if not selectors.is_case_area_coordinator(user=request.user, case=case):
        raise PermissionDenied(_("Only the coordinator of the case's area can assign its lead caseworker."))


def _scoped_or_404(queryset, object_id: int):
    """A consent, registration or grant of this case; another case's (or a missing) one is a 404."""
    if object_id > MAX_ID:
        raise Http404
    try:
        return queryset.get(pk=object_id)
    except queryset.model.DoesNotExist:
        raise Http404 from None


@staff_login_required
@require_POST
def consent_give(request: HttpRequest, case_id: int) -> HttpResponse:
    """本人同意: record a consent; the case is shared with its agencies at once."""
    case = _case_or_404(request, case_id)
    _require_sharing_manager(request, case)
    form = ConsentForm(request.POST, agencies_for=request.user)
    if form.is_valid():
        try:
            services.consent_give(case=case, given_by=request.user, **form.to_service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("The consent was recorded; the case is now shared with its agencies.")
            )
            return redirect(_case_url(case, "sharing"))
    return _render_case_detail(request, case, status=FORM_ERROR, consent_form=form)


@staff_login_required
@require_POST
def consent_withdraw(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """Withdrawal ends the access that rested on this consent (and only that)."""
    case = _case_or_404(request, case_id)
    _require_sharing_manager(request, case)
    consent: Consent = _scoped_or_404(case.consents, consent_id)
    try:
        services.consent_withdraw(consent=consent, withdrawn_by=request.user)
    except services.StateConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The consent was withdrawn."))
    return redirect(_case_url(case, "sharing"))


@staff_login_required
@require_http_methods(["GET", "POST"])
def consent_document(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """GET: download the scanned consent form (whoever may see the case; audited). POST: attach or replace
    it (the area team)."""
    case = _case_or_404(request, case_id)
    if request.method == "GET":
        if consent_id > MAX_ID:
            raise Http404
        try:
            document = selectors.consent_document_get(
                fetched_by=request.user, case=case, consent_id=consent_id
            )
        except ConsentDocument.DoesNotExist:
            raise Http404 from None
        return documents.download_response(
            services.consent_document_read(document=document, read_by=request.user), document
        )
    _require_sharing_manager(request, case)
    consent: Consent = _scoped_or_404(case.consents, consent_id)
    form = ConsentDocumentForm(request.POST, request.FILES, auto_id=f"id_consent{consent.pk}_%s")
    if form.is_valid():
        try:
            services.consent_document_attach(
                consent=consent, uploaded_by=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The consent form was attached (stored encrypted)."))
            return redirect(_case_url(case, f"consent-{consent.pk}"))
    return _render_case_detail(
        request, case, status=FORM_ERROR, document_form=form, document_form_consent=consent.pk
    )


@staff_login_required
@require_POST
def consent_document_delete(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """Remove the scanned form; the form names the file it showed, so a newer one is never removed."""
    case = _case_or_404(request, case_id)
    _require_sharing_manager(request, case)
    consent: Consent = _scoped_or_404(case.consents, consent_id)
    try:
        document = consent.document
    except ConsentDocument.DoesNotExist:
        raise Http404 from None
    form = ConsentDocumentDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The consent form was not removed: reload the page and try again."))
        return redirect(_case_url(case, f"consent-{consent.pk}"))
    try:
        services.consent_document_delete(
            document=document, deleted_by=request.user, expected_file_id=form.cleaned_data["file_id"]
        )
    except services.StateConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The consent form was removed."))
    return redirect(_case_url(case, f"consent-{consent.pk}"))


@staff_login_required
@require_POST
def meeting_register(request: HttpRequest, case_id: int) -> HttpResponse:
    """支援会議: register the case; its member agencies share it under the duty of confidentiality."""
    case = _case_or_404(request, case_id)
    _require_sharing_manager(request, case)
    form = SupportMeetingForm(request.POST, agencies_for=request.user)
    if form.is_valid():
        try:
            services.support_meeting_register(
                case=case, registered_by=request.user, **form.to_service_kwargs()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The support meeting was registered."))
            return redirect(_case_url(case, "sharing"))
    return _render_case_detail(request, case, status=FORM_ERROR, meeting_form=form)


@staff_login_required
@require_POST
def meeting_end(request: HttpRequest, case_id: int, registration_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_sharing_manager(request, case)
    registration: SupportMeetingRegistration = _scoped_or_404(case.meeting_registrations, registration_id)
    try:
        services.support_meeting_end(registration=registration, ended_by=request.user)
    except services.StateConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The support meeting registration was ended."))
    return redirect(_case_url(case, "sharing"))


@staff_login_required
@require_POST
def share_override(request: HttpRequest, case_id: int) -> HttpResponse:
    """例外共有: share with one agency without a recorded basis; a separate permission, always audited."""
    case = _case_or_404(request, case_id)
    _require_sharing_manager(request, case)
    # Before the form, so someone without the permission is not coached through it.
    if not request.user.has_perm("casework.share_without_basis"):
        raise PermissionDenied(_("Sharing without a recorded basis needs the override permission."))
    form = ShareOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.case_share_override(case=case, shared_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The case is now shared with the agency (override)."))
            return redirect(_case_url(case, "sharing"))
    return _render_case_detail(request, case, status=FORM_ERROR, share_form=form)


@staff_login_required
@require_POST
def share_override_end(request: HttpRequest, case_id: int, grant_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_sharing_manager(request, case)
    grant: CaseAccessGrant = _scoped_or_404(case.access_grants.select_related("case"), grant_id)
    try:
        services.case_share_override_end(grant=grant, ended_by=request.user)
    except services.StateConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The override share was ended."))
    return redirect(_case_url(case, "sharing"))


@staff_login_required
@require_POST
def lead_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    """The area coordinator assigns the lead caseworker (主担当) from the case's area team."""
    case = _case_or_404(request, case_id)
    _require_area_coordinator(request, case)
    form = LeadCaseworkerForm(request.POST, choices=selectors.lead_caseworker_choices(case=case))
    if form.is_valid():
        try:
            services.case_assign_lead(
                case=case, lead_caseworker=form.cleaned_data["lead_caseworker"], assigned_by=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The lead caseworker was assigned."))
            return redirect(_case_url(case, "team"))
    return _render_case_detail(request, case, status=FORM_ERROR, lead_form=form)


@staff_login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    """緊急閲覧: a manager opens one case by its number, with a reason, for a few hours.

    For anyone without the permission the page does not exist. The case is found by number without
    case_list (the manager cannot see it yet); opening it then is an ordinary, audited read.
    """
    if not request.user.has_perm("casework.break_glass"):
        raise Http404
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            case = selectors.break_glass_case(number=form.cleaned_data["number"])
            if case is None:
                form.add_error("number", _("There is no case with this number. Check it (e.g. 2025-0012)."))
            else:
                try:
                    services.case_break_glass(
                        case=case, opened_by=request.user, reason=form.cleaned_data["reason"]
                    )
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    return redirect(_case_url(case))
    context = {"form": form, "hours": services.BREAK_GLASS_HOURS}
    return render(request, "casework/break_glass.html", context, status=status)


# --- the household at a glance: genogram and ecomap -----------------------------------------------


def _render_genogram(
    request: HttpRequest, case: Case, *, status: int = 200, resource_form=None
) -> HttpResponse:
    can_edit = selectors.is_on_case_team(user=request.user, case=case)
    context = {
        "case": case,
        "picture": selectors.case_household_picture(case=case, viewer=request.user),
        "can_edit_case": can_edit,
        "resources": selectors.case_ecomap_resources(case=case) if can_edit else [],
        "resource_form": (resource_form or EcomapResourceForm()) if can_edit else None,
    }
    return render(request, "casework/genogram.html", context, status=status)


@staff_login_required
@require_GET
def case_genogram(request: HttpRequest, case_id: int) -> HttpResponse:
    """ジェノグラム・エコマップ: drawn from the record as the viewer may see it; an audited read."""
    case = _case_or_404(request, case_id)
    services.case_record_read(case=case, read_by=request.user)
    return _render_genogram(request, case)


@staff_login_required
@require_POST
def ecomap_resource_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    _require_case_team(request, case)
    form = EcomapResourceForm(request.POST)
    if form.is_valid():
        try:
            services.ecomap_resource_add(case=case, added_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The resource was added to the ecomap."))
            return redirect(reverse("casework:case_genogram", args=[case.pk]) + "#resources")
    return _render_genogram(request, case, status=FORM_ERROR, resource_form=form)


@staff_login_required
@require_http_methods(["GET", "POST"])
def ecomap_resource_edit(request: HttpRequest, case_id: int, resource_id: int) -> HttpResponse:
    """One resource's own page (sized for a phone): edit it, or remove it from the ecomap."""
    case = _case_or_404(request, case_id)
    resource = _scoped_or_404(selectors.case_ecomap_resources(case=case), resource_id)
    _require_case_team(request, case)
    form = EcomapResourceForm.for_resource(resource, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid():
            try:
                services.ecomap_resource_update(
                    resource=resource, updated_by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The resource was updated."))
                return redirect(reverse("casework:case_genogram", args=[case.pk]) + "#resources")
    else:
        services.case_record_read(case=case, read_by=request.user)  # the form shows a person's name
    context = {"case": case, "resource": resource, "form": form, "remove_form": EcomapResourceRemoveForm()}
    return render(request, "casework/ecomap_resource_form.html", context, status=status)


@staff_login_required
@require_POST
def ecomap_resource_remove(request: HttpRequest, case_id: int, resource_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    resource = _scoped_or_404(selectors.case_ecomap_resources(case=case), resource_id)
    _require_case_team(request, case)
    remove_form = EcomapResourceRemoveForm(request.POST)
    if not remove_form.is_valid():
        context = {
            "case": case,
            "resource": resource,
            "form": EcomapResourceForm.for_resource(resource),
            "remove_form": remove_form,
        }
        return render(request, "casework/ecomap_resource_form.html", context, status=FORM_ERROR)
    services.ecomap_resource_remove(resource=resource, removed_by=request.user)
    messages.success(request, _("The resource was removed from the ecomap."))
    return redirect(reverse("casework:case_genogram", args=[case.pk]) + "#resources")
