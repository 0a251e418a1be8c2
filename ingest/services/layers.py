"""Writes of risk-terrain layers: a point file (CSV with lat/lon, GeoJSON, Shapefile) replaces
the named layer's points in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.text import slugify

from audit.actions import Action
from audit.services import record

from ..mapping import GEOMETRY_LAT, GEOMETRY_LON
from ..models import RiskLayer, RiskLayerPoint
from ..readers import FileFormatError, detect_format, file_columns, read_chunks, sniff_csv

LAT_NAMES = ("lat", "latitude", "y", "gc_latitude")
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "gc_longitude")
NAME_NAMES = ("name", "title", "label")
POINT_NAME_MAX = 200
READ_CHUNK = 100_000
BULK_BATCH = 5_000


@dataclass(frozen=True)
class LayerImportResult:
    layer: RiskLayer
    points: int
    skipped: int  # rows without usable coordinates


def import_layer(
    *,
    path: str | Path,
    name: str,
    description: str = "",
    name_field: str | None = None,
    lat_field: str | None = None,
    lon_field: str | None = None,
) -> LayerImportResult:
    """Replace layer `name`'s points with those of the file; all points or none."""
    path = Path(path)
    slug = slugify(name)
    if not slug:
        raise FileFormatError(f"{name!r} is not a usable layer name (letters, digits, dashes).")
    fmt = detect_format(path)
    dialect = sniff_csv(path) if fmt == "csv" else None
    columns = file_columns(path, fmt, dialect)
    if fmt == "csv":
        lat_field = lat_field or _pick(columns, LAT_NAMES, path, "latitude")
        lon_field = lon_field or _pick(columns, LON_NAMES, path, "longitude")
    else:
        lat_field, lon_field = GEOMETRY_LAT, GEOMETRY_LON
    name_field = name_field or next((c for c in columns if c.lower() in NAME_NAMES), None)
    wanted = [c for c in (name_field, lat_field, lon_field) if c]
    frame = pd.concat(
        list(read_chunks(path, columns=wanted, fmt=fmt, chunk_rows=READ_CHUNK, dialect=dialect))
    )
    lat = pd.to_numeric(frame[lat_field], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(frame[lon_field], errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(lat) & ~np.isnan(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    ok &= ~((lat == 0) & (lon == 0))
    names = frame[name_field].astype(str).str.slice(0, POINT_NAME_MAX) if name_field else None
    with transaction.atomic():
        layer, _ = RiskLayer.objects.update_or_create(
            name=slug, defaults={"description": description or f"Imported from {path.name}"}
        )
        layer.points.all().delete()
        points = (
            RiskLayerPoint(
                layer=layer,
                name="" if names is None else names.iloc[i],
                location=Point(float(lon[i]), float(lat[i]), srid=4326),
            )
            for i in np.flatnonzero(ok)
        )
        RiskLayerPoint.objects.bulk_create(points, batch_size=BULK_BATCH)
        record(
            action=Action.INGEST_LAYER_IMPORT,
            object_type="ingest.risklayer",
            object_id=str(layer.pk),
            after={
                "layer": slug,
                "file": path.name,
                "points": int(ok.sum()),
                "skipped": int((~ok).sum()),
            },
        )
    return LayerImportResult(layer=layer, points=int(ok.sum()), skipped=int((~ok).sum()))


def _pick(columns: list[str], candidates: tuple[str, ...], path: Path, what: str) -> str:
    by_lower = {c.lower(): c for c in columns}
    for candidate in candidates:
        if candidate in by_lower:
            return by_lower[candidate]
    raise FileFormatError(
        f"{path.name}: no {what} column (tried {', '.join(candidates)}; the file has"
        f" {', '.join(columns)})."
    )
