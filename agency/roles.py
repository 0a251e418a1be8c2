"""The four roles as Django groups, and which permissions each holds.

Permissions are named per app/model so later apps can add theirs; `sync_roles` is idempotent
and runs after every migrate.
"""

from django.contrib.auth.models import Group, Permission

OFFICER = "Officer"
ANALYST = "Analyst"
SUPERVISOR = "Supervisor"
ADMINISTRATOR = "Administrator"
ROLES = (OFFICER, ANALYST, SUPERVISOR, ADMINISTRATOR)

# (app_label, codename prefix or full codename). "view_*" of every model of an app = ("app", "view_").
ROLE_PERMISSIONS = {
    OFFICER: [
        ("agency", "view_"),
        ("tactics", "view_"),
        ("missions", "view_"),
        ("missions", "patrol_mission"),  # start, ping, complete and report missions
    ],
    ANALYST: [
        ("agency", "view_"),
        ("agency", "change_crimetype"),
        ("ingest", ""),
        ("forecasting", ""),
        ("missions", ""),
        ("tactics", ""),
        ("jobs", "view_"),
    ],
    SUPERVISOR: [
        ("agency", "view_"),
        ("ingest", "view_"),
        ("forecasting", "view_"),
        ("missions", "view_"),
        ("missions", "read_audit"),
        ("missions", "evaluate_missions"),  # control boxes and outcome evaluation
        ("tactics", "view_"),
        ("jobs", "view_"),
    ],
    ADMINISTRATOR: [
        ("agency", ""),
        ("auth", ""),
        ("authtoken", ""),
        ("ingest", ""),
        ("forecasting", ""),
        ("missions", ""),
        ("tactics", ""),
        ("jobs", ""),
        ("oversight", ""),  # what the public transparency page publishes
        ("django_celery_beat", ""),
    ],
}


def sync_roles() -> dict[str, Group]:
    groups = {}
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.none()
        for app_label, prefix in grants:
            perms = perms | Permission.objects.filter(
                content_type__app_label=app_label, codename__startswith=prefix
            )
        group.permissions.set(perms.distinct())
        groups[role] = group
    return groups


def role_of(user) -> str | None:
    """The user's main role for choosing a home page; superusers are administrators."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMINISTRATOR
    names = set(user.groups.values_list("name", flat=True))
    for role in (ADMINISTRATOR, ANALYST, SUPERVISOR, OFFICER):
        if role in names:
            return role
    return None
