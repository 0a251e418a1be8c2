"""The street import, the cell labels and the map's street views on SpatiaLite (the demo's
database): tests/geo/test_streets.py run again in its own pytest process on a SpatiaLite file,
as the PostGIS run cannot switch its database."""

import pytest

from tests.deploy.spatialite_run import run_on_spatialite

pytestmark = pytest.mark.subprocess


def test_streets_and_labels_on_spatialite(tmp_path):
    result = run_on_spatialite("tests/geo/test_streets.py", tmp_path)
    assert "7 passed" in result.stdout
