"""Writes of the forecasting app: the grid of cells (model versions and forecasts come later)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import shapely
from django.contrib.gis.geos import GEOSGeometry, Point, Polygon
from django.db import transaction

from agency.models import Agency, Beat, District
from agency.services import to_shapely
from geo.models import GridCell
from geo.street_services import label_cells
from ingest.services.placement import place_all_incidents

from .engine.grid import GridError
from .engine.grid import build_grid as build_engine_grid

UPSERT_BATCH = 2000


@dataclass(frozen=True)
class GridBuildResult:
    cells: int
    created: int
    inactive: int
    epsg: int
    cell_size_m: int


def build_grid(
    *, cell_size_m: int | None = None, progress: Callable[[float, str], None] | None = None
) -> GridBuildResult:
    """(Re)build the agency's grid; cells keep their ids, cells now outside become inactive, and
    every incident is placed again in the new boxes (geo.placement)."""
    progress = progress or (lambda pct, msg: None)
    agency = Agency.current()
    if agency.boundary is None:
        raise GridError("The agency has no jurisdiction boundary yet: import districts first.")
    cell_size_m = int(cell_size_m or agency.cell_size_m)
    districts = list(District.objects.all())
    beats = list(Beat.objects.all())
    progress(5, "Computing cells")
    grid = build_engine_grid(
        to_shapely(agency.boundary),
        cell_size=cell_size_m,
        epsg=agency.epsg,
        districts=[to_shapely(d.geom) for d in districts],
        beats=[to_shapely(b.geom) for b in beats],
    )
    progress(40, f"Saving {len(grid)} cells")
    polygons = grid.polygons_wgs84()
    ids = grid.cell_ids
    existing = GridCell.objects.filter(epsg=grid.epsg, cell_size_m=cell_size_m)
    before = existing.count()
    cells = [
        GridCell(
            cell_id=ids[i],
            cell_size_m=cell_size_m,
            epsg=grid.epsg,
            col=int(grid.col[i]),
            row=int(grid.row[i]),
            # GEOSGeometry answers with the class of the WKB's type (the stubs know the base only).
            geom=cast(Polygon, GEOSGeometry(memoryview(shapely.to_wkb(polygons[i])), srid=4326)),
            center=Point(float(grid.center_lon[i]), float(grid.center_lat[i]), srid=4326),
            district=districts[grid.district[i]] if grid.district[i] >= 0 else None,
            beat=beats[grid.beat[i]] if grid.beat[i] >= 0 else None,
            active=True,
        )
        for i in range(len(grid))
    ]
    with transaction.atomic():
        GridCell.objects.filter(active=True).update(active=False)
        for start in range(0, len(cells), UPSERT_BATCH):
            GridCell.objects.bulk_create(
                cells[start : start + UPSERT_BATCH],
                update_conflicts=True,
                unique_fields=["epsg", "cell_size_m", "col", "row"],
                update_fields=["cell_id", "geom", "center", "district", "beat", "active"],
            )
            progress(40 + 60 * min(1.0, (start + UPSERT_BATCH) / len(cells)), "Saving cells")
        if agency.cell_size_m != cell_size_m:
            agency.cell_size_m = cell_size_m
            agency.save(update_fields=["cell_size_m"])
        progress(96, "Placing incidents in the new boxes")
        place_all_incidents()
        progress(98, "Naming cells from the streets")
        label_cells()
    after = GridCell.objects.filter(epsg=grid.epsg, cell_size_m=cell_size_m).count()
    inactive = GridCell.objects.filter(active=False).count()
    return GridBuildResult(len(grid), after - before, inactive, grid.epsg, cell_size_m)
