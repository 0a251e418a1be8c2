"""Reasons as data on SpatiaLite (the demo's database): tests/missions/test_reason_data.py, which
runs the reason migrations' conversion on stored sentences, again in its own pytest process on a
SpatiaLite file."""

import pytest

from tests.deploy.spatialite_run import run_on_spatialite

pytestmark = pytest.mark.subprocess


def test_reason_conversion_on_spatialite(tmp_path):
    result = run_on_spatialite("tests/missions/test_reason_data.py", tmp_path)
    assert "18 passed" in result.stdout
