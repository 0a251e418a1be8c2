"""Admin recording: every add, change and delete in any ModelAdmin is recorded with before/after.

`AuditedAdminSite` (a base of the default site, missions_site.admin_site) gives every registered
ModelAdmin the recording mixin, so no admin can be forgotten. An admin whose writes go through an
audited service says so with `audited_by_service = True` and is not recorded twice.
"""

from django.contrib import admin

from .actions import Action
from .services import record
from .snapshots import snapshot, stored_snapshot


class AuditedModelAdminMixin:
    # The mixin comes first in the MRO, so it reads `audited_by_service` without defining it.

    def save_model(self, request, obj, form, change):
        before = stored_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)
        request._audit_pending = getattr(request, "_audit_pending", {})
        request._audit_pending[(type(obj), obj.pk)] = (before, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # many-to-many are saved here
        obj = form.instance
        before, change = getattr(request, "_audit_pending", {}).pop(
            (type(obj), obj.pk), (None, change)
        )
        self._record(
            request, obj, Action.ADMIN_CHANGE if change else Action.ADMIN_ADD, before, snapshot(obj)
        )

    def delete_model(self, request, obj):
        before, pk = snapshot(obj), obj.pk
        super().delete_model(request, obj)
        self._record(request, obj, Action.ADMIN_DELETE, before, None, pk=pk)

    def delete_queryset(self, request, queryset):
        doomed = [(obj, snapshot(obj), obj.pk) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, before, pk in doomed:
            self._record(request, obj, Action.ADMIN_DELETE, before, None, pk=pk)

    def _record(self, request, obj, action, before, after, *, pk=None):
        if getattr(self, "audited_by_service", False):
            return
        record(
            action=action,
            request=request,
            object_type=obj._meta.label_lower,
            object_id=str(pk if pk is not None else obj.pk),
            before=before,
            after=after,
        )


class AuditedAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdminMixin):
            admin_class = type(admin_class.__name__, (AuditedModelAdminMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their services (which record them): the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
