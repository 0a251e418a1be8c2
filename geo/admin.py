from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import GridCell


@admin.register(GridCell)
class GridCellAdmin(LeafletGeoAdmin):
    list_display = ("cell_id", "location_label", "cell_size_m", "district", "beat", "active")
    list_filter = ("active", "cell_size_m", "district")
    list_select_related = ("district", "beat")
    search_fields = ("cell_id", "location_label")
