"""The managers' import page (台帳の取込み): upload a ledger, see the preview and every error, confirm.

Managers only: importing a team's whole ledger into an area is an adoption step run by HQ with the team,
not a caseworker's or a coordinator's task (a coordinator can already open cases one by one). For anyone
else these routes do not exist (404), and a manager sees only the imports they uploaded.
"""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network.models import Agency, Role
from network.selectors import has_role

from .forms import LedgerConfirmForm, LedgerUploadForm
from .imports import uploads
from .models import ActivityKind, CaseStatus, IssueTag, LedgerImport, LedgerImportStatus
from .services import StateConflict
from .views import FORM_ERROR, MAX_ID, staff_login_required


def _require_manager(request: HttpRequest) -> None:
    if not (request.user.is_active and has_role(request.user, Role.MANAGER)):
        raise Http404


def _import_or_404(request: HttpRequest, import_id: int) -> LedgerImport:
    _require_manager(request)
    if import_id > MAX_ID:
        raise Http404
    record = (
        LedgerImport.objects.select_related("area").filter(pk=import_id, uploaded_by=request.user).first()
    )
    if record is None:
        raise Http404
    return record


@staff_login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = uploads.ledger_upload(
            upload=form.cleaned_data["file"], area=form.cleaned_data["area"], uploaded_by=request.user
        )
        return redirect("casework:ledger_import_detail", import_id=record.pk)
    recent = LedgerImport.objects.filter(uploaded_by=request.user).select_related("area")[:10]
    return render(
        request,
        "casework/ledger_import.html",
        {"form": form, "recent": recent, "background_rows": uploads.BACKGROUND_ROWS},
        status=FORM_ERROR if form.errors else 200,
    )


def _labels(choices) -> dict[str, str]:
    return {code: str(label) for code, label in choices}


def _preview(record: LedgerImport) -> dict:
    """The preview rows with labels for codes, as the page shows them."""
    if record.status != LedgerImportStatus.CHECKED or not record.preview:
        return {"cases": [], "activities": []}
    preview = json.loads(record.preview)
    issues, statuses, kinds = (
        _labels(IssueTag.choices),
        _labels(CaseStatus.choices),
        _labels(ActivityKind.choices),
    )
    agencies = dict(Agency.objects.values_list("id", "name"))
    for row in preview["cases"]:
        row["opened_on"] = datetime.date.fromisoformat(row["opened_on"])
        row["main_issue_label"] = issues.get(row["main_issue"], row["main_issue"])
        row["issue_labels"] = "、".join(issues.get(t, t) for t in row["issues"])
        row["status_label"] = statuses.get(row["status"], row["status"])
    for row in preview["activities"]:
        row["occurred_at"] = timezone.localtime(datetime.datetime.fromisoformat(row["occurred_at"]))
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
        row["agency_names"] = "、".join(agencies.get(a, "") for a in row["agencies"])
    return preview


def _detail_context(record: LedgerImport, form: LedgerConfirmForm | None = None) -> dict:
    summary = record.summary or {}
    errors = summary.get("errors", [])
    return {
        "record": record,
        "summary": summary,
        "errors": errors,
        "file_error": any(e.get("row") is None for e in errors),
        "preview": _preview(record),
        "progress": uploads.ledger_import_progress(record),
        "form": form or LedgerConfirmForm(),
        "can_confirm": uploads.can_confirm(record, skip_invalid=True),
        "background": record.rows > uploads.BACKGROUND_ROWS,
        "in_progress": record.status
        in (LedgerImportStatus.CHECKING, LedgerImportStatus.QUEUED, LedgerImportStatus.RUNNING),
    }


@staff_login_required
@require_GET
def ledger_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    record = _import_or_404(request, import_id)
    context = _detail_context(record)
    if request.htmx and request.htmx.target == "import-progress":
        response = render(request, "casework/partials/ledger_import_progress.html", context)
        if not context["in_progress"]:
            response["HX-Refresh"] = "true"  # finished: show the whole result page
        return response
    return render(request, "casework/ledger_import_detail.html", context)


@staff_login_required
@require_POST
def ledger_import_confirm(request: HttpRequest, import_id: int) -> HttpResponse:
    record = _import_or_404(request, import_id)
    form = LedgerConfirmForm(request.POST)
    form.is_valid()
    skip_invalid = form.cleaned_data.get("skip_invalid", False)
    if not uploads.can_confirm(record, skip_invalid=skip_invalid):
        form.add_error(
            "skip_invalid",
            _(
                "Some rows have errors: fix them in the file and upload it again, or import only the valid "
                "rows."
            ),
        )
        return render(
            request, "casework/ledger_import_detail.html", _detail_context(record, form), status=FORM_ERROR
        )
    try:
        record = uploads.ledger_import_confirm(
            record=record, confirmed_by=request.user, skip_invalid=skip_invalid
        )
    except StateConflict:
        messages.info(request, _("This import has already been confirmed."))
    else:
        if record.status == LedgerImportStatus.DONE:
            messages.success(request, _("The ledger has been imported."))
    return redirect(reverse("casework:ledger_import_detail", kwargs={"import_id": record.pk}))


@staff_login_required
@require_GET
def ledger_import_status(request: HttpRequest, import_id: int) -> JsonResponse:
    """The progress the page polls, as JSON (also for a script watching a large import)."""
    record = _import_or_404(request, import_id)
    return JsonResponse(uploads.ledger_import_progress(record))
