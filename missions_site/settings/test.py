"""Test settings: PostGIS and Redis on 127.0.0.1 unless DATABASE_URL / CELERY_BROKER_URL say otherwise."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/missions")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# The cache is the broker's Redis database, as in production; keys carry this process's prefix so
# parallel test processes (and the broker's own keys) never see each other's throttle counters.
if os.environ["CELERY_BROKER_URL"].startswith("redis"):
    os.environ.setdefault("CACHE_URL", os.environ["CELERY_BROKER_URL"])
# pytest's controller imports these settings before it starts the xdist workers, which inherit its
# environment: each worker takes a prefix of its own, and the processes it starts inherit that one.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if "CACHE_KEY_PREFIX" not in os.environ or os.environ.get("CACHE_KEY_PREFIX_WORKER") != _worker:
    os.environ["CACHE_KEY_PREFIX"] = f"test{_worker}{os.getpid()}"
    os.environ["CACHE_KEY_PREFIX_WORKER"] = _worker

from .base import *  # noqa: E402, F403
from .base import VAR_DIR  # noqa: E402
from .local_secret import local_secret_key  # noqa: E402

SECRET_KEY = local_secret_key(VAR_DIR)
# Each test process writes audit heads to its own file; tests that read them set their own.
AUDIT_ANCHOR_FILE = Path(tempfile.gettempdir()) / f"missions-test-audit-anchors-{os.getpid()}.log"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MFA_ENABLED = (
    True  # tests prove the real sign-in path; fixtures verify a TOTP device (tests/conftest.py)
)
# The test database is flushed between transactional tests, the audit table by TRUNCATE, which
# production refuses (audit.database). Commits need not wait for the disk: a crash loses a test run.
if DATABASES["default"]["ENGINE"].endswith("spatialite"):  # noqa: F405
    # A file, not SQLite's in-memory default, so that threads and processes lock it as in the demo.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-missions.sqlite3")}  # noqa: F405
else:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c audit.allow_truncate=on -c synchronous_commit=off"
    )

# Under pytest-xdist each worker process (and every process it starts, which inherits the variable)
# keeps its broker keys apart in the one Redis database: tests/jobs/worker_processes.py.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER and CELERY_BROKER_URL.startswith("redis"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": f"{XDIST_WORKER}:",
    }
