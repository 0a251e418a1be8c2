"""docker-compose's optional `backup` service (profile `backup`): `manage.py backup` on a schedule as
the database owner into its own volume, old backups pruned; the loop itself is run once here with
stand-ins for python and sleep (docs/deploy.md, "Backups"). The web service's health check is the
liveness probe."""

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_the_backup_service_is_optional_and_runs_manage_py_backup_as_the_owner():
    backup = services()["backup"]
    assert backup["profiles"] == ["backup"]  # not started by a plain `docker compose up`
    assert all("profiles" not in s for name, s in services().items() if name != "backup")
    shell, flag, script = backup["command"]
    assert (shell, flag) == ("sh", "-c")
    assert 'python manage.py backup "/backups/' in script and "sleep" in script
    env = backup["environment"]
    assert env["DATABASE_URL"].startswith("postgis://missions:")  # the owner, as `migrate`
    assert env["BACKUP_INTERVAL_SECONDS"] == "${BACKUP_INTERVAL_SECONDS:-86400}"
    assert {"media:/app/var/media", "backups:/backups"} <= set(backup["volumes"])
    assert backup["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "backups" in yaml.safe_load((ROOT / "docker-compose.yml").read_text())["volumes"]
    assert "postgresql-client" in (ROOT / "Dockerfile").read_text()  # pg_dump in the image


def test_the_web_health_check_is_the_liveness_probe():
    check = services()["web"]["healthcheck"]["test"][1]
    assert "/healthz" in check and "/readyz" not in check


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.mark.subprocess
def test_one_turn_of_the_loop_backs_up_and_prunes_old_backups(tmp_path):
    """The script as compose runs it ($$ is compose's escape for $), with /backups in a temporary
    folder, `python` recording its arguments and `sleep` ending the loop."""
    script = services()["backup"]["command"][2].replace("$$", "$")
    store, bin_dir = tmp_path / "backups", tmp_path / "bin"
    store.mkdir(), bin_dir.mkdir()
    old, recent = store / "2026-01-01T000000Z", store / "2026-12-01T000000Z"
    old.mkdir(), recent.mkdir()
    now = time.time()
    os.utime(old, (now - 30 * 86400, now - 30 * 86400))
    os.utime(recent, (now - 86400, now - 86400))
    calls = tmp_path / "calls"
    _stub(bin_dir, "python", f'echo "$@" >> {calls}\nmkdir -p "$3"\n')
    _stub(bin_dir, "sleep", f'echo "sleep $1" >> {calls}\nexit 1\n')
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "BACKUP_KEEP_DAYS": "14",
        "BACKUP_INTERVAL_SECONDS": "86400",
    }
    done = subprocess.run(
        ["sh", "-c", script.replace("/backups", str(store))],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1, done.stderr  # ended by the stand-in sleep, after one turn
    backup_call, sleep_call = calls.read_text().splitlines()
    assert backup_call.startswith(f"manage.py backup {store}/20")
    assert sleep_call == "sleep 86400"
    left = sorted(p.name for p in store.iterdir())
    assert old.name not in left and recent.name in left  # 30 days old pruned, yesterday's kept
    assert len(left) == 2  # yesterday's and the new one
