"""The hash chain: each event's SHA-256 covers its own fields and the previous event's hash.

Pure functions over plain values, so `verify_audit` recomputes exactly what `record` wrote.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = ""
HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_username",
    "role",
    "source_address",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "reason_code",
    "reason",
    "before",
    "after",
    "previous_hash",
)


def to_json_value(value):
    """What a JSONField gives back after a round trip, so the hash is the same when re-read."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def utc_ms(moment: datetime) -> datetime:
    """The moment in UTC, truncated to whole milliseconds (what the log stores)."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def event_hash(fields: dict) -> str:
    canonical = {name: fields.get(name) for name in HASHED_FIELDS}
    canonical["at"] = utc_ms(canonical["at"]).isoformat(timespec="milliseconds")
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
