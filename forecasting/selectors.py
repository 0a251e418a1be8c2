"""Reads of the forecasting app shared by pages and the API."""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from agency.models import CrimeType
from geo.models import GridCell
from ingest.selectors import counted_incidents

from .engine import persist
from .engine.reasons import reason_texts
from .models import CellForecast, ForecastRun, ModelArtifact, ModelVersion


def active_cells():
    return GridCell.objects.filter(active=True)


def grid_compact(*, district_code: str | None = None, incident_days: int = 28) -> dict:
    """The grid as compact rows for the map:
    [cell_id, district, beat, south, west, north, east, incidents in the last `incident_days`]."""
    cells = active_cells().select_related("district", "beat")
    if district_code:
        cells = cells.filter(district__code=district_code)
    cells = list(
        cells.only("cell_id", "cell_size_m", "epsg", "geom", "district__code", "beat__code")
    )
    counts = incident_counts_by_cell(days=incident_days) if cells else {}
    rows = []
    for cell in cells:
        west, south, east, north = cell.geom.extent
        rows.append(
            [
                cell.cell_id,
                cell.district.code if cell.district else None,
                cell.beat.code if cell.beat else None,
                round(south, 6),
                round(west, 6),
                round(north, 6),
                round(east, 6),
                counts.get(cell.cell_id, 0),
            ]
        )
    return {
        "cell_size_m": cells[0].cell_size_m if cells else None,
        "incident_days": incident_days,
        "count": len(rows),
        "cells": rows,
    }


def incident_counts_by_cell(*, days: int, now=None) -> Counter:
    """Counted incidents (ingest.selectors.counted_incidents) of the last `days` days per cell id."""
    now = now or timezone.now()
    rows = (
        counted_incidents(now - timedelta(days=days), now)
        .values("cell__cell_id")
        .annotate(n=Count("pk"))
        .values_list("cell__cell_id", "n")
        .order_by()
    )
    return Counter(dict(rows))


def cell_counts_by_district() -> dict[int | None, int]:
    return dict(
        active_cells().values("district").annotate(n=Count("pk")).values_list("district", "n")
    )


# ---- model versions and forecasts ---------------------------------------------------------------


def model_versions(*, crime_type_code: str | None = None, limit: int = 200):
    """Versions newest first with their crime type and job (one query)."""
    qs = ModelVersion.objects.select_related("crime_type", "job").order_by("-created_at", "-pk")
    if crime_type_code:
        qs = qs.filter(crime_type__code=crime_type_code)
    return qs[:limit]


def promoted_versions():
    return (
        ModelVersion.objects.filter(promoted=True)
        .select_related("crime_type")
        .order_by("crime_type__name")
    )


@dataclass(frozen=True)
class TrainingNeed:
    """A crime type to train, and why (said by `train_models --if-missing`)."""

    code: str
    name: str
    reason: str


def types_needing_training(codes: list[str]) -> list[TrainingNeed]:
    """Of the crime types `codes` (in that order), those without a promoted model this engine can
    forecast with: none promoted, no saved state, or saved state it refuses (an older engine's
    format, bytes that differ from their recorded SHA-256). Each promoted artifact is read and
    unpickled here, as forecasting would: one query and one load per promoted type."""
    names = dict(CrimeType.objects.filter(code__in=codes).values_list("code", "name"))
    promoted = {
        v.crime_type.code: v for v in promoted_versions().filter(crime_type__code__in=codes)
    }
    needs = []
    for code in codes:
        name = names.get(code, code)
        version = promoted.get(code)
        problem = "no promoted model" if version is None else unreadable_artifact(version)
        if problem:
            needs.append(TrainingNeed(code=code, name=name, reason=problem))
    return needs


def unreadable_artifact(version: ModelVersion) -> str | None:
    """Why this engine cannot forecast with the version's saved state, or None when it can."""
    label = f"the promoted model (version {version.pk})"
    stored = ModelArtifact.objects.filter(version=version).values_list("data", flat=True).first()
    if stored is None:
        return f"{label} has no saved state"
    try:
        # Only whether it loads matters: no history to attach, no grid to align its cells to.
        persist.loads(
            bytes(stored), expected_sha256=version.file_hash, ctx=None, cell_ids=[], name=label
        )
    except persist.ArtifactError as exc:
        return str(exc)
    return None


