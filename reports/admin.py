"""Admin for the reports' data: indicators, targets (managers), centre usage, the action plan grid.

Monthly snapshots are shown read-only: they are never changed or deleted.
"""

from django.contrib import admin

from network.models import Agency

from .models import (
    ActionPlanEvaluation,
    ActionPlanItem,
    CentreUsage,
    IndicatorDefinition,
    MonthlySnapshot,
    Target,
)


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ("fiscal_year", "value", "area", "centre")


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "sort_order")
    list_editable = ("sort_order",)
    inlines = [TargetInline]

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("indicator", "fiscal_year", "area", "centre", "value", "updated_at")
    list_filter = ("indicator", "fiscal_year", "area", "centre")
    list_editable = ("value",)
    list_select_related = ("indicator", "area", "centre")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "centre":
            kwargs["queryset"] = Agency.objects.filter(is_centre=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CentreUsage)
class CentreUsageAdmin(admin.ModelAdmin):
    list_display = ("date", "centre", "kind", "count", "recorded_by")
    list_filter = ("centre", "kind")
    date_hierarchy = "date"
    list_select_related = ("centre", "recorded_by")
    readonly_fields = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class ActionPlanEvaluationInline(admin.TabularInline):
    model = ActionPlanEvaluation
    extra = 1
    fields = ("fiscal_year", "grade", "note")


@admin.register(ActionPlanItem)
class ActionPlanItemAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "section", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "title")
    inlines = [ActionPlanEvaluationInline]


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(admin.ModelAdmin):
    list_display = ("month", "fiscal_year", "finalised_by", "finalised_at")
    list_filter = ("fiscal_year",)
    readonly_fields = ("fiscal_year", "month", "figures", "finalised_by", "finalised_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
