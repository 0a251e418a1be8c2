from django.contrib import admin

from .models import Tactic, TacticUse


@admin.register(Tactic)
class TacticAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "order")
    list_editable = ("enabled", "order")
    filter_horizontal = ("crime_types",)


@admin.register(TacticUse)
class TacticUseAdmin(admin.ModelAdmin):
    list_display = ("mission", "tactic", "reported_by", "reported_at")
    list_select_related = ("tactic", "reported_by")

    def has_add_permission(self, request):
        return False  # officers report through the mission page or the API

    def has_change_permission(self, request, obj=None):
        return False
