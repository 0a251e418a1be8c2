"""Importing a street centreline file: cells named after their nearest intersection, any CRS, bad
files refused with what and where (changing nothing), and the map's streets by view and zoom."""

import json
import zipfile

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from forecasting.services import build_grid
from geo import street_selectors
from geo.models import GridCell, Street
from geo.street_services import import_streets
from tests.conftest import error_fields
from tests.streets_helpers import EAST_WEST, NORTH_SOUTH, street_features, write_streets

pytestmark = pytest.mark.django_db
VIEW = (-79.40, 43.65, -79.35, 43.668)  # the whole small agency


def cell_at(lon, lat) -> GridCell:
    return min(
        GridCell.objects.filter(active=True),
        key=lambda c: (c.center.x - lon) ** 2 + (c.center.y - lat) ** 2,
    )


def test_import_names_every_cell_after_its_nearest_intersection(small_agency, tmp_path):
    build_grid()
    assert not GridCell.objects.exclude(location_label="").exists()  # no streets yet, no labels
    call_command(
        "import_streets",
        str(write_streets(tmp_path / "centreline.geojson")),
        name_field="LINEAR_NAME_FULL",
    )

    segments = len(street_features())
    assert Street.objects.count() == segments
    assert Street.objects.filter(name="").count() == 1  # the lane: kept and drawn, never a label
    cells = GridCell.objects.filter(active=True)
    assert not cells.filter(location_label="").exists()
    # The cell holding King & Spadina; the longer street (King, 3.9 km) comes first.
    assert cell_at(-79.3800, 43.6570).location_label == "King St W & Spadina Ave"
    assert cell_at(-79.3960, 43.6660).location_label == "Dundas St W & Bathurst St"
    labels = set(cells.values_list("location_label", flat=True))
    assert any(" near " in label for label in labels)  # cells far from any crossing
    event = AuditEvent.objects.get(action="config.streets.import")
    assert event.after["segments"] == segments and event.after["labelled_cells"] == cells.count()

    # The grid rebuilt (e.g. after new boundaries) keeps naming its cells.
    GridCell.objects.update(location_label="")
    build_grid()
    assert cell_at(-79.3800, 43.6570).location_label == "King St W & Spadina Ave"


def test_a_metric_crs_is_reprojected_and_srid_supplies_a_missing_one(small_agency, tmp_path):
    build_grid()
    to_utm = pyproj.Transformer.from_crs(4326, 32617, always_xy=True)
    features = street_features()
    for f in features:
        f["geometry"]["coordinates"] = [
            list(to_utm.transform(*xy)) for xy in f["geometry"]["coordinates"]
        ]
    utm = write_streets(
        tmp_path / "utm.geojson", json.loads(json.dumps(features)), crs="EPSG:32617"
    )
    call_command("import_streets", str(utm), name_field="LINEAR_NAME_FULL")
    assert cell_at(-79.3800, 43.6570).location_label == "King St W & Spadina Ave"

    no_crs = write_streets(tmp_path / "no-crs.geojson", json.loads(json.dumps(features)))
    with pytest.raises(CommandError, match="not longitude/latitude.*pass --srid"):
        call_command("import_streets", str(no_crs), name_field="LINEAR_NAME_FULL")
    call_command("import_streets", str(no_crs), name_field="LINEAR_NAME_FULL", srid=32617)
    assert cell_at(-79.3960, 43.6660).location_label == "Dundas St W & Bathurst St"


def test_zipped_shapefile(small_agency, tmp_path):
    build_grid()
    lines = [shapely.geometry.shape(f["geometry"]) for f in street_features()]
    names = np.array([f["properties"]["name"] or "" for f in street_features()], dtype=object)
    shp = tmp_path / "centreline.shp"
    pyogrio.raw.write(
        str(shp),
        geometry=shapely.to_wkb(lines),
        field_data=[names],
        fields=["LF_NAME"],
        crs="EPSG:4326",
        driver="ESRI Shapefile",
        geometry_type="LineString",
    )
    archive = tmp_path / "centreline.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("centreline.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    result = import_streets(path=archive, name_field="LF_NAME")
    assert (result.segments, result.names, result.unnamed) == (
        len(lines),
        len(EAST_WEST) + len(NORTH_SOUTH),
        1,
    )
    assert cell_at(-79.3800, 43.6570).location_label == "King St W & Spadina Ave"


