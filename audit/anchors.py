"""The chain's head hash, written now and then where the application cannot rewrite it (issue 21).

The hash chain shows an event changed or removed, but not a rewrite of the whole table that
recomputes every hash after the change: that chain is whole again. So every hour (and at each
`verify_audit --anchor`) the head's id and hash go to AUDIT_ANCHOR_FILE, opened for appending only
(the administrator makes it append-only for the application's user, `chattr +a`, or mounts it from
another host), and to the `audit.anchor` logger, which the agency ships to its syslog or SIEM. The
rewrite then shows: an anchored event no longer has the hash written down for it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import AuditEvent

logger = logging.getLogger("audit.anchor")
# Found anywhere in a line, so a syslog copy (with its own prefix) is read as well as the file.
ANCHOR_LINE = re.compile(r"audit-head event=(?P<event_id>\d+) hash=(?P<hash>[0-9a-f]{64})")


@dataclass(frozen=True)
class Anchor:
    event_id: int
    hash: str
    line: int  # in the file it was read from, to name it in a report


def write_head_anchor(path: Path | str | None = None) -> str:
    """Append the head event's id and hash (nothing while the log is empty); returns the line."""
    head = AuditEvent.objects.order_by("-pk").values("pk", "hash").first()
    if head is None:
        return ""
    text = f"{timezone.now().isoformat(timespec='seconds')} audit-head event={head['pk']} hash={head['hash']}"
    path = Path(path or settings.AUDIT_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as anchors:  # O_APPEND: never rewrites what is there
        anchors.write(text + "\n")
    logger.info(text)
    return text


def read_anchors(path: Path | str) -> list[Anchor]:
    path = Path(path)
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8", errors="replace") as anchors:
        for number, text in enumerate(anchors, start=1):
            match = ANCHOR_LINE.search(text)
            if match:
                found.append(Anchor(int(match["event_id"]), match["hash"], number))
    return found
