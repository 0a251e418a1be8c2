"""Run test modules again in their own pytest process on a SpatiaLite file (the demo's database):
the PostGIS run cannot switch its database."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 600


def run_on_spatialite(
    test_paths: list[str], tmp_path: Path, *options: str
) -> subprocess.CompletedProcess:
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
        "MISSIONS_VAR_DIR": str(var),
        "DATABASE_URL": f"spatialite:///{var / 'missions.sqlite3'}",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *test_paths,
            *options,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result
