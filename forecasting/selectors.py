"""Reads of the forecasting app shared by pages and the API."""

from collections import Counter
from datetime import timedelta

import numpy as np
import pyproj
from django.db.models import Count
from django.utils import timezone

from ingest.models import Incident

from .models import GridCell


def active_cells():
    return GridCell.objects.filter(active=True)


def grid_compact(*, district_code: str | None = None, incident_days: int = 28) -> dict:
    """The grid as compact rows for the map:
    [cell_id, district, beat, south, west, north, east, incidents in the last `incident_days`]."""
    cells = active_cells().select_related("district", "beat")
    if district_code:
        cells = cells.filter(district__code=district_code)
    cells = list(cells.only("cell_id", "cell_size_m", "epsg", "geom", "district__code", "beat__code"))
    counts = (
        incident_counts_by_cell(days=incident_days, epsg=cells[0].epsg, cell_size_m=cells[0].cell_size_m)
        if cells else {}
    )
    rows = []
    for cell in cells:
        west, south, east, north = cell.geom.extent
        rows.append([
            cell.cell_id,
            cell.district.code if cell.district else None,
            cell.beat.code if cell.beat else None,
            round(south, 6), round(west, 6), round(north, 6), round(east, 6),
            counts.get(cell.cell_id, 0),
        ])
    return {
        "cell_size_m": cells[0].cell_size_m if cells else None,
        "incident_days": incident_days,
        "count": len(rows),
        "cells": rows,
    }


def incident_counts_by_cell(*, days: int, epsg: int, cell_size_m: int, now=None) -> Counter:
    """Incidents of the last `days` days per cell id, binned on the grid's CRS origin."""
    since = (now or timezone.now()) - timedelta(days=days)
    points = Incident.objects.filter(occurred_from__gte=since).values_list("location", flat=True)
    lonlat = np.array([p.coords for p in points], dtype=float).reshape(-1, 2)
    if not len(lonlat):
        return Counter()
    x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(lonlat[:, 0], lonlat[:, 1])
    cols = np.floor(np.asarray(x) / cell_size_m).astype(int)
    rows = np.floor(np.asarray(y) / cell_size_m).astype(int)
    return Counter(f"{c}_{r}" for c, r in zip(cols, rows, strict=True))


def cell_counts_by_district() -> dict[int | None, int]:
    return dict(
        active_cells().values("district").annotate(n=Count("pk")).values_list("district", "n")
    )
