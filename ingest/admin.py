from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import (
    CalendarEvent,
    ImportRun,
    Incident,
    RejectedRow,
    RiskLayer,
    RiskLayerPoint,
    Source,
)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "preset", "format", "timezone", "srid", "watch_folder")
    list_filter = ("kind", "preset")


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdmin):
    list_display = ("external_id", "source", "crime_type", "occurred_from", "officer_initiated")
    list_filter = ("source", "crime_type", "officer_initiated")
    list_select_related = ("source", "crime_type")
    search_fields = ("external_id", "raw_code")
    date_hierarchy = "occurred_from"


@admin.register(RiskLayer)
class RiskLayerAdmin(admin.ModelAdmin):
    list_display = ("name", "description")


@admin.register(RiskLayerPoint)
class RiskLayerPointAdmin(LeafletGeoAdmin):
    list_display = ("name", "layer")
    list_filter = ("layer",)
    list_select_related = ("layer",)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "source",
        "via",
        "file_name",
        "status",
        "total_rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "unmapped",
        "job",
    )
    list_filter = ("job__status", "via", "source")
    list_select_related = ("source", "job")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
    date_hierarchy = "job__created_at"


@admin.register(RejectedRow)
class RejectedRowAdmin(admin.ModelAdmin):
    list_display = ("run", "row_number", "external_id", "reason_code", "reason")
    list_filter = ("reason_code",)
    list_select_related = ("run", "run__source")
    readonly_fields = ("run", "row_number", "external_id", "reason_code", "reason", "raw")


@admin.register(CalendarEvent)
class CalendarEventAdmin(LeafletGeoAdmin):
    list_display = ("name", "calendar", "starts_at", "ends_at", "district", "expected_attendance")
    list_filter = ("calendar", "district")
    list_select_related = ("district",)
    date_hierarchy = "starts_at"
