"""Request ids for the audit log, echoed to the client; the request is kept for the services below."""

import re
import uuid

from . import context

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only when it is short and plain, so it cannot smuggle text into logs.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if SANE_REQUEST_ID.match(incoming) else str(uuid.uuid4())
        token = context.serving(request)
        try:
            response = self.get_response(request)
        finally:
            context.done(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
