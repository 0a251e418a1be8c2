"""Import runs of incidents: a file (command, upload page, watched folder) or an API batch.

Every import runs under its own `jobs.JobRun`, which owns its status, progress, liveness and
failure; the ImportRun row holds the outcome. One write path for all of them (`run_import`): read
in chunks → validate → stage → one transaction that upserts, stores the rejected rows and the
counts. A process killed mid-import leaves the incidents as they were and a running job that
`jobs.services.close_stale_jobs` closes as failed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
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
from audit.actions import Action
from audit.services import record
from jobs.models import JobRun
from jobs.services import JobFailed, create_job, run_job
from missions_site.server_paths import hide_server_paths

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
from ..sniffing import check_content
from ..validation import DuplicateTracker, RowContext, validate_chunk
from .sources import mapping_for_source
from .upsert import ApplyCounts, make_stage

logger = logging.getLogger(__name__)

IMPORT_KIND = "import_incidents"
CHUNK_ROWS_DEFAULT = 50_000
API_BATCH_MAX = 5_000
STAGED_PCT = 85  # progress when every row is read and staged; applying takes the rest
REJECTED_BATCH = 5_000
UNMAPPED_CODES_SHOWN = 20
# PostgreSQL advisory lock (two-key space) held while a run applies, so two runs of one source
# never interleave.
SOURCE_LOCK = 0x4E58
API_FIELDS = {
    "external_id": "external_id",
    "occurred_from": "occurred_from",
    "occurred_to": "occurred_to",
    "reported_at": "reported_at",
    "latitude": "latitude",
    "longitude": "longitude",
    "raw_code": "code",
    "call_type": "call_type",
    "priority": "priority",
    "disposition": "disposition",
    "premise_type": "premise_type",
    "source_updated_at": "updated_at",
}

Progress = Callable[[float, str], None]


class IdempotencyConflict(ValueError):
    """The idempotency key was used before for a different batch, or its batch is still running."""


class IdempotencyKeyReused(IdempotencyConflict):
    """The idempotency key was used before, by the same user, for a different batch (a 422)."""


class ImportFailed(JobFailed):
    """The run could not complete (unreadable file, bad mapping, strict with rejected rows); its
    job is closed as failed with this message."""


def chunk_rows() -> int:
    return int(
        getattr(settings, "INGEST_CHUNK_ROWS", 0)
        or os.environ.get("INGEST_CHUNK_ROWS", CHUNK_ROWS_DEFAULT)
    )


def start_run(
    *,
    source: Source,
    via: str,
    file_name: str = "",
    file_path: str = "",
    strict: bool = False,
    job: JobRun | None = None,
    user=None,
    idempotency_key: str | None = None,
    payload_hash: str = "",
) -> ImportRun:
    """The run's row and its job (created here unless the caller queued one), before any work, so
    that pages can show and poll it."""
    job = job or create_job(
        kind=IMPORT_KIND, user=user, params={"source": source.name, "file": file_name}
    )
    return ImportRun.objects.create(
        source=source,
        via=via,
        file_name=file_name,
        file_path=file_path,
        strict=strict,
        job=job,
        created_by=job.created_by,
        idempotency_key=idempotency_key,
        payload_hash=payload_hash,
    )


def import_incidents_file(
    *,
    path: str | Path,
    source: Source,
    mapping: Mapping | None = None,
    strict: bool = False,
    via: str = ImportRun.Via.COMMAND,
    user=None,
    progress: Progress | None = None,
) -> ImportRun:
    """Import a CSV, GeoJSON or zipped Shapefile into `source` now, in this process, under its own
    job; returns the run, whose job says how it ended (an unexpected error also propagates)."""
    path = Path(path)
    run = start_run(
        source=source,
        via=via,
        file_name=path.name,
        file_path=str(path.resolve()),
        strict=strict,
        user=user,
    )
    run_job(
        str(run.job_id),
        lambda job, report: run_import(run=run, mapping=mapping, progress=_both(report, progress)),
    )
    return _refreshed(run)


def run_import(*, run: ImportRun, progress: Progress, mapping: Mapping | None = None) -> dict:
    """The work of an import job: read the run's file and apply it; returns the job's result.
    Raises ImportFailed when the run could not complete."""
    path = Path(run.file_path)
    mapping = mapping or mapping_for_source(run.source)
    try:
        fmt = detect_format(path, mapping.format)
        check_content(
            path, fmt, max_unpacked=settings.UPLOAD_MAX_UNPACKED_BYTES, encoding=mapping.encoding
        )
        if fmt == "csv":
            if "latitude" not in mapping.fields and "x" not in mapping.fields:
                raise MappingError("The mapping names no coordinates (latitude/longitude or x/y).")
            dialect = sniff_csv(path, encoding=mapping.encoding, delimiter=mapping.delimiter)
        else:
            mapping, dialect = mapping.with_geometry_columns(file_columns(path, fmt)), None
        estimate = count_rows(path, fmt)
        chunks = read_chunks(
            path, columns=mapping.columns, fmt=fmt, chunk_rows=chunk_rows(), dialect=dialect
        )
    except (MappingError, FileFormatError, OSError) as exc:
        reason = hide_server_paths(str(exc))
        _record_import(run, outcome="failure", reason=reason[:1000])
        raise ImportFailed(reason) from exc
    details = {
        "format": fmt,
        **({"encoding": dialect.encoding, "delimiter": dialect.delimiter} if dialect else {}),
    }
    return _execute(run, mapping, chunks, estimate, progress, details)


def push_incidents(
    *,
    source: Source,
    records: list[dict],
    idempotency_key: str,
    user=None,
    strict: bool = False,
    rows: list[int] | None = None,
    refused: list[dict] | None = None,
) -> tuple[ImportRun, bool]:
    """Apply an API batch once per idempotency key, now, under its own job; returns (run, replayed).

    `rows` are the records' row numbers in the batch (1 = its first; default 1, 2, …); `refused`
    are the batch's records already refused by shape (their row, external_id, field, reason_code,
    reason and allowed raw values), kept as rejected rows with the others. Strict: any rejected
    row and nothing is applied (the run fails, with its rejected rows)."""
    refused = refused or []
    payload_hash = hashlib.sha256(
        json.dumps([records, rows, refused, strict], sort_keys=True, default=str).encode()
    ).hexdigest()
    existing = _run_with_key(source, idempotency_key, user)
    if existing is not None:
        replay = _replay(existing, payload_hash)
        if replay is not None:
            return replay, True
    try:
        with transaction.atomic():
            run = start_run(
                source=source,
                via=ImportRun.Via.API,
                file_name=f"API batch {idempotency_key}",
                strict=strict,
                user=user,
                idempotency_key=idempotency_key,
                payload_hash=payload_hash,
            )
    except IntegrityError:  # the same batch arrived twice at once: the other request applies it
        existing = _run_with_key(source, idempotency_key, user)
        if existing is None:  # it failed and released the key meanwhile: the client may retry
            raise IdempotencyConflict(
                "A batch with this Idempotency-Key was just being applied."
            ) from None
        return _replay(existing, payload_hash) or existing, True
    mapping = api_mapping(source)
    frame = records_frame(records, mapping.columns, rows=rows)
    # A strict batch with rejected rows fails its job (run_job closes it): the run says why.
    run_job(
        str(run.job_id),
        lambda job, report: _execute(
            run,
            mapping,
            [frame] if len(frame) else [],
            len(records) + len(refused),
            report,
            {"format": "json"},
            refused=_refused_frame(refused),
            latest=_latest_acceptable_time(),
        ),
    )
    return _refreshed(run), False


def future_skew() -> timedelta:
    """How far ahead of the server's clock a pushed time may be (clocks drift) before it is refused."""
    return timedelta(minutes=settings.INGEST_FUTURE_SKEW_MINUTES)


