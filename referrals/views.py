"""The referral pages: the coordinator's inbox (accept / decline in place with htmx), the request form and
the notifications list.

A referral the user may not see is a 404 like a missing one; seeing it but not being allowed to act is a
403 (PermissionDenied from the service); a state that moved on meanwhile is shown on the row (400 for
htmx, which swaps 400s) or as a message after a redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework import selectors as casework_selectors
from casework.forms import apply_service_errors
from casework.models import Case
from casework.services import StateConflict
from casework.views import MAX_ID, staff_login_required
from config.db_router import replica_reads
from network.fiscal import fiscal_year_of_date, parse_fiscal_year, reiwa_label

from . import selectors, services
from .forms import CompleteForm, DeclineForm, ReferralRequestForm
from .models import Referral

FORM_ERROR = 400


def _referral_or_404(request: HttpRequest, referral_id: int) -> Referral:
    if referral_id > MAX_ID:
        raise Http404
    try:
        return selectors.referral_get(fetched_by=request.user, referral_id=referral_id)
    except Referral.DoesNotExist:
        raise Http404 from None


def _item_context(request: HttpRequest, referral: Referral, **extra) -> dict:
    return {
        "referral": referral,
        "can_decide": selectors.can_decide(user=request.user, referral=referral),
        "is_sender": selectors.is_sender(user=request.user, referral=referral),
        **extra,
    }


@staff_login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Incoming requests to answer (earliest due first, so overdue ones lead), then the outgoing ones."""
    lists = selectors.inbox(fetched_by=request.user)
    context = {name: [_item_context(request, r) for r in referrals] for name, referrals in lists.items()}
    return render(request, "referrals/inbox.html", context)


@staff_login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    """Refer a case (?case=<id>) to another area team or an agency."""
    case_id = request.GET.get("case") or request.POST.get("case") or ""
    if not case_id:
        return render(request, "referrals/referral_form.html", {"case": None})
    if not case_id.isdigit() or int(case_id) > MAX_ID:
        raise Http404
    try:
        case = casework_selectors.case_get(fetched_by=request.user, case_id=int(case_id))
    except Case.DoesNotExist:
        raise Http404 from None
    can_refer = casework_selectors.is_on_case_team(user=request.user, case=case)
    form = ReferralRequestForm(
        request.POST if request.method == "POST" else None,
        case=case,
        can_override=request.user.has_perm("casework.share_without_basis"),
    )
    status = 200
    if request.method == "POST":
        if not can_refer:
            raise PermissionDenied(_("Only the case's area team can refer the case."))
        status = FORM_ERROR
        if form.is_valid():
            try:
                referral = services.referral_request(
                    case=case, requested_by=request.user, **form.to_service_kwargs()
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except StateConflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("The referral was sent. The answer is due by %(due)s.")
                    % {"due": date_format(referral.due_by, "SHORT_DATE_FORMAT")},
                )
                return redirect(reverse("casework:case_detail", args=[case.pk]) + "#referrals")
    return render(
        request,
        "referrals/referral_form.html",
        {"case": case, "form": form, "can_refer": can_refer},
        status=status,
    )


def _after_action(request: HttpRequest, referral: Referral, message: str, **extra) -> HttpResponse:
    if request.htmx:
        referral = _referral_or_404(request, referral.pk)
        return render(
            request,
            "referrals/partials/referral_item.html",
            _item_context(request, referral, flash=message, **extra),
        )
    messages.success(request, message)
    return redirect("referrals:inbox")


def _conflict(request: HttpRequest, referral: Referral, message: str, **forms) -> HttpResponse:
    if request.htmx:
        referral = _referral_or_404(request, referral.pk)
        return render(
            request,
            "referrals/partials/referral_item.html",
            _item_context(request, referral, error=message, **forms),
            status=FORM_ERROR,
        )
    messages.error(request, message)
    return redirect("referrals:inbox")


@staff_login_required
@require_POST
def referral_accept(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    try:
        referral = services.referral_accept(referral=referral, accepted_by=request.user)
    except StateConflict as exc:
        return _conflict(request, referral, str(exc))
    return _after_action(
        request,
        referral,
        _("Accepted. The case %(number)s is now shared with you.") % {"number": referral.case.number},
    )


@staff_login_required
@require_POST
def referral_decline(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    if not selectors.can_decide(user=request.user, referral=referral):
        raise PermissionDenied(_("Only the receiving side can decline this referral."))
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            referral = services.referral_decline(
                referral=referral, declined_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except StateConflict as exc:
            return _conflict(request, referral, str(exc))
        else:
            return _after_action(request, referral, _("Declined. The sender has been told."))
    return _conflict(request, referral, _("Say why you decline."), decline_form=form)


@staff_login_required
@require_POST
def referral_withdraw(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    try:
        services.referral_withdraw(referral=referral, withdrawn_by=request.user)
    except StateConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The referral was withdrawn."))
    return redirect("referrals:inbox")


@staff_login_required
@require_POST
def referral_complete(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    form = CompleteForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    try:
        services.referral_complete(referral=referral, completed_by=request.user, outcome=outcome)
    except (ValidationError, StateConflict) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The referral was completed."))
    return redirect("referrals:inbox")


@staff_login_required
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """How the referrals of a fiscal year were answered; for managers and coordinators (others: 404)."""
    if not selectors.can_view_metrics(request.user):
        raise Http404
    raw = request.GET.get("fiscal_year")
    try:
        fiscal_year = parse_fiscal_year(raw) if raw else fiscal_year_of_date(timezone.localdate())
    except ValidationError as error:
        return render(request, "referrals/metrics.html", {"errors": error.messages}, status=FORM_ERROR)
    with replica_reads():  # aggregates read from the replica when one is configured (DESIGN.md §5)
        figures = selectors.fiscal_year_referral_metrics(fiscal_year=fiscal_year)
    context = {
        "metrics": figures,
        "previous_year": fiscal_year - 1,
        "next_year": fiscal_year + 1,
        "previous_label": reiwa_label(fiscal_year - 1),
        "next_label": reiwa_label(fiscal_year + 1),
    }
    return render(request, "referrals/metrics.html", context)


@staff_login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """My notices, newest first. POST marks one (id=…) or all of them read."""
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("id") if i.isdigit()]
        services.notification_mark_read(user=request.user, notification_ids=ids or None)
        return redirect("referrals:notifications")
    notices = selectors.notification_list(fetched_by=request.user)[:100]
    return render(request, "referrals/notifications.html", {"notifications": notices})
