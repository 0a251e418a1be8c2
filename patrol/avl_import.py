"""A file of vehicle positions as the CAD exports it (CSV or GeoJSON points), imported in chunks:
each chunk judged by the one rule set (avl_rules.check_fixes), placed on the grid with
geo.placement over whole arrays, and copied into the positions table (services.store_fixes:
COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING, as the push does), so a
fix already stored is a duplicate and nothing stored is lost. No per-row Python on the happy
path; refused rows are kept with their row, field and reason (up to AVL_IMPORT_REJECTED_KEPT
of them; all are counted)."""

from __future__ import annotations

import functools
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from agency.models import Agency
from audit.actions import Action
from audit.services import record

from .avl_rules import FIX_COLUMNS, check_fixes
from .models import RejectedPosition, Unit
from .services import fixes_table, store_fixes

FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson"}
# The CAD exports' own names for the columns, lower-cased.
ALIASES = {
    "unit": ("unit", "unit_id", "call_sign", "callsign", "vehicle_id", "vehicle"),
    "at": ("at", "time", "timestamp", "recorded_at", "datetime", "fix_time"),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "speed_kmh": ("speed_kmh", "speed"),
    "heading_deg": ("heading_deg", "heading", "bearing"),
    "accuracy_m": ("accuracy_m", "accuracy", "hdop_m"),
}


class AvlFileError(ValueError):
    """The whole file is refused (too large, wrong format, no such columns): nothing was stored."""


@dataclass
class AvlImportResult:
    file_name: str
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)  # by field: how many refused
    first: object = None  # earliest stored fix (for measuring exposure afterwards)
    last: object = None

    def summary(self) -> str:
        why = ", ".join(f"{n} {f or 'row'}" for f, n in self.reasons.most_common())
        return (
            f"{self.file_name}: {self.rows} rows, {self.stored} stored, {self.duplicates} "
            f"already stored, {self.rejected} refused" + (f" ({why})" if why else "") + "."
        )


UPLOAD_DIR = "patrol/avl-uploads"


def store_upload(*, uploaded) -> Path:
    """Save a file uploaded on the AVL import page under MEDIA_ROOT/patrol/avl-uploads/<uuid>/ and
    check it (format, size) before any job is queued: AvlFileError (and nothing kept) if refused.
    The job deletes the file once it has been read."""
    name = get_valid_filename(Path(uploaded.name).name)[:200] or "avl.csv"
    path = Path(settings.MEDIA_ROOT) / UPLOAD_DIR / uuid.uuid4().hex / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    try:
        check_file(path)
    except AvlFileError:
        remove_upload(path)
        raise
    return path


def upload_token(path: Path) -> str:
    """The stored upload's name relative to the upload folder (what a job keeps, not a server path)."""
    return Path(path).relative_to(Path(settings.MEDIA_ROOT) / UPLOAD_DIR).as_posix()


def upload_path(token: str) -> Path:
    """The stored upload named by `token` ("<hex>/<file name>"), never a path outside its folder."""
    folder, _, name = token.partition("/")
    if len(folder) != 32 or not name or "/" in name or name != get_valid_filename(name):
        raise AvlFileError("Unknown upload; choose the file again.")
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / folder / name


def remove_upload(path: Path) -> None:
    """Delete an uploaded file's own folder (never anything outside the upload folder)."""
    root = (Path(settings.MEDIA_ROOT) / UPLOAD_DIR).resolve()
    folder = Path(path).resolve().parent
    if folder.parent == root:
        shutil.rmtree(folder, ignore_errors=True)


