"""Reads of incidents, sources, import runs and data quality shared by pages and the API."""

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db.models import Count, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, ExtractHour, ExtractMinute, TruncMonth
from django.utils import timezone

from agency.models import Agency, CrimeType, District, Shift
from jobs.models import JobRun
from missions_site import access

from .models import FeedCredential, ImportRun, Incident, Source
from .readers import detect_format, file_columns, read_chunks, sniff_csv
from .validation import RowContext, validate_chunk


def incident_counts_by_district(*, days: int, now=None) -> dict[str, int]:
    """Incidents of the last `days` days per district code (by location within the district)."""
    since = (now or timezone.now()) - timedelta(days=days)
    counts = (
        Incident.objects.filter(occurred_from__gte=since, location__within=OuterRef("geom"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")  # one row: COUNT(*)
    )
    districts = District.objects.annotate(n=Coalesce(Subquery(counts), 0))
    return dict(districts.values_list("code", "n"))


def incident_trend_by_type(*, days: int, now=None) -> list[dict]:
    """Per crime type: incidents in the last `days` days and in the `days` before, in one query."""
    now = now or timezone.now()
    recent_start = now - timedelta(days=days)
    previous_start = recent_start - timedelta(days=days)
    types = CrimeType.objects.filter(enabled=True).annotate(
        recent=Count(
            "incident",
            filter=Q(incident__occurred_from__gte=recent_start, incident__occurred_from__lt=now),
        ),
        previous=Count(
            "incident",
            filter=Q(
                incident__occurred_from__gte=previous_start,
                incident__occurred_from__lt=recent_start,
            ),
        ),
    )
    peak = max((t.recent for t in types), default=0) or 1
    return [
        {
            "name": t.name,
            "colour": t.colour,
            "recent": t.recent,
            "previous": t.previous,
            "change_pct": round(100 * (t.recent - t.previous) / t.previous) if t.previous else None,
            "bar_pct": round(100 * t.recent / peak),
        }
        for t in types
    ]


# --- import runs, sources and data quality -------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 720, 160  # SVG user units of the monthly chart
CHART_AXIS = 40  # user units left of the bars for the y-axis labels
HEAPED_HOURS = (0, 12)  # default times entered when the real one is unknown
PREVIEW_ROWS = 10
RUNS_SHOWN = 20
REJECTED_SHOWN = 100


def code_lookup(mapping) -> tuple[dict[str, int], list[str]]:
    """Lower-cased feed code → crime type id, and warnings for mapping entries matching no type.

    Precedence: the mapping's explicit codes, then each crime type's offense codes, then its
    code and name.
    """
    lookup: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for crime_type in CrimeType.objects.only("id", "code", "name", "offense_codes"):
        by_type[crime_type.code.lower()] = crime_type.id
        by_type.setdefault(crime_type.name.lower(), crime_type.id)
        for code in crime_type.offense_codes or []:
            lookup[str(code).strip().lower()] = crime_type.id
    for key, type_id in by_type.items():
        lookup.setdefault(key, type_id)
    warnings: list[str] = []
    for raw, target in mapping.codes.items():
        target_id = by_type.get(str(target).strip().lower())
        if target_id is None:
            warnings.append(f"Code '{raw}' → '{target}': no such crime type, kept as unmapped.")
            continue
        lookup[str(raw).strip().lower()] = target_id
    return lookup, warnings


def sources_overview() -> Sequence[Source]:
    """Sources with their incident count and their latest run, in two queries."""
    latest_run = ImportRun.objects.filter(source=OuterRef("pk")).order_by("-pk")
    sources = list(
        Source.objects.annotate(
            incident_count=Count("incidents"), latest_run_id=Subquery(latest_run.values("pk")[:1])
        )
    )
    runs = ImportRun.objects.select_related("job").in_bulk(
        [s.latest_run_id for s in sources if s.latest_run_id]
    )
    for source in sources:
        # For the page: the run itself, not a field of the model.
        source.latest_run = runs.get(source.latest_run_id)  # type: ignore[attr-defined]
    return sources


def recent_import_runs(*, limit: int = RUNS_SHOWN, source: Source | None = None):
    runs = ImportRun.objects.select_related("source", "job", "created_by")
    if source is not None:
        runs = runs.filter(source=source)
    return runs[:limit]


def import_runs_visible_to(user, *, source: Source | None = None, status: str | None = None):
    """Every run for people with the right to read runs; a feed reads only the runs it pushed.
    Newest first; `source` and `status` (its job's) narrow the list."""
    runs = ImportRun.objects.select_related("source", "job", "created_by")
    if is_feed(user):
        runs = runs.filter(created_by=user)
    if source is not None:
        runs = runs.filter(source=source)
    if status:
        runs = runs.filter(job__status=status)
    return runs


def sources_visible_to(user):
    """Every source for people with the right to read them; a feed sees the ones it may push to."""
    if is_feed(user):
        credential = feed_credential_of(user)
        return credential.sources.all() if credential is not None else Source.objects.none()
    return Source.objects.all()


def feed_credential_of(user) -> FeedCredential | None:
    """The user's feed credential when the user is a feed's service account, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return FeedCredential.objects.filter(user=user).first()


def is_feed(user) -> bool:
    """Whether the user acts as an unattended feed: a credential's account, or one whose only role
    is Feed (such an account without a credential reaches no source and no run)."""
    return feed_credential_of(user) is not None or access.main_role(user) == access.FEED


def may_push_to(user, source: Source) -> bool:
    """A person with the push right may push to any source; a feed only to the sources it names."""
    if not is_feed(user):
        return True
    return sources_visible_to(user).filter(pk=source.pk).exists()


def agency_setup() -> dict:
    """What a CAD vendor must know to push: the agency's name and zone, its jurisdiction (bbox and
    GeoJSON), grid, shifts and crime types with their offence codes (GET /api/v1/agency/)."""
    agency = Agency.current()
    boundary = agency.boundary
    return {
        "name": agency.name,
        "timezone": agency.timezone,
        "jurisdiction": {
            "bbox": [round(v, 7) for v in boundary.extent] if boundary is not None else None,
            "geometry": json.loads(boundary.geojson) if boundary is not None else None,
        },
        "grid": {"cell_size_m": agency.cell_size_m, "epsg": agency.epsg},
        "shifts": list(Shift.objects.order_by("order", "start_time")),
        "crime_types": list(CrimeType.objects.order_by("name")),
    }


def get_import_run(*, run_id: int) -> ImportRun:
    return ImportRun.objects.select_related("source", "job", "created_by").get(pk=run_id)


def rejected_rows(*, run: ImportRun, limit: int | None = REJECTED_SHOWN):
    rows = run.rejected_rows.order_by("row_number", "pk")
    return rows[:limit] if limit else rows


def rejected_rows_csv(*, run: ImportRun) -> Iterator[list[str]]:
    """Header and rows for the download: row, reason, then the row's raw (mapped) values, so the
    file can be fixed and imported again with the same mapping. The incident id is the file's own
    id column among those; a separate `id` column is added only when the file's has another name."""
    first = run.rejected_rows.order_by("row_number").first()
    raw_columns = list(first.raw) if first else []
    has_id = first is not None and any(
        first.external_id and str(first.raw.get(c, "")) == first.external_id for c in raw_columns
    )
    id_header = [] if has_id else ["external_id" if "id" in raw_columns else "id"]
    yield ["row", *id_header, "reason_code", "reason", *raw_columns]
    for row in run.rejected_rows.order_by("row_number", "pk").iterator(chunk_size=5000):
        yield [
            str(row.row_number),
            *([] if has_id else [row.external_id]),
            row.reason_code,
            row.reason,
            *(str(row.raw.get(c, "")) for c in raw_columns),
        ]


def preview_import(*, path, mapping, rows: int = PREVIEW_ROWS) -> dict:
    """The first rows of a file as the import would map them: values, crime type, or reason."""
    fmt = detect_format(path, mapping.format)
    dialect = (
        sniff_csv(path, encoding=mapping.encoding, delimiter=mapping.delimiter)
        if fmt == "csv"
        else None
    )
    columns = file_columns(path, fmt, dialect)
    if fmt != "csv":
        mapping = mapping.with_geometry_columns(columns)
    chunk = next(
        read_chunks(path, columns=mapping.columns, fmt=fmt, chunk_rows=rows, dialect=dialect), None
    )
    agency = Agency.current()
    tz = mapping.timezone or agency.timezone
    lookup, warnings = code_lookup(mapping)
    result = validate_chunk(chunk, mapping, RowContext(timezone=tz, code_lookup=lookup))
    names = dict(CrimeType.objects.values_list("id", "name"))
    shown = [
        {
            "row": int(r["_row"]),
            "external_id": r["external_id"],
            "occurred_from": r["occurred_from"].tz_convert(tz).strftime("%Y-%m-%d %H:%M %Z"),
            "latitude": round(r["latitude"], 6),
            "longitude": round(r["longitude"], 6),
            "code": r["raw_code"],
            "crime_type": names.get(_int_or_none(r["crime_type_id"])),
            "premise_type": r["premise_type"],
            "call_type": r["call_type"],
            "officer_initiated": bool(r["officer_initiated"]),
            "reason": "",
        }
        for r in result.valid.to_dict("records")
    ] + [
        {"row": int(r["_row"]), "external_id": r["external_id"], "reason": r["reason"]}
        for r in result.rejected.to_dict("records")
    ]
    return {
        "format": fmt,
        "columns": columns,
        "dialect": dialect,
        "timezone": tz,
        "rows": sorted(shown, key=lambda r: r["row"]),
        "warnings": [*mapping.warnings, *warnings],
        "unread_columns": [
            c for c in columns if c not in mapping.columns and not c.startswith("@")
        ],
    }


def data_quality(*, source: Source) -> dict:
    """What an analyst must see before training on a source: volume by month and type, heaped
    times, unmapped codes, locations outside the jurisdiction, duplicates."""
    tz = ZoneInfo(source.timezone or Agency.current().timezone)
    incidents = Incident.objects.filter(source=source)
    total = incidents.count()
    months = list(
        incidents.annotate(month=TruncMonth("occurred_from", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    by_type = list(
        incidents.values("crime_type__name", "crime_type__colour")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    heaped = (
        incidents.annotate(
            hour=ExtractHour("occurred_from", tzinfo=tz),
            minute=ExtractMinute("occurred_from", tzinfo=tz),
        )
        .filter(minute=0, hour__in=HEAPED_HOURS)
        .values("hour")
        .annotate(n=Count("id"))
    )
    heaped_by_hour = {row["hour"]: row["n"] for row in heaped}
    repeat_groups = (
        incidents.values("occurred_from", "location", "raw_code")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("n", flat=True)
    )
    latest = (
        source.import_runs.select_related("job")
        .filter(job__status=JobRun.Status.SUCCEEDED)
        .exclude(via=ImportRun.Via.API)
        .first()
    )
    reasons = (latest.details.get("rejected_by_reason") or {}) if latest else {}
    peak_type = max((t["n"] for t in by_type), default=0) or 1
    return {
        "total": total,
        "timezone": str(tz),
        "chart": _month_chart(months),
        "by_type": [
            {
                "name": t["crime_type__name"] or "Unmapped",
                "colour": t["crime_type__colour"] or "#999999",
                "count": t["n"],
                "share": _share(t["n"], total),
                "bar_pct": round(100 * t["n"] / peak_type),
            }
            for t in by_type
        ],
        "heaped_midnight": _share(heaped_by_hour.get(0, 0), total),
        "heaped_noon": _share(heaped_by_hour.get(12, 0), total),
        "unmapped": _share(sum(t["n"] for t in by_type if t["crime_type__name"] is None), total),
        "unmapped_codes": (latest.details.get("unmapped_codes") or {}) if latest else {},
        "latest_run": latest,
        "outside": _share(reasons.get("outside_jurisdiction", 0), latest.total_rows)
        if latest
        else None,
        "duplicate_ids": reasons.get("duplicate_id", 0),
        "repeated_in_file": latest.details.get("repeated_in_file", 0) if latest else 0,
        "exact_repeats": sum(n - 1 for n in repeat_groups),
        "rejected_by_reason": reasons,
    }


def _month_chart(months: Sequence[Mapping[str, Any]]) -> dict:
    ticks = axis_ticks(max((m["n"] for m in months), default=0))
    top = ticks[-1]
    width = (CHART_WIDTH - CHART_AXIS) / max(len(months), 1)
    bars = [
        {
            "x": round(CHART_AXIS + i * width, 2),
            "width": round(max(width - 1, 0.5), 2),
            "height": round(CHART_HEIGHT * m["n"] / top, 2),
            "y": round(CHART_HEIGHT - CHART_HEIGHT * m["n"] / top, 2),
            "label": m["month"].strftime("%Y-%m"),
            "count": m["n"],
        }
        for i, m in enumerate(months)
    ]
    years = [{"x": b["x"], "label": b["label"][:4]} for b in bars if b["label"].endswith("-01")]
    y_axis = [{"y": round(CHART_HEIGHT - CHART_HEIGHT * t / top, 2), "label": t} for t in ticks]
    return {
        "bars": bars,
        "years": years,
        "y_axis": y_axis,
        "axis_x": CHART_AXIS,
        "peak": max((b["count"] for b in bars), default=0),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
    }


def axis_ticks(peak: int) -> list[int]:
    """3–5 round counts from 0 to the first step at or above the peak (steps 1, 2, 5, 10, 20, …)."""
    step = 1
    while -(-peak // step) > 4:  # ceil(peak / step): at most 4 steps above 0
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    steps = max(-(-peak // step), 2)
    return [i * step for i in range(steps + 1)]


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _int_or_none(value):
    try:
        return None if value is None or value != value else int(value)
    except (TypeError, ValueError):
        return None


# ---- the incidents that count as crime ----------------------------------------------------------


def counted_incidents(start, end, *, crime_types=None, cells=None):
    """The incidents every page and the forecast count as crime in [start, end)
    (docs/adr/0018-geo-layer.md):

    - of a mapped crime type (unmapped codes are data to fix, not crime to count);
    - placed in an active box (`Incident.cell`, set by geo.placement: inside the jurisdiction);
    - officer-initiated ones only for a crime type whose `count_officer_initiated` is on (for the
      others they say where police were, not where crime was);
    - in time when their window overlaps [start, end): an exact time inside it, or a from/to range
      (a burglary found in the morning) that reaches into it. A range that spans several shifts
      counts in each; the forecast spreads its weight over them instead.

    `crime_types` (codes) and `cells` (GridCell pks) narrow the answer.
    """
    qs = (
        Incident.objects.filter(crime_type__isnull=False, cell__active=True)
        .filter(_in_window(start, end))
        .exclude(officer_initiated=True, crime_type__count_officer_initiated=False)
    )
    if crime_types is not None:
        qs = qs.filter(crime_type__code__in=list(crime_types))
    if cells is not None:
        qs = qs.filter(cell_id__in=list(cells))
    return qs


def in_window_mask(occurred_from, occurred_to, start, end):
    """`counted_incidents`' time rule on arrays (occurred_from, occurred_to, NaT/None = exact),
    for readers that fetch a long span once and cut it into shifts."""
    occurred_from = np.asarray(occurred_from, dtype="datetime64[us]")
    occurred_to = np.asarray(occurred_to, dtype="datetime64[us]")
    start, end = _utc64(start), _utc64(end)
    reaches = ~np.isnat(occurred_to) & (occurred_to >= start)
    return (occurred_from < end) & ((occurred_from >= start) | reaches)


def utc_array(times) -> np.ndarray:
    """Aware datetimes (None allowed) as the naive UTC microseconds in_window_mask takes (NaT)."""
    utc = pd.to_datetime(pd.Series(list(times), dtype=object), utc=True)
    return utc.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _in_window(start, end) -> Q:
    return Q(occurred_from__lt=end) & (Q(occurred_from__gte=start) | Q(occurred_to__gte=start))


def _utc64(moment) -> np.datetime64:
    """An aware datetime as naive UTC microseconds (how the arrays above hold times)."""
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "us")
