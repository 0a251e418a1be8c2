"""Importing districts and beats from files: Toronto for real, and every kind of bad file."""

import json
import zipfile

import numpy as np
import pyogrio
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError

from agency.models import Agency, Beat, District
from forecasting.services import build_grid
from geo.models import GridCell

TORONTO_DIVISIONS = 16


def write_geojson(path, features, crs=None):
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection))
    return path


def square(x, y, size, props):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
        },
    }


@pytest.mark.slow
@pytest.mark.django_db
def test_toronto_divisions_build_the_expected_grid(toronto_divisions):
    call_command(
        "import_boundaries",
        str(toronto_divisions),
        level="district",
        name_field="UNIT_NAME",
        code_field="DIV",
    )
    assert District.objects.count() == TORONTO_DIVISIONS
    agency = Agency.current()
    assert agency.boundary.area > 0

    first = build_grid()
    # About 630 km² of 250 m cells, plus the partial cells along the edge.
    assert 9_500 < first.cells < 11_500
    assert first.epsg == 32617  # UTM 17N
    cells = GridCell.objects.filter(active=True)
    assert cells.count() == first.cells
    assert not cells.filter(district__isnull=True).exists()

    # A cell whose centre lies well inside a division belongs to it.
    d52 = District.objects.get(code="D52")
    inner = d52.geom.buffer(-0.005)
    sample = cells.filter(center__within=inner).select_related("district")[:50]
    assert sample and all(cell.district.code == "D52" for cell in sample)

    ids_before = dict(cells.values_list("cell_id", "pk"))
    again = build_grid()
    assert again.cells == first.cells and again.created == 0
    assert dict(GridCell.objects.filter(active=True).values_list("cell_id", "pk")) == ids_before
    for cell in GridCell.objects.filter(active=True)[:20]:
        col, row = map(int, cell.cell_id.split("_"))
        assert (col, row) == (cell.col, cell.row)
        # The id is the position on the CRS origin: the centre of cell (col,row) is at +0.5 cell.
        assert cell.cell_id == f"{cell.col}_{cell.row}"


@pytest.mark.django_db
def test_shrinking_the_jurisdiction_keeps_ids_and_deactivates_outside_cells(small_agency):
    first = build_grid()
    kept_ids = set(GridCell.objects.values_list("cell_id", flat=True))
    east = District.objects.get(code="D2")
    Beat.objects.filter(district=east).delete()
    east.delete()
    from agency.services import _set_jurisdiction_from_districts

    _set_jurisdiction_from_districts()
    second = build_grid()
    assert second.cells < first.cells
    active = set(GridCell.objects.filter(active=True).values_list("cell_id", flat=True))
    assert active < kept_ids
    assert GridCell.objects.filter(active=False).count() == first.cells - second.cells


@pytest.mark.django_db
def test_beats_go_to_the_district_they_overlap_most(small_agency, tmp_path):
    path = write_geojson(
        tmp_path / "beats.geojson",
        [
            square(-79.399, 43.651, 0.01, {"BEAT": "W9"}),  # inside West
            square(-79.370, 43.651, 0.01, {"BEAT": "E9"}),  # inside East
        ],
    )
    call_command("import_boundaries", str(path), level="beat", name_field="BEAT")
    assert Beat.objects.get(code="W9").district.code == "D1"
    assert Beat.objects.get(code="E9").district.code == "D2"
    from audit.models import AuditEvent

    event = AuditEvent.objects.get(
        action="config.boundaries.import"
    )  # configuration changes are audited
    assert (event.object_type, event.outcome) == ("agency.beat", "success")
    assert event.after == {
        "file": "beats.geojson",
        "level": "beat",
        "created": 2,
        "updated": 0,
        "codes": ["W9", "E9"],
        "simplified": [],
    }


def write_zipped_shapefile(tmp_path, *, with_prj=True):
    """Two 2 km squares in UTM 17N (metres) as a zipped Shapefile."""
    shp = tmp_path / "districts.shp"
    squares = [
        shapely.box(628000, 4834000, 630000, 4836000),
        shapely.box(630000, 4834000, 632000, 4836000),
    ]
    pyogrio.raw.write(
        str(shp),
        geometry=shapely.to_wkb(squares),
        field_data=[np.array(["North", "South"], dtype=object)],
        fields=["NAME"],
        crs="EPSG:32617",
        driver="ESRI Shapefile",
        geometry_type="Polygon",
    )
    archive = tmp_path / "districts.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("districts.*"):
            if part.suffix != ".zip" and (with_prj or part.suffix != ".prj"):
                zf.write(part, part.name)
    return archive


@pytest.mark.django_db
def test_zipped_shapefile_in_a_metric_crs_is_reprojected(tmp_path):
    archive = write_zipped_shapefile(tmp_path)
    call_command("import_boundaries", str(archive), level="district", name_field="NAME")
    north = District.objects.get(code="North")
    lon, lat = north.geom.centroid.coords
    assert -79.5 < lon < -79.3 and 43.6 < lat < 43.7  # UTM 17N 629000 E, 4835000 N


@pytest.mark.django_db
def test_shapefile_without_prj_asks_for_srid(tmp_path):
    archive = write_zipped_shapefile(tmp_path, with_prj=False)
    with pytest.raises(CommandError, match="--srid"):
        call_command("import_boundaries", str(archive), level="district", name_field="NAME")
    assert not District.objects.exists()
    call_command("import_boundaries", str(archive), level="district", name_field="NAME", srid=32617)
    assert District.objects.count() == 2


def _bad_file_cases(tmp_path):
    points = write_geojson(
        tmp_path / "points.geojson",
        [
            {
                "type": "Feature",
                "properties": {"N": "a"},
                "geometry": {"type": "Point", "coordinates": [-79.4, 43.7]},
            }
        ],
    )
    metres = write_geojson(tmp_path / "metres.geojson", [square(630000, 4833000, 1000, {"N": "a"})])
    empty = write_geojson(tmp_path / "empty.geojson", [])
    broken_zip = tmp_path / "broken.zip"
    broken_zip.write_bytes(b"PK\x03\x04 this is not really a zip")
    no_field = write_geojson(
        tmp_path / "nofield.geojson", [square(-79.4, 43.65, 0.01, {"OTHER": "a"})]
    )
    repeated = write_geojson(
        tmp_path / "repeat.geojson",
        [
            square(-79.4, 43.65, 0.01, {"N": "a"}),
            square(-79.38, 43.65, 0.01, {"N": "a"}),
        ],
    )
    return [
        (points, "not a polygon"),
        (metres, "not longitude/latitude"),
        (empty, "no features"),
        (broken_zip, "broken.zip"),
        (no_field, "field 'N' not found"),
        (repeated, "repeats"),
    ]


@pytest.mark.django_db
def test_bad_boundary_files_get_a_clear_error_and_change_nothing(small_agency, tmp_path):
    before = list(District.objects.values_list("code", "name"))
    boundary_before = Agency.current().boundary.wkt
    for path, expected in _bad_file_cases(tmp_path):
        with pytest.raises(CommandError) as excinfo:
            call_command("import_boundaries", str(path), level="district", name_field="N")
        assert expected in str(excinfo.value), (path.name, str(excinfo.value))
    assert list(District.objects.values_list("code", "name")) == before
    assert Agency.current().boundary.wkt == boundary_before
