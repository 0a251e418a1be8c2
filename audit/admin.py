"""The audit log in the admin, read-only. Every other admin's changes are recorded by the site
(audit.admin_site)."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "role", "action", "outcome", "object_type", "object_id", "source_address")
    list_filter = ("outcome", "action")
    search_fields = ("actor_username", "action", "object_type", "object_id", "request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
