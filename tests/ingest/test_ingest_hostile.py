"""Hostile input on PostGIS: non-point features are rejected per row, never failing the run, and the
rejected rows stored for them are JSON-safe; the rejected-rows CSV is spreadsheet-safe."""

import csv
import io
import json
import math

import pytest
from django.urls import reverse
from ingest_testdata import CANONICAL_HEADER

from ingest import services
from ingest.models import ImportRun, Incident, RejectedRow

pytestmark = pytest.mark.django_db


def _feature(fid, geometry):
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"id": fid, "occurred_at": "2023-01-01T10:00", "category": "Assault"},
    }


def _import(path):
    source, mapping = services.resolve_source(name="gj", mapping_spec="canonical")
    return services.import_incidents_file(path=path, source=source, mapping=mapping)


def test_non_point_features_are_rejected_per_row_and_the_points_kept(agency, tmp_path):
    path = tmp_path / "mixed.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    _feature("P1", {"type": "Point", "coordinates": [-79.4, 43.65]}),
                    _feature(
                        "L1",
                        {"type": "LineString", "coordinates": [[-79.4, 43.65], [-79.41, 43.66]]},
                    ),
                    _feature(
                        "A1",
                        {
                            "type": "Polygon",
                            "coordinates": [
                                [[-79.4, 43.65], [-79.41, 43.65], [-79.41, 43.66], [-79.4, 43.65]]
                            ],
                        },
                    ),
                    _feature("P2", {"type": "Point", "coordinates": [-79.39, 43.64]}),
                ],
            }
        )
    )
    run = _import(path)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.created, run.rejected) == (2, 2)
    assert set(Incident.objects.values_list("external_id", flat=True)) == {"P1", "P2"}
    rejected = {r.external_id: r for r in RejectedRow.objects.filter(run=run)}
    assert rejected["L1"].row_number == 2
    assert rejected["L1"].reason == "Row 2: the geometry is a LineString, not a point."
    assert rejected["A1"].reason == "Row 3: the geometry is a Polygon, not a point."
    for row in rejected.values():
        assert row.reason_code == "not_a_point"
        assert all(not (isinstance(v, float) and math.isnan(v)) for v in row.raw.values())
        json.dumps(row.raw, allow_nan=False)


def test_a_file_of_points_only_rejects_nothing(agency, tmp_path):
    path = tmp_path / "points.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    _feature("P1", {"type": "Point", "coordinates": [-79.4, 43.65]}),
                    _feature("P2", {"type": "Point", "coordinates": [-79.39, 43.64]}),
                ],
            }
        )
    )
    run = _import(path)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.created, run.rejected) == (2, 0)


def test_rejected_rows_csv_is_spreadsheet_safe(client, analyst, agency, write_csv):
    formula = '=HYPERLINK("x")'
    rows = [
        ["F-1", "not a time", "43.65", "-79.4", formula],
        ["F-2", "not a time", "43.65", "-79.4", "Assault"],
    ]
    source, mapping = services.resolve_source(name="feed", mapping_spec="canonical")
    run = services.import_incidents_file(
        path=write_csv("f.csv", CANONICAL_HEADER, rows), source=source, mapping=mapping
    )
    assert run.rejected == 2
    client.force_login(analyst)
    download = client.get(reverse("ingest-rejected-csv", args=[run.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    category = lines[0].index("category")
    assert lines[1][category] == "'" + formula
    assert lines[2][category] == "Assault"  # a plain value is unchanged
    assert lines[1][lines[0].index("longitude")] == "-79.4"  # a plain number, written plainly


def test_rejected_rows_csv_is_fixed_and_imported_again(
    client, analyst, agency, write_csv, tmp_path
):
    """Issue 23: the download wrote `'-79.9100` and two `id` columns, so it could not be re-imported.
    Now: one id column, numbers plain; fixing the time and importing the file again creates them."""
    rows = [
        ["R-1", "not a time", "43.65", "-79.9100", "Assault"],
        ["R-2", "2023-01-01T10:00", "43.65", "-79.4", "Assault"],
        ["R-3", "yesterday", "43.651", "-79.401", "Assault"],
    ]
    source, mapping = services.resolve_source(name="feed", mapping_spec="canonical")
    run = services.import_incidents_file(
        path=write_csv("f.csv", CANONICAL_HEADER, rows), source=source, mapping=mapping
    )
    assert (run.created, run.rejected) == (1, 2)
    client.force_login(analyst)
    download = client.get(reverse("ingest-rejected-csv", args=[run.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    header = lines[0]
    assert header.count("id") == 1 and "external_id" not in header
    assert [line[header.index("longitude")] for line in lines[1:]] == ["-79.9100", "-79.401"]
    # The analyst fixes the times in the downloaded file and imports it again.
    for line in lines[1:]:
        line[header.index("occurred_at")] = "2023-01-02T11:00"
    fixed = tmp_path / "fixed.csv"
    with open(fixed, "w", newline="") as fh:
        csv.writer(fh).writerows(lines)
    again = services.import_incidents_file(path=fixed, source=source, mapping=mapping)
    assert (again.created, again.rejected) == (2, 0), again.message
    incident = Incident.objects.get(external_id="R-1")
    assert round(incident.location.x, 4) == -79.91


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("-79.9100", "-79.9100"),
        ("-1e-3", "-1e-3"),
        ("+12", "'+12"),  # "+" always quoted (a phone number stays text)
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("-A1", "'-A1"),
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("- 5", "'- 5"),
    ],
)
def test_only_plain_numbers_escape_the_formula_quote(value, written):
    from missions_site.spreadsheet import spreadsheet_safe

    assert spreadsheet_safe(value) == written
