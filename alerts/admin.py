from django.contrib import admin

from .models import Alert, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions of a role (every user in that group) are set here; users add their own on
    the alerts page."""

    list_display = ("__str__", "role", "user", "district", "crime_type", "email")
    list_filter = ("role", "district", "crime_type", "email")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("headline", "kind", "district", "crime_type", "created_at", "acknowledged_at")
    list_filter = ("kind", "district", "crime_type")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
