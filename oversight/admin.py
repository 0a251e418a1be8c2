from django.contrib import admin

from .models import PublicationSettings


@admin.register(PublicationSettings)
class PublicationSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "months", "updated_at")
    fieldsets = (
        (
            "Sections published on /public/ and /public.json",
            {"fields": PublicationSettings.SECTIONS},
        ),
        ("Period and text", {"fields": ("months", "introduction")}),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PublicationSettings.objects.exists()
