"""The report pages: the 延件数 monthly report (and its A4 print version), drill-down to the cases behind a
figure, exports, finalising a month, the manager's targets page, the centre usage tally and the action
plan overview.

Reports are aggregates for managers and coordinators; for anyone else these routes do not exist (404).
Centre staff also reach the centre usage tally. Drill-downs list only cases casework.selectors.case_list
lets the viewer see. Views translate HTTP to selectors and services and back, nothing more.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.forms import apply_service_errors
from casework.models import ActivityKind, IssueTag
from casework.services import StateConflict
from casework.views import staff_login_required
from config.db_router import replica_reads
from network.fiscal import fiscal_year_of_date, reiwa_label
from network.models import Agency, Area, NetworkMeeting

from . import exports, selectors, services
from .access import BAD_REQUEST, bad_request_page, reports_viewer_required, requested_fiscal_year
from .charts import cumulative_chart
from .forms import ActionPlanGradesForm, CentreUsageForm, FiscalYearForm, NetworkMeetingForm, TargetsForm
from .models import MonthlySnapshot

DRILLDOWN_PAGE_SIZE = 50


def _through(request: HttpRequest, fiscal_year: int):
    raw = request.GET.get("month")
    return selectors.parse_month(raw, fiscal_year=fiscal_year) if raw else None


def _report_context(request: HttpRequest) -> dict:
    fiscal_year = requested_fiscal_year(request)
    through = _through(request, fiscal_year)
    with replica_reads():  # aggregates read from the replica when one is configured (DESIGN.md §5)
        report = selectors.accompanied_activity_report(fiscal_year=fiscal_year, through=through)
    years = selectors.available_fiscal_years()
    if fiscal_year not in years:
        years = sorted({*years, fiscal_year}, reverse=True)
    return {
        "report": report,
        "chart": cumulative_chart(report),
        "year_form": FiscalYearForm(initial={"fiscal_year": fiscal_year}, years=years),
        "centres": selectors.centre_usage_summary(fiscal_year=fiscal_year),
        "meetings": selectors.network_meeting_summary(fiscal_year=fiscal_year),
        "is_manager": selectors.is_manager(request.user),
        "previous_year": fiscal_year - 1,
        "next_year": fiscal_year + 1,
        "previous_label": reiwa_label(fiscal_year - 1),
        "next_label": reiwa_label(fiscal_year + 1),
    }


@reports_viewer_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The monthly report of 伴走支援活動延件数 with the other indicators."""
    try:
        context = _report_context(request)
    except ValidationError as error:
        return bad_request_page(request, error)
    if context["is_manager"]:
        context["finalisable"] = selectors.finalisable_months(fiscal_year=context["report"]["fiscal_year"])
    return render(request, "reports/report.html", context)


@reports_viewer_required
@require_GET
def print_report(request: HttpRequest) -> HttpResponse:
    """One A4 page per report: the monthly board paper."""
    try:
        context = _report_context(request)
    except ValidationError as error:
        return bad_request_page(request, error)
    services.report_print_record(
        printed_by=request.user,
        fiscal_year=context["report"]["fiscal_year"],
        month=request.GET.get("month", ""),
    )
    return render(request, "reports/print.html", context)


@reports_viewer_required
@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    """The breakdown behind a figure (counts by area, kind, issue, agency and month: no case details) for
    every report reader, and below it the cases only those the viewer may see (a manager sees none without
    break-glass)."""
    try:
        fiscal_year = requested_fiscal_year(request)
        filters = selectors.DrilldownFilters(
            area=request.GET.get("area", "")[:32],
            kind=request.GET.get("kind", "")[:16],
            issue=request.GET.get("issue", "")[:16],
            agency=request.GET.get("agency", "")[:32],
            month=request.GET.get("month", "")[:7],
        )
        if filters.month:
            selectors.parse_month(filters.month, fiscal_year=fiscal_year)
    except ValidationError as error:
        return bad_request_page(request, error)
    describe = []
    if filters.area:
        describe.append(
            Area.objects.filter(code=filters.area).values_list("name", flat=True).first() or filters.area
        )
    if filters.kind:
        describe.append(str(dict(ActivityKind.choices).get(filters.kind, filters.kind)))
    if filters.issue:
        describe.append(str(dict(IssueTag.choices).get(filters.issue, filters.issue)))
    if filters.agency:
        describe.append(
            Agency.objects.filter(code=filters.agency).values_list("name", flat=True).first()
            or filters.agency
        )
    if filters.month:
        describe.append(filters.month)
    with replica_reads():
        breakdown = selectors.drilldown_breakdown(fiscal_year=fiscal_year, filters=filters)
    cases = selectors.drilldown_cases(fetched_by=request.user, fiscal_year=fiscal_year, filters=filters)
    page = Paginator(cases, DRILLDOWN_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/drilldown.html",
        {
            "fiscal_year": fiscal_year,
            "label": reiwa_label(fiscal_year),
            "describe": describe,
            "breakdown": breakdown,
            "filters": filters,
            "is_manager": selectors.is_manager(request.user),
            "page": page,
            "query": query.urlencode(),
        },
    )


