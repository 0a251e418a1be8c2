"""The stage of the shift-change load test, written through the apps: the demo city (beats, shifts,
crime types), its grid, a forecast and a plan for the shift under way and the next one, N officers
spread over the beats, and an analyst's API token. Forecasts are synthetic (no training): each new
one, with new model versions, gives the planner a new draw, so a re-plan moves most boxes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from agency import roles
from agency.models import Beat, CrimeType, MissionPolicy, OfficerProfile
from agency.selectors import current_or_next_shift_window, shift_windows_around
from agency.shift_windows import ShiftWindow
from demo.seed import demo_is_seeded, seed_demo
from forecasting.engine.reasons import free_text
from forecasting.models import CellForecast, ForecastRun, ModelVersion
from forecasting.services import build_grid
from geo.models import GridCell
from missions import services

OFFICER_PREFIX = "load-officer-"
ANALYST = "load-analyst"
SUPERVISOR = "load-supervisor"
FEED_PREFIX = "FEED"  # the AVL feed's units: call signs FEED0000…, vehicle ids FV0000…


def prepare(*, officers: int, password: str, tokens_file: Path | None = None) -> dict:
    """Everything the scenario needs; returns what the locust users are told by environment. With
    `tokens_file`, each officer also gets an API token (one a line), as an MDT that signed in
    earlier in the day holds one: those officers poll without signing in again."""
    if not demo_is_seeded():
        seed_demo(password=password)
    if not GridCell.objects.filter(active=True).exists():
        build_grid()
    for window in shifts_to_cover():
        refresh_forecast(window, seed=1)
        services.plan_missions(date=window.date, shift=window.shift)
    users = _officers(officers, password)
    if tokens_file is not None:
        tokens_file.write_text(
            "".join(
                f"{AuthToken.objects.create(u, expiry=dt.timedelta(hours=12))[1]}\n" for u in users
            )
        )
    analyst = _user(ANALYST, roles.ANALYST, make_password(password))
    _, token = AuthToken.objects.create(analyst, expiry=dt.timedelta(hours=12))
    return {
        "LOAD_TOKENS_FILE": str(tokens_file or ""),
        "LOAD_ANALYST_TOKEN": token,
        "LOAD_MISSIONS_PER_BEAT": str(MissionPolicy.current().missions_per_beat_per_shift),
        "LOAD_OFFICER_PREFIX": OFFICER_PREFIX,
        "LOAD_OFFICERS": str(officers),
        "LOAD_PASSWORD": password,
    }


def shifts_to_cover() -> list[ShiftWindow]:
    """The shift under way (or next) and the one after: a run may cross a shift change."""
    now = timezone.now()
    windows = shift_windows_around(at=now)
    start = windows.index(current_or_next_shift_window(at=now))
    return windows[start : start + 2]


def refresh_forecast(window: ShiftWindow, *, seed: int) -> ForecastRun:
    """A complete synthetic forecast of the shift `window` with its own model versions."""
    starts_at, ends_at = window.starts_at, window.ends_at
    crime_types = list(CrimeType.objects.filter(enabled=True).order_by("code"))
    cells = list(
        GridCell.objects.filter(active=True, beat__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        run = ForecastRun.objects.create(
            date=window.date,
            shift=window.shift,
            starts_at=starts_at,
            ends_at=ends_at,
            complete=True,
        )
        run.model_versions.set(
            [
                ModelVersion.objects.create(
                    crime_type=ct,
                    algorithm=f"load_{seed}",
                    seed=seed,
                    data_start=starts_at - dt.timedelta(days=365),
                    data_end=starts_at,
                )
                for ct in crime_types
            ]
        )
        CellForecast.objects.bulk_create(
            CellForecast(
                run=run,
                cell_id=cell,
                crime_type=ct,
                reasons=[free_text("synthetic load forecast", ct.code)],
                expected_count=((i * 7919 + j * 104729 + seed * 31) % 97) / 97 * 0.5 + 0.01,
            )
            for (i, cell), (j, ct) in itertools.product(enumerate(cells), enumerate(crime_types))
        )
    return run


def _officers(count: int, password: str) -> list:
    """Officers load-officer-000… on the beats in turn; one password hash for all (hashing 500
    passwords one by one would take minutes and measure nothing)."""
    encoded = make_password(password)
    beats = list(Beat.objects.select_related("district").order_by("code"))
    users = []
    for i in range(count):
        user = _user(f"{OFFICER_PREFIX}{i:03d}", roles.OFFICER, encoded)
        beat = beats[i % len(beats)]
        OfficerProfile.objects.update_or_create(
            user=user,
            defaults={
                "badge_number": f"L{i:04d}",
                "home_beat": beat,
                "home_district": beat.district,
            },
        )
        users.append(user)
    return users


def _user(username: str, role: str, encoded_password: str):
    groups = roles.sync_roles()
    user, _ = get_user_model().objects.update_or_create(
        username=username, defaults={"password": encoded_password}
    )
    user.groups.set([groups[role]])
    return user


def board_session() -> dict:
    """A supervisor signed in with his second factor verified, as the board page holds him: the
    Cookie header its background poll of the board's JSON sends (the page's own header said)."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    supervisor = _user(SUPERVISOR, roles.SUPERVISOR, make_password(None))
    device, _ = TOTPDevice.objects.get_or_create(
        user=supervisor, name="load", defaults={"confirmed": True}
    )
    client = Client()
    client.force_login(supervisor)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "LOAD_BOARD_COOKIE": f"{settings.SESSION_COOKIE_NAME}={cookie}",
        "LOAD_BACKGROUND_POLL_HEADER": settings.BACKGROUND_POLL_HEADER,
    }


def prepare_feed(*, units: int, seed: int = 1) -> dict:
    """The AVL feed of a shift change: `units` units (FEED0000…, vehicle ids FV0000…), a feed
    credential, and where each vehicle starts (the centre of a random box of a beat), inside the
    agency's extent (west, south, east, north)."""
    import numpy as np

    from agency.models import Agency
    from ingest import services as ingest_services
    from patrol.models import Unit

    Unit.objects.bulk_create(
        [Unit(call_sign=f"{FEED_PREFIX}{n:04d}", vehicle_id=f"FV{n:04d}") for n in range(units)],
        ignore_conflicts=True,
    )
    admin = _user("load-admin", roles.ADMINISTRATOR, make_password(None))
    _, token = ingest_services.issue_feed_credential(
        actor=admin,
        name=f"Load feed {timezone.now():%H%M%S%f}",
        sources=[],
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    centres = list(
        GridCell.objects.filter(active=True, beat__isnull=False)
        .order_by("pk")
        .values_list("center", flat=True)
    )
    picked = np.random.default_rng(seed).choice(len(centres), units)
    return {
        "token": token,
        "vehicle_ids": [f"FV{n:04d}" for n in range(units)],
        "lon": [centres[i].x for i in picked],
        "lat": [centres[i].y for i in picked],
        "bounds": Agency.current().boundary.extent,
    }