def _latest_acceptable_time() -> pd.Timestamp:
    return pd.Timestamp(timezone.now() + future_skew()).tz_convert("UTC")


def _refused_frame(refused: list[dict]) -> pd.DataFrame:
    columns = [ROW, "external_id", "field", "reason_code", "reason", "raw"]
    if not refused:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            ROW: [r["row"] for r in refused],
            "external_id": [str(r.get("external_id") or "") for r in refused],
            "field": [r.get("field", "") for r in refused],
            "reason_code": [r["reason_code"] for r in refused],
            "reason": [r["reason"] for r in refused],
            "raw": [r.get("raw") or {} for r in refused],
        }
    )


def api_mapping(source: Source) -> Mapping:
    """API batches use the incident field names, read in the source's zone with its code map."""
    stored = mapping_for_source(source)
    return parse_mapping(
        {
            "kind": source.kind,
            "timezone": stored.timezone,
            "fields": API_FIELDS,
            "codes": stored.codes,
            "officer_initiated": {"field": "officer_initiated", "values": ["true", "1", "yes"]},
        },
        preset="api",
    )


def _execute(
    run: ImportRun,
    mapping: Mapping,
    chunks: Iterable[pd.DataFrame],
    estimate: int,
    progress: Progress,
    details: dict,
    *,
    refused: pd.DataFrame | None = None,
    latest: pd.Timestamp | None = None,
) -> dict:
    """`refused`: rows refused before validation (an API record of the wrong shape); `latest`:
    times after it are refused as in the future (API pushes)."""
    stage = None
    try:
        progress(0, "Reading…")
        agency = Agency.current()
        lookup, code_warnings = code_lookup(mapping)
        ctx = RowContext(
            timezone=mapping.timezone or agency.timezone,
            code_lookup=lookup,
            boundary=_boundary(agency),
            latest=latest,
        )
        stage = make_stage(run.source)
        tracker = DuplicateTracker(id_field=mapping.fields.get("external_id", "external_id"))
        rejected_parts: list[pd.DataFrame] = [] if refused is None else [refused]
        unmapped: Counter[str] = Counter()
        unmapped_rows: list[list] = []
        total = 0 if refused is None else len(refused)
        staged = 0
        for chunk in chunks:
            result = validate_chunk(chunk, mapping, ctx)
            valid, duplicates = tracker.split(result.valid)
            stage.add(valid)
            rejected_parts += [result.rejected, duplicates]
            no_type = valid.loc[valid["crime_type_id"].isna()]
            unmapped.update(no_type["raw_code"].value_counts().to_dict())
            if run.via == ImportRun.Via.API:  # a batch's rows are few: name each one
                unmapped_rows += no_type[[ROW, "external_id", "raw_code"]].values.tolist()
            total, staged = total + len(chunk), staged + len(valid)
            progress(STAGED_PCT * min(total / max(estimate, 1), 1), f"Read {total:,} rows")
        rejected_parts = [part for part in rejected_parts if len(part)]
        rejected = (
            pd.concat(rejected_parts, ignore_index=True) if rejected_parts else pd.DataFrame()
        )
        if unmapped_rows:
            details = {
                **details,
                "unmapped_rows": [[int(r), str(i), str(c)] for r, i, c in unmapped_rows],
            }
        progress(STAGED_PCT, f"Applying {staged:,} rows…")
        with transaction.atomic():
            _lock_source(run.source)
            strict_failure = run.strict and len(rejected) > 0
            counts = ApplyCounts() if strict_failure else stage.apply()
            _save_rejected(run, rejected)
            message = _record_outcome(
                run,
                counts,
                total=total,
                rejected=rejected,
                unmapped=unmapped,
                repeats=tracker.repeats,
                strict_failure=strict_failure,
                details={**details, "warnings": [*mapping.warnings, *code_warnings]},
            )
    except (MappingError, FileFormatError) as exc:
        reason = hide_server_paths(str(exc))
        _record_import(run, outcome="failure", reason=reason[:1000])
        raise ImportFailed(reason) from exc
    finally:
        if stage is not None:
            stage.close()
    if strict_failure:
        raise ImportFailed(message)
    return {**_refreshed(run).summary(), "message": message}


