"""The two clocks of a signed-in session: since sign-in (absolute lifetime) and since the user last
did something (idle timeout). Stored in the session itself, so they hold across web processes."""

from django.conf import settings
from django.utils import timezone

STARTED_AT = "_signed_in_at"
LAST_ACTIVITY_AT = "_last_activity_at"
# Activity is written at most this often, so a page's requests do not each rewrite the session row;
# the idle timeout is exact to within this.
ACTIVITY_RESOLUTION_SECONDS = 60


def start_session_clock(session) -> None:
    now = timezone.now().timestamp()
    session[STARTED_AT] = now
    session[LAST_ACTIVITY_AT] = now


def session_expired(session) -> str | None:
    """'absolute' or 'idle' when the session must end now, else None."""
    now = timezone.now().timestamp()
    started = session.get(STARTED_AT, now)
    last = session.get(LAST_ACTIVITY_AT, started)
    if now - started > settings.SESSION_ABSOLUTE_LIFETIME_HOURS * 3600:
        return "absolute"
    if now - last > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
        return "idle"
    return None


def note_activity(session) -> None:
    now = timezone.now().timestamp()
    if now - session.get(LAST_ACTIVITY_AT, 0) >= ACTIVITY_RESOLUTION_SECONDS:
        session.setdefault(STARTED_AT, now)
        session[LAST_ACTIVITY_AT] = now
