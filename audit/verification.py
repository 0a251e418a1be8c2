"""Walk the hash chain and name the first event that was changed or whose predecessor is missing."""

from __future__ import annotations

from dataclasses import dataclass

from .actions import Action
from .chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from .models import AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    problem: str = ""
    event_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problem


def verify_chain(*, expect_hash: str = "") -> ChainReport:
    """Recompute every hash in id order; `expect_hash` (a head recorded off-box) must still be there."""
    starts = {GENESIS_HASH} | purge_anchors()
    previous = None
    seen_expected = not expect_hash
    checked = 0
    for row in (
        AuditEvent.objects.order_by("pk")
        .values("id", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=2000)
    ):
        checked += 1
        if previous is None and row["previous_hash"] not in starts:
            return ChainReport(
                checked, "", f"event {row['id']}: the events before it are missing", row["id"]
            )
        if previous is not None and row["previous_hash"] != previous:
            return ChainReport(
                checked, "", f"event {row['id']}: the event before it is missing", row["id"]
            )
        if event_hash(row) != row["hash"]:
            return ChainReport(
                checked, "", f"event {row['id']}: its content was changed", row["id"]
            )
        previous = row["hash"]
        seen_expected = seen_expected or previous == expect_hash
    if not seen_expected:
        return ChainReport(
            checked, previous or "", f"the expected event {expect_hash} is missing (tail removed?)"
        )
    return ChainReport(checked, previous or GENESIS_HASH)


def check_anchors(anchors) -> ChainReport | None:
    """Each head written down earlier (audit.anchors) must still be in the log with the same hash;
    one purged past retention is skipped. The first that differs, as a report; None if all hold."""
    hashes = dict(
        AuditEvent.objects.filter(pk__in={a.event_id for a in anchors}).values_list("pk", "hash")
    )
    first_kept = AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first()
    purged = bool(purge_anchors())
    for anchor in anchors:
        found = hashes.get(anchor.event_id)
        if found is None and purged and first_kept is not None and anchor.event_id < first_kept:
            continue
        if found is None:
            problem = f"event {anchor.event_id}, anchored (line {anchor.line}), is missing"
        elif found != anchor.hash:
            problem = (
                f"event {anchor.event_id} has another hash than the one anchored"
                f" (line {anchor.line}): the log was rewritten"
            )
        else:
            continue
        return ChainReport(len(anchors), "", problem, anchor.event_id)
    return None


def purge_anchors() -> set[str]:
    """Hashes of the last event each purge removed: where the kept chain may begin."""
    afters = AuditEvent.objects.filter(action=Action.AUDIT_PURGE).values_list("after", flat=True)
    return {after["anchor_hash"] for after in afters if after and after.get("anchor_hash")}
