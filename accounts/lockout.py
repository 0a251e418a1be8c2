"""django-axes handler: failures count within a short window (AXES_COOLOFF_TIME), but once an account
or address reaches the limit the lock stays until an administrator unlocks it (accounts.services).

Axes alone either forgets failures after the cool-off (and then unlocks by itself) or never forgets
them (five typos over a year lock an account); CJIS asks for both a window and an administrator unlock.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.db.models import F, Q
from django.db.models.functions import Greatest


class LockedUntilUnlockedHandler(AxesDatabaseHandler):
    def get_user_attempts(self, request, credentials=None):
        threshold = get_cool_off_threshold(request)
        locked = Q(failures_since_start__gte=get_failure_limit(request, credentials))
        return [
            attempts.filter(Q(attempt_time__gte=threshold) | locked)
            for attempts in self.filter_user_attempts(request, credentials)
        ]

    def clean_expired_user_attempts(self, request=None, credentials=None):
        if request is None:
            return 0
        threshold = get_cool_off_threshold(request)
        limit = get_failure_limit(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            attempt_time__lt=threshold, failures_since_start__lt=limit
        ).delete()
        return count

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is not None and getattr(request, "axes_locked_out", False):
            # The limit may have been reached across several rows (one per address): pin this row at
            # the limit so the lock outlives the window until an administrator removes it.
            limit = get_failure_limit(request, credentials)
            AccessAttempt.objects.filter(
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
            ).update(failures_since_start=Greatest(F("failures_since_start"), limit))
