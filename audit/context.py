"""The request being served, so services deep below a view can record its address and request id
without every service taking a request argument (set by RequestIdMiddleware)."""

from contextvars import ContextVar

_current_request = ContextVar("audit_current_request", default=None)


def current_request():
    return _current_request.get()


def serving(request):
    """Mark `request` as the one being served; returns the token to pass to `done`."""
    return _current_request.set(request)


def done(token) -> None:
    _current_request.reset(token)
