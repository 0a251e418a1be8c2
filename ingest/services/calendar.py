"""Writes of the event calendar: a CSV of planned events (name, start, end, location or district,
expected attendance) upserted by (calendar, name, start); the whole file or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.text import slugify

from agency.models import Agency, District
from audit.actions import Action
from audit.services import record

from ..models import CalendarEvent
from ..readers import FileFormatError, file_columns, read_chunks, sniff_csv
from ..validation import parse_times

REQUIRED = ("name", "start", "end")
ERRORS_SHOWN = 10
READ_CHUNK = 100_000


class CalendarFileError(FileFormatError):
    """A calendar file with bad rows; nothing was imported."""


@dataclass(frozen=True)
class CalendarImportResult:
    calendar: str
    created: int
    updated: int


def import_calendar(
    *, path: str | Path, calendar: str = "events", timezone: str | None = None
) -> CalendarImportResult:
    """Upsert the file's events; local times are read in `timezone` (default: the agency's)."""
    path = Path(path)
    dialect = sniff_csv(path)
    columns = {c.lower(): c for c in file_columns(path, "csv", dialect)}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CalendarFileError(f"{path.name}: missing column(s) {', '.join(missing)}.")
    wanted = [
        columns[c]
        for c in (*REQUIRED, "latitude", "longitude", "location", "district", "expected_attendance")
        if c in columns
    ]
    frame = pd.concat(
        list(read_chunks(path, columns=wanted, fmt="csv", chunk_rows=READ_CHUNK, dialect=dialect)),
        ignore_index=True,
    )
    frame.columns = [c.lower() if c != "_row" else c for c in frame.columns]
    events, errors = _parse(frame, timezone or Agency.current().timezone)
    if errors:
        shown = "; ".join(errors[:ERRORS_SHOWN])
        message = f"{path.name}: {len(errors)} bad row(s), nothing imported: {shown}"
        record(
            action=Action.INGEST_CALENDAR_IMPORT,
            outcome="failure",
            object_type="ingest.calendarevent",
            object_id=slugify(calendar),
            reason_code="bad_rows",
            reason=message,
            after={"file": path.name},
        )
        raise CalendarFileError(message)
    slug = slugify(calendar) or "events"
    created = updated = 0
    with transaction.atomic():
        for event in events:
            _, was_created = CalendarEvent.objects.update_or_create(
                calendar=slug,
                name=event.pop("name"),
                starts_at=event.pop("starts_at"),
                defaults=event,
            )
            created += was_created
            updated += not was_created
        record(
            action=Action.INGEST_CALENDAR_IMPORT,
            object_type="ingest.calendarevent",
            object_id=slug,
            after={"file": path.name, "created": created, "updated": updated},
        )
    return CalendarImportResult(calendar=slug, created=created, updated=updated)


def _parse(frame: pd.DataFrame, timezone: str) -> tuple[list[dict], list[str]]:
    starts = parse_times(frame["start"].str.strip(), timezone)
    ends = parse_times(frame["end"].str.strip(), timezone)
    lat, lon = _coordinates(frame)
    districts = {d.code.lower(): d for d in District.objects.all()}
    events, errors = [], []
    for i, row in enumerate(frame.to_dict("records")):
        where = f"row {row['_row']}"
        name = row["name"].strip()
        attendance = str(row.get("expected_attendance", "") or "").replace(",", "").strip()
        district = districts.get(str(row.get("district", "")).strip().lower())
        problems = [
            "no name" if not name else "",
            "bad start time" if pd.isna(starts.iloc[i]) else "",
            "bad end time" if pd.isna(ends.iloc[i]) else "",
            "end before start" if starts.iloc[i] > ends.iloc[i] else "",
            "expected_attendance is not a whole number"
            if attendance and not attendance.isdigit()
            else "",
            f"unknown district {row['district']!r}"
            if str(row.get("district", "")).strip() and district is None
            else "",
        ]
        problems = [p for p in problems if p]
        if problems:
            errors.append(f"{where}: {', '.join(problems)}")
            continue
        events.append(
            {
                "name": name[:200],
                "starts_at": starts.iloc[i].to_pydatetime(),
                "ends_at": ends.iloc[i].to_pydatetime(),
                "location": None
                if np.isnan(lat[i])
                else Point(float(lon[i]), float(lat[i]), srid=4326),
                "district": district,
                "expected_attendance": int(attendance) if attendance else None,
            }
        )
    return events, errors


def _coordinates(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """From latitude/longitude columns, or a 'location' column holding "lat, lon"."""
    if "latitude" in frame and "longitude" in frame:
        lat = pd.to_numeric(frame["latitude"], errors="coerce")
        lon = pd.to_numeric(frame["longitude"], errors="coerce")
    elif "location" in frame:
        parts = frame["location"].str.extract(r"^\s*(-?[\d.]+)\s*[,; ]\s*(-?[\d.]+)\s*$")
        lat, lon = (
            pd.to_numeric(parts[0], errors="coerce"),
            pd.to_numeric(parts[1], errors="coerce"),
        )
    else:
        nan = np.full(len(frame), np.nan)
        return nan, nan
    return lat.to_numpy(dtype=float), lon.to_numpy(dtype=float)
