"""Admin for the network's master data and staff accounts. No personal data of cases lives here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from .models import Agency, Area, CommunityArea, Membership, NetworkMeeting, User
from .services import staff_groups_sync


class CodeFixedOnceSavedMixin:
    """Codes are the API's keys and name the area:/agency: permission groups: set once, then fixed."""

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "code") if obj is not None else readonly


class CommunityAreaInline(admin.TabularInline):
    model = CommunityArea
    extra = 0
    fields = ("code", "name")


@admin.register(Area)
class AreaAdmin(CodeFixedOnceSavedMixin, admin.ModelAdmin):
    list_display = ("code", "name", "coordinating_centre", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "name")
    list_select_related = ("coordinating_centre",)
    inlines = [CommunityAreaInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "coordinating_centre":
            kwargs["queryset"] = Agency.objects.filter(is_centre=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CommunityArea)
class CommunityAreaAdmin(CodeFixedOnceSavedMixin, admin.ModelAdmin):
    list_display = ("code", "name", "area")
    list_filter = ("area",)
    search_fields = ("code", "name")
    list_select_related = ("area",)


@admin.register(Agency)
class AgencyAdmin(CodeFixedOnceSavedMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "area", "commissioned_by_city", "is_centre", "is_active")
    list_filter = ("kind", "area", "commissioned_by_city", "is_centre", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("area",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("role", "area", "agency")
    verbose_name_plural = _("memberships (area team or agency; the area:/agency: groups follow them)")


@admin.register(User)
class StaffAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "last_name", "first_name", "roles", "is_active", "is_staff", "last_login")
    search_fields = ("username", "last_name", "first_name", "family_name_kana", "given_name_kana", "email")
    # The display name colleagues read: family name first, each with its kana.
    fieldsets = tuple(
        (
            title,
            {
                **options,
                "fields": ("last_name", "first_name", "family_name_kana", "given_name_kana", "email"),
            },
        )
        if "first_name" in options.get("fields", ())
        else (title, options)
        for title, options in UserAdmin.fieldsets
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role", "memberships__area")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.select_related("area", "agency"))
            )
        )

    @admin.display(description=_("memberships"))
    def roles(self, user: User) -> str:
        return ", ".join(
            f"{m.get_role_display()} ({(m.area or m.agency).code})"
            if (m.area or m.agency)
            else m.get_role_display()
            for m in user.memberships.all()
        )

    def save_related(self, request, form, formsets, change):
        """Memberships edited here decide the area-team and agency groups, as create_staff does."""
        super().save_related(request, form, formsets, change)
        staff_groups_sync(user=form.instance)


@admin.register(NetworkMeeting)
class NetworkMeetingAdmin(admin.ModelAdmin):
    """分野を超えた社会福祉法人の連携の場: counted per fiscal year by the reports. No personal data."""

    list_display = ("held_on", "theme", "recorded_by")
    date_hierarchy = "held_on"
    search_fields = ("theme",)
    filter_horizontal = ("agencies",)
    fields = ("held_on", "theme", "agencies", "minutes")
    list_select_related = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
