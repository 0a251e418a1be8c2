"""Denied authorisation attempts as `access.denied` events: Django's PermissionDenied on pages, and
DRF's 401/403 answers on the API (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"])."""

from django.core.exceptions import PermissionDenied
from rest_framework import exceptions as drf_exceptions

from missions_site.api_errors import problem_exception_handler

from .actions import Action
from .services import record

DENIED_STATUSES = (401, 403)


class DeniedAccessMiddleware:
    """After AuthenticationMiddleware, so the event names who was refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            record_denial(request, status=403, reason=str(exception))
        return None  # Django answers the 403 as usual


def exception_handler(exc, context):
    """The API's one exception handler: every error as a problem (missions_site.api_errors), and
    each 401/403 audited."""
    response = problem_exception_handler(exc, context)
    if response is not None and response.status_code in DENIED_STATUSES:
        drf_request = context["request"]
        reason = exc.detail if isinstance(exc, drf_exceptions.APIException) else exc
        record_denial(
            drf_request._request,
            status=response.status_code,
            reason=str(reason),
            actor=getattr(drf_request, "user", None),
        )
    return response


def record_denial(request, *, status: int, reason: str = "", actor=None):
    record(
        action=Action.ACCESS_DENIED,
        request=request,
        actor=actor,
        outcome="denied",
        object_type="url",
        object_id=request.path[:64],
        reason_code=f"http_{status}",
        reason=reason,
        after={"path": request.path, "method": request.method, "status": status},
    )
