"""Shared fixtures: users per role, a small synthetic agency, the Toronto divisions, a Celery worker.

Django is imported inside the fixtures, so the pure engine and planner tests also run without it
(`pytest tests/engine -p no:django`).
"""

from contextlib import contextmanager
from pathlib import Path

import pytest
from shapely.geometry import box

pytest_plugins = [
    "tests.lanes",  # markers per directory and fixture, the unmarked-process guard
    "tests.database",  # one migrated template database, copied for each xdist worker
    "tests.flush",  # transactional tests empty only the tables holding rows
]

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
TORONTO = SHARED_DATA / "toronto"
TEST_PASSWORD = "a-test-only-passphrase"  # noqa: S105


@pytest.fixture
def role_user(db):
    """Make a user holding one role: role_user("Analyst")."""
    return user_maker()


def user_maker():
    """make(role, username=None): a user holding one role (the role groups synced first)."""
    from django.contrib.auth import get_user_model

    from agency import roles

    groups = roles.sync_roles()

    def make(role: str, username: str | None = None):
        user = get_user_model().objects.create_user(
            username=username or role.lower(), password=TEST_PASSWORD
        )
        user.groups.add(groups[role])
        return user

    return make


def authenticator(user):
    """The user's confirmed TOTP device, enrolled now if he has none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def totp_code(user) -> str:
    """A valid, unused code of the user's authenticator, as the app on his phone would show it."""
    from django_otp.oath import TOTP

    device = authenticator(user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    # A code is single-use: after a sign-in in this time step, give the next step's (within tolerance).
    totp.drift = device.drift + max(0, device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def client(db):
    """Django's test client whose force_login also marks the session verified with the user's second
    factor, as the verify page does (tests/accounts go through the pages themselves)."""
    from django.test import Client

    class VerifiedClient(Client):
        def force_login(self, user, backend=None):
            super().force_login(user, backend)
            verify_second_factor(self, user)

    return VerifiedClient()


def verify_second_factor(client, user) -> None:
    """Mark a force-logged-in client's session verified with the user's authenticator, as the
    verify page does, when his role needs a second factor."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.policy import second_factor_required

    if second_factor_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
        session.save()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Throttle counters live in the cache: each test starts with none. The cache is Redis, shared
    with the broker and other test processes, so only this process's keys (its prefix) go."""
    from django.conf import settings
    from django.core.cache import cache

    if "redis" not in settings.CACHES["default"]["BACKEND"]:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    own_keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if own_keys:
        client.delete(*own_keys)


@pytest.fixture
def analyst(role_user):
    return role_user("Analyst")


@pytest.fixture
def officer(role_user):
    return role_user("Officer")


@pytest.fixture
def supervisor(role_user):
    return role_user("Supervisor")


@pytest.fixture
def small_agency(db):
    return build_small_agency()


@contextmanager
def rows_kept_for_the_class(django_db_blocker):
    """Rows built once for a class of tests, as Django's `setUpTestData` builds them: each test runs
    in a savepoint inside this transaction, which is rolled back after the class's last test. For
    a class-scoped fixture; objects it yields are shared, so tests read them again from the
    database before changing them."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


SMALL_AGENCY_TZ = "America/Toronto"
SMALL_AGENCY_SHIFTS = [("Day", 6), ("Evening", 14), ("Night", 22)]  # 8 hours each, local start hour


def build_small_agency():
    """A 4 km × 2 km agency near Toronto: districts West/East, two beats each, three shifts."""
    from django.contrib.gis.geos import GEOSGeometry

    from agency.models import Agency, Beat, District, Shift

    def multipolygon(shape):
        return GEOSGeometry(
            f"MULTIPOLYGON((({', '.join(f'{x} {y}' for x, y in shape.exterior.coords)})))",
            srid=4326,
        )

    west, south = -79.40, 43.65
    dx, dy = 0.0248, 0.018  # about 2 km × 2 km at this latitude
    agency = Agency.current()
    agency.name = "Test Police Service"
    agency.timezone = SMALL_AGENCY_TZ
    agency.boundary = multipolygon(box(west, south, west + 2 * dx, south + dy))
    agency.save()
    districts = []
    for i, name in enumerate(["West", "East"]):
        x0 = west + i * dx
        district = District.objects.create(
            code=f"D{i + 1}", name=name, geom=multipolygon(box(x0, south, x0 + dx, south + dy))
        )
        districts.append(district)
        for j in range(2):
            Beat.objects.create(
                code=f"D{i + 1}-B{j + 1}",
                name=f"{name} {j + 1}",
                district=district,
                geom=multipolygon(box(x0, south + j * dy / 2, x0 + dx, south + (j + 1) * dy / 2)),
            )
    for order, (name, hour) in enumerate(SMALL_AGENCY_SHIFTS):
        Shift.objects.create(
            name=name, start_time=f"{hour:02d}:00", duration_minutes=480, order=order
        )
    return agency


@pytest.fixture
def toronto_divisions():
    path = TORONTO / "divisions.geojson"
    if not path.exists():
        pytest.skip("shared/data/toronto is not present")
    return path


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (in a thread) consuming the test broker (Redis)."""
    from celery.contrib.testing.worker import start_worker

    from missions_site.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test that used the database, the audit events it wrote name registered actions
    (audit/actions.py); checked while the test's data is still there."""
    result = yield
    if {"db", "transactional_db"} & set(item.fixturenames) or item.get_closest_marker("django_db"):
        from django.db import DatabaseError

        from tests.audit_actions import unregistered_actions

        try:
            unknown = unregistered_actions()
        except DatabaseError:  # the test left its transaction broken on purpose: nothing to read
            return result
        if unknown:
            raise AssertionError(f"Audit events with unregistered actions: {unknown}")
    return result


def error_fields(response) -> set:
    """The fields an API problem answer names in its `errors` (missions_site.api_errors)."""
    assert response["Content-Type"] == "application/problem+json", response.content
    return {error["field"] for error in response.json()["errors"]}
