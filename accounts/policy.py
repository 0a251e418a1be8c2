"""Who must use a second factor: analysts, supervisors and administrators always, officers by setting,
and anyone who enrolled a device. One function, used by the pages, the middleware and the token API."""

from django.conf import settings
from django_otp import user_has_device

from agency import roles

ROLES_REQUIRING_MFA = {roles.ANALYST, roles.SUPERVISOR, roles.ADMINISTRATOR}


def second_factor_required(user) -> bool:
    if not settings.MFA_ENABLED or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    names = set(user.groups.values_list("name", flat=True))
    if names & ROLES_REQUIRING_MFA:
        return True
    if settings.MFA_REQUIRED_FOR_OFFICERS and roles.OFFICER in names:
        return True
    return user_has_device(user)


def is_administrator(user) -> bool:
    return bool(
        user.is_staff or user.is_superuser or user.groups.filter(name=roles.ADMINISTRATOR).exists()
    )
