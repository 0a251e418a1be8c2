"""The roles as Django groups, and which permissions each holds.

Permissions are named per app/model so later apps can add theirs; `sync_roles` is idempotent
and runs after every migrate.
"""

from django.contrib.auth.models import Group, Permission

# The role names and who holds which are defined once, with the access matrix.
from missions_site.access import ADMINISTRATOR, ANALYST, AUDITOR, FEED, OFFICER, SUPERVISOR

ROLES = (OFFICER, ANALYST, SUPERVISOR, ADMINISTRATOR, AUDITOR, FEED)

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
        ("geo", ""),
        ("patrol", "view_"),
        ("patrol", "change_rosterentry"),  # the roster: import, edit
        ("forecasting", ""),
        ("missions", ""),
        ("tactics", ""),
        ("jobs", "view_"),
    ],
    SUPERVISOR: [
        ("agency", "view_"),
        ("ingest", "view_"),
        ("geo", "view_"),
        ("patrol", "view_"),
        ("patrol", "change_rosterentry"),  # the roster of their district(s)
        ("forecasting", "view_"),
        ("missions", "view_"),
        ("missions", "evaluate_missions"),  # control boxes and outcome evaluation
        ("tactics", "view_"),
        ("jobs", "view_"),
    ],
    ADMINISTRATOR: [
        ("agency", ""),
        ("auth", ""),
        ("knox", ""),
        ("axes", ""),
        ("accounts", ""),
        ("otp_totp", ""),
        ("ingest", ""),
        ("geo", ""),
        ("patrol", ""),
        ("forecasting", ""),
        ("missions", ""),
        ("tactics", ""),
        ("jobs", ""),
        ("oversight", ""),  # what the public transparency page publishes
        ("alerts", ""),  # roles' alert subscriptions (the alerts themselves are read-only there)
        ("django_celery_beat", ""),
        ("audit", "view_"),  # read the audit log; nobody can change it
        ("audit", "read_audit"),
    ],
    AUDITOR: [
        ("audit", "read_audit"),
    ],
    FEED: [
        ("ingest", "add_incident"),  # the push; which sources: ingest.FeedCredential.sources
        ("ingest", "view_importrun"),  # its own runs
        ("patrol", "add_position"),  # vehicle positions
        ("patrol", "change_rosterentry"),  # the CAD's roster push
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