@reports_viewer_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """CSV (UTF-8 with BOM), XLSX or JSON; the XLSX activity sheet (case numbers) is for managers."""
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return bad_request_page(request, ValidationError({"format": [_("Choose csv, xlsx or json.")]}))
    try:
        fiscal_year = requested_fiscal_year(request)
        through = _through(request, fiscal_year)
    except ValidationError as error:
        return bad_request_page(request, error)
    with_activities = (
        fmt == "xlsx" and request.GET.get("activities") == "1" and selectors.is_manager(request.user)
    )
    report_data = selectors.accompanied_activity_report(fiscal_year=fiscal_year, through=through)
    services.report_export_record(
        exported_by=request.user,
        fiscal_year=fiscal_year,
        fmt=fmt,
        month=request.GET.get("month", ""),
        with_activities=with_activities,
    )
    name = exports.filename(report_data, fmt)
    if fmt == "xlsx":
        # write-only workbook → temporary file → streamed: memory stays flat for a year of activities
        spool = tempfile.TemporaryFile()
        exports.export_xlsx(report_data, spool, with_activities=with_activities)
        spool.seek(0)
        response = FileResponse(
            spool, as_attachment=True, filename=name, content_type=exports.CONTENT_TYPES[fmt]
        )
    else:
        response = HttpResponse(
            exports.export_bytes(report_data, fmt), content_type=exports.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@reports_viewer_required
@require_http_methods(["GET", "POST"])
def finalise(request: HttpRequest) -> HttpResponse:
    """確定: GET shows the month's figures to be frozen and asks for confirmation; POST (confirmed)
    finalises. Managers only; months go in order and a second finalisation is refused (the service)."""
    if not selectors.is_manager(request.user):
        raise PermissionDenied(_("Only managers may finalise a month."))
    raw = (request.POST.get("month") or request.GET.get("month") or "").strip()
    try:
        year, month = selectors.parse_month(raw)
    except ValidationError as error:
        if request.method == "GET":
            return bad_request_page(request, error)
        messages.error(request, " ".join(error.messages))
        fiscal_year = fiscal_year_of_date(selectors.tokyo_today())
        return redirect(f"{reverse('reports:report')}?fiscal_year={fiscal_year}")
    fiscal_year = fiscal_year_of_date(selectors.month_end(year, month))
    back = f"{reverse('reports:report')}?fiscal_year={fiscal_year}"
    if request.method == "GET":
        report_data = selectors.accompanied_activity_report(fiscal_year=fiscal_year, through=(year, month))
        figures = selectors.month_figures(report_data, raw)
        return render(
            request,
            "reports/finalise_confirm.html",
            {
                "month": raw,
                "fiscal_year": fiscal_year,
                "label": reiwa_label(fiscal_year),
                "figures": figures,
                "report": report_data,
                "blocked_by": selectors.month_to_finalise_before(year, month),
                "ended": selectors.month_end(year, month) < selectors.tokyo_today(),
                "already": MonthlySnapshot.objects.filter(month=raw).exists(),
            },
        )
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Confirm the figures before finalising the month."))
        return redirect(f"{reverse('reports:finalise')}?month={raw}")
    try:
        services.monthly_snapshot_finalise(year=year, month=month, finalised_by=request.user)
    except ValidationError as error:  # not ended yet, or an earlier month is not finalised
        messages.error(request, " ".join(error.messages))
    except StateConflict as error:  # already finalised
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(month)s has been finalised.") % {"month": raw})
        return redirect(f"{reverse('reports:snapshots')}?fiscal_year={fiscal_year}")
    return redirect(back)


@reports_viewer_required
@require_GET
def snapshots(request: HttpRequest) -> HttpResponse:
    """What was finalised, by whom and when, and how the live figures have been restated since."""
    try:
        fiscal_year = requested_fiscal_year(request)
    except ValidationError as error:
        return bad_request_page(request, error)
    report_data = selectors.accompanied_activity_report(fiscal_year=fiscal_year)
    years = sorted({*selectors.available_fiscal_years(), fiscal_year}, reverse=True)
    return render(
        request,
        "reports/snapshots.html",
        {
            "fiscal_year": fiscal_year,
            "label": reiwa_label(fiscal_year),
            "rows": selectors.snapshot_rows(fiscal_year=fiscal_year, report=report_data),
            "year_form": FiscalYearForm(initial={"fiscal_year": fiscal_year}, years=years),
            "is_manager": selectors.is_manager(request.user),
            "finalisable": selectors.finalisable_months(fiscal_year=fiscal_year),
        },
    )


@staff_login_required
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    """The manager's page for the plan's targets of one fiscal year (blank = none set)."""
    if not selectors.is_manager(request.user):
        raise Http404
    try:
        fiscal_year = selectors.parse_fiscal_year(
            request.POST.get("fiscal_year")
            or request.GET.get("fiscal_year")
            or fiscal_year_of_date(selectors.tokyo_today())
        )
    except ValidationError as error:
        return bad_request_page(request, error)
    rows = selectors.target_rows(fiscal_year=fiscal_year)
    form = TargetsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            for row in rows:
                services.target_set(
                    indicator=row["indicator"].code,
                    fiscal_year=fiscal_year,
                    value=form.cleaned_data[row["key"]],
                    centre=row["centre"],
                    set_by=request.user,
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The targets of %(label)s have been saved.") % {"label": reiwa_label(fiscal_year)}
            )
            return redirect(f"{reverse('reports:targets')}?fiscal_year={fiscal_year}")
    years = sorted({*selectors.available_fiscal_years(), fiscal_year + 1, fiscal_year}, reverse=True)
    return render(
        request,
        "reports/targets.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "label": reiwa_label(fiscal_year),
            "year_form": FiscalYearForm(initial={"fiscal_year": fiscal_year}, years=years),
        },
        status=BAD_REQUEST if form.errors else 200,
    )


