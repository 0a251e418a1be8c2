"""The Django admin app (INSTALLED_APPS) with a site that asks the access matrix who may enter and
records every change in the audit log."""

from django.contrib.admin.apps import AdminConfig


class MissionsAdminConfig(AdminConfig):
    default_site = "missions_site.admin_site.MissionsAdminSite"
