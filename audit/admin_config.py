"""django.contrib.admin with a default site that records every admin change (audit.admin)."""

from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    default_site = "audit.admin.AuditedAdminSite"
