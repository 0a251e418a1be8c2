from django.contrib import admin

from . import services
from .models import Tactic, TacticUse


@admin.register(Tactic)
class TacticAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "order")
    list_editable = ("enabled", "order")
    filter_horizontal = ("crime_types",)
    audited_by_service = True  # tactics.services records each change

    def save_model(self, request, obj, form, change):
        services.save_tactic(tactic=obj, actor=request.user, crime_types=form.cleaned_data.get("crime_types"))

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
