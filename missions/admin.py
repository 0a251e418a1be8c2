import math

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


def significant(value: float | None, digits: int = 3) -> str:
    """A float to `digits` significant digits, without an exponent: scores are shown, not stored, so."""
    if value is None or not math.isfinite(value):
        return "–" if value is None else str(value)
    if value == 0:
        return "0"
    rounded = float(f"{value:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:.{decimals}f}"


@admin.display(description="score", ordering="score")
def rounded_score(obj) -> str:
    return significant(obj.score)


@admin.display(description="draw", ordering="draw")
def rounded_draw(obj) -> str:
    return significant(obj.draw)


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    can_delete = False
    readonly_fields = (
        "officer",
        "started_at",
        "ended_at",
        "start_method",
        "start_reason",
        "end_reason",
    )


@admin.display(description="location", ordering="cell__location_label")
def location_label(obj) -> str:
    return obj.cell.location_label


@admin.register(Mission)
class MissionAdmin(ReadOnlyAdmin):
    list_display = (
        "date",
        "shift",
        "beat",
        "rank",
        "cell",
        location_label,
        "status",
        "minutes_served",
        "dose_minutes",
        "origin",
        rounded_score,
    )
    list_filter = ("status", "origin", "shift", "beat__district", "ended_reason_code")
    list_select_related = ("shift", "beat", "cell")
    date_hierarchy = "date"
    inlines = [VisitInline]


@admin.register(MissionPlan)
class MissionPlanAdmin(ReadOnlyAdmin):
    list_display = ("date", "shift", "trigger", "created_by", "created_at", "seed_hex")
    list_select_related = ("shift", "created_by")


@admin.register(ControlBox)
class ControlBoxAdmin(ReadOnlyAdmin):
    list_display = ("plan", "beat", "cell", rounded_score, rounded_draw)
    list_select_related = ("plan__shift", "beat", "cell")


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = (
        "scope",
        "date_from",
        "date_to",
        "reason_code",
        "reason",
        "created_by",
        "lifted_at",
    )


@admin.register(MissionAddition)
class MissionAdditionAdmin(ReadOnlyAdmin):
    list_display = ("date_from", "date_to", "reason_code", "reason", "created_by", "created_at")
