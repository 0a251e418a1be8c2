"""/healthz is liveness (the process answers, nothing else is touched); /readyz is readiness (the
database, the broker, the shift plans). With the database unreachable the first stays 200 and the
second says 503 and why; with both reachable, readyz names them ok (issue 20)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
# Port 1 on the loopback: nothing listens, so every connection is refused at once.
CLOSED_DATABASE = "postgis://postgres@127.0.0.1:1/missions_unreachable"
PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client()
answers = {}
for path in ("/healthz", "/readyz"):
    response = client.get(path, HTTP_HOST="localhost")
    answers[path] = [response.status_code, response.json()]
print(json.dumps(answers))
"""


@pytest.mark.subprocess
def test_healthz_answers_with_the_database_unreachable_while_readyz_refuses():
    env = {**os.environ, "DATABASE_URL": CLOSED_DATABASE}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers["/healthz"] == [200, {"status": "alive"}]
    status, checks = answers["/readyz"]
    assert status == 503 and checks["database"] == "failing"  # control: the database is down
    assert checks["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_names_the_database_and_broker_ok_when_they_answer(client):
    checks = client.get(reverse("readyz")).json()
    assert checks["database"] == "ok" and checks["broker"] == "ok"
    alive = client.get(reverse("healthz"))
    assert alive.json() == {"status": "alive"} and alive["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_answers_a_probe_by_the_containers_own_address(client):
    """An orchestrator probes by the pod's IP, not a name in ALLOWED_HOSTS: liveness answers it;
    the other pages still refuse that Host (control)."""
    assert client.get("/healthz", HTTP_HOST="10.9.8.7").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.9.8.7").status_code == 400
    assert client.post("/healthz").status_code in (302, 403)  # only GET is open, by the matrix


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_a_broker_down_fails_readiness_not_liveness(client):
    assert client.get(reverse("healthz")).status_code == 200
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 503
    assert ready.json()["broker"] == "failing" and ready.json()["database"] == "ok"
