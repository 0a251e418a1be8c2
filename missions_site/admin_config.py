"""The Django admin app with the site that asks the access matrix who may enter (INSTALLED_APPS)."""

from django.contrib.admin.apps import AdminConfig


class MissionsAdminConfig(AdminConfig):
    default_site = "missions_site.access.AdminSite"
