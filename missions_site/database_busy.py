"""SpatiaLite (the demo's database) serialises writers. Each write waits for the one before it:
transactions take the write lock when they begin, and SQLite's busy handler retries with backoff
for SQLITE_BUSY_TIMEOUT_S (settings/base.py). A request still refused after that wait is answered
here, in one place, with 503 and Retry-After (the MDT retries with its Idempotency-Key), never 500.
"""

import logging

from django.db import OperationalError
from django.shortcuts import render

from .api_errors import problem_response

logger = logging.getLogger(__name__)
BUSY = "database is locked"
RETRY_AFTER_S = 5
MESSAGE = "The database is busy with other changes; try again in a few seconds."


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and BUSY in str(exception)):
            return None
        logger.warning(
            "%s %s: the database stayed locked; answered 503.", request.method, request.path
        )
        if request.path.startswith("/api/"):
            response = problem_response(503, MESSAGE, "database_busy")
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
