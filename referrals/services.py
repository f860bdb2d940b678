"""Every write of referrals: one transactional function per use case.

State machine (DESIGN.md §4):

    requested → accepted | declined (reason) | withdrawn (sender) | expired (after escalation and grace)
    accepted  → completed (outcome)

Every move is a conditional UPDATE (`WHERE status = <expected>`) whose row count decides who won, so two
coordinators accepting at once yield one acceptance and one StateConflict (409). Every move writes a
ReferralTransition and an audit row, and queues its notifications in the outbox, all in one transaction;
the outbox is dispatched by Celery only after commit.

Completing a collaboration keeps the receiving side's access: the case's history with them (their
activities, their notes) stays readable to them; ending a share is a separate, explicit decision of the
case team (casework.services.case_access_revoke with basis REFERRAL and the referral's id).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from casework import audit
from casework import services as casework_services
from casework.models import AccessBasis, AuditAction, Case, Consent, SupportMeetingRegistration
from casework.selectors import is_on_case_team
from casework.services import StateConflict
from network.groups import agency_group, area_group
from network.models import Agency, Area

from . import selectors
from .business_days import add_business_days
from .models import (
    OPEN_STATUSES,
    Notification,
    NotificationKind,
    OutboxChannel,
    OutboxMessage,
    Referral,
    ReferralKind,
    ReferralStatus,
    ReferralTransition,
    SharingBasis,
)

logger = logging.getLogger(__name__)

__all__ = [
    "StateConflict",
    "outbox_dispatch",
    "referral_accept",
    "referral_complete",
    "referral_decline",
    "referral_escalate",
    "referral_expire",
    "referral_remind",
    "referral_request",
    "referral_withdraw",
]

MAX_TEXT = 4000


# --- helpers --------------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def _sharing_basis(case: Case, agency: Agency) -> str:
    """A recorded basis for sharing the case with the agency: a standing consent or 支援会議 membership."""
    if Consent.objects.filter(case=case, withdrawn_on__isnull=True, agencies=agency).exists():
        return SharingBasis.CONSENT
    if SupportMeetingRegistration.objects.filter(case=case, ended_on__isnull=True, agencies=agency).exists():
        return SharingBasis.SUPPORT_MEETING
    return SharingBasis.NONE


def _move(
    referral: Referral, *, to: str, by, allowed_from: tuple[str, ...], note: str = "", **fields
) -> Referral:
    """The race-safe transition: UPDATE ... WHERE status IN allowed_from; the loser gets StateConflict."""
    previous = referral.status
    updated = Referral.objects.filter(pk=referral.pk, status__in=allowed_from).update(status=to, **fields)
    if updated != 1:
        current = Referral.objects.filter(pk=referral.pk).values_list("status", flat=True).first()
        raise StateConflict(
            _("This referral is %(status)s; it can no longer be changed this way.")
            % {"status": ReferralStatus(current).label if current else "-"}
        )
    referral.refresh_from_db()
    previous = previous if previous in allowed_from else allowed_from[0]
    ReferralTransition.objects.create(
        referral=referral, from_status=previous, to_status=to, by=by, at=timezone.now(), note=note[:200]
    )
    audit.record(
        actor=by,
        action=AuditAction.REFERRAL,
        case=referral.case,
        obj=referral,
        changes={"status": [previous, to]},
        channel="" if by else "task",
    )
    return referral


def _locked(referral: Referral) -> Referral:
    """Fresh from the database (with the case), so checks see the current state."""
    return Referral.objects.select_related("case", "from_area", "to_area", "to_agency").get(pk=referral.pk)


def _require_decider(referral: Referral, user) -> None:
    if not selectors.can_decide(user=user, referral=referral):
        raise PermissionDenied(
            _("Only the coordinators of the receiving area (or the receiving agency's staff) can decide.")
        )


def _require_sender(referral: Referral, user) -> None:
    if not selectors.is_sender(user=user, referral=referral):
        raise PermissionDenied(_("Only the sending area team can withdraw this referral."))


# --- notifications through the outbox ---------------------------------------------------------------

MESSAGES = {
    NotificationKind.REQUESTED: gettext_noop(
        "Case %(number)s: new %(kind)s from %(source)s; please answer by %(due)s."
    ),
    NotificationKind.ACCEPTED: gettext_noop(
        "Case %(number)s: your %(kind)s to %(destination)s was accepted."
    ),
    NotificationKind.DECLINED: gettext_noop(
        "Case %(number)s: your %(kind)s to %(destination)s was declined."
    ),
    NotificationKind.WITHDRAWN: gettext_noop("Case %(number)s: the %(kind)s from %(source)s was withdrawn."),
    NotificationKind.COMPLETED: gettext_noop(
        "Case %(number)s: the %(kind)s to %(destination)s was completed."
    ),
    NotificationKind.EXPIRED: gettext_noop(
        "Case %(number)s: the %(kind)s to %(destination)s expired without an answer."
    ),
    NotificationKind.REMINDER: gettext_noop(
        "Case %(number)s: the %(kind)s from %(source)s is due by %(due)s."
    ),
    NotificationKind.ESCALATION: gettext_noop(
        "Case %(number)s: the %(kind)s to %(destination)s is overdue (due %(due)s)."
    ),
}


def _message(kind: str, referral: Referral) -> str:
    """The notice in the site's language. The case by NUMBER only: no names, no reasons."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(MESSAGES[kind]) % {
            "number": referral.case.number,
            "kind": ReferralKind(referral.kind).label,
            "source": referral.from_area.name,
            "destination": str(referral.destination),
            "due": referral.due_by.isoformat(),
        }


