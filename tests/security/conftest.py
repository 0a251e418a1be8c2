"""A small agency with one of everything the routes name (a planned shift, a model version, an
import run, a job, a suppression, a tactic) and one user per role, for the access tests."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Model

from agency import roles
from agency.models import Beat
from agency.selectors import current_shift_window
from forecasting.services import build_grid
from geo.models import GridCell
from ingest.models import ImportRun
from jobs.models import JobRun
from missions import services
from missions.models import Mission, ReasonCode
from missions_site import access
from oversight.models import PublicationSettings
from patrol.models import RosterEntry, Unit
from tests.conftest import TEST_PASSWORD, build_small_agency, rows_kept_for_the_class, user_maker
from tests.ingest.ingest_factories import SourceFactory
from tests.missions.factories import (
    CrimeTypeFactory,
    OfficerProfileFactory,
    TacticFactory,
    make_forecast,
)


@dataclass
class World:
    users: dict  # role column of the matrix → user (None for anonymous)
    objects: dict  # what the routes' parameters point at
    window: object  # the shift under way


@pytest.fixture(scope="module")
def world_rows(django_db_blocker):
    """The world built once for a module's tests (tests/conftest.py `rows_kept_for_the_class`):
    each test runs in a savepoint of it, rolled back after the test."""
    with rows_kept_for_the_class(django_db_blocker):
        build_small_agency()
        yield build_world(user_maker())


@pytest.fixture
def world(world_rows, db):
    """The module's world as the database holds it now: fresh objects for each test to change."""
    return World(
        users={role: _read_again(user) for role, user in world_rows.users.items()},
        objects={name: _read_again(value) for name, value in world_rows.objects.items()},
        window=world_rows.window,
    )


def _read_again(value):
    if isinstance(value, Model):
        return type(value).objects.get(pk=value.pk)
    return value


def build_world(role_user) -> World:
    build_grid()
    cells = list(GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk"))
    crime_types = [
        CrimeTypeFactory(code="burglary", name="Burglary"),
        CrimeTypeFactory(code="robbery", name="Robbery"),
    ]
    window = current_shift_window()
    run = make_forecast(date=window.date, shift=window.shift, cells=cells, crime_types=crime_types)
    services.plan_missions(date=window.date, shift=window.shift)

    users = {access.ANONYMOUS: None}
    users[access.NO_ROLE] = get_user_model().objects.create_user(
        username="clerk", password=TEST_PASSWORD
    )
    for role in access.GROUP_ROLES:
        users[role] = role_user(role)
    home_beat = Beat.objects.get(code="D1-B1")
    OfficerProfileFactory(
        user=users[roles.OFFICER], home_beat=home_beat, home_district=home_beat.district
    )
    mission = (
        Mission.objects.filter(beat=home_beat, date=window.date, shift=window.shift)
        .exclude(status=Mission.Status.CANCELLED)
        .order_by("rank")
        .first()
    )
    tomorrow = window.date + timedelta(days=1)
    suppression = services.suppress_boxes(
        user=users[roles.ANALYST],
        reason_code=ReasonCode.values[0],
        reason="Road works all week",
        date_from=tomorrow,
        date_to=tomorrow,
        cell_ids=[cells[-1].cell_id],
    )
    source = SourceFactory(name="rms")
    PublicationSettings.objects.create(model_cards=True)  # the public model card answers, not 404
    run.model_versions.filter(pk=run.model_versions.first().pk).update(
        promoted=True, model_card="# Model card"
    )
    objects = {
        "mission": mission,
        "suppression": suppression,
        "run": run,
        "version": run.model_versions.first(),
        "source": source,
        # pushed by the feed, so that its "own runs only" scope lets it read this one
        "import_run": ImportRun.objects.create(
            source=source,
            job=JobRun.objects.create(kind="import_incidents"),
            created_by=users[access.FEED],
        ),
        "job": JobRun.objects.create(kind="build_grid"),
        "shift": window.shift,
        "crime_type": crime_types[0],
        "tactic": TacticFactory(name="Business checks", crime_types=[crime_types[0]]),
        "district": home_beat.district,
        "roster_entry": RosterEntry.objects.create(
            unit=Unit.objects.create(call_sign="1A11"),
            date=window.date,
            shift=window.shift,
            beat=home_beat,
        ),
    }
    return World(users=users, objects=objects, window=window)
