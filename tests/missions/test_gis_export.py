"""A shift for QGIS/ArcGIS: its forecast, missions (status, dose) and boxes with exposure as
GeoPackage and GeoJSON from the shift page and the API, each file opened with pyogrio (the reader
GIS tools share, GDAL) and its features and attributes checked against the database."""

import pyogrio
import pytest
import shapely
from django.urls import reverse
from pyogrio import raw as pyogrio_raw

from forecasting.models import CellForecast
from missions import services
from missions.models import Mission

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    first = Mission.objects.not_cancelled().order_by("pk").first()
    first.minutes_served = 12.5
    first.save(update_fields=["minutes_served"])
    return {"date": now_window.date.isoformat(), "shift": now_window.shift.pk}


def read(tmp_path, body: bytes, name: str, layer: str | None = None):
    path = tmp_path / name
    path.write_bytes(body)
    meta, _, geometry, fields = pyogrio_raw.read(str(path), layer=layer)
    columns = {n: list(v) for n, v in zip(meta["fields"], fields, strict=True)}
    return meta, [shapely.from_wkb(g) for g in geometry], columns


def check_missions(meta, shapes, cols):
    missions = {m.pk: m for m in Mission.objects.select_related("cell", "beat")}
    assert meta["crs"] == "EPSG:4326" and len(shapes) == len(missions) > 0
    for pk, status, dose, served, beat, shape in zip(
        cols["mission"],
        cols["status"],
        cols["dose_minutes"],
        cols["minutes_served"],
        cols["beat"],
        shapes,
        strict=True,
    ):
        m = missions[int(pk)]
        assert (status, dose, beat) == (m.status, m.dose_minutes, m.beat.code)
        assert served == pytest.approx(m.minutes_served or 0.0)
        assert shape.contains(shapely.from_wkt(m.cell.center.wkt))
    assert 12.5 in cols["minutes_served"]


def test_the_geopackage_from_the_shift_page_has_three_layers(shift, analyst, client, tmp_path):
    client.force_login(analyst)
    page = client.get(reverse("missions-shift"), shift).content.decode()
    assert reverse("missions-gis", args=["gpkg"]) in page  # the page offers the download
    response = client.get(reverse("missions-gis", args=["gpkg"]), shift)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert ".gpkg" in response["Content-Disposition"]
    path = tmp_path / "shift.gpkg"
    path.write_bytes(response.content)
    assert [name for name, _ in pyogrio.list_layers(str(path))] == ["forecast", "missions", "boxes"]
    check_missions(*read(tmp_path, response.content, "a.gpkg", "missions"))
    meta, shapes, cols = read(tmp_path, response.content, "b.gpkg", "forecast")
    boxes = {r["cell_id"] for r in CellForecast.objects.values("cell_id")}
    assert set(cols["box"]) == boxes and len(shapes) == len(boxes)
    assert all(v > 0 for v in cols["expected_incidents"]) and cols["top_crime_type"][0]
    _, shapes, cols = read(tmp_path, response.content, "c.gpkg", "boxes")
    served = Mission.objects.get(minutes_served=12.5)
    at = cols["box"].index(served.cell_id)
    assert cols["mission_minutes"][at] == 12.5 and cols["patrol_minutes"][at] == 0.0


@pytest.mark.parametrize("layer", ["forecast", "missions", "boxes"])
def test_geojson_from_the_api_one_layer_a_file(shift, analyst, api, tmp_path, layer):
    response = api(analyst).get(
        reverse("api-missions-gis", args=["geojson"]), {**shift, "layer": layer}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    meta, shapes, cols = read(tmp_path, response.content, f"{layer}.geojson")
    assert shapes and all(s.geom_type == "Polygon" for s in shapes)
    if layer == "missions":
        check_missions(meta, shapes, cols)
    else:
        assert {"box", "location", "expected_incidents"} <= set(cols)


def test_a_wrong_layer_or_format_says_which_exist(shift, analyst, client, api):
    client.force_login(analyst)
    url = reverse("missions-gis", args=["geojson"])
    refused = client.get(url, shift)  # GeoJSON holds one layer: which one?
    assert refused.status_code == 400 and "forecast, missions, boxes" in refused.content.decode()
    assert client.get(url, {**shift, "layer": "missions"}).status_code == 200  # positive control
    url = reverse("api-missions-gis", args=["shp"])
    problem = api(analyst).get(url, shift)
    assert problem.status_code == 400 and "gpkg, geojson" in problem.content.decode()
    gpkg = api(analyst).get(reverse("api-missions-gis", args=["gpkg"]), shift)
    assert gpkg.status_code == 200 and gpkg.content[:16] == b"SQLite format 3\x00"
