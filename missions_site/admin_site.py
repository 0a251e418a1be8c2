"""The admin site: entry decided by the access matrix (missions_site.access), every add, change and
delete recorded with before/after (audit.admin)."""

from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control

from audit.admin_site import AuditedAdminSite

from .access import AdminSite

# The admin's JavaScript translation catalog is the same on every admin page (one language, no
# LocaleMiddleware), and Django gives it no lifetime: each page asked for it again before it ran.
JS_CATALOG_SECONDS = 60 * 60


class MissionsAdminSite(AdminSite, AuditedAdminSite):
    @method_decorator(cache_control(private=True, max_age=JS_CATALOG_SECONDS))
    def i18n_javascript(self, request, extra_context=None):
        return super().i18n_javascript(request, extra_context)
