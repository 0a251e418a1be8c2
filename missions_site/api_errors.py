"""The API's one error shape (RFC 9457 problem details, docs/api.md, ADR 0027) and the error
answers that happen before a view runs.

Every 4xx (and 5xx the API itself answers) under /api/ is `application/problem+json`:

    {"type": "urn:missions:problem:<code>", "title": <the status's phrase>, "status": <int>,
     "detail": <what went wrong, in words>, "code": <machine code>,
     "errors": [{"field": <dotted path or null>, "row": <1-based row in a list or null>,
                 "reason": <words>, "code": <machine code>}]}

`problem_exception_handler` turns every DRF exception into it (the one exception handler:
audit.denials.exception_handler wraps it to audit 401/403); `Problem` is the exception views raise
for an answer of their own (a 409 with the mission, a 422 of a reused key); `problem_response`
answers from middleware and Django's handlers, outside DRF.

Before the view runs: a NUL
character in the query string (PostgreSQL text cannot hold one, so it would reach the database as
a 500) is a 400 everywhere, and an /api/ URL that matches no route is a JSON 404, not the HTML page.
A request Django refuses as it reads it (an unknown Host, a body past REQUEST_BODY_MAX_BYTES, too
many fields) is a 400 (413 for the size) in JSON under /api/, the site's page elsewhere.
With DEBUG on (`make demo`), a page not found is still handler404's plain page, never Django's
technical 404 that lists every URL pattern.
"""

import logging
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed, RequestDataTooBig
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.defaults import bad_request as bad_request_page
from django.views.defaults import page_not_found
from rest_framework import exceptions, status

API_PREFIX = "/api/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:missions:problem:"
ROW_LISTS = ("incidents", "positions", "visits")  # list fields whose items are rows (1 = first)


class Problem(exceptions.APIException):
    """An answer of the view's own in the one error shape: `extra` members go beside the standard
    ones (documented per operation, e.g. the mission of a 409)."""

    def __init__(
        self,
        detail: str,
        *,
        status_code: int,
        code: str,
        errors: list[dict] | None = None,
        headers: dict | None = None,
        **extra,
    ):
        super().__init__(detail, code)
        self.status_code = status_code
        self.problem_code = code
        self.errors = errors or []
        self.extra = extra
        self.headers = headers or {}


def problem(
    status_code: int, detail: str, code: str, errors: list[dict] | None = None, **extra
) -> dict:
    """The body of a problem answer."""
    return {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
        "errors": errors or [],
        **extra,
    }


def problem_response(status_code: int, detail: str, code: str, **headers) -> JsonResponse:
    """A problem answered outside DRF (middleware, Django's error handlers)."""
    response = JsonResponse(
        problem(status_code, detail, code), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def problem_exception_handler(exc, context):
    """REST_FRAMEWORK's exception handler (through audit.denials): DRF's answer, in the one shape."""
    from rest_framework.views import exception_handler as drf_exception_handler  # not at setup

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Problem):
        body = problem(exc.status_code, str(exc.detail), exc.problem_code, exc.errors, **exc.extra)
        for name, value in exc.headers.items():
            response[name] = value
    elif isinstance(exc, exceptions.ValidationError):
        # A view may say in words what went wrong beside the fields: {"detail": …, <field>: …}.
        fields, said = exc.detail, None
        if isinstance(fields, dict) and "detail" in fields:
            fields = {k: v for k, v in fields.items() if k != "detail"}
            said = exc.detail["detail"]
            said = str(said[0] if isinstance(said, list) and said else said)
        errors = field_errors(fields)
        body = problem(response.status_code, said or _summary(errors), "invalid", errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = problem(response.status_code, str(detail), str(code))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def field_errors(detail, field: str = "", row: int | None = None) -> list[dict]:
    """DRF's nested validation detail as a flat list: `field` is the dotted path to the value
    (null for the request as a whole), `row` the 1-based item of a list of rows."""
    if isinstance(detail, dict):
        found = []
        rows = field.split(".")[-1] in ROW_LISTS and row is None
        for key, value in detail.items():
            if rows and str(key).isdigit():  # a list's errors keyed by index: a row
                found += field_errors(value, field, int(key) + 1)
                continue
            name = "" if key in ("non_field_errors", "detail") else str(key)
            found += field_errors(value, f"{field}.{name}".strip(".") if name else field, row)
        return found
    if isinstance(detail, list):
        found = []
        rows = field.split(".")[-1] in ROW_LISTS
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                item_row = index + 1 if rows and row is None else row
                item_field = field if rows else f"{field}.{index}".strip(".")
                found += field_errors(value, item_field, item_row)
            else:
                found += field_errors(value, field, row)
        return found
    return [
        {
            "field": field or None,
            "row": row,
            "reason": str(detail),
            "code": str(getattr(detail, "code", None) or "invalid"),
        }
    ]


def _summary(errors: list[dict]) -> str:
    if len(errors) == 1:
        where = _where(errors[0])
        return f"{where}: {errors[0]['reason']}" if where else errors[0]["reason"]
    places = sorted({_where(e) or "the request" for e in errors})
    return f"{len(errors)} problems in the request ({', '.join(places[:10])}): see errors."


def _where(error: dict) -> str:
    parts = [f"row {error['row']}"] if error.get("row") else []
    if error.get("field"):
        parts.append(error["field"])
    return " ".join(parts)


NUL = "\x00"
NUL_MESSAGE = "The query string contains a NUL character (%00), which no parameter may hold."


class RefuseNulInQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
            if request.path.startswith(API_PREFIX):
                return problem_response(status.HTTP_400_BAD_REQUEST, NUL_MESSAGE, "nul_in_query")
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
        return problem_response(status.HTTP_404_NOT_FOUND, "Not found.", "not_found")
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """handler400: what Django refused while reading the request (its SuspiciousOperation)."""
    if isinstance(exception, RequestDataTooBig):
        limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_000_000:,.1f} MB"
        detail = f"The request body is larger than {limit} (REQUEST_BODY_MAX_BYTES)."
        answer, code = 413, "too_large"
    elif isinstance(exception, DisallowedHost):
        detail, answer, code = "This server does not answer for that Host.", 400, "unknown_host"
    else:
        detail, answer, code = "The request could not be read.", 400, "unreadable"
    if request.path.startswith(API_PREFIX):
        return problem_response(answer, detail, code)
    response = bad_request_page(request, exception)
    response.status_code = answer
    return response


class WithoutTraceback(logging.Filter):
    """django.security logs each refused request (a scanner's Host header): one line, not a
    traceback, since nothing failed."""

    def filter(self, record):
        record.exc_info, record.exc_text = None, None
        return True