def purge_stale_uploads(*, now: float | None = None) -> int:
    """Delete upload folders older than UPLOAD_RETENTION_DAYS: a job reads and deletes its file, so
    one left is of a job that never ran (closed as failed by the reaper long before). Nightly, with
    the positions' purge. Returns how many folders went."""
    root = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    if not root.is_dir():
        return 0
    cutoff = (now or time.time()) - settings.UPLOAD_RETENTION_DAYS * 86400
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def check_file(path: Path) -> str:
    """The file's format, or AvlFileError saying why it is refused (before anything is read)."""
    if not path.exists():
        raise AvlFileError(f"{path}: no such file.")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise AvlFileError(
            f"{path.name}: not a vehicle-location file: give a .csv or .geojson file "
            f"(the CAD's export), not {path.suffix or 'a file without extension'}."
        )
    size = path.stat().st_size
    if size > settings.AVL_IMPORT_MAX_BYTES:
        raise AvlFileError(
            f"{path.name}: {size / 1024**3:.1f} GB is more than AVL_IMPORT_MAX_BYTES "
            f"({settings.AVL_IMPORT_MAX_BYTES / 1024**3:.1f} GB): split the file by day and import "
            "each part."
        )
    return kind


def import_avl_file(
    path: Path,
    *,
    actor=None,
    chunk_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    job=None,
    file_name: str = "",
) -> AvlImportResult:
    """Import a CSV or GeoJSON file of fixes; `progress(done, total)` is called after each chunk
    (bytes for CSV, features for GeoJSON). `job` (the upload page's JobRun) is kept on each refused
    row so that the page lists that upload's own; `file_name` is the name the user gave it."""
    path = Path(path)
    kind = check_file(path)
    chunk_rows = chunk_rows or settings.AVL_IMPORT_CHUNK_ROWS
    result = AvlImportResult(file_name=file_name or path.name)
    units = _unit_ids()
    tz = Agency.current().tz
    latest = timezone.now() + timedelta(seconds=settings.AVL_FUTURE_SKEW_S)
    chunks = _csv_chunks(path, chunk_rows) if kind == "csv" else _geojson_chunks(path, chunk_rows)
    # Outside a transaction (the command, the upload's job), a chunk is judged while the one before
    # it is written, on its own connection: parsing and placing (Python) run beside the database's
    # insert instead of after it. Inside one (a caller's atomic block, a test), one after another.
    overlap = connection.vendor == "postgresql" and not connection.in_atomic_block
    with ThreadPoolExecutor(max_workers=1) as writer:
        writing = None
        for frame, done, total in chunks:
            first_row = result.rows + 1
            result.rows += len(frame)
            checked = check_fixes(frame, unit_ids=units, tz=tz, latest=latest)
            table, twice = fixes_table(checked)  # refuses fixes outside every box, in `checked`
            store = functools.partial(
                _store_chunk, frame, checked, table, twice, first_row, result, actor=actor, job=job
            )
            if writing is not None:
                writing.result()  # one chunk in the writer at a time: the memory stays bounded
            if overlap:
                writing = writer.submit(_on_own_connection, store)
            else:
                store()
            if progress:
                progress(done, total)
        if writing is not None:
            writing.result()
    record(
        action=Action.AVL_FILE_IMPORTED,
        actor=actor,
        object_type="patrol.position",
        after={
            "file": result.file_name,
            "job": str(job.pk) if job else None,
            "rows": result.rows,
            "stored": result.stored,
            "duplicates": result.duplicates,
            "rejected": result.rejected,
        },
    )
    return result


