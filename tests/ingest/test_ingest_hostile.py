"""Hostile input on PostGIS: non-point features are rejected per row, never failing the run, and the
rejected rows stored for them are JSON-safe."""

import json
import math

import pytest

from ingest import services
from ingest.models import ImportRun, Incident, RejectedRow

pytestmark = pytest.mark.django_db


def _feature(fid, geometry):
    return {"type": "Feature", "geometry": geometry,
            "properties": {"id": fid, "occurred_at": "2023-01-01T10:00", "category": "Assault"}}


def _import(path):
    source, mapping = services.resolve_source(name="gj", mapping_spec="canonical")
    return services.import_incidents_file(path=path, source=source, mapping=mapping)


def test_non_point_features_are_rejected_per_row_and_the_points_kept(agency, tmp_path):
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _feature("P1", {"type": "Point", "coordinates": [-79.4, 43.65]}),
        _feature("L1", {"type": "LineString", "coordinates": [[-79.4, 43.65], [-79.41, 43.66]]}),
        _feature("A1", {"type": "Polygon", "coordinates": [
            [[-79.4, 43.65], [-79.41, 43.65], [-79.41, 43.66], [-79.4, 43.65]]]}),
        _feature("P2", {"type": "Point", "coordinates": [-79.39, 43.64]}),
    ]}))
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
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _feature("P1", {"type": "Point", "coordinates": [-79.4, 43.65]}),
        _feature("P2", {"type": "Point", "coordinates": [-79.39, 43.64]}),
    ]}))
    run = _import(path)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.created, run.rejected) == (2, 0)
