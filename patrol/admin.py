from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import BoxExposure, ExcludedArea, RosterEntry, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("call_sign", "vehicle_id", "district", "active")
    list_filter = ("district", "active")
    search_fields = ("call_sign", "vehicle_id")


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ("date", "shift", "unit", "beat")
    list_filter = ("shift", "beat__district")
    date_hierarchy = "date"
    filter_horizontal = ("officers",)


@admin.register(ExcludedArea)
class ExcludedAreaAdmin(LeafletGeoAdmin):
    list_display = ("name",)


@admin.register(BoxExposure)
class BoxExposureAdmin(admin.ModelAdmin):
    """Measured, never edited by hand."""

    list_display = ("date", "shift", "unit", "cell", "minutes")
    list_filter = ("shift",)
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