def _notify(referral: Referral, kind: str, recipients, *, actor=None) -> list[int]:
    """Queue in-app (and e-mail, for staff with an address) notices; delivered after commit."""
    message = _message(kind, referral)
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"[Yorisoi] {NotificationKind(kind).label}: {referral.case.number}"
    path = reverse("referrals:inbox")
    ids: list[int] = []
    for user in {u.pk: u for u in recipients}.values():
        if actor is not None and user.pk == actor.pk:
            continue
        channels = [OutboxChannel.IN_APP] + ([OutboxChannel.EMAIL] if user.email else [])
        for channel in channels:
            outbox, created = OutboxMessage.objects.get_or_create(
                dedupe_key=f"referral:{referral.pk}:{kind}:{channel}:{user.pk}",
                defaults={
                    "channel": channel,
                    "recipient": user,
                    "payload": {
                        "kind": kind,
                        "referral_id": referral.pk,
                        "message": message,
                        "subject": subject,
                        "path": path,
                    },
                },
            )
            if created:
                ids.append(outbox.pk)
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return ids


def _enqueue(ids: list[int]) -> None:
    """After commit: hand the messages to Celery. A broker outage must not fail the request; the
    periodic sweep (tasks.sweep_outbox) delivers what stays pending."""
    from .tasks import dispatch_outbox

    for message_id in ids:
        try:
            dispatch_outbox.apply_async((message_id,), retry=False)
        except Exception as exc:
            logger.warning(
                "outbox message %s not queued (%s); the sweep will send it", message_id, type(exc).__name__
            )


def outbox_dispatch(*, message_id: int) -> bool:
    """Deliver one outbox message, once. True if delivered now, False if already done or taken.

    The row is locked (SKIP LOCKED: a concurrent worker skips it); delivery and `dispatched_at` commit
    together, so running this twice creates one Notification.
    """
    error: Exception | None = None
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=message_id, dispatched_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        try:
            with transaction.atomic():
                _deliver(message)
        except Exception as exc:
            error = exc
            message.attempts += 1
            message.last_error = type(exc).__name__[:500]
            message.save(update_fields=["attempts", "last_error"])
        else:
            message.attempts += 1
            message.dispatched_at = timezone.now()
            message.save(update_fields=["attempts", "dispatched_at"])
    if error is not None:
        raise error
    return True


