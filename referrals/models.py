"""Referrals between area teams and agencies (DESIGN.md §4), their history, notifications and outbox.

Writes go through referrals.services; reads through referrals.selectors.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.fields import EncryptedCharField, EncryptedTextField
from casework.models import Case
from network.models import Agency, Area


class ReferralKind(models.TextChoices):
    COLLABORATION = "collaboration", _("Collaboration request")  # 連携依頼: access, ownership stays
    TRANSFER = "transfer", _("Transfer")  # 移管: ownership moves to the receiving area


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    COMPLETED = "completed", _("Completed")


OPEN_STATUSES = (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED)


class SharingBasis(models.TextChoices):
    """Why the case may be shared with the receiving agency (areas need none: they are the council's own)."""

    NONE = "", _("Not needed (area team)")
    CONSENT = "consent", _("Consent")
    SUPPORT_MEETING = "support_meeting", _("Support meeting (支援会議)")
    OVERRIDE = "override", _("Override")


class Referral(models.Model):
    """A case referred from its area team to another area team or to an agency."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("kind"), max_length=16, choices=ReferralKind.choices)
    from_area = models.ForeignKey(
        Area, verbose_name=_("from area"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_area = models.ForeignKey(
        Area,
        verbose_name=_("to area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
    )
    to_agency = models.ForeignKey(
        Agency,
        verbose_name=_("to agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
    )
    reason = EncryptedTextField(_("reason"))
    sharing_basis = models.CharField(
        _("sharing basis"), max_length=16, choices=SharingBasis.choices, blank=True, default=SharingBasis.NONE
    )
    override_reason = EncryptedTextField(_("override reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.REQUESTED
    )
    due_by = models.DateField(_("answer due by"))

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = EncryptedTextField(_("reason for declining"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome = EncryptedTextField(_("outcome"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    expired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                name="referral_one_destination",
                condition=Q(to_area__isnull=False, to_agency__isnull=True)
                | Q(to_area__isnull=True, to_agency__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_transfer_to_area",
                condition=~Q(kind=ReferralKind.TRANSFER) | Q(to_area__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_not_to_own_area", condition=~Q(to_area=models.F("from_area"))
            ),
            models.UniqueConstraint(
                fields=["case", "to_area"],
                name="referral_one_open_per_area",
                condition=Q(status__in=OPEN_STATUSES, to_area__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["case", "to_agency"],
                name="referral_one_open_per_agency",
                condition=Q(status__in=OPEN_STATUSES, to_agency__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_by"], name="referral_status_due"),
            models.Index(fields=["to_area", "status"], name="referral_to_area"),
            models.Index(fields=["to_agency", "status"], name="referral_to_agency"),
            models.Index(fields=["from_area", "-requested_at"], name="referral_from_area"),
        ]

    def __str__(self) -> str:
        # Never personal data: the case by its number only.
        return f"{self.case.number} {self.kind} #{self.pk}"

    @property
    def destination(self):
        return self.to_area or self.to_agency

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReferralTransition(models.Model):
    """Every move of a referral: who, when, from which state to which. `by` is null for scheduled tasks."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    note = EncryptedCharField(max_length=200, blank=True)  # free text: people write names into it

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.referral_id} {self.from_status or '-'} → {self.to_status}"


class NotificationKind(models.TextChoices):
    REQUESTED = "requested", _("New referral")
    ACCEPTED = "accepted", _("Referral accepted")
    DECLINED = "declined", _("Referral declined")
    WITHDRAWN = "withdrawn", _("Referral withdrawn")
    COMPLETED = "completed", _("Referral completed")
    EXPIRED = "expired", _("Referral expired")
    REMINDER = "reminder", _("Answer due soon")
    ESCALATION = "escalation", _("Referral overdue")


class OutboxChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("Email")


class OutboxMessage(models.Model):
    """A notification to deliver, written in the same transaction as the change that causes it.

    A Celery task delivers it after commit; a periodic sweep re-sends what a broker outage left behind.
    `dedupe_key` makes writing the same message twice impossible.
    """

    channel = models.CharField(max_length=8, choices=OutboxChannel.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], name="outbox_pending", condition=Q(dispatched_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class Notification(models.Model):
    """An in-app notice. The message names the case by its NUMBER only, never personal data."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    outbox_message = models.OneToOneField(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"
