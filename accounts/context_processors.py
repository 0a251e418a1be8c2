"""The login banner, whether the second factor is on and single sign-on, for the sign-in pages."""

from django.conf import settings


def security(request):
    return {
        "mfa_enabled": settings.MFA_ENABLED,
        "login_banner": settings.LOGIN_BANNER_TEXT,
        "oidc_enabled": settings.OIDC_ENABLED,
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
    }
