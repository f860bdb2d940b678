"""Admin: read-only views for support staff. Encrypted fields (reasons, outcomes) are never listed."""

from django.contrib import admin

from .models import Notification, OutboxMessage, Referral, ReferralTransition


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = ReferralTransition
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "case",
        "kind",
        "status",
        "from_area",
        "to_area",
        "to_agency",
        "due_by",
        "requested_at",
    ]
    list_filter = ["status", "kind", "from_area", "to_area"]
    fields = [
        "case",
        "kind",
        "status",
        "from_area",
        "to_area",
        "to_agency",
        "sharing_basis",
        "due_by",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "withdrawn_at",
        "completed_at",
        "reminded_at",
        "escalated_at",
        "expired_at",
    ]
    readonly_fields = fields
    inlines = [TransitionInline]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "recipient", "created_at", "dispatched_at", "attempts", "last_error"]
    list_filter = ["channel", "dispatched_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "referral", "created_at", "read_at"]
