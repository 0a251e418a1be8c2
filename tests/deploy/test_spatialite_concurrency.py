"""SpatiaLite (the demo's database) serialises writers: simultaneous mission starts answer 201 once
and 409 for the rest, never 500 "database is locked". The PostGIS run cannot switch its database, so
the test runs tests/missions/spatialite_starts.py in its own pytest process on a SpatiaLite file."""

import pytest

from tests.deploy.spatialite_run import run_on_spatialite

pytestmark = pytest.mark.subprocess


def test_simultaneous_starts_on_spatialite_give_201_and_409(tmp_path):
    result = run_on_spatialite("tests/missions/spatialite_starts.py", tmp_path)
    assert "1 passed" in result.stdout
