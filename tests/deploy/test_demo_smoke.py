"""`make demo`'s path on the embedded stack: SpatiaLite, no broker server, a real HTTP server."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "smoke-test-passphrase"  # noqa: S105
SERVER_START_S = 30


@pytest.fixture
def demo_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        MISSIONS_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="missions_site.settings.dev"
    )
    return env


def manage(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_on_spatialite_serves_each_role(demo_env, tmp_path):
    manage(demo_env, "migrate", "--noinput")
    out = manage(demo_env, "seed_demo", "--password", PASSWORD)
    assert re.search(r"\d+ districts, \d+ beats, \d{5} incidents", out)
    assert (tmp_path / "var" / "missions.sqlite3").exists()
    assert "already there" in manage(demo_env, "seed_demo", "--if-empty")
    assert re.search(r"\d{4} cells of 250 m", manage(demo_env, "build_grid"))
    # The demo's streets went in through the street import and the grid build named the cells from them.
    streets = manage(
        demo_env,
        "shell",
        "-c",
        (
            "from geo.models import GridCell, Street; from geo.street_selectors import streets_in_view;"
            "c = GridCell.objects.filter(active=True); p = c.exclude(location_label='').first().center;"
            "v = streets_in_view(bbox=(p.x - .005, p.y - .005, p.x + .005, p.y + .005), zoom=16);"
            "print('streets', Street.objects.count(), c.filter(location_label='').count(),"
            " c.filter(location_label__contains=' & ').count(),"
            " sorted(f['properties']['name'] for f in v['features'])[:1])"
        ),
    )
    segments, unlabelled, intersections, first_name = re.search(
        r"streets (\d+) (\d+) (\d+) \['(.+)'\]", streets
    ).groups()
    assert (
        int(segments) > 3000 and int(unlabelled) == 0 and int(intersections) > 1000 and first_name
    )

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=demo_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/accounts/login/")
        for username, landing, expected in [
            ("analyst", "/analyst/", "Port Meridian Police Service"),
            ("supervisor", "/supervisor/", "Shift board"),
            ("officer", "/officer/", "Badge 1001"),
            ("auditor", "/audit/", "Audit log"),
        ]:
            url, body = log_in(base, username)
            assert url.endswith(landing) and expected in body, (username, url)
    finally:
        server.terminate()
        server.wait(timeout=10)
    # The audit log works on SpatiaLite too: the seeding, logins and grid build are chained events.
    assert re.search(r"Audit chain intact: \d+ events", manage(demo_env, "verify_audit"))
    assert "Purged 0 audit events older than 365 days." in manage(demo_env, "purge_audit")
    assert "Audit chain intact" in manage(demo_env, "verify_audit")
    # The demo's backup: SQLite's online copy of the file, restored as a new file elsewhere.
    assert "Backed up" in manage(demo_env, "backup", str(tmp_path / "backup"))
    elsewhere = {**demo_env, "MISSIONS_VAR_DIR": str(tmp_path / "restored")}
    assert "Restored and checked" in manage(elsewhere, "restore", str(tmp_path / "backup"))
    assert "Audit chain intact" in manage(elsewhere, "verify_audit")


def wait_for(url: str) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def log_in(base: str, username: str) -> tuple[str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/").read().decode()
    assert "demo: second factor off" in page  # the demo's one relaxation, said on the login page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
            "next": "/",
            "accept_banner": "on",
        }
    ).encode()
    request = urllib.request.Request(
        base + "/accounts/login/", data=data, headers={"Referer": base}
    )
    response = opener.open(request)
    return response.url, response.read().decode()
