"""The auditor's view of the audit log: a filtered, paginated page and a streaming CSV export.

Only auditors may use either; for everyone else the routes do not exist (404, like every route that
names something the user may not see). The page shows the decrypted break-glass `reason`, which
auditors need; personal fields in `changes` are already masked ("***") when the row is written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from network.selectors import has_role

from .audit_labels import Change, changes, object_label
from .audit_selectors import AuditFilters, audit_events
from .audit_services import audit_export_record
from .forms import DateInput, UIForm
from .models import AuditAction, AuditEvent
from .views import staff_login_required

PAGE_SIZE = 100
EXPORT_CHUNK = 2000
BOM = b"\xef\xbb\xbf"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class AuditFilterForm(UIForm):
    """Filters of the audit log; an invalid value is ignored rather than an error page."""

    user = forms.CharField(
        label=gettext_lazy("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    case = forms.CharField(
        label=gettext_lazy("Case number"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            ("", _("All actions")),
            ("export", _("Every export and download")),
            ("print", _("Every print")),
            *AuditAction.choices,
        ]

    def to_filters(self) -> AuditFilters:
        if not self.is_bound:
            return AuditFilters()
        self.is_valid()  # fills cleaned_data with the valid fields only
        data = self.cleaned_data
        return AuditFilters(
            user=(data.get("user") or "").strip(),
            case=(data.get("case") or "").strip(),
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def auditor_required(view):
    """Signed-in auditors only; anyone else is told the page does not exist."""

    @staff_login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not has_role(request.user, "auditor"):
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _changes_text(event: AuditEvent) -> str:
    return json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else ""


def _actor_name(event: AuditEvent) -> str:
    """The staff member's display name; the recorded username when no account is linked (a failed login)."""
    return event.actor.display_name if event.actor_id else event.actor_username


@dataclass(frozen=True)
class AuditRow:
    """One audit row as the page shows it."""

    actor_name: str
    object_label: str
    changes: list[Change]

    @property
    def change_lines(self) -> list[str]:
        return [str(change) for change in self.changes]


@auditor_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, 100 a page."""
    form = AuditFilterForm(request.GET or None)
    filters = form.to_filters()
    paginator = Paginator(audit_events(fetched_by=request.user, filters=filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        (event, AuditRow(_actor_name(event), object_label(event), changes(event)))
        for event in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": filters != AuditFilters(),
        "query": query.urlencode(),
    }
    return render(request, "audit/event_list.html", context)


def _safe_cell(value) -> str:
    """Keep Excel from reading a cell as a formula (a failed login records whatever username was typed)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


def _csv_rows(events) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield BOM
    yield writer.writerow(
        [
            _("Time"),
            _("User"),
            _("Action code"),
            _("Action"),
            _("Case number"),
            _("Object type"),
            _("Object ID"),
            _("Channel"),
            _("IP address"),
            _("Reason"),
            _("Staff name"),
            _("Object"),
            _("Changes"),
        ]
    ).encode("utf-8")
    for event in events.iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow(
            [
                _safe_cell(v)
                for v in (
                    timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                    event.actor_username,
                    event.action,
                    event.get_action_display(),
                    event.case.number if event.case_id else "",
                    event.object_type,
                    event.object_id,
                    event.channel,
                    event.ip_address or "",
                    event.reason,
                    _actor_name(event),
                    object_label(event),
                    _changes_text(event),
                )
            ]
        ).encode("utf-8")


@auditor_required
@require_GET
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered audit log as CSV (UTF-8 with BOM for Excel), streamed; the export is itself audited."""
    filters = AuditFilterForm(request.GET or None).to_filters()
    events = audit_events(fetched_by=request.user, filters=filters)
    audit_export_record(exported_by=request.user, filters=filters)
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
