"""Import runs of incidents: a file (command, upload page, watched folder) or an API batch.

One write path for all of them (`_execute`): read in chunks → validate → stage → one transaction
that upserts, stores the rejected rows and closes the run. The run row itself is written outside
that transaction, so a process killed mid-import leaves the incidents as they were and a run row
that `close_stale_imports` then closes as failed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import shapely
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agency.models import Agency
from audit.services import record
from jobs.models import JobRun
from jobs.services import fail_job

from ..mapping import Mapping, MappingError, parse_mapping
from ..models import ImportRun, RejectedRow, Source
from ..readers import (
    ROW,
    FileFormatError,
    count_rows,
    detect_format,
    file_columns,
    read_chunks,
    records_frame,
    sniff_csv,
)
from ..selectors import code_lookup
from ..validation import DuplicateTracker, RowContext, validate_chunk
from .sources import mapping_for_source
from .upsert import ApplyCounts, make_stage

logger = logging.getLogger(__name__)

CHUNK_ROWS_DEFAULT = 50_000
API_BATCH_MAX = 5_000
STAGED_PCT = 85  # progress when every row is read and staged; applying takes the rest
REJECTED_BATCH = 5_000
UNMAPPED_CODES_SHOWN = 20
# PostgreSQL advisory-lock namespaces: a running import holds (RUN_LOCK, run id) for its session,
# so any process can tell a live run from one whose process died; (SOURCE_LOCK, source id) is held
# while a run applies, so two runs of one source never interleave.
RUN_LOCK, SOURCE_LOCK = 0x4E57, 0x4E58
API_FIELDS = {
    "external_id": "external_id", "occurred_from": "occurred_from", "occurred_to": "occurred_to",
    "reported_at": "reported_at", "latitude": "latitude", "longitude": "longitude",
    "raw_code": "code", "call_type": "call_type", "priority": "priority",
    "disposition": "disposition", "premise_type": "premise_type", "source_updated_at": "updated_at",
}

Progress = Callable[[float, str], None]


class IdempotencyConflict(ValueError):
    """The idempotency key was used before for a different batch, or its batch is still running."""


def chunk_rows() -> int:
    return int(getattr(settings, "INGEST_CHUNK_ROWS", 0) or os.environ.get(
        "INGEST_CHUNK_ROWS", CHUNK_ROWS_DEFAULT))


def start_run(
    *, source: Source, via: str, file_name: str = "", file_path: str = "", strict: bool = False,
    job: JobRun | None = None, user=None, idempotency_key: str | None = None, payload_hash: str = "",
) -> ImportRun:
    """The run's row, queued; created before any work so that pages can show and poll it."""
    return ImportRun.objects.create(
        source=source, via=via, file_name=file_name, file_path=file_path, strict=strict, job=job,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        idempotency_key=idempotency_key, payload_hash=payload_hash,
    )


def import_incidents_file(
    *, path: str | Path, source: Source, mapping: Mapping | None = None, strict: bool = False,
    run: ImportRun | None = None, via: str = ImportRun.Via.COMMAND, user=None,
    job: JobRun | None = None, progress: Progress | None = None,
) -> ImportRun:
    """Import a CSV, GeoJSON or zipped Shapefile into `source`; returns the closed run.

    A run that could not complete (unreadable file, bad mapping, strict with rejected rows) is
    returned with status failed; unexpected errors also close it as failed, then propagate.
    """
    path = Path(path)
    mapping = mapping or mapping_for_source(source)
    close_stale_imports(source=source)
    run = run or start_run(source=source, via=via, file_name=path.name, strict=strict, job=job,
                           user=user)
    try:
        fmt = detect_format(path, mapping.format)
        if fmt == "csv":
            if "latitude" not in mapping.fields and "x" not in mapping.fields:
                raise MappingError("The mapping names no coordinates (latitude/longitude or x/y).")
            dialect = sniff_csv(path, encoding=mapping.encoding, delimiter=mapping.delimiter)
        else:
            mapping, dialect = mapping.with_geometry_columns(file_columns(path, fmt)), None
        estimate = count_rows(path, fmt)
        chunks = read_chunks(path, columns=mapping.columns, fmt=fmt, chunk_rows=chunk_rows(),
                             dialect=dialect)
    except (MappingError, FileFormatError, OSError) as exc:
        _fail(run, str(exc))
        return _refreshed(run)
    details = {"format": fmt, **({"encoding": dialect.encoding, "delimiter": dialect.delimiter}
                                 if dialect else {})}
    return _execute(run, mapping, chunks, estimate, progress, details)


