"""The role an audit row names: the user's main role from the access matrix, or "superuser"."""

from missions_site.access import main_role

SUPERUSER_ROLE = "superuser"


def role_of_user(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    if user.is_superuser:
        return SUPERUSER_ROLE
    return main_role(user) or ""
