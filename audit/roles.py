"""The role an audit row names, from the user's group names (audit sits beneath agency, so it does
not import agency.roles; the precedence mirrors agency.roles.role_of and is a setting)."""

from django.conf import settings

# Highest first: a user in several groups is recorded under the most powerful one.
DEFAULT_ROLE_PRECEDENCE = ("Administrator", "Auditor", "Analyst", "Supervisor", "Officer")
SUPERUSER_ROLE = "superuser"


def role_from_groups(group_names, *, is_superuser: bool = False) -> str:
    if is_superuser:
        return SUPERUSER_ROLE
    names = set(group_names)
    for role in getattr(settings, "AUDIT_ROLE_PRECEDENCE", DEFAULT_ROLE_PRECEDENCE):
        if role in names:
            return role
    return ""


def role_of_user(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return role_from_groups(user.groups.values_list("name", flat=True), is_superuser=user.is_superuser)
