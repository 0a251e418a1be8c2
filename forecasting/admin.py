from django.contrib import admin

from .models import ForecastRun, ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are written by training and promoted through the model card page."""

    list_display = ("pk", "crime_type", "algorithm", "created_at", "promoted", "data_end")
    list_filter = ("promoted", "algorithm", "crime_type")
    list_select_related = ("crime_type",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ForecastRun)
class ForecastRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "date", "shift", "starts_at", "complete", "created_at")
    list_filter = ("complete", "shift")
    list_select_related = ("shift",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