def _record_outcome(
    run,
    counts: ApplyCounts,
    *,
    total,
    rejected,
    unmapped: Counter,
    repeats,
    strict_failure,
    details,
) -> str:
    """Store the run's counts and details; returns the message its job closes with."""
    n_unmapped = sum(unmapped.values())
    by_reason = rejected["reason_code"].value_counts().to_dict() if len(rejected) else {}
    if strict_failure:
        message = f"Strict: {len(rejected):,} rows rejected, so nothing was applied."
        if run.via == ImportRun.Via.API:
            message = (
                f"Strict: {len(rejected):,} of {total:,} records rejected, so nothing was stored."
            )
    else:
        message = (
            f"{counts.created:,} created, {counts.updated:,} updated, "
            f"{counts.unchanged:,} unchanged, {len(rejected):,} rejected, "
            f"{n_unmapped:,} unmapped."
        )
    ImportRun.objects.filter(pk=run.pk).update(
        total_rows=total,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=len(rejected),
        unmapped=n_unmapped,
        details={
            **details,
            "rejected_by_reason": {str(k): int(v) for k, v in by_reason.items()},
            "unmapped_codes": dict(unmapped.most_common(UNMAPPED_CODES_SHOWN)),
            "repeated_in_file": repeats,
            "not_newer": counts.not_newer,
            "applied": not strict_failure,
        },
    )
    _record_import(
        run,
        outcome="failure" if strict_failure else "success",
        reason=message,
        counts={
            "total": total,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": len(rejected),
            "unmapped": n_unmapped,
        },
    )
    return message