@staff_login_required
@require_http_methods(["GET", "POST"])
def centre_usage(request: HttpRequest) -> HttpResponse:
    """Quick tally for centre staff and coordinators, with per-centre totals against the targets."""
    centres = selectors.centres_for_entry(user=request.user)
    can_view = selectors.can_view_reports(request.user)
    can_enter = centres.exists()
    if not (can_view or can_enter):
        raise Http404
    form = CentreUsageForm(request.POST or None, centres=centres) if can_enter else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("You may record usage only for your own centre or your area's centre."))
        if form.is_valid():
            try:
                services.centre_usage_record(recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Recorded."))
                return redirect("reports:centre_usage")
    fiscal_year = fiscal_year_of_date(selectors.tokyo_today())
    return render(
        request,
        "reports/centre_usage.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "label": reiwa_label(fiscal_year),
            "centres": selectors.centre_usage_summary(fiscal_year=fiscal_year),
            "recent": selectors.recent_centre_usage(user=request.user),
        },
        status=BAD_REQUEST if form is not None and form.errors else 200,
    )


@reports_viewer_required
@require_GET
def action_plan(request: HttpRequest) -> HttpResponse:
    """社協アクションプラン: ◎ 〇 △ per item per fiscal year; managers edit a year on its own page."""
    years = selectors.action_plan_years()
    current = fiscal_year_of_date(selectors.tokyo_today())
    return render(
        request,
        "reports/action_plan.html",
        {
            "years": [(fy, reiwa_label(fy)) for fy in years],
            "rows": selectors.action_plan_grid(fiscal_years=years),
            "is_manager": selectors.is_manager(request.user),
            "edit_years": [(fy, reiwa_label(fy)) for fy in sorted({*years, current}, reverse=True)],
        },
    )


