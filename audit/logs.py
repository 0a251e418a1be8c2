"""Structured logs: one JSON object a line, carrying the request id the audit log records for the
same request (RequestIdMiddleware), so a log line and an audit event can be joined. LOG_FORMAT=json
turns it on (settings); docs/deploy.md, "Watching it"."""

import json
import logging
from datetime import UTC, datetime

from .context import current_request

# LogRecord attributes that are not extra fields given by the caller.
_SKIPPED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request",
}


class RequestIdFilter(logging.Filter):
    """Puts the request id of the request being served (or "") on every record."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            # django.request logs its responses (404, 500) after the middleware is done: their
            # records carry the request itself.
            request = getattr(record, "request", None) or current_request()
            record.request_id = getattr(request, "request_id", "") if request is not None else ""
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        for key, value in vars(record).items():
            if key not in _SKIPPED and key not in entry and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
