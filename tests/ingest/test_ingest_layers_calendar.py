"""Risk-terrain layers (CSV lat/lon, GeoJSON) and the event calendar."""

import io
import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command
from ingest_testdata import TORONTO_DIR

from agency.models import District
from ingest.models import CalendarEvent, RiskLayer, RiskLayerPoint

pytestmark = pytest.mark.django_db


def test_import_layer_from_csv_replaces_the_layer(agency, write_csv):
    path = write_csv(
        "bars.csv",
        ["Name", "LAT", "Lng"],
        [["Bar A", "43.65", "-79.40"], ["Bar B", "43.66", "-79.41"], ["Nowhere", "", ""]],
    )
    out = io.StringIO()
    call_command("import_layer", str(path), "--name", "Bars", stdout=out)
    assert "2 points, 1 skipped" in out.getvalue()
    layer = RiskLayer.objects.get(name="bars")
    assert sorted(layer.points.values_list("name", flat=True)) == ["Bar A", "Bar B"]
    smaller = write_csv("bars2.csv", ["name", "lat", "lon"], [["Bar C", "43.67", "-79.42"]])
    call_command("import_layer", str(smaller), "--name", "bars", stdout=io.StringIO())
    assert list(RiskLayerPoint.objects.values_list("name", flat=True)) == ["Bar C"]


def test_import_layer_from_geojson(agency, tmp_path):
    path = tmp_path / "stops.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [-79.38, 43.64]},
                        "properties": {"name": "Union"},
                    }
                ],
            }
        )
    )
    call_command("import_layer", str(path), "--name", "transit-stops", stdout=io.StringIO())
    point = RiskLayerPoint.objects.get(layer__name="transit-stops")
    assert point.name == "Union" and point.location.x == pytest.approx(-79.38)


@pytest.mark.skipif(not (TORONTO_DIR / "pois").is_dir(), reason="../shared/data/toronto absent")
def test_toronto_pharmacies_layer(agency):
    call_command(
        "import_layer",
        str(TORONTO_DIR / "pois" / "toronto_pharmacies.csv"),
        "--name",
        "pharmacies",
        stdout=io.StringIO(),
    )
    assert RiskLayerPoint.objects.filter(layer__name="pharmacies").count() == 542


def test_import_layer_without_coordinates_fails_clearly(agency, write_csv):
    with pytest.raises(CommandError, match="no latitude column"):
        call_command(
            "import_layer",
            str(write_csv("x.csv", ["a", "b"], [["1", "2"]])),
            "--name",
            "x",
            stdout=io.StringIO(),
        )


def test_import_events_by_location_or_district_in_local_time(agency, write_csv):
    District.objects.create(
        code="D52",
        name="D52",
        geom=MultiPolygon(Polygon.from_bbox((-79.40, 43.64, -79.37, 43.66)), srid=4326),
    )
    path = write_csv(
        "events.csv",
        ["name", "start", "end", "location", "district", "expected_attendance"],
        [
            [
                "Raptors game",
                "2023-11-05 19:30",
                "2023-11-05 22:30",
                "43.6435, -79.3791",
                "",
                "19,800",
            ],
            ["Parade", "2023-11-05T01:30", "2023-11-05T03:00", "", "D52", ""],  # DST overlap night
        ],
    )
    out = io.StringIO()
    call_command("import_events", str(path), "--calendar", "Toronto 2023", stdout=out)
    assert "2 created, 0 updated" in out.getvalue()
    game = CalendarEvent.objects.get(name="Raptors game")
    assert game.calendar == "toronto-2023" and game.expected_attendance == 19800
    assert game.starts_at.isoformat() == "2023-11-06T00:30:00+00:00"  # EST after the change
    assert game.location.y == pytest.approx(43.6435)
    parade = CalendarEvent.objects.get(name="Parade")
    assert (
        parade.district.code == "D52"
        and parade.starts_at.isoformat() == "2023-11-05T05:30:00+00:00"
    )
    call_command("import_events", str(path), "--calendar", "Toronto 2023", stdout=out)
    assert "0 created, 2 updated" in out.getvalue() and CalendarEvent.objects.count() == 2


def test_a_bad_event_row_imports_nothing(agency, write_csv):
    path = write_csv(
        "events.csv",
        ["name", "start", "end", "district"],
        [
            ["Fine", "2023-06-01 10:00", "2023-06-01 12:00", ""],
            ["Backwards", "2023-06-01 10:00", "2023-06-01 09:00", "D99"],
        ],
    )
    with pytest.raises(CommandError, match="row 2: end before start, unknown district 'D99'"):
        call_command("import_events", str(path), stdout=io.StringIO())
    assert CalendarEvent.objects.count() == 0
