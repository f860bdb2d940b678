"""Pages of support meeting records (支援会議, 重層的支援会議, ケース会議).

- The list shows the meetings the user may see: those held by their area team, and those their agency
  took part in (casework.meeting_selectors); a meeting anyone else asks for is a 404, like a missing one.
- Recording and editing are the holding area team's, caseworkers and coordinators alike (both run the
  meetings of their area); a participating agency may read the record (403 on its edit page).
- The detail page shows the per-case parts (decisions, split of roles) only for the cases the reader may
  see; opening it is an audited read, one row per case shown.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from network.models import Area
from network.selectors import areas_of

from . import meeting_selectors, meeting_services
from .forms import MeetingForm, apply_service_errors, discussion_formset
from .meeting_services import Discussion
from .models import SupportMeeting
from .views import FORM_ERROR, MAX_ID, staff_login_required


def _meeting_or_404(request: HttpRequest, meeting_id: int) -> SupportMeeting:
    if meeting_id > MAX_ID:
        raise Http404
    try:
        return meeting_selectors.meeting_get(fetched_by=request.user, meeting_id=meeting_id)
    except SupportMeeting.DoesNotExist:
        raise Http404 from None


def _meeting_url(meeting: SupportMeeting) -> str:
    return reverse("meetings:meeting_detail", args=[meeting.pk])


def _discussions_from(request: HttpRequest, formset) -> list[Discussion] | None:
    """The formset's rows as Discussions, each case looked up among those the user may see; None (and
    the error shown on the row) when a number names no such case."""
    discussions, ok = [], True
    for form in formset.forms:
        number = form.cleaned_data.get("number")
        if not number:
            continue
        case = meeting_selectors.meeting_case_for_number(fetched_by=request.user, number=number)
        if case is None:
            form.add_error(
                "number", _("There is no case with this number that you may see. Check it (e.g. 2025-0012).")
            )
            ok = False
            continue
        discussions.append(
            Discussion(case=case, decisions=form.cleaned_data["decisions"], roles=form.cleaned_data["roles"])
        )
    return discussions if ok else None


def _apply_errors(form, formset, exc: ValidationError) -> None:
    """Service errors onto the header form; those about the cases above the cases' rows."""
    if not hasattr(exc, "error_dict"):
        apply_service_errors(form, exc)
        return
    errors = exc.message_dict
    case_errors = errors.pop("cases", [])
    if case_errors:
        formset._non_form_errors = formset.error_class([*formset.non_form_errors(), *case_errors])
    if errors:
        apply_service_errors(form, ValidationError(errors))


@staff_login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = meeting_selectors.meeting_list_page_rows(
        meeting_selectors.meeting_list(fetched_by=request.user)
    )
    page = Paginator(meetings, settings.CASE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    numbers = meeting_selectors.meeting_case_numbers(meetings=[m.pk for m in page], fetched_by=request.user)
    for meeting in page:
        meeting.visible_numbers = numbers.get(meeting.pk, [])
    context = {"page": page, "can_record": meeting_selectors.can_record_meetings(user=request.user)}
    return render(request, "casework/meeting_list.html", context)


@staff_login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not meeting_selectors.can_record_meetings(user=request.user):
        raise PermissionDenied(_("Only area teams record meetings."))
    data = request.POST if request.method == "POST" else None
    staff_choices = meeting_selectors.meeting_staff_choices(areas=areas_of(user=request.user))
    form = MeetingForm(data, user=request.user, staff_choices=staff_choices)
    formset = discussion_formset(data)
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid() and formset.is_valid():
            discussions = _discussions_from(request, formset)
            if discussions is not None:
                try:
                    meeting = meeting_services.meeting_record(
                        recorded_by=request.user, discussions=discussions, **form.to_service_kwargs()
                    )
                except ValidationError as exc:
                    _apply_errors(form, formset, exc)
                else:
                    messages.success(request, _("The meeting record was saved."))
                    return redirect(_meeting_url(meeting))
    context = {"form": form, "formset": formset, "meeting": None}
    return render(request, "casework/meeting_form.html", context, status=status)


@staff_login_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    discussions = list(meeting_selectors.meeting_discussions(meeting=meeting, fetched_by=request.user))
    meeting_services.meeting_record_read(meeting=meeting, read_by=request.user, discussions=discussions)
    context = {
        "meeting": meeting,
        "discussions": discussions,
        "can_edit": meeting_selectors.can_edit_meeting(user=request.user, meeting=meeting),
    }
    return render(request, "casework/meeting_detail.html", context)


@staff_login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if not meeting_selectors.can_edit_meeting(user=request.user, meeting=meeting):
        raise PermissionDenied(_("Only the area team that held the meeting can change it."))
    data = request.POST if request.method == "POST" else None
    staff_choices = meeting_selectors.meeting_staff_choices(areas=Area.objects.filter(pk=meeting.area_id))
    initial = {
        "kind": meeting.kind,
        "held_on": meeting.held_on,
        "agencies": list(meeting.agencies.all()),
        "staff": list(meeting.staff.all()),
        "next_meeting_on": meeting.next_meeting_on,
        "confidentiality_acknowledged": meeting.confidentiality_acknowledged,
    }
    form = MeetingForm(data, user=request.user, staff_choices=staff_choices, editing=True, initial=initial)
    rows = meeting_selectors.meeting_discussions(meeting=meeting, fetched_by=request.user)
    formset = discussion_formset(
        data, initial=[{"number": r.case.number, "decisions": r.decisions, "roles": r.roles} for r in rows]
    )
    status = 200
    if request.method == "POST":
        status = FORM_ERROR
        if form.is_valid() and formset.is_valid():
            discussions = _discussions_from(request, formset)
            if discussions is not None:
                try:
                    meeting_services.meeting_update(
                        meeting=meeting,
                        updated_by=request.user,
                        discussions=discussions,
                        **form.to_service_kwargs(),
                    )
                except ValidationError as exc:
                    _apply_errors(form, formset, exc)
                else:
                    messages.success(request, _("The meeting record was saved."))
                    return redirect(_meeting_url(meeting))
    else:
        meeting_services.meeting_record_read(meeting=meeting, read_by=request.user, discussions=list(rows))
    context = {"form": form, "formset": formset, "meeting": meeting}
    return render(request, "casework/meeting_form.html", context, status=status)
