"""Production settings pass Django's deployment checks, and refuse to start without their secrets."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]


def run_check(extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(extra_env)
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--settings=missions_site.settings.prod",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_environment():
    result = run_check(
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DATABASE_URL": "postgis://postgres@127.0.0.1:5432/missions",
            "DJANGO_ALLOWED_HOSTS": "missions.example.org",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check({"DATABASE_URL": "postgis://postgres@127.0.0.1:5432/missions"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
