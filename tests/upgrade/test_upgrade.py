"""A database of the previous release (tests/upgrade/v0.8.0.sql, made by 0.8.0's own migrations:
make_fixture.py) migrates to this code with every row and every value kept and the audit chain
intact, and the promoted models still load. Control: a migration that drops a column's data is
caught, on a copy of the upgraded database, by the same comparison."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from . import census

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "v0.8.0.sql"
PROMOTED_LOAD = """
import json
from forecasting.selectors import promoted_versions, unreadable_artifact
print(json.dumps({v.pk: unreadable_artifact(v) for v in promoted_versions()}))
"""


def connect(name: str, autocommit=True):
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=name,
        autocommit=autocommit,
    )


def url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgis://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def databases():
    """Names for new databases on the test server, all dropped afterwards."""
    made = []

    def new(template: str | None = None) -> str:
        name = f"{settings.DATABASES['default']['NAME']}_upgrade_{uuid.uuid4().hex[:8]}"
        with connect("postgres") as conn:
            conn.execute(
                f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            )
        made.append(name)
        return name

    yield new
    with connect("postgres") as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args, name, tmp_path):
    env = dict(os.environ, DATABASE_URL=url(name), MISSIONS_VAR_DIR=str(tmp_path / "var"))
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_previous_release_migrates_with_nothing_lost(databases, tmp_path):
    old = databases()
    loaded = subprocess.run(
        [
            "psql",
            "--quiet",
            "--set",
            "ON_ERROR_STOP=1",
            "--file",
            str(FIXTURE),
            url(old).replace("postgis", "postgresql"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    with connect(old) as conn:
        before = census.take(conn)
        pending = conn.execute(
            "SELECT COUNT(*) FROM django_migrations WHERE app = 'missions'"
            " AND name = '0011_mission_minutes_self_reported'"
        ).fetchone()[0]
    assert pending == 0  # the fixture is of the release before those migrations
    assert before.rows["missions_visit"] == 1 and before.rows["forecasting_modelartifact"] == 2
    assert before.rows["missions_mission"] > 0 and before.rows["audit_auditevent"] > 30

    manage("migrate", "--noinput", name=old, tmp_path=tmp_path)
    with connect(old) as conn:
        after = census.take(conn, first_rows=before.rows)
    losses = census.losses(before, after)
    assert losses == [], "\n".join(losses)
    assert ("missions_mission", "minutes_self_reported") in after.columns  # the upgrade ran
    verified = manage("verify_audit", name=old, tmp_path=tmp_path)
    assert f"Audit chain intact: {after.rows['audit_auditevent']} events" in verified
    unreadable = json.loads(
        manage("shell", "-c", PROMOTED_LOAD, name=old, tmp_path=tmp_path).splitlines()[-1]
    )
    assert len(unreadable) == 2 and set(unreadable.values()) == {None}

    # Control: a migration that drops a column (RemoveField) or empties one (a careless data
    # migration) on a copy of the upgraded database; the comparison names both.
    copy = databases(template=old)
    with connect(copy) as conn:
        conn.execute("ALTER TABLE missions_visit DROP COLUMN start_method")
        conn.execute("UPDATE missions_mission SET reasons = '[]'")
        dropped = census.take(conn, first_rows=before.rows)
    problems = census.losses(before, dropped)
    assert "column missions_visit.start_method is gone (1 values)" in problems
    assert any(
        p.startswith("column missions_mission.reasons: its values changed") for p in problems
    )
    assert len(problems) == 2
