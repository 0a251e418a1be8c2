"""The audit log in the admin, read-only. Every other admin's changes are recorded by the site
(audit.admin_site)."""

from django.contrib import admin

from .admin_site import ReadOnlyAdmin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "actor_username",
        "role",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "source_address",
    )
    list_filter = ("outcome", "action")
    search_fields = ("actor_username", "action", "object_type", "object_id", "request_id")
    date_hierarchy = "at"
