"""The AVL feed end to end: positions pushed by a feed credential, placed on arrival, refused row by
row with reasons, idempotent per unit and time, and turned into minutes per box and shift."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agency import roles
from agency.models import Shift
from audit.models import AuditEvent
from forecasting.services import build_grid
from geo.models import GridCell
from ingest import services as ingest_services
from patrol import services
from patrol.models import BoxExposure, ExcludedArea, Position, RejectedPosition, Unit

pytestmark = pytest.mark.django_db
URL = "/api/v1/avl/"
TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def grid(small_agency):
    build_grid()
    return list(GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk"))


@pytest.fixture
def feed_token(grid, role_user):
    admin = role_user(roles.ADMINISTRATOR)
    _, token = ingest_services.issue_feed_credential(
        actor=admin, name="AVL", sources=[], expires_at=timezone.now() + timedelta(days=30)
    )
    return token


@pytest.fixture
def units(grid):
    return {
        name: Unit.objects.create(call_sign=name, vehicle_id=f"V-{name}")
        for name in ("2A31", "2A32")
    }


def feed(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def fix(unit, at: datetime, cell: GridCell, **extra):
    return {
        "unit": unit,
        "at": at.isoformat(),
        "latitude": cell.center.y,
        "longitude": cell.center.x,
        **extra,
    }


def evening(day=date(2026, 6, 1), hour=15, minute=0, second=0):
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TORONTO)


def test_a_feed_pushes_positions_that_are_placed_on_arrival(feed_token, units, grid):
    cell = grid[3]
    body = {"positions": [fix("2A31", evening(second=s), cell) for s in (0, 10, 20)]}
    answer = feed(feed_token).post(URL, body, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.data == {"received": 3, "stored": 3, "duplicates": 0, "rejected": []}
    assert set(Position.objects.values_list("cell_id", flat=True)) == {cell.pk}
    assert AuditEvent.objects.filter(action="avl.positions_received").count() == 1


def test_a_vehicle_id_names_its_unit(feed_token, units, grid):
    answer = feed(feed_token).post(
        URL, {"positions": [fix("V-2A32", evening(), grid[0])]}, format="json"
    )
    assert answer.data["stored"] == 1
    assert Position.objects.get().unit == units["2A32"]


def test_a_resent_batch_stores_nothing_twice(feed_token, units, grid):
    body = {"positions": [fix("2A31", evening(second=s), grid[1]) for s in (0, 10)]}
    client = feed(feed_token)
    assert client.post(URL, body, format="json").data["stored"] == 2
    again = client.post(URL, body, format="json")
    assert (again.data["stored"], again.data["duplicates"]) == (0, 2)
    assert Position.objects.count() == 2


def test_an_idempotency_key_replays_the_first_answer(feed_token, units, grid):
    """The one Idempotency-Key contract (docs/api.md): a repeat gets the first answer, marked;
    the key with another batch is a 422 problem; without a key the batch runs (control above)."""
    body = {"positions": [fix("2A31", evening(second=s), grid[1]) for s in (0, 10)]}
    client = feed(feed_token)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="avl-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="avl-1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert again.json()["stored"] == 2  # the first answer, not "0 stored, 2 duplicates"
    other = {"positions": [fix("2A31", evening(second=20), grid[1])]}
    reused = client.post(URL, other, format="json", HTTP_IDEMPOTENCY_KEY="avl-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert client.post(URL, other, format="json", HTTP_IDEMPOTENCY_KEY="avl-2").status_code == 200
    assert Position.objects.count() == 3


def test_bad_fixes_are_refused_row_by_row_and_the_rest_are_stored(feed_token, units, grid):
    now = timezone.now()
    good = fix("2A31", now - timedelta(minutes=5), grid[0])
    positions = [
        good,
        fix("9Z99", now - timedelta(minutes=5), grid[0]),  # unknown unit
        fix("2A31", now + timedelta(hours=1), grid[0]),  # future
        {**fix("2A31", now - timedelta(minutes=4), grid[0]), "at": "yesterday"},
        {**fix("2A31", now - timedelta(minutes=3), grid[0]), "latitude": "north"},
        {**fix("2A31", now - timedelta(minutes=2), grid[0]), "latitude": 10.0},  # far outside
        {**fix("2A31", now - timedelta(minutes=1), grid[0]), "at": "2026-13-01T10:00:00"},
        "not an object",
    ]
    answer = feed(feed_token).post(URL, {"positions": positions}, format="json")
    assert answer.status_code == 200
    assert answer.data["stored"] == 1
    reasons = {r["row"]: (r["field"], r["reason"]) for r in answer.data["rejected"]}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert reasons[2][0] == "unit" and "Unknown unit" in reasons[2][1]
    assert reasons[3][0] == "at" and "future" in reasons[3][1]
    assert reasons[4][0] == "at" and reasons[7][0] == "at"
    assert reasons[5] == ("latitude", "latitude is not a number: 'north'.")
    assert "Outside every box" in reasons[6][1]
    kept = RejectedPosition.objects.order_by("row_number")
    assert [r.row_number for r in kept] == [2, 3, 4, 5, 6, 7, 8]
    assert kept[0].raw["unit"] == "9Z99"  # the refused fix is kept as sent


def test_only_a_feed_may_push_positions(units, grid, role_user):
    body = {"positions": [fix("2A31", evening(), grid[0])]}
    for role in (roles.ANALYST, roles.OFFICER, roles.ADMINISTRATOR):
        token = AuthToken.objects.create(role_user(role))[1]
        assert feed(token).post(URL, body, format="json").status_code == 403, role
    assert Position.objects.count() == 0


def test_an_empty_or_oversized_batch_is_refused_whole(feed_token, units, grid):
    client = feed(feed_token)
    assert client.post(URL, {"positions": []}, format="json").status_code == 400
    too_many = [fix("2A31", evening(second=0), grid[0])] * (services.BATCH_MAX + 1)
    assert client.post(URL, {"positions": too_many}, format="json").status_code == 400
    assert Position.objects.count() == 0


def test_minutes_per_box_are_measured_for_the_shift(feed_token, units, grid):
    """2A31 drives into box A at 15:00, stays 10 minutes, then into box B for 5 minutes, then its
    positions stop; 2A32 sits in box A for 4 minutes at the station (excluded)."""
    a, b = grid[0], grid[1]
    track = [fix("2A31", evening(minute=m // 6, second=(m % 6) * 10), a) for m in range(0, 61)]
    track += [
        fix("2A31", evening(minute=10 + m // 6, second=(m % 6) * 10), b) for m in range(1, 31)
    ]
    # The station's bay is 40 m east of the box's centre, where 2A31 drives.
    bay = (a.center.x + 0.0005, a.center.y)
    station = [
        {**fix("2A32", evening(minute=m), a), "longitude": bay[0], "latitude": bay[1]}
        for m in range(0, 5)
    ]
    ExcludedArea.objects.create(
        name="Station",
        area=MultiPolygon(Polygon.from_bbox(_around(*bay, 1e-4)), srid=4326),
    )
    client = feed(feed_token)
    assert client.post(URL, {"positions": track + station}, format="json").data["stored"] == 96
    evening_shift = Shift.objects.get(name="Evening")
    rows = services.measure_exposure(day=date(2026, 6, 1), shift=evening_shift)
    minutes = {
        (e.unit.call_sign, e.cell_id): round(e.minutes, 3)
        for e in BoxExposure.objects.select_related("unit")
    }
    assert minutes == {("2A31", a.pk): 10.083, ("2A31", b.pk): 4.917}
    assert rows == 2
    # control: the station's fixes count once the area is gone
    ExcludedArea.objects.all().delete()
    Position.objects.filter(unit__call_sign="2A32").update(in_excluded_area=False)
    services.measure_exposure(day=date(2026, 6, 1), shift=evening_shift)
    assert BoxExposure.objects.get(unit__call_sign="2A32").minutes == pytest.approx(4.0)


def test_old_positions_are_purged_and_the_minutes_kept(feed_token, units, grid, settings):
    client = feed(feed_token)
    client.post(
        URL,
        {"positions": [fix("2A31", evening(second=s), grid[0]) for s in (0, 30)]},
        format="json",
    )
    services.measure_exposure(day=date(2026, 6, 1), shift=Shift.objects.get(name="Evening"))
    later = evening() + timedelta(days=settings.AVL_RETENTION_DAYS + 1)
    assert services.purge_positions(now=later - timedelta(days=2)) == 0  # control: still kept
    assert services.purge_positions(now=later) == 2
    assert Position.objects.count() == 0 and BoxExposure.objects.count() == 1


def _around(x, y, half):
    return (x - half, y - half, x + half, y + half)


@pytest.mark.parametrize(
    ("night", "minutes"),
    [(date(2026, 10, 31), 540), (date(2026, 3, 7), 420), (date(2026, 6, 1), 480)],
    ids=["fall-back", "spring-forward", "control"],
)
def test_a_night_across_a_dst_change_is_measured_in_real_minutes(units, grid, night, minutes):
    """A car in one box all night: the Night shift (22:00-06:00 local) is 9 h when the clocks go
    back, 7 h when they go forward; the minutes follow the instants, not the wall clock."""
    shift = Shift.objects.get(name="Night")
    start = datetime(night.year, night.month, night.day, 21, 50, tzinfo=TORONTO)
    Position.objects.bulk_create(
        Position(
            unit=units["2A31"],
            at=start.astimezone(UTC) + timedelta(minutes=m),  # instants, not wall clock
            location=grid[2].center,
            cell=grid[2],
        )
        for m in range(0, 10 * 60)
    )
    services.measure_exposure(day=night, shift=shift)
    assert BoxExposure.objects.get().minutes == pytest.approx(minutes)
