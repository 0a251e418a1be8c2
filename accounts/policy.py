"""Who must use a second factor: analysts, supervisors, administrators and auditors always, officers
by setting, and anyone who enrolled a device. One function for the pages, middleware and token API."""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from agency import roles
from missions_site import access

ROLES_REQUIRING_MFA = {roles.ANALYST, roles.SUPERVISOR, roles.ADMINISTRATOR, roles.AUDITOR}


def second_factor_required(user) -> bool:
    if not settings.MFA_ENABLED or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    names = access.roles_of(user)  # read once per request, for the gates too
    if names & ROLES_REQUIRING_MFA:
        return True
    if settings.MFA_REQUIRED_FOR_OFFICERS and roles.OFFICER in names:
        return True
    return has_authenticator(user)


def has_authenticator(user) -> bool:
    """Enrolled: a confirmed TOTP device (recovery codes only ever come with one)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_administrator(user) -> bool:
    return bool(
        user.is_staff or user.is_superuser or user.groups.filter(name=roles.ADMINISTRATOR).exists()
    )