def _deliver(message: OutboxMessage) -> None:
    payload = message.payload
    if message.channel == OutboxChannel.IN_APP:
        Notification.objects.create(
            recipient=message.recipient,
            kind=payload["kind"],
            referral_id=payload.get("referral_id"),
            message=payload["message"][:300],
            outbox_message=message,
        )
    else:
        body = payload["message"] + "\n\n" + payload.get("path", "")
        send_mail(payload["subject"], body, settings.DEFAULT_FROM_EMAIL, [message.recipient.email])


def outbox_pending_ids(
    *, older_than: datetime.timedelta, max_attempts: int = 10, limit: int = 500
) -> list[int]:
    return list(
        OutboxMessage.objects.filter(
            dispatched_at__isnull=True, created_at__lt=timezone.now() - older_than, attempts__lt=max_attempts
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- use cases --------------------------------------------------------------------------------------


@transaction.atomic
def referral_request(
    *,
    case: Case,
    requested_by,
    kind: str,
    reason: str,
    to_area: Area | None = None,
    to_agency: Agency | None = None,
    override_reason: str = "",
    today: datetime.date | None = None,
) -> Referral:
    """連携依頼 / 移管 request from the case's area team; the answer is due in N business days."""
    if not is_on_case_team(user=requested_by, case=case):
        raise PermissionDenied(_("Only the case's area team can refer the case."))
    case = Case.objects.select_for_update().select_related("area").get(pk=case.pk)
    errors: dict[str, str] = {}
    if kind not in ReferralKind.values:
        errors["kind"] = _("Choose collaboration or transfer.")
    if (to_area is None) == (to_agency is None):
        errors["to_area"] = _("Choose exactly one destination: an area or an agency.")
    elif kind == ReferralKind.TRANSFER and to_area is None:
        errors["to_area"] = _("A case can only be transferred to another area.")
    elif to_area is not None and to_area.pk == case.area_id:
        errors["to_area"] = _("The case is already in this area; choose another destination.")
    elif to_agency is not None and not to_agency.is_active:
        errors["to_agency"] = _("This agency is no longer active.")
    reason = _text(reason)
    if not reason:
        errors["reason"] = _("Say why you refer the case (what you ask the other side to do).")
    elif len(reason) > MAX_TEXT:
        errors["reason"] = _("Keep the reason under %(n)s characters.") % {"n": MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    if case.is_closed:
        raise StateConflict(_("A closed case cannot be referred; reopen it first."))

    basis, override_reason = SharingBasis.NONE, _text(override_reason)
    if to_agency is not None:
        basis = _sharing_basis(case, to_agency)
        if not basis:
            if not requested_by.has_perm("casework.share_without_basis"):
                raise ValidationError(
                    {
                        "to_agency": _(
                            "No consent or 支援会議 registration covers this agency. "
                            "Record one first, or ask a "
                            "coordinator to refer with an override."
                        )
                    }
                )
            if not override_reason:
                raise ValidationError(
                    {
                        "override_reason": _(
                            "No consent or 支援会議 registration covers this agency: "
                            "give the reason for sharing "
                            "without one (override)."
                        )
                    }
                )
            basis = SharingBasis.OVERRIDE
    if basis != SharingBasis.OVERRIDE:
        override_reason = ""

    destination = Q(to_area=to_area) if to_area is not None else Q(to_agency=to_agency)
    if Referral.objects.filter(destination, case=case, status__in=OPEN_STATUSES).exists():
        raise StateConflict(_("This case already has an open referral to that destination."))
    if (
        kind == ReferralKind.TRANSFER
        and Referral.objects.filter(
            case=case, kind=ReferralKind.TRANSFER, status=ReferralStatus.REQUESTED
        ).exists()
    ):
        raise StateConflict(_("This case already has a pending transfer request."))

    now = timezone.now()
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                case=case,
                kind=kind,
                from_area=case.area,
                to_area=to_area,
                to_agency=to_agency,
                reason=reason,
                sharing_basis=basis,
                override_reason=override_reason,
                requested_by=requested_by,
                requested_at=now,
                due_by=add_business_days(today, settings.REFERRAL_RESPONSE_BUSINESS_DAYS),
            )
    except IntegrityError:
        raise StateConflict(_("This case already has an open referral to that destination.")) from None
    ReferralTransition.objects.create(
        referral=referral, from_status="", to_status=ReferralStatus.REQUESTED, by=requested_by, at=now
    )
    audit.record(
        actor=requested_by,
        action=AuditAction.REFERRAL,
        case=case,
        obj=referral,
        reason=override_reason,
        changes={
            "status": [None, ReferralStatus.REQUESTED],
            "kind": [None, kind],
            "to": [None, to_area.code if to_area else to_agency.code],
            "basis": [None, basis],
        },
    )
    if basis == SharingBasis.OVERRIDE:
        audit.record(
            actor=requested_by,
            action=AuditAction.SHARE_OVERRIDE,
            case=case,
            obj=referral,
            reason=override_reason,
            changes={"agency": [None, to_agency.code]},
        )
    _notify(referral, NotificationKind.REQUESTED, selectors.deciders(referral=referral), actor=requested_by)
    return referral


@transaction.atomic
def referral_accept(*, referral: Referral, accepted_by, note: str = "") -> Referral:
    """Accept: a collaboration shares the case with the receiving team or agency; a transfer moves it."""
    referral = _locked(referral)
    _require_decider(referral, accepted_by)
    if referral.kind == ReferralKind.TRANSFER and referral.to_area_id is None:  # also a DB constraint
        raise ValidationError({"to_area": _("A case can only be transferred to another area.")})
    referral = _move(
        referral,
        to=ReferralStatus.ACCEPTED,
        by=accepted_by,
        allowed_from=(ReferralStatus.REQUESTED,),
        note=note,
        decided_by=accepted_by,
        decided_at=timezone.now(),
    )
    if referral.kind == ReferralKind.TRANSFER:
        casework_services.case_transfer(
            case=referral.case, to_area=referral.to_area, transferred_by=accepted_by, source_id=referral.pk
        )
    else:
        group = area_group(referral.to_area) if referral.to_area_id else agency_group(referral.to_agency)
        casework_services.case_access_grant(
            case=referral.case,
            group=group,
            basis=AccessBasis.REFERRAL,
            source_id=referral.pk,
            granted_by=accepted_by,
        )
    _notify(referral, NotificationKind.ACCEPTED, _sender_side(referral), actor=accepted_by)
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, declined_by, reason: str) -> Referral:
    referral = _locked(referral)
    _require_decider(referral, declined_by)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why you decline, so the sender can find another way.")})
    referral = _move(
        referral,
        to=ReferralStatus.DECLINED,
        by=declined_by,
        allowed_from=(ReferralStatus.REQUESTED,),
        decided_by=declined_by,
        decided_at=timezone.now(),
        decline_reason=reason[:MAX_TEXT],
    )
    _notify(referral, NotificationKind.DECLINED, _sender_side(referral), actor=declined_by)
    return referral


@transaction.atomic
def referral_withdraw(*, referral: Referral, withdrawn_by) -> Referral:
    """The sender takes the request back, only while nobody has answered it."""
    referral = _locked(referral)
    _require_sender(referral, withdrawn_by)
    referral = _move(
        referral,
        to=ReferralStatus.WITHDRAWN,
        by=withdrawn_by,
        allowed_from=(ReferralStatus.REQUESTED,),
        withdrawn_at=timezone.now(),
    )
    _notify(referral, NotificationKind.WITHDRAWN, selectors.deciders(referral=referral), actor=withdrawn_by)
    return referral


@transaction.atomic
def referral_complete(*, referral: Referral, completed_by, outcome: str) -> Referral:
    """Record the outcome of an accepted referral (either side). Access granted on acceptance stays."""
    referral = _locked(referral)
    if not (
        selectors.can_decide(user=completed_by, referral=referral)
        or selectors.is_sender(user=completed_by, referral=referral)
    ):
        raise PermissionDenied(_("Only the sending team or the receiving side can complete this referral."))
    outcome = _text(outcome)
    if not outcome:
        raise ValidationError({"outcome": _("Record the outcome of the referral.")})
    referral = _move(
        referral,
        to=ReferralStatus.COMPLETED,
        by=completed_by,
        allowed_from=(ReferralStatus.ACCEPTED,),
        completed_at=timezone.now(),
        outcome=outcome[:MAX_TEXT],
    )
    everyone = list(_sender_side(referral)) + list(selectors.deciders(referral=referral))
    _notify(referral, NotificationKind.COMPLETED, everyone, actor=completed_by)
    return referral


@transaction.atomic
def referral_remind(*, referral: Referral) -> bool:
    """One reminder to the deciders, the business day before the answer is due (once)."""
    if not Referral.objects.filter(
        pk=referral.pk, status=ReferralStatus.REQUESTED, reminded_at__isnull=True
    ).update(reminded_at=timezone.now()):
        return False
    referral = _locked(referral)
    _notify(referral, NotificationKind.REMINDER, selectors.deciders(referral=referral))
    return True


@transaction.atomic
def referral_escalate(*, referral: Referral, today: datetime.date | None = None) -> bool:
    """Overdue: tell the sending area's coordinators and the managers (once)."""
    today = today or timezone.localdate()
    if not Referral.objects.filter(
        pk=referral.pk, status=ReferralStatus.REQUESTED, escalated_at__isnull=True, due_by__lt=today
    ).update(escalated_at=timezone.now()):
        return False
    referral = _locked(referral)
    audit.record(
        actor=None,
        action=AuditAction.REFERRAL,
        case=referral.case,
        obj=referral,
        changes={"escalated": [False, True]},
        channel="task",
    )
    recipients = list(selectors.sending_coordinators(referral=referral)) + list(selectors.managers())
    _notify(referral, NotificationKind.ESCALATION, recipients)
    return True


@transaction.atomic
def referral_expire(*, referral: Referral, today: datetime.date | None = None) -> Referral:
    """Close an unanswered request once it was escalated and the grace period after its due date passed."""
    referral = _locked(referral)
    today = today or timezone.localdate()
    if referral.status == ReferralStatus.REQUESTED and (
        referral.escalated_at is None
        or add_business_days(referral.due_by, settings.REFERRAL_EXPIRY_GRACE_BUSINESS_DAYS) >= today
    ):
        raise StateConflict(_("This referral is not yet past its deadline and grace period."))
    referral = _move(
        referral,
        to=ReferralStatus.EXPIRED,
        by=None,
        allowed_from=(ReferralStatus.REQUESTED,),
        note="expired by schedule",
        expired_at=timezone.now(),
    )
    recipients = list(_sender_side(referral)) + list(selectors.deciders(referral=referral))
    _notify(referral, NotificationKind.EXPIRED, recipients)
    return referral


def _sender_side(referral: Referral) -> list:
    """The requester and the sending area's coordinators."""
    return [referral.requested_by, *selectors.sending_coordinators(referral=referral)]


# --- notifications read -------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user, notification_ids=None) -> int:
    """Mark the user's notices read (all unread ones when no ids are given)."""
    notices = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if notification_ids is not None:
        notices = notices.filter(pk__in=list(notification_ids))
    return notices.update(read_at=timezone.now())
