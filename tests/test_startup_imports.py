"""A process that only starts — a web worker, a Celery worker, any manage.py command — does not
import the numerical libraries that only training, forecasting and statistics need: together they
took seconds of every process's start (and of every test that starts one)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("lightgbm", "sklearn", "scipy")

STARTUP = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # the URLconf: every app's views
import missions_site.celery  # the worker's app and its task modules
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""


@pytest.mark.subprocess
def test_starting_a_process_imports_no_model_or_statistics_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "missions_site.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", STARTUP], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "django" in loaded and "rest_framework" in loaded  # the control: the apps did load
    assert not loaded & set(HEAVY), f"imported at start: {sorted(loaded & set(HEAVY))}"
