"""The admin site: entry decided by the access matrix (missions_site.access), every add, change and
delete recorded with before/after (audit.admin)."""

from audit.admin_site import AuditedAdminSite

from .access import AdminSite


class MissionsAdminSite(AdminSite, AuditedAdminSite):
    pass
