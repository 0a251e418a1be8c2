"""Writes of the agency's streets: import a centreline file (all features or none) and label every
grid cell from them (the maps read them through street_selectors)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from shapely.geometry import LineString, MultiLineString

from agency.boundary_files import BoundaryFileError, read_features
from audit.actions import Action
from audit.services import record
from forecasting.engine.locations import location_labels

from .models import GridCell, Street

INSERT_BATCH = 2000
LABEL_BATCH = 1000  # cells per UPDATE statement (2 parameters each, under SQLite's 32,766)


@dataclass(frozen=True)
class StreetImportResult:
    segments: int
    names: int
    unnamed: int
    labelled_cells: int


def import_streets(
    *, path: str | Path, name_field: str, srid: int | None = None, actor=None
) -> StreetImportResult:
    """Replace the agency's streets with the lines of a GeoJSON or (zipped) Shapefile and relabel
    the grid; a bad file changes nothing and says which feature or field is wrong."""
    path = Path(path)
    features = read_features(path, srid=srid, shape=_as_multilinestring)
    names = [_street_name(path, feature, name_field) for feature in features]
    if not any(names):
        raise BoundaryFileError(
            f"{path.name}: field {name_field!r} is empty in every feature; pick the street-name field."
        )
    lines = [f.geometry for f in features]
    length = _metric_length_by_name(names, lines)
    streets = [
        Street(
            name=name,
            geom=GEOSGeometry(memoryview(shapely.to_wkb(line)), srid=4326),
            name_length_m=length.get(name, 0.0) if name else 0.0,
        )
        for name, line in zip(names, lines, strict=True)
    ]
    with transaction.atomic():
        Street.objects.all().delete()
        Street.objects.bulk_create(streets, batch_size=INSERT_BATCH)
        labelled = label_cells()
        result = StreetImportResult(
            len(streets), len({n for n in names if n}), names.count(""), labelled
        )
        record(
            action=Action.CONFIG_STREETS_IMPORT,
            actor=actor,
            object_type="forecasting.street",
            after={
                "file": path.name,
                "name_field": name_field,
                "segments": result.segments,
                "names": result.names,
                "unnamed": result.unnamed,
                "labelled_cells": labelled,
            },
        )
    return result


def label_cells() -> int:
    """Set every active cell's location label from the streets; returns how many got one.
    Called by the street import and by every grid build, so labels follow both."""
    cells = list(
        GridCell.objects.filter(active=True)
        .annotate(wkb=AsWKB("center"))
        .only("pk", "epsg", "location_label")
    )
    if not cells:
        return 0
    names, lines = [], []
    for name, wkb in (
        Street.objects.exclude(name="").annotate(wkb=AsWKB("geom")).values_list("name", "wkb")
    ):
        names.append(name)
        lines.append(bytes(wkb))
    labels = [""] * len(cells)
    if names:
        to_metric = _to_metric(cells[0].epsg)
        centres = to_metric(shapely.from_wkb([bytes(c.wkb) for c in cells]))
        labels = location_labels(
            shapely.get_coordinates(centres), names, to_metric(shapely.from_wkb(lines))
        )
    changed = [
        (label[:200], cell.pk)
        for cell, label in zip(cells, labels, strict=True)
        if cell.location_label != label[:200]
    ]
    _write_labels(changed)
    return sum(1 for label in labels if label)


def _write_labels(changed: list[tuple[str, int]]) -> None:
    """UPDATE … FROM (VALUES …) a thousand cells a statement: bulk_update's CASE over 10,000 cells
    spends seconds building the query. VALUES columns are column1, column2 in PostgreSQL and SQLite."""
    table = connection.ops.quote_name(GridCell._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(changed), LABEL_BATCH):
            rows = changed[start : start + LABEL_BATCH]
            values = ", ".join(["(%s, %s)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} SET location_label = v.column1 FROM (VALUES {values}) AS v"  # noqa: S608
                f" WHERE {table}.id = v.column2",
                [value for row in rows for value in row],
            )


def _as_multilinestring(path: Path, number: int, geom) -> MultiLineString:
    if geom is None or geom.is_empty:
        raise BoundaryFileError(f"{path.name}, feature {number}: empty geometry.")
    if isinstance(geom, LineString):
        geom = MultiLineString([geom])
    if not isinstance(geom, MultiLineString):
        raise BoundaryFileError(
            f"{path.name}, feature {number}: {geom.geom_type} is not a line; street centrelines must be"
            " LineString or MultiLineString."
        )
    return geom


def _street_name(path: Path, feature, field: str) -> str:
    if field not in feature.properties:
        names = ", ".join(sorted(feature.properties)) or "none"
        raise BoundaryFileError(f"{path.name}: field {field!r} not found (fields: {names}).")
    value = feature.properties[field]
    return "" if value is None else " ".join(str(value).split())[:200]


def _metric_length_by_name(names: list[str], lines: list) -> dict[str, float]:
    """Total metres per name, measured in the UTM zone of the streets' centre."""
    minx, miny, maxx, maxy = shapely.total_bounds(lines)
    to_metric = _to_metric(_utm_epsg((minx + maxx) / 2, (miny + maxy) / 2))
    total = defaultdict(float)
    for name, length in zip(
        names, shapely.length(to_metric(np.asarray(lines, dtype=object))), strict=True
    ):
        total[name] += float(length)
    return dict(total)


def _utm_epsg(lon: float, lat: float) -> int:
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + min(max(zone, 1), 60)


def _to_metric(epsg: int):
    transformer = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)

    def transform(geoms):
        return shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )

    return transform
