"""django-axes handler: failures count within a short window (AXES_COOLOFF_TIME), but once a key
reaches the limit it stays locked until an administrator unlocks it (accounts.services). The keys
(AXES_LOCKOUT_PARAMETERS) are an account *from one address*, and an address: five wrong passwords
for a known username lock that username from the stranger's address only, never its owner elsewhere.

Axes alone either forgets failures after the cool-off (and so unlocks by itself) or never forgets
them (five typos over a year lock an account). Here reaching the limit leaves a marker row for the
key that locked (account and address, or address), which only an unlock removes.
"""

from axes.attempts import get_cool_off_threshold
from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.db.models import Q, Sum
from django.shortcuts import render

from missions_site.api_errors import problem_response

LOCK_MARKER = "(locked until an administrator unlocks)"  # the marker rows' user agent
LOCKED_MESSAGE = (
    "Too many failed sign-ins from this address. An administrator"
    " must unlock it; contact your system administrator."
)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the API's JSON shape under /api/ (as its schema says), the page elsewhere."""
    status = axes_settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return problem_response(status, LOCKED_MESSAGE, "locked_out")
    return render(
        request, axes_settings.AXES_LOCKOUT_TEMPLATE, {"message": LOCKED_MESSAGE}, status=status
    )


class LockedUntilUnlockedHandler(AxesDatabaseHandler):
    def get_user_attempts(self, request, credentials=None):
        threshold = get_cool_off_threshold(request)
        return [
            attempts.filter(Q(attempt_time__gte=threshold) | Q(user_agent=LOCK_MARKER))
            for attempts in self.filter_user_attempts(request, credentials)
        ]

    def clean_expired_user_attempts(self, request=None, credentials=None):
        if request is None:
            return 0
        old = AccessAttempt.objects.filter(attempt_time__lt=get_cool_off_threshold(request))
        count, _ = old.exclude(user_agent=LOCK_MARKER).delete()
        return count

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        already_locked = getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or already_locked or not getattr(request, "axes_locked_out", False):
            return
        limit = get_failure_limit(request, credentials)
        parameters = get_client_parameters(
            get_client_username(request, credentials),
            request.axes_ip_address,
            request.axes_user_agent,
            request,
            credentials,
        )
        for match, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            if (attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0) >= limit:
                # Only the key that reached the limit (this account here, or this address) is locked.
                AccessAttempt.objects.get_or_create(
                    **{"username": None, "ip_address": None, **match},
                    user_agent=LOCK_MARKER,
                    defaults={
                        "failures_since_start": limit,
                        "get_data": "",
                        "post_data": "",
                        "http_accept": "",
                        "path_info": request.axes_path_info,
                    },
                )