def push_incidents(
    *, source: Source, records: list[dict], idempotency_key: str, user=None
) -> tuple[ImportRun, bool]:
    """Apply an API batch once per idempotency key; returns (run, replayed)."""
    payload_hash = hashlib.sha256(
        json.dumps(records, sort_keys=True, default=str).encode()
    ).hexdigest()
    existing = ImportRun.objects.filter(source=source, idempotency_key=idempotency_key).first()
    if existing is not None:
        replay = _replay(existing, payload_hash)
        if replay is not None:
            return replay, True
    try:
        with transaction.atomic():
            run = start_run(source=source, via=ImportRun.Via.API, file_name=f"API batch {idempotency_key}",
                            user=user, idempotency_key=idempotency_key, payload_hash=payload_hash)
    except IntegrityError:  # the same batch arrived twice at once: the other request applies it
        existing = ImportRun.objects.get(source=source, idempotency_key=idempotency_key)
        return _replay(existing, payload_hash) or existing, True
    mapping = api_mapping(source)
    frame = records_frame(records, mapping.columns)
    return _execute(run, mapping, [frame], len(records), None, {"format": "json"}), False


def api_mapping(source: Source) -> Mapping:
    """API batches use the incident field names, read in the source's zone with its code map."""
    stored = mapping_for_source(source)
    return parse_mapping({
        "kind": source.kind, "timezone": stored.timezone, "fields": API_FIELDS,
        "codes": stored.codes, "officer_initiated": {"field": "officer_initiated",
                                                     "values": ["true", "1", "yes"]},
    }, preset="api")


def close_stale_imports(*, source: Source | None = None, now=None) -> int:
    """Close as failed the runs whose process died (killed, crashed) or whose job failed."""
    now = now or timezone.now()
    running = ImportRun.objects.filter(status=ImportRun.Status.RUNNING).select_related("job")
    queued = ImportRun.objects.filter(status=ImportRun.Status.QUEUED, job__status=JobRun.Status.FAILED)
    if source is not None:
        running, queued = running.filter(source=source), queued.filter(source=source)
    closed = 0
    for run in running:
        if _owner_alive(run, now):
            continue
        message = "Stopped before finishing (the process was killed or crashed); nothing was applied."
        closed += ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.FAILED, message=message, error=message, finished_at=now
        )
        if run.job is not None and not run.job.is_finished:
            fail_job(job=run.job, error=message)
    for run in queued:
        closed += ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.QUEUED).update(
            status=ImportRun.Status.FAILED, message=run.job.message[:500], error=run.job.error,
            finished_at=now,
        )
    return closed


def _execute(
    run: ImportRun, mapping: Mapping, chunks: Iterable[pd.DataFrame], estimate: int,
    progress: Progress | None, details: dict,
) -> ImportRun:
    progress = progress or (lambda pct, message="": None)
    _acquire_run_lock(run)
    stage = None
    try:
        _mark_running(run)
        agency = Agency.current()
        lookup, code_warnings = code_lookup(mapping)
        ctx = RowContext(timezone=mapping.timezone or agency.timezone, code_lookup=lookup,
                         boundary=_boundary(agency))
        stage, tracker = make_stage(run.source), DuplicateTracker()
        rejected_parts, unmapped = [], Counter()
        total = staged = 0
        for chunk in chunks:
            result = validate_chunk(chunk, mapping, ctx)
            valid, duplicates = tracker.split(result.valid)
            stage.add(valid)
            rejected_parts += [result.rejected, duplicates]
            unmapped.update(valid.loc[valid["crime_type_id"].isna(), "raw_code"].value_counts().to_dict())
            total, staged = total + len(chunk), staged + len(valid)
            pct = STAGED_PCT * min(total / max(estimate, 1), 1)
            _heartbeat(run, progress, pct, f"Read {total:,} rows")
        rejected = pd.concat(rejected_parts, ignore_index=True) if rejected_parts else pd.DataFrame()
        _heartbeat(run, progress, STAGED_PCT, f"Applying {staged:,} rows…")
        with transaction.atomic():
            _lock_source(run.source)
            strict_failure = run.strict and len(rejected) > 0
            counts = ApplyCounts() if strict_failure else stage.apply()
            _save_rejected(run, rejected)
            _finish(run, counts, total=total, rejected=rejected, unmapped=unmapped,
                    repeats=tracker.repeats, strict_failure=strict_failure,
                    details={**details, "warnings": [*mapping.warnings, *code_warnings]})
    except (MappingError, FileFormatError) as exc:
        _fail(run, str(exc))
    except Exception as exc:
        _fail(run, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        raise
    finally:
        if stage is not None:
            stage.close()
        _release_run_lock(run)
    return _refreshed(run)


def _finish(run, counts: ApplyCounts, *, total, rejected, unmapped: Counter, repeats,
            strict_failure, details) -> None:
    n_unmapped = sum(unmapped.values())
    by_reason = rejected["reason_code"].value_counts().to_dict() if len(rejected) else {}
    if strict_failure:
        status = ImportRun.Status.FAILED
        message = f"Strict: {len(rejected):,} rows rejected, so nothing was applied."
    else:
        status = ImportRun.Status.SUCCEEDED
        message = (f"{counts.created:,} created, {counts.updated:,} updated, "
                   f"{counts.unchanged:,} unchanged, {len(rejected):,} rejected, "
                   f"{n_unmapped:,} unmapped.")
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, message=message, total_rows=total, created=counts.created,
        updated=counts.updated, unchanged=counts.unchanged, rejected=len(rejected),
        unmapped=n_unmapped, finished_at=timezone.now(), heartbeat_at=timezone.now(),
        details={
            **details,
            "rejected_by_reason": {str(k): int(v) for k, v in by_reason.items()},
            "unmapped_codes": dict(unmapped.most_common(UNMAPPED_CODES_SHOWN)),
            "repeated_in_file": repeats,
            "not_newer": counts.not_newer,
            "applied": not strict_failure,
        },
    )
    _record_import(run, outcome="failure" if strict_failure else "success", reason=message, counts={
        "total": total, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
        "rejected": len(rejected), "unmapped": n_unmapped,
    })


