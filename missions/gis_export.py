"""A shift for QGIS or ArcGIS: its forecast per box, its missions (status, dose, minutes served) and
the boxes with their patrol exposure, as GeoPackage (three layers in one file) or GeoJSON (one
layer a file), written by pyogrio (ADR 0033). Read-only: what the user may see of the shift."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from django.db.models import F, Sum
from pyogrio import raw as pyogrio_raw

from forecasting.models import CellForecast
from forecasting.selectors import current_run
from geo.models import GridCell
from patrol.models import BoxExposure

from . import scope, selectors

LAYERS = ("forecast", "missions", "boxes")
FORMATS = {
    "gpkg": ("GPKG", "application/geopackage+sqlite3"),
    "geojson": ("GeoJSON", "application/geo+json"),
}


class ExportError(ValueError):
    """A layer or format that does not exist: the message says which ones do."""


def shift_layers(*, user, date, shift) -> dict[str, tuple[list, dict]]:
    """{layer: (cells, {field: values})} for the shift, each feature a box polygon."""
    run = current_run(date=date, shift=shift)
    forecast: dict[int, dict] = {}
    if run is not None:
        rows = (
            CellForecast.objects.filter(run=run)
            .values("cell_id", "crime_type__name")
            .annotate(expected=Sum("expected_count"), weight=F("crime_type__severity_weight"))
        )
        for r in rows:
            box = forecast.setdefault(
                r["cell_id"], {"expected": 0.0, "harm": 0.0, "top": ("", 0.0)}
            )
            box["expected"] += r["expected"]
            box["harm"] += r["expected"] * r["weight"]
            if r["expected"] > box["top"][1]:
                box["top"] = (r["crime_type__name"], r["expected"])
    missions = scope.visible_missions(user, selectors.shift_missions(date=date, shift=shift))
    exposure = dict(
        BoxExposure.objects.filter(date=date, shift=shift)
        .values("cell_id")
        .annotate(m=Sum("minutes"))
        .values_list("cell_id", "m")
    )
    served = {m.cell_id: m.minutes_served or 0.0 for m in missions}
    cells = {
        c.pk: c
        for c in GridCell.objects.filter(
            pk__in=set(forecast) | set(exposure) | {m.cell_id for m in missions}
        )
    }
    fc = [cells[pk] for pk in sorted(forecast)]
    bx = [cells[pk] for pk in sorted(set(forecast) | set(exposure) | set(served))]
    return {
        "forecast": (
            fc,
            {
                "box": [c.pk for c in fc],
                "location": [c.location_label for c in fc],
                "expected_incidents": [round(forecast[c.pk]["expected"], 4) for c in fc],
                "weighted_harm": [round(forecast[c.pk]["harm"], 4) for c in fc],
                "top_crime_type": [forecast[c.pk]["top"][0] for c in fc],
            },
        ),
        "missions": (
            [m.cell for m in missions],
            {
                "mission": [m.pk for m in missions],
                "box": [m.cell_id for m in missions],
                "location": [m.cell.location_label for m in missions],
                "beat": [m.beat.code for m in missions],
                "status": [m.status for m in missions],
                "dose_minutes": [float(m.dose_minutes) for m in missions],
                "minutes_served": [float(m.minutes_served or 0.0) for m in missions],
                "rank": [int(m.rank or 0) for m in missions],
            },
        ),
        "boxes": (
            bx,
            {
                "box": [c.pk for c in bx],
                "location": [c.location_label for c in bx],
                "expected_incidents": [
                    round(forecast.get(c.pk, {}).get("expected", 0.0), 4) for c in bx
                ],
                "patrol_minutes": [round(float(exposure.get(c.pk, 0.0)), 1) for c in bx],
                "mission_minutes": [round(float(served.get(c.pk, 0.0)), 1) for c in bx],
            },
        ),
    }


def export(*, user, date, shift, fmt: str, layer: str = "") -> tuple[bytes, str, str]:
    """(file bytes, content type, file name). GeoJSON holds one layer (`layer`, required)."""
    if fmt not in FORMATS:
        raise ExportError(f"Format {fmt!r}: one of {', '.join(FORMATS)}.")
    if fmt == "geojson" and layer not in LAYERS:
        raise ExportError(f"Layer {layer!r}: a GeoJSON file holds one of {', '.join(LAYERS)}.")
    if fmt == "gpkg" and layer and layer not in LAYERS:
        raise ExportError(f"Layer {layer!r}: one of {', '.join(LAYERS)} (or none for all three).")
    driver, content_type = FORMATS[fmt]
    layers = shift_layers(user=user, date=date, shift=shift)
    wanted = [layer] if layer else list(LAYERS)
    stem = f"shift-{date.isoformat()}-{shift.name.lower()}" + (f"-{layer}" if layer else "")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}.{fmt}"
        for k, name in enumerate(wanted):
            cells, fields = layers[name]
            geometry = np.array([bytes(c.geom.wkb) for c in cells], dtype=object)
            names = list(fields)
            data = [_column(n, fields[n]) for n in names]
            pyogrio_raw.write(
                str(path),
                geometry,
                data,
                names,
                layer=name,
                driver=driver,
                geometry_type="Polygon",
                crs="EPSG:4326",
                append=k > 0,
            )
        return path.read_bytes(), content_type, path.name


TEXT_FIELDS = {"location", "top_crime_type", "beat", "status"}
INTEGER_FIELDS = {"box", "mission", "rank"}


def _column(name: str, values: list) -> np.ndarray:
    if name in TEXT_FIELDS:
        return np.array(values, dtype=object)
    return np.array(values, dtype=np.int64 if name in INTEGER_FIELDS else float)
