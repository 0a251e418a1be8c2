from django.contrib import admin

from .models import Tactic


@admin.register(Tactic)
class TacticAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled")
    filter_horizontal = ("crime_types",)
