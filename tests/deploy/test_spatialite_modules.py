"""Modules run again on SpatiaLite (the demo's database), in one pytest process of their own on a
SpatiaLite file, as the PostGIS run cannot switch its database (one process: each start migrates a
new file, which was most of each module's time):
- tests/geo/test_streets.py: the street import, the cell labels and the map's street views;
- tests/missions/test_reason_data.py: the reason migrations' conversion of stored sentences;
- tests/missions/spatialite_starts.py: SpatiaLite serialises writers, so simultaneous mission
  starts answer 201 once and 409 for the rest, never 500 "database is locked";
- tests/ingest/spatialite_upserts.py: the incident import's upsert on SQLite (new, changed, newer,
  duplicate rows)."""

import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from tests.deploy.spatialite_run import run_on_spatialite

pytestmark = pytest.mark.subprocess

MODULES = {
    "tests/geo/test_streets.py": 7,
    "tests/missions/test_reason_data.py": 18,
    "tests/missions/spatialite_starts.py": 1,
    "tests/ingest/spatialite_upserts.py": 4,
}


def test_the_modules_pass_on_spatialite(tmp_path):
    report = tmp_path / "report.xml"
    run_on_spatialite(list(MODULES), tmp_path, "--junitxml", str(report))
    cases = list(ET.parse(report).iter("testcase"))  # noqa: S314 (our own pytest wrote it)
    not_passed = [(c.get("name"), c[0].tag) for c in cases if len(c)]  # failure, error, skipped
    assert not not_passed, not_passed
    passed = Counter(module_of(c.get("classname", "")) for c in cases)
    assert dict(passed) == MODULES


def module_of(classname: str) -> str:
    """tests.geo.test_streets (or tests.geo.test_streets.TestSomething) -> tests/geo/test_streets.py"""
    for path in MODULES:
        dotted = path.removesuffix(".py").replace("/", ".")
        if classname == dotted or classname.startswith(dotted + "."):
            return path
    return classname
