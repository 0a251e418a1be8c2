"""Issue 21, finding 3: with 5 gunicorn workers, 123 of 200 sign-ins passed a 30/min limit because
each process counted alone. The throttles count in the shared Redis cache: two separate Django
processes (as two workers are) share one count. Control: a per-process cache lets both through."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import TEST_PASSWORD

pytestmark = [
    pytest.mark.subprocess,  # two real Django processes share one count
    pytest.mark.skipif(
        "redis" not in settings.CACHES["default"]["BACKEND"], reason="the shared cache is Redis"
    ),
]
ROOT = Path(__file__).resolve().parents[2]
START_TOGETHER_AFTER_S = 5  # longer than a process takes to start on a busy machine


def allowed_by_two_processes(scope: str, per_process: int, **env) -> int:
    """Start two Django processes at once, each sending `per_process` requests from one address."""
    environment = {**os.environ, "CACHE_KEY_PREFIX": f"throttle{uuid.uuid4().hex}", **env}
    command = [sys.executable, "-m", "tests.security.count_throttled", scope, str(per_process)]
    start_at = str(time.time() + START_TOGETHER_AFTER_S)  # both send at once: the race, if any
    processes = [
        subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [*command, "10.9.8.7", start_at],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes)
    return sum(int(output.strip().splitlines()[-1]) for output in outputs)


def test_two_processes_share_the_sign_in_limit():
    # LOGIN_THROTTLE_RATE 30/min: 2 × 20 requests from one address, 30 get through, not 40.
    assert allowed_by_two_processes("login", 20) == 30


def test_two_processes_share_the_token_limit():
    # API_TOKEN_THROTTLE_RATE 10/min: 2 × 8 requests from one address, 10 get through, not 16.
    assert allowed_by_two_processes("api-token", 8) == 10


def test_control_a_per_process_cache_lets_each_process_count_alone():
    # What the probe found: each process allows its own 30 (here all 20 of each).
    assert allowed_by_two_processes("login", 20, CACHE_URL="locmemcache://") == 40


@pytest.mark.django_db
def test_the_refused_token_request_says_when_to_try_again(client, django_user_model):
    # API_TOKEN_THROTTLE_RATE 10/min from one address: ten pass the throttle and get their token
    # (the positive control), the eleventh is 429 with the seconds until the oldest leaves.
    django_user_model.objects.create_user("throttled", password=TEST_PASSWORD)
    client.defaults["REMOTE_ADDR"] = f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    url = reverse("api-token")
    body = {"username": "throttled", "password": TEST_PASSWORD}
    answers = [client.post(url, body, content_type="application/json") for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429
    assert 50 <= int(answers[10]["Retry-After"]) <= 60
