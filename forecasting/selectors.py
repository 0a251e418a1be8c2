"""Reads of the forecasting app shared by pages and the API."""

from django.db.models import Count

from .models import GridCell


def active_cells():
    return GridCell.objects.filter(active=True)


def grid_compact(*, district_code: str | None = None) -> dict:
    """The grid as compact rows for the map: [cell_id, district, beat, south, west, north, east]."""
    cells = active_cells().select_related("district", "beat")
    if district_code:
        cells = cells.filter(district__code=district_code)
    rows = []
    cell_size = None
    for cell in cells.only("cell_id", "cell_size_m", "geom", "district__code", "beat__code"):
        west, south, east, north = cell.geom.extent
        cell_size = cell.cell_size_m
        rows.append([
            cell.cell_id,
            cell.district.code if cell.district else None,
            cell.beat.code if cell.beat else None,
            round(south, 6), round(west, 6), round(north, 6), round(east, 6),
        ])
    return {"cell_size_m": cell_size, "count": len(rows), "cells": rows}


def cell_counts_by_district() -> dict[int | None, int]:
    return dict(
        active_cells().values("district").annotate(n=Count("pk")).values_list("district", "n")
    )