def _save_rejected(run: ImportRun, rejected: pd.DataFrame) -> None:
    if rejected.empty:
        return
    rows = rejected.sort_values(ROW, kind="stable")
    objects = (
        RejectedRow(
            run_id=run.pk,
            row_number=int(r[0]),
            external_id=str(r[1])[:200],
            field=str(r[2])[:200],
            reason_code=r[3],
            reason=str(r[4])[:500],
            raw=r[5],
        )
        for r in rows[[ROW, "external_id", "field", "reason_code", "reason", "raw"]].itertuples(
            index=False
        )
    )
    RejectedRow.objects.bulk_create(objects, batch_size=REJECTED_BATCH)


def _record_import(
    run: ImportRun, *, outcome: str, reason: str, counts: dict | None = None
) -> None:
    record(
        action=Action.INGEST_IMPORT,
        actor=run.created_by,
        outcome=outcome,
        object_type="ingest.importrun",
        object_id=str(run.pk),
        reason=reason,
        after={"source": run.source.name, "file": run.file_name, "via": run.via, **(counts or {})},
    )


def _replay(existing: ImportRun, payload_hash: str) -> ImportRun | None:
    """The earlier run for a key, or None when it failed and the batch may be applied again."""
    if existing.payload_hash != payload_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different batch: send a new key for a"
            " new batch, the same batch to repeat one."
        )
    if existing.job.status == JobRun.Status.FAILED:
        ImportRun.objects.filter(pk=existing.pk).update(idempotency_key=None)
        return None
    if not existing.job.is_finished:
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


def _lock_source(source: Source) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SOURCE_LOCK, source.pk % 2**31])


def _run_with_key(source: Source, key: str, user) -> ImportRun | None:
    """The user's earlier run under this key, if it is younger than IDEMPOTENCY_KEYS_KEEP_HOURS;
    an older one lets its key go (the batch is then a new one)."""
    found = (
        ImportRun.objects.select_related("job")
        .filter(source=source, idempotency_key=key, created_by=user)
        .first()
    )
    if found is not None and found.job.created_at < timezone.now() - idempotency_keys_kept_for():
        ImportRun.objects.filter(pk=found.pk).update(idempotency_key=None)
        return None
    return found


def idempotency_keys_kept_for() -> timedelta:
    """How long a key's answer is kept (settings.IDEMPOTENCY_KEYS_KEEP_HOURS, docs/api.md)."""
    return timedelta(hours=settings.IDEMPOTENCY_KEYS_KEEP_HOURS)


def _both(report: Progress, progress: Progress | None) -> Progress:
    """The job's progress hook, and the caller's too (a command's progress bar)."""
    if progress is None:
        return report

    def both(pct: float, message: str = "") -> None:
        report(pct, message)
        progress(pct, message)

    return both
