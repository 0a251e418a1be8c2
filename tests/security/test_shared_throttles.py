"""Issue 21, finding 3: with 5 gunicorn workers, 123 of 200 sign-ins passed a 30/min limit because
each process counted alone. The throttles count in the shared Redis cache: two separate Django
processes (as two workers are) share one count. Control: a per-process cache lets both through."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.subprocess,  # two real Django processes share one count
    pytest.mark.skipif(
        "redis" not in settings.CACHES["default"]["BACKEND"], reason="the shared cache is Redis"
    ),
]
ROOT = Path(__file__).resolve().parents[2]


def allowed_by_two_processes(scope: str, per_process: int, **env) -> int:
    """Start two Django processes at once, each sending `per_process` requests from one address."""
    environment = {**os.environ, "CACHE_KEY_PREFIX": f"throttle{uuid.uuid4().hex}", **env}
    command = [sys.executable, "-m", "tests.security.count_throttled", scope, str(per_process)]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [*command, "10.9.8.7"], cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True
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