def _manager_only(request: HttpRequest) -> None:
    if not selectors.is_manager(request.user):
        raise Http404


@staff_login_required
@require_http_methods(["GET", "POST"])
def action_plan_edit(request: HttpRequest) -> HttpResponse:
    """The managers' ◎ 〇 △ grid of one fiscal year: a select per item, saved in one POST (audited)."""
    _manager_only(request)
    raw = request.POST.get("fiscal_year") if request.method == "POST" else request.GET.get("fiscal_year")
    if request.method == "POST" and not raw:
        return bad_request_page(request, ValidationError({"fiscal_year": [_("Choose a fiscal year.")]}))
    try:
        fiscal_year = selectors.parse_fiscal_year(raw or fiscal_year_of_date(selectors.tokyo_today()))
    except ValidationError as error:
        return bad_request_page(request, error)
    rows = selectors.action_plan_year_rows(fiscal_year=fiscal_year)
    form = ActionPlanGradesForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_plan_grades_save(
                fiscal_year=fiscal_year, grades=form.grades(), saved_by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The action plan evaluation of %(label)s has been saved.")
                % {"label": reiwa_label(fiscal_year)},
            )
            return redirect("reports:action_plan")
    current = fiscal_year_of_date(selectors.tokyo_today())
    years = sorted({*selectors.action_plan_years(), current, current - 1, fiscal_year}, reverse=True)
    return render(
        request,
        "reports/action_plan_edit.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "label": reiwa_label(fiscal_year),
            "year_form": FiscalYearForm(initial={"fiscal_year": fiscal_year}, years=years),
        },
        status=BAD_REQUEST if form.errors else 200,
    )


@reports_viewer_required
@require_GET
def meetings(request: HttpRequest) -> HttpResponse:
    """分野を超えた社会福祉法人の連携の場: the fiscal year's meetings; managers record and correct them."""
    try:
        fiscal_year = requested_fiscal_year(request)
    except ValidationError as error:
        return bad_request_page(request, error)
    years = sorted({*selectors.available_fiscal_years(), fiscal_year}, reverse=True)
    return render(
        request,
        "reports/meetings.html",
        {
            "fiscal_year": fiscal_year,
            "label": reiwa_label(fiscal_year),
            "meetings": selectors.network_meeting_list(fiscal_year=fiscal_year),
            "summary": selectors.network_meeting_summary(fiscal_year=fiscal_year),
            "year_form": FiscalYearForm(initial={"fiscal_year": fiscal_year}, years=years),
            "is_manager": selectors.is_manager(request.user),
        },
    )


def _meeting_form_page(request: HttpRequest, meeting: NetworkMeeting | None) -> HttpResponse:
    agencies = Agency.objects.filter(is_active=True)
    if meeting is not None:
        agencies = Agency.objects.filter(Q(is_active=True) | Q(network_meetings=meeting)).distinct()
    initial = {}
    if meeting is not None:
        initial = {
            "held_on": meeting.held_on,
            "theme": meeting.theme,
            "agencies": list(meeting.agencies.all()),
        }
    form = NetworkMeetingForm(
        request.POST or None, initial=initial, agencies=agencies.order_by("kind", "code")
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.network_meeting_save(
                meeting=meeting,
                held_on=form.cleaned_data["held_on"],
                theme=form.cleaned_data["theme"],
                agencies=form.cleaned_data["agencies"],
                saved_by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The network meeting has been saved."))
            return redirect(f"{reverse('reports:meetings')}?fiscal_year={fiscal_year_of_date(saved.held_on)}")
    return render(
        request,
        "reports/meeting_form.html",
        {"form": form, "meeting": meeting},
        status=BAD_REQUEST if form.errors else 200,
    )


@staff_login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Record a network meeting: date, participating corporations and topic (managers)."""
    _manager_only(request)
    return _meeting_form_page(request, None)


@staff_login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest) -> HttpResponse:
    """Correct a recorded network meeting (managers); ?meeting=<id>."""
    _manager_only(request)
    raw = request.GET.get("meeting", "")
    if not raw.isdigit():
        raise Http404
    meeting = NetworkMeeting.objects.filter(pk=int(raw)).first()
    if meeting is None:
        raise Http404
    return _meeting_form_page(request, meeting)
