"""Two gates after authentication: sessions end server-side when idle or too old, and a user who
must use a second factor reaches nothing but verification or enrolment until he has."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from missions_site.api_errors import problem_response

from .policy import has_authenticator, second_factor_required
from .session_clock import note_activity, session_expired

# Pages a signed-in but not yet verified user may reach.
MFA_OPEN_URL_NAMES = {
    "login",
    "logout",
    "mfa-verify",
    "mfa-enrol",
    "mfa-qr",
    "oidc-login",  # signing in again through the directory
    "oidc-callback",
}
EXPIRY_MESSAGES = {
    "idle": "You were signed out after {minutes} minutes without activity.",
    "absolute": "You were signed out: a session lasts at most {hours} hours.",
}


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = session_expired(request.session)
            if expired:
                logout(request)
                messages.info(
                    request,
                    EXPIRY_MESSAGES[expired].format(
                        minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES,
                        hours=settings.SESSION_ABSOLUTE_LIFETIME_HOURS,
                    ),
                )
            elif not is_background_poll(request):
                note_activity(request.session)
        return self.get_response(request)


def is_background_poll(request) -> bool:
    """Timers in the page (the MDT's refresh and GPS pings) say so; they must not keep a session alive."""
    return request.headers.get(settings.BACKGROUND_POLL_HEADER) == "1"


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not self._is_open(request)
            and second_factor_required(user)
        ):
            if request.path.startswith("/api/"):
                return problem_response(
                    403,
                    "A second factor is required: sign in again and verify.",
                    "second_factor_required",
                )
            target = "mfa-verify" if has_authenticator(user) else "mfa-enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _is_open(request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            return resolve(request.path_info).url_name in MFA_OPEN_URL_NAMES
        except Resolver404:
            return True  # a 404 reveals nothing