def _store_chunk(
    frame: pd.DataFrame,
    checked,
    table,
    twice,
    first_row: int,
    result: AvlImportResult,
    *,
    actor,
    job,
) -> None:
    """Store a judged chunk's fixes and its refused rows (up to AVL_IMPORT_REJECTED_KEPT for the
    file) in one transaction, and count them in `result`."""
    with transaction.atomic():
        stored = store_fixes(table)
        result.stored += stored
        result.duplicates += int(twice.sum()) + len(table) - stored
        refused = ~checked.ok
        result.rejected += int(refused.sum())
        result.reasons.update(checked.field[refused].tolist())
        same_file = (
            RejectedPosition.objects.filter(job=job)
            if job is not None
            else RejectedPosition.objects.filter(file_name=result.file_name[:255])
        )
        room = settings.AVL_IMPORT_REJECTED_KEPT - same_file.count()
        kept = np.flatnonzero(refused)[: max(0, room)]
        if kept.size:
            raw = frame.iloc[kept].astype(object).where(frame.iloc[kept].notna(), None)
            RejectedPosition.objects.bulk_create(
                (
                    RejectedPosition(
                        received_by=actor if getattr(actor, "is_authenticated", False) else None,
                        file_name=result.file_name[:255],
                        job=job,
                        row_number=first_row + int(i),
                        field=checked.field[i],
                        reason=str(checked.reason[i])[:300],
                        raw={k: (None if v is None else str(v)) for k, v in values.items()},
                    )
                    for i, values in zip(kept, raw.to_dict("records"), strict=True)
                ),
                batch_size=2000,
            )
    if len(table):
        first, last = table["at"].min().to_pydatetime(), table["at"].max().to_pydatetime()
        result.first = first if result.first is None else min(result.first, first)
        result.last = last if result.last is None else max(result.last, last)


def _on_own_connection(work: Callable[[], None]) -> None:
    """Run `work` in this (writer) thread on its own database connection, closed afterwards."""
    try:
        work()
    finally:
        connection.close()


def _unit_ids() -> dict[str, int]:
    ids = {}
    for pk, call_sign, vehicle_id in Unit.objects.filter(active=True).values_list(
        "pk", "call_sign", "vehicle_id"
    ):
        ids[call_sign] = pk
        if vehicle_id:
            ids[vehicle_id] = pk
    return ids


def _renamed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    columns = {c: str(c).strip().lower() for c in frame.columns}
    frame = frame.rename(columns=columns)
    wanted = {}
    for key, names in ALIASES.items():
        found = next((n for n in names if n in frame.columns), None)
        if found is not None:
            wanted[found] = key
    missing = [k for k in ("unit", "at") if k not in wanted.values()]
    if missing:
        raise AvlFileError(
            f"{name}: no column for {', '.join(missing)} (expected e.g. "
            f"{', '.join(FIX_COLUMNS[:4])})."
        )
    return frame[list(wanted)].rename(columns=wanted)


def _csv_chunks(path: Path, rows: int) -> Iterator[tuple[pd.DataFrame, int, int]]:
    total = path.stat().st_size
    with path.open("rb") as handle:
        try:
            reader = pd.read_csv(
                handle, chunksize=rows, dtype=str, keep_default_na=False, na_values=[""]
            )
            for chunk in reader:
                frame = _renamed(chunk, path.name)
                if "latitude" not in frame or "longitude" not in frame:
                    raise AvlFileError(f"{path.name}: no latitude and longitude columns.")
                yield frame, handle.tell(), total
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise AvlFileError(f"{path.name}: not a readable CSV file ({exc}).") from None


def _geojson_chunks(path: Path, rows: int) -> Iterator[tuple[pd.DataFrame, int, int]]:
    import pyogrio
    from pyogrio import raw as pyogrio_raw

    try:
        total = int(pyogrio.read_info(path)["features"])
    except Exception as exc:  # noqa: BLE001 - GDAL's errors: the file is not GeoJSON
        raise AvlFileError(f"{path.name}: not a readable GeoJSON file ({exc}).") from None
    done = 0
    while done < total:
        meta, _, geometry, fields = pyogrio_raw.read(path, skip_features=done, max_features=rows)
        points = shapely.from_wkb(geometry)
        frame = pd.DataFrame(
            {
                name: np.asarray(values, dtype=object)
                for name, values in zip(meta["fields"], fields, strict=True)
            }
        )
        frame = _renamed(frame, path.name)
        frame["longitude"] = shapely.get_x(points)
        frame["latitude"] = shapely.get_y(points)
        done += len(points)
        yield frame, done, total
        if not len(points):
            break
