from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.gis.geos import GEOSGeometry
from leaflet.admin import LeafletGeoAdmin

from missions_site.geometry_limits import too_many_vertices

from . import services
from .models import Agency, Beat, CrimeType, District, MissionPolicy, OfficerProfile, Shift


class ConfigurationAdmin(admin.ModelAdmin):
    """Crime types, the mission policy and shifts change through agency.services, which audits them."""

    audited_by_service = True

    def save_model(self, request, obj, form, change):
        services.save_configuration(obj=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.delete_configuration(obj=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_configuration(obj=obj, actor=request.user)


class VertexLimitedForm(forms.ModelForm):
    """A boundary drawn or pasted here is held to GEOMETRY_MAX_VERTICES like a drawn area (the
    import command simplifies instead); an unchanged one is not checked again."""

    def clean(self):
        data = super().clean()
        limit = settings.GEOMETRY_MAX_VERTICES
        for name in self.changed_data:
            value = data.get(name)
            if isinstance(value, GEOSGeometry) and value.num_coords > limit:
                self.add_error(name, too_many_vertices(limit))
        return data


class BoundaryAdmin(LeafletGeoAdmin):
    form = VertexLimitedForm


@admin.register(Agency)
class AgencyAdmin(BoundaryAdmin):
    list_display = ("name", "timezone", "cell_size_m", "epsg", "country", "subdivision")


@admin.register(District)
class DistrictAdmin(BoundaryAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Beat)
class BeatAdmin(BoundaryAdmin):
    list_display = ("code", "name", "district")
    list_filter = ("district",)
    list_select_related = ("district",)
    search_fields = ("code", "name")


@admin.register(Shift)
class ShiftAdmin(ConfigurationAdmin):
    list_display = ("name", "start_time", "duration_minutes", "order")


@admin.register(CrimeType)
class CrimeTypeAdmin(ConfigurationAdmin):
    list_display = ("name", "code", "colour", "severity_weight", "patrol_efficacy", "enabled")
    list_editable = ("severity_weight", "patrol_efficacy", "enabled")
    prepopulated_fields = {"code": ("name",)}


@admin.register(MissionPolicy)
class MissionPolicyAdmin(ConfigurationAdmin):
    list_display = (
        "__str__",
        "temperature",
        "control_share",
        "dosage_memory_days",
        "min_harm_share",
    )


@admin.register(OfficerProfile)
class OfficerProfileAdmin(admin.ModelAdmin):
    list_display = ("badge_number", "user", "home_district", "home_beat")
    list_select_related = ("user", "home_district", "home_beat")
    search_fields = ("badge_number", "user__username", "user__last_name")
    filter_horizontal = ("supervised_districts",)
