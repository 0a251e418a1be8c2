"""Limits on what a request body may hold, enforced while it is read (issue 21):

- JSON bodies of the API nested deeper than JSON_MAX_DEPTH are a 400 in JSON (Python's decoder
  would recurse until RecursionError: a 500 for 1,000 `[`);
- an uploaded file stops being received at UPLOAD_MAX_BYTES (`UploadLimitHandler`, first of
  FILE_UPLOAD_HANDLERS), rather than written to disk in full and measured afterwards.

Bodies past DATA_UPLOAD_MAX_MEMORY_SIZE (REQUEST_BODY_MAX_BYTES) are answered by api_errors.bad_request.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

JSON_MAX_DEPTH = 32  # the deepest body the API takes (a MultiPolygon inside a request) is under 10
TOO_DEEP = f"The JSON body is nested deeper than {JSON_MAX_DEPTH} levels."
# Room for the form's other fields (CSRF token, source, mapping) in a multipart body around one file.
MULTIPART_FIELDS_ALLOWANCE = 1_000_000


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if deeper_than(data, JSON_MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data


def deeper_than(value, limit: int) -> bool:
    """Whether lists and objects nest past `limit` (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def upload_refusal(request) -> str:
    """Why UploadLimitHandler stopped this request's upload, or ''."""
    return getattr(request, "upload_refused", "")


class UploadLimitHandler(FileUploadHandler):
    """Counts each file's bytes as they arrive and stops the upload once one passes UPLOAD_MAX_BYTES
    (or at once, when the declared length already does): nothing past the limit is read, so
    nothing past it reaches memory or disk. The page says why (`upload_refusal`)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.declared_length = content_length

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        if self.declared_length > settings.UPLOAD_MAX_BYTES + MULTIPART_FIELDS_ALLOWANCE:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) keeps the file

    def _refuse(self):
        limit = f"{settings.UPLOAD_MAX_BYTES / 1_000_000:,.1f} MB"
        self.request.upload_refused = (
            f"{self.file_name} is larger than {limit}; files of at most {limit} can be uploaded."
            " Its upload was stopped there and nothing was kept."
        )
        raise StopUpload(connection_reset=True)
