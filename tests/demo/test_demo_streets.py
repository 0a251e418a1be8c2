"""The demo city's street network: a named grid with arterials and local streets on the land, cut
into segments at crossings, written as a centreline file the street import reads. No Django."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from demo.generator.streets import EAST_WEST_ARTERIALS, NORTH_SOUTH_ARTERIALS
from forecasting.engine.locations import location_labels
from tests.demo.city_helpers import CELL_M, to_utm


def test_a_named_grid_with_arterials_on_the_land(city):
    names = Counter(name for name, _ in city.streets)
    assert 3000 < len(city.streets) < 8000 and 150 < len(names) < 400
    assert {"King St", "Harbour Ave", "Bay St", "Lakeshore Blvd", "River Rd"} <= set(names)
    assert "Front St" not in names  # its survey line lies in the lake
    assert all(name for name in names)
    lengths = Counter()
    for name, line in city.streets:
        lengths[name] += to_utm(line).length
    arterial = [lengths[n] for n in (*EAST_WEST_ARTERIALS, *NORTH_SOUTH_ARTERIALS) if n in lengths]
    local = [
        length
        for name, length in lengths.items()
        if name not in (*EAST_WEST_ARTERIALS, *NORTH_SOUTH_ARTERIALS)
    ]
    assert np.median(arterial) > 2 * np.median(local)  # arterials run through, local streets stop
    land = city.boundary.buffer(1e-6)
    assert all(land.contains(line) for _, line in city.streets)
    assert (
        max(to_utm(line).length for _, line in city.streets) < 1200
    )  # segments, not whole streets


def test_every_cell_gets_a_usable_label(city, cells):
    lines = [to_utm(line) for _, line in city.streets]
    col, row = cells[0], cells[1]
    centres = np.column_stack([(col + 0.5) * CELL_M, (row + 0.5) * CELL_M])  # UTM metres
    labels = location_labels(centres, [name for name, _ in city.streets], lines)
    share_intersections = np.mean([" & " in label for label in labels])
    assert share_intersections > 0.9 and all(labels)


def test_streets_geojson_is_a_centreline_file(city, tmp_path):
    path = tmp_path / "streets.geojson"
    city.write_streets_geojson(path)
    features = json.loads(path.read_text())["features"]
    assert len(features) == len(city.streets)
    assert {f["geometry"]["type"] for f in features} == {"LineString"}
    assert features[0]["properties"] == {"name": city.streets[0][0]}
