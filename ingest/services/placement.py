"""Writes of the incidents' boxes: every incident's `cell` from the active grid, in bulk, when the
grid changes (build_grid) and once when the field arrived (migration 0008). Imports place their
own rows as they stage them (upsert.py); the rule is geo.placement's."""

from __future__ import annotations

import numpy as np
from django.db import connection
from django.db.models import FloatField, Func

from geo.placement import NOWHERE, ActiveGrid, active_grid

from ..models import Incident

PLACE_BATCH = 50_000  # incidents read and placed per round
WRITE_BATCH = 10_000  # rows per UPDATE where there is no array parameter (SQLite: 2 values a row)


def place_all_incidents(*, grid: ActiveGrid | None = None) -> int:
    """Put every incident in its active box (or none); returns how many changed box."""
    return place_incident_rows(Incident, grid or active_grid())


def place_incident_rows(model, grid: ActiveGrid) -> int:
    """The work of place_all_incidents on `model` (the live or a migration's historical Incident):
    pages through pks, projects each page with pyproj at once, writes only the changed rows."""
    changed, after = 0, 0
    rows = model.objects.annotate(
        lon=Func("location", function="ST_X", output_field=FloatField()),
        lat=Func("location", function="ST_Y", output_field=FloatField()),
    ).order_by("pk")
    while True:
        page = list(
            rows.filter(pk__gt=after).values_list("pk", "lon", "lat", "cell_id")[:PLACE_BATCH]
        )
        if not page:
            return changed
        pk, lon, lat, stored = (np.array(v) for v in zip(*page, strict=True))
        placed = grid.place(lon.astype(float), lat.astype(float))
        stored = np.array([NOWHERE if c is None else c for c in stored], dtype=np.int64)
        moved = placed != stored
        write_cells(model, pk[moved].astype(np.int64), placed[moved])
        changed += int(moved.sum())
        after = int(pk[-1])


def write_cells(model, pks: np.ndarray, cells: np.ndarray) -> None:
    """Set cell (NOWHERE = none) of the incidents `pks`: one statement per call on PostgreSQL."""
    if not len(pks):
        return
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} AS i SET cell_id = NULLIF(v.cell, %s)
                    FROM unnest(%s::bigint[], %s::bigint[]) AS v(pk, cell)
                    WHERE i.id = v.pk""",  # noqa: S608 (table name from the model, values bound)
                [NOWHERE, pks.tolist(), cells.tolist()],
            )
        return
    # SQLite (≥ 3.33) updates from a VALUES list too; its columns are column1, column2. Django's
    # bulk_update builds a CASE per row instead: 14 s of Python for the demo's 34,000 incidents.
    pairs = np.column_stack([pks, cells]).astype(np.int64).tolist()
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), WRITE_BATCH):
            batch = pairs[start : start + WRITE_BATCH]
            values = ", ".join(["(%s, %s)"] * len(batch))
            cursor.execute(
                f"""UPDATE {table} SET cell_id = NULLIF(v.column2, %s)
                    FROM (VALUES {values}) AS v WHERE {table}.id = v.column1""",  # noqa: S608
                [NOWHERE, *(value for pair in batch for value in pair)],
            )
