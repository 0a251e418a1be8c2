"""SpatiaLite (the demo's database) serialises writers: simultaneous mission starts answer 201 once
and 409 for the rest, never 500 "database is locked". The PostGIS run cannot switch its database, so
the test runs tests/missions/spatialite_starts.py in its own pytest process on a SpatiaLite file."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 600


def test_simultaneous_starts_on_spatialite_give_201_and_409(tmp_path):
    var = tmp_path / "var"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
           "MISSIONS_VAR_DIR": str(var), "DATABASE_URL": f"spatialite:///{var / 'missions.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/missions/spatialite_starts.py", "-q",
         "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
