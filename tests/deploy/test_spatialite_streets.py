"""The street import, the cell labels and the map's street views on SpatiaLite (the demo's
database): tests/forecasting/test_streets.py run again in its own pytest process on a SpatiaLite file,
as the PostGIS run cannot switch its database."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 600


def test_streets_and_labels_on_spatialite(tmp_path):
    var = tmp_path / "var"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
           "MISSIONS_VAR_DIR": str(var), "DATABASE_URL": f"spatialite:///{var / 'missions.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/forecasting/test_streets.py", "-q",
         "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "7 passed" in result.stdout
