"""The login banner and whether the second factor is on, for the sign-in pages."""

from django.conf import settings


def security(request):
    return {"mfa_enabled": settings.MFA_ENABLED, "login_banner": settings.LOGIN_BANNER_TEXT}