def _bad_files(tmp_path):
    def file(name, features, **kw):
        return write_streets(tmp_path / name, features, **kw)

    point = street_features()
    point[3]["geometry"] = {"type": "Point", "coordinates": [-79.38, 43.66]}
    polygon = street_features()
    polygon[0]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[-79.38, 43.66], [-79.37, 43.66], [-79.37, 43.67], [-79.38, 43.66]]],
    }
    blank = street_features()
    for f in blank:
        f["properties"]["name"] = None
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    return [
        (
            file("points.geojson", point),
            "LINEAR_NAME_FULL",
            "points.geojson, feature 4: Point is not a line",
        ),
        (file("polygon.geojson", polygon), "LINEAR_NAME_FULL", "feature 1: Polygon is not a line"),
        (
            file("fields.geojson", street_features()),
            "STREET",
            "field 'STREET' not found (fields: ID, LINEAR_NAME_FULL)",
        ),
        (
            file("blank.geojson", blank),
            "LINEAR_NAME_FULL",
            "field 'LINEAR_NAME_FULL' is empty in every feature",
        ),
        (file("empty.geojson", []), "LINEAR_NAME_FULL", "no features"),
        (broken, "LINEAR_NAME_FULL", "broken.zip"),
        (tmp_path / "missing.geojson", "LINEAR_NAME_FULL", "no such file"),
    ]


def test_bad_files_are_refused_with_what_and_where_and_change_nothing(small_agency, tmp_path):
    build_grid()
    call_command(
        "import_streets",
        str(write_streets(tmp_path / "good.geojson")),
        name_field="LINEAR_NAME_FULL",
    )
    before = (Street.objects.count(), dict(GridCell.objects.values_list("pk", "location_label")))
    for path, field, expected in _bad_files(tmp_path):
        with pytest.raises(CommandError) as excinfo:
            call_command("import_streets", str(path), name_field=field)
        assert expected in str(excinfo.value), (path.name, str(excinfo.value))
    assert (
        Street.objects.count(),
        dict(GridCell.objects.values_list("pk", "location_label")),
    ) == before
    assert (
        AuditEvent.objects.filter(action="config.streets.import").count() == 1
    )  # the good one only


def test_map_streets_by_zoom(small_agency, tmp_path):
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )

    far = street_selectors.streets_in_view(bbox=VIEW, zoom=10)
    assert far["features"] == [] and not far["names"]
    arterials = street_selectors.streets_in_view(bbox=VIEW, zoom=13)
    # Only the long east-west streets (3.9 km each) at this zoom, unnamed, one feature per segment.
    assert len(arterials["features"]) == len(EAST_WEST) * (len(NORTH_SOUTH) + 1)
    assert all(f["properties"] == {} for f in arterials["features"])
    street = street_selectors.streets_in_view(bbox=(-79.385, 43.654, -79.375, 43.660), zoom=16)
    names = {f["properties"]["name"] for f in street["features"]}
    assert names == {"King St W", "Spadina Ave", ""}  # the lane too; nothing outside the view
    assert (
        next(f for f in street["features"] if not f["properties"]["name"])["properties"]["label"]
        is None
    )
    king = next(f for f in street["features"] if f["properties"]["name"] == "King St W")
    assert king["geometry"]["type"] == "MultiLineString"
    label = king["properties"]["label"]
    assert (
        -79.385 <= label["lon"] <= -79.375
        and label["lat"] == pytest.approx(43.657)
        and label["angle"] == 0
    )
    spadina = next(f for f in street["features"] if f["properties"]["name"] == "Spadina Ave")
    assert abs(spadina["properties"]["label"]["angle"]) == 90


def test_map_streets_are_bounded(small_agency, tmp_path, monkeypatch):
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    monkeypatch.setattr(street_selectors, "MAX_STREET_SEGMENTS", 5)
    view = street_selectors.streets_in_view(bbox=VIEW, zoom=14)
    assert view["truncated"] and len(view["features"]) == 5
    monkeypatch.setattr(street_selectors, "MAX_STREET_SEGMENTS", 500)
    assert not street_selectors.streets_in_view(bbox=VIEW, zoom=14)["truncated"]


def test_streets_api_answers_every_role_and_refuses_bad_views(small_agency, tmp_path, role_user):
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    url = reverse("api-streets")
    client = APIClient()
    client.force_authenticate(role_user("Officer"))
    ok = client.get(url, {"bbox": ",".join(map(str, VIEW)), "zoom": 15})
    assert ok.status_code == 200 and {f["properties"]["name"] for f in ok.json()["features"]} >= {
        "King St W"
    }
    for query, field in [
        ({"bbox": "1,2,3", "zoom": 15}, "bbox"),
        ({"bbox": "-79.3,43.6,-79.4,43.7", "zoom": 15}, "bbox"),  # west > east
        ({"bbox": "-80,43,-75,46", "zoom": 15}, "bbox"),  # a province at street zoom
        ({"bbox": ",".join(map(str, VIEW)), "zoom": 40}, "zoom"),
        ({"bbox": ",".join(map(str, VIEW))}, "zoom"),
    ]:
        response = client.get(url, query)
        assert response.status_code == 400 and field in error_fields(response), (
            query,
            response.content,
        )
    assert APIClient().get(url, {"bbox": ",".join(map(str, VIEW)), "zoom": 15}).status_code in (
        401,
        403,
    )
