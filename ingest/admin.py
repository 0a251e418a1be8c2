from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Incident, RiskLayer, RiskLayerPoint, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "timezone")


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
