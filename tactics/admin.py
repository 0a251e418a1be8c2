from django.contrib import admin

from . import services
from .models import Tactic, TacticUse


@admin.register(Tactic)
class TacticAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "order", "conditions")
    list_editable = ("enabled", "order")
    list_select_related = ("near_layer", "recent_crime_type")
    filter_horizontal = ("crime_types",)
    fieldsets = (
        (None, {"fields": ("name", "description", "crime_types", "enabled", "order")}),
        (
            "Conditions (suggest only for boxes that meet them)",
            {
                "fields": (("near_layer", "near_metres"), ("recent_crime_type", "recent_days")),
                "description": "Leave blank to suggest the tactic wherever its crime types drive a mission.",
            },
        ),
    )

    @admin.display(description="conditions")
    def conditions(self, obj):
        return obj.conditions_text or "—"

    audited_by_service = True  # tactics.services records each change

    def save_model(self, request, obj, form, change):
        services.save_tactic(
            tactic=obj, actor=request.user, crime_types=form.cleaned_data.get("crime_types")
        )

    def delete_model(self, request, obj):
        services.delete_tactic(tactic=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for tactic in queryset:
            services.delete_tactic(tactic=tactic, actor=request.user)


@admin.register(TacticUse)
class TacticUseAdmin(admin.ModelAdmin):
    list_display = ("mission", "tactic", "reported_by", "reported_at")
    list_select_related = ("tactic", "reported_by")

    def has_add_permission(self, request):
        return False  # officers report through the mission page or the API

    def has_change_permission(self, request, obj=None):
        return False
