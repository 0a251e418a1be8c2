"""Error answers of the API that happen before a view runs, in the API's own JSON shape: a NUL
character in the query string (PostgreSQL text cannot hold one, so it would reach the database as
a 500) is a 400 everywhere, and an /api/ URL that matches no route is a JSON 404, not the HTML page.
A request Django refuses as it reads it (an unknown Host, a body past REQUEST_BODY_MAX_BYTES, too
many fields) is a 400 (413 for the size) in JSON under /api/, the site's page elsewhere.
With DEBUG on (`make demo`), a page not found is still handler404's plain page, never Django's
technical 404 that lists every URL pattern.
"""

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed, RequestDataTooBig
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.defaults import bad_request as bad_request_page
from django.views.defaults import page_not_found

API_PREFIX = "/api/"
NUL = "\x00"
NUL_MESSAGE = "The query string contains a NUL character (%00), which no parameter may hold."


class RefuseNulInQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": NUL_MESSAGE}, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class PlainNotFoundInDebugMiddleware:
    """DEBUG only: an unknown URL or a view's Http404 answered by handler404 (`not_found`), as in
    production. Django would otherwise answer with its technical page listing every URL pattern."""

    def __init__(self, get_response):
        if not settings.DEBUG:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as exc:
            return not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and settings.DEBUG:
            return not_found(request, exception)
        return None


def not_found(request, exception=None):
    """handler404: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """handler400: what Django refused while reading the request (its SuspiciousOperation)."""
    if isinstance(exception, RequestDataTooBig):
        limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_000_000:,.1f} MB"
        detail, status = f"The request body is larger than {limit} (REQUEST_BODY_MAX_BYTES).", 413
    elif isinstance(exception, DisallowedHost):
        detail, status = "This server does not answer for that Host.", 400
    else:
        detail, status = "The request could not be read.", 400
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail}, status=status)
    response = bad_request_page(request, exception)
    response.status_code = status
    return response


class WithoutTraceback(logging.Filter):
    """django.security logs each refused request (a scanner's Host header): one line, not a
    traceback, since nothing failed."""

    def filter(self, record):
        record.exc_info, record.exc_text = None, None
        return True
