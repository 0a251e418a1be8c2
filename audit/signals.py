"""Django's own events as audit events: logins, failed logins, logouts, and changes to who may do
what (group membership, permissions, the active/staff/superuser flags), whoever makes them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from .actions import Action
from .context import current_request
from .services import record

User = get_user_model()
ACCESS_FLAGS = ("is_active", "is_staff", "is_superuser")
# The event of each membership change, by verb.
USER_GROUPS = {
    "add": Action.AUTH_USER_GROUPS_ADD,
    "remove": Action.AUTH_USER_GROUPS_REMOVE,
    "clear": Action.AUTH_USER_GROUPS_CLEAR,
}
USER_PERMISSIONS = {
    "add": Action.AUTH_USER_PERMISSIONS_ADD,
    "remove": Action.AUTH_USER_PERMISSIONS_REMOVE,
    "clear": Action.AUTH_USER_PERMISSIONS_CLEAR,
}
GROUP_PERMISSIONS = {
    "add": Action.AUTH_GROUP_PERMISSIONS_ADD,
    "remove": Action.AUTH_GROUP_PERMISSIONS_REMOVE,
    "clear": Action.AUTH_GROUP_PERMISSIONS_CLEAR,
}


@receiver(user_logged_in)
def login_succeeded(sender, request, user, **kwargs):
    record(
        action=Action.AUTH_LOGIN,
        request=request,
        actor=user,
        object_type="auth.user",
        object_id=str(user.pk),
    )


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password masked by Django; only the name tried is kept.
    username = str(credentials.get("username", ""))[:150]
    record(
        action=Action.AUTH_LOGIN_FAILED,
        request=request,
        outcome="failure",
        object_type="auth.user",
        object_id=username[:64],
        reason_code="bad_credentials",
        reason=f"Login refused for {username!r}.",
    )


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    record(
        action=Action.AUTH_LOGOUT,
        request=request,
        actor=user,
        object_type="auth.user",
        object_id=str(user.pk) if user else "",
    )


@receiver(pre_save, sender=User)
def remember_access_flags(sender, instance, raw=False, update_fields=None, **kwargs):
    # A login saves only last_login: no flag can change, so no query.
    if (
        raw
        or instance.pk is None
        or (update_fields is not None and not set(update_fields) & set(ACCESS_FLAGS))
    ):
        instance._audit_flags_before = None
        return
    instance._audit_flags_before = (
        User._default_manager.filter(pk=instance.pk).values(*ACCESS_FLAGS).first()
    )


@receiver(post_save, sender=User)
def access_flags_changed(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_audit_flags_before", None)
    after = {flag: getattr(instance, flag) for flag in ACCESS_FLAGS}
    if raw or created or before is None or before == after:
        return
    record(
        action=Action.AUTH_USER_ACCESS_FLAGS,
        request=current_request(),
        object_type="auth.user",
        object_id=str(instance.pk),
        before=before,
        after=after,
    )


@receiver(m2m_changed, sender=User.groups.through)
def groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _membership_changed(USER_GROUPS, instance, action, reverse, model, pk_set, "groups")


@receiver(m2m_changed, sender=User.user_permissions.through)
def user_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _membership_changed(
        USER_PERMISSIONS, instance, action, reverse, model, pk_set, "user_permissions"
    )


@receiver(m2m_changed, sender=Group.permissions.through)
def group_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _membership_changed(GROUP_PERMISSIONS, instance, action, reverse, model, pk_set, "permissions")


def _membership_changed(actions, instance, action, reverse, model, pk_set, field):
    """One event per add/remove/clear on the owning side (the user, or the group for permissions),
    naming the groups or permissions (app.codename) involved."""
    verb = {"post_add": "add", "post_remove": "remove", "pre_clear": "clear"}.get(action)
    if verb is None or (verb != "clear" and not pk_set):
        return
    request = current_request()
    if reverse:  # e.g. group.user_set.add(user): `instance` is the group, pk_set the users
        for pk in sorted(
            pk_set
            or getattr(instance, model._meta.model_name + "_set").values_list("pk", flat=True)
        ):
            record(
                action=actions[verb],
                request=request,
                object_type=model._meta.label_lower,
                object_id=str(pk),
                after={verb: [_label(instance)]},
            )
        return
    members = (
        model._default_manager.filter(pk__in=pk_set) if pk_set else getattr(instance, field).all()
    )
    record(
        action=actions[verb],
        request=request,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        after={verb: sorted(_label(m) for m in members.select_related())},
    )


def _label(obj) -> str:
    if isinstance(obj, Permission):
        return f"{obj.content_type.app_label}.{obj.codename}"
    return str(getattr(obj, "name", obj.pk))