def _save_rejected(run: ImportRun, rejected: pd.DataFrame) -> None:
    if rejected.empty:
        return
    rows = rejected.sort_values(ROW, kind="stable")
    objects = (
        RejectedRow(run_id=run.pk, row_number=int(r[0]), external_id=str(r[1])[:200],
                    reason_code=r[2], reason=str(r[3])[:500], raw=r[4])
        for r in rows[[ROW, "external_id", "reason_code", "reason", "raw"]].itertuples(index=False)
    )
    RejectedRow.objects.bulk_create(objects, batch_size=REJECTED_BATCH)


def _mark_running(run: ImportRun) -> None:
    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.RUNNING, started_at=now, heartbeat_at=now,
        worker=f"{socket.gethostname()}:{os.getpid()}", message="Reading…",
    )


def _heartbeat(run: ImportRun, progress: Progress, pct: float, message: str) -> None:
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now(), message=message)
    progress(pct, message)


def _fail(run: ImportRun, error: str, detail: str = "") -> None:
    logger.warning("Import run %s failed: %s", run.pk, error)
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED, message=error[:500], error=f"{error}\n\n{detail}".strip(),
        finished_at=timezone.now(),
    )
    _record_import(run, outcome="failure", reason=error[:1000])


def _record_import(run: ImportRun, *, outcome: str, reason: str, counts: dict | None = None) -> None:
    record(action="ingest.import", actor=run.created_by, outcome=outcome, object_type="ingest.importrun",
           object_id=str(run.pk), reason=reason,
           after={"source": run.source.name, "file": run.file_name, "via": run.via, **(counts or {})})


def _replay(existing: ImportRun, payload_hash: str) -> ImportRun | None:
    """The earlier run for a key, or None when it failed and the batch may be applied again."""
    if existing.payload_hash != payload_hash:
        raise IdempotencyConflict("This Idempotency-Key was already used for a different batch.")
    if existing.status == ImportRun.Status.FAILED:
        ImportRun.objects.filter(pk=existing.pk).update(idempotency_key=None)
        return None
    if not existing.is_finished:
        raise IdempotencyConflict("A batch with this Idempotency-Key is still being applied.")
    return existing


def _boundary(agency: Agency):
    if agency.boundary is None:
        return None
    geometry = shapely.from_wkb(bytes(agency.boundary.wkb))
    shapely.prepare(geometry)
    return geometry


def _refreshed(run: ImportRun) -> ImportRun:
    run.refresh_from_db()
    return run


def _owner_alive(run: ImportRun, now) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK, _lock_id(run)])
            if not cursor.fetchone()[0]:
                return True
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, _lock_id(run)])
            return False
    host, _, pid = run.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return _pid_alive(int(pid))
    stale_after = timedelta(minutes=settings.JOB_STALE_AFTER_MINUTES)
    return run.heartbeat_at is not None and run.heartbeat_at > now - stale_after


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _acquire_run_lock(run: ImportRun) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK, _lock_id(run)])


def _release_run_lock(run: ImportRun) -> None:
    if connection.vendor == "postgresql" and connection.connection is not None:
        if connection.needs_rollback:  # inside a broken outer transaction; the session ends it
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, _lock_id(run)])


def _lock_source(source: Source) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SOURCE_LOCK, source.pk % 2**31])


def _lock_id(run: ImportRun) -> int:
    return run.pk % 2**31
