from django.contrib import admin

from audit.admin_site import ReadOnlyAdmin

from .models import (
    ControlBox,
    Mission,
    MissionAddition,
    MissionPlan,
    Suppression,
    Visit,
)


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    can_delete = False
    readonly_fields = ("officer", "started_at", "ended_at", "start_method", "start_reason", "end_reason")


@admin.register(Mission)
class MissionAdmin(ReadOnlyAdmin):
    list_display = ("date", "shift", "beat", "rank", "cell", "status", "origin", "score")
    list_filter = ("status", "origin", "shift", "beat__district")
    list_select_related = ("shift", "beat", "cell")
    date_hierarchy = "date"
    inlines = [VisitInline]


@admin.register(MissionPlan)
class MissionPlanAdmin(ReadOnlyAdmin):
    list_display = ("date", "shift", "trigger", "created_by", "created_at", "seed_hex")
    list_select_related = ("shift", "created_by")


@admin.register(ControlBox)
class ControlBoxAdmin(ReadOnlyAdmin):
    list_display = ("plan", "beat", "cell", "score", "draw")
    list_select_related = ("plan__shift", "beat", "cell")


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ("scope", "date_from", "date_to", "reason_code", "reason", "created_by", "lifted_at")


@admin.register(MissionAddition)
class MissionAdditionAdmin(ReadOnlyAdmin):
    list_display = ("date_from", "date_to", "reason_code", "reason", "created_by", "created_at")