def model_version(pk: int) -> ModelVersion:
    return ModelVersion.objects.select_related("crime_type", "job").get(pk=pk)


def current_run(*, date, shift) -> ForecastRun | None:
    """The newest complete run of (date, shift): the one pages, missions and the API use."""
    return (
        ForecastRun.objects.filter(date=date, shift=shift, complete=True)
        .select_related("shift")
        .order_by("-created_at", "-pk")
        .first()
    )


def recent_runs(*, limit: int = 12):
    return (
        ForecastRun.objects.filter(complete=True)
        .select_related("shift")
        .order_by("-created_at", "-pk")[:limit]
    )


def run_versions(run: ForecastRun) -> list[ModelVersion]:
    return list(run.model_versions.select_related("crime_type").order_by("crime_type__name"))


def forecast_compact(*, run: ForecastRun, crime_type_code: str | None = None) -> dict:
    """The run as compact rows for maps and the API (three queries, whatever the grid's size):
    [cell_id, south, west, north, east, [expected per type in `types` order], harm, reasons_type, [reasons]]
    (the reasons in words, without their crime type, which `reasons_type` names).

    harm = Σ severity weight × patrol efficacy × expected count ("preventable harm"). Reasons
    are those of `crime_type_code` when given, else of the type adding most harm in the cell.
    """
    types = [v.crime_type for v in run_versions(run)]
    names = {ct.code: ct.name for ct in types}
    t_index = {ct.pk: i for i, ct in enumerate(types)}
    factor = [ct.severity_weight * ct.patrol_efficacy for ct in types]
    only = next((i for i, ct in enumerate(types) if ct.code == crime_type_code), None)
    expected: dict[int, list] = {}
    reasons: dict[int, list] = {}
    rows = CellForecast.objects.filter(run=run).values_list(
        "cell_id", "crime_type_id", "expected_count", "reasons"
    )
    for cell_id, ct_id, value, why in rows.iterator(chunk_size=5000):
        i = t_index[ct_id]
        expected.setdefault(cell_id, [0.0] * len(types))[i] = value
        reasons.setdefault(cell_id, [None] * len(types))[i] = why
    cells = (
        GridCell.objects.filter(pk__in=list(expected))
        .only("pk", "cell_id", "geom")
        .order_by("row", "col")
    )
    out = []
    for cell in cells:
        values = expected[cell.pk]
        contributions = [f * v for f, v in zip(factor, values, strict=True)]
        pick = only if only is not None else max(range(len(types)), key=contributions.__getitem__)
        west, south, east, north = cell.geom.extent
        out.append(
            [
                cell.cell_id,
                round(south, 6),
                round(west, 6),
                round(north, 6),
                round(east, 6),
                [round(v, 5) for v in values],
                round(sum(contributions), 5),
                types[pick].code,
                reason_texts(reasons[cell.pk][pick], names, with_crime_type=False),
            ]
        )
    return {
        "run": run.pk,
        "date": run.date.isoformat(),
        "shift": run.shift.name,
        "starts_at": run.starts_at.isoformat(),
        "ends_at": run.ends_at.isoformat(),
        "created_at": run.created_at.isoformat(),
        "types": [
            {"code": ct.code, "name": ct.name, "colour": ct.colour, "harm_factor": f}
            for ct, f in zip(types, factor, strict=True)
        ],
        "columns": [
            "cell_id",
            "south",
            "west",
            "north",
            "east",
            "expected",
            "harm",
            "reasons_type",
            "reasons",
        ],
        "count": len(out),
        "cells": out,
    }


def top_cells(*, run: ForecastRun, limit: int = 10) -> list[dict]:
    """The run's highest-harm cells with their per-type expected counts (for the forecast page)."""
    data = forecast_compact(run=run)
    rows = sorted(data["cells"], key=lambda r: -r[6])[:limit]
    return [
        {"cell_id": r[0], "expected": r[5], "harm": r[6], "reasons_type": r[7], "reasons": r[8]}
        for r in rows
    ]


def crime_type_names() -> dict[str, str]:
    """Crime type code -> name, for putting reasons into words (`engine.reasons.reason_texts`)."""
    return dict(CrimeType.objects.values_list("code", "name"))
