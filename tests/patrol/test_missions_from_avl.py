"""Missions started and completed by the vehicle location feed alone (missions/services/avl.py):
a unit rostered on the beat enters the box, the mission starts by itself; the beat's units' minutes
fill the dose and complete it; other units' minutes are shown apart. Hand-made tracks, known
answers; the last test runs the push API and a real Celery worker."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agency import roles
from agency.models import Beat, Shift
from agency.selectors import shift_window
from audit.models import AuditEvent
from forecasting.services import build_grid
from geo.models import GridCell
from ingest import services as ingest_services
from missions.selectors import timer_state
from missions.services import expire_missions, follow_avl
from patrol.models import Position, RosterEntry, Unit
from patrol.signals import positions_stored
from tests.missions.factories import MissionFactory

DAY = date(2026, 6, 1)
WORKER_WAIT_S = 30


@pytest.fixture
def beat_box(small_agency):
    build_grid()
    beat = Beat.objects.get(code="D1-B1")
    cells = list(GridCell.objects.filter(active=True, beat=beat).order_by("pk"))
    return beat, cells[0], cells[1]


def rostered(beat, shift, day, *names):
    units = [Unit.objects.create(call_sign=n) for n in names]
    for unit in units:
        RosterEntry.objects.create(unit=unit, date=day, shift=shift, beat=beat)
    return units


def drive(unit, cell, start: datetime, seconds: range):
    Position.objects.bulk_create(
        Position(unit=unit, at=start + timedelta(seconds=s), location=cell.center, cell_id=cell.pk)
        for s in seconds
    )


@pytest.fixture
def evening(beat_box):
    beat, box, elsewhere = beat_box
    shift = Shift.objects.get(name="Evening")
    window = shift_window(date=DAY, shift=shift)
    mission = MissionFactory(date=DAY, shift=shift, cell=box, beat=beat, dose_minutes=15)
    return mission, window, box, elsewhere


@pytest.mark.django_db
def test_a_rostered_unit_entering_the_box_starts_the_mission_and_serves_the_dose(evening):
    mission, window, box, elsewhere = evening
    (car,) = rostered(mission.beat, mission.shift, DAY, "2A31")
    t0 = window.starts_at + timedelta(hours=1)
    drive(car, elsewhere, t0 - timedelta(minutes=2), range(0, 120, 10))
    drive(car, box, t0, range(0, 8 * 60 + 1, 10))  # 8 minutes in the box
    done = follow_avl(day=DAY, shift=mission.shift, now=window.ends_at)
    mission.refresh_from_db()
    assert done.started == [mission.pk] and done.completed == []
    assert mission.status == "active" and mission.start_method == "avl"
    # entered at the midpoint between the last fix outside (t0 - 10 s) and the first inside
    assert mission.started_at == t0 - timedelta(seconds=5)
    assert mission.minutes_avl == pytest.approx(8 + 5 / 60, abs=0.01)
    event = AuditEvent.objects.get(action="missions.avl_start")
    assert event.actor is None and event.after["method"] == "avl"
    timer = timer_state(mission, now=window.ends_at)
    assert timer["measured_by_avl"] and timer["dose_seconds"] == pytest.approx(485, abs=1)
    # 7 more minutes after a drive elsewhere: the dose (15) is served 7 min - 5 s after it re-enters
    back = t0 + timedelta(minutes=20)
    drive(car, elsewhere, t0 + timedelta(minutes=8, seconds=10), range(0, 11 * 60 + 41, 10))
    drive(car, box, back, range(0, 10 * 60 + 1, 10))
    done = follow_avl(day=DAY, shift=mission.shift, now=window.ends_at)
    mission.refresh_from_db()
    assert done.completed == [mission.pk] and mission.status == "completed"
    served_at = (
        back - timedelta(seconds=5) + timedelta(minutes=15) - timedelta(minutes=8, seconds=10)
    )
    assert abs((mission.completed_at - served_at).total_seconds()) < 1
    assert mission.minutes_served == pytest.approx(mission.minutes_avl)
    assert AuditEvent.objects.filter(action="missions.avl_complete").count() == 1


@pytest.mark.django_db
def test_other_units_count_toward_the_box_apart_from_the_dose(evening):
    mission, window, box, _ = evening
    (other,) = [Unit.objects.create(call_sign="9Z01")]  # rostered on no beat
    (car,) = rostered(mission.beat, mission.shift, DAY, "2A31")
    t0 = window.starts_at + timedelta(hours=2)
    drive(other, box, t0, range(0, 20 * 60 + 1, 10))  # 20 minutes: more than the dose
    follow_avl(day=DAY, shift=mission.shift, now=window.ends_at)
    mission.refresh_from_db()
    assert mission.status == "planned"  # not started: no unit of the beat came
    assert (mission.minutes_avl, mission.minutes_avl_other) == (0.0, 20.0)
    drive(car, box, t0, range(0, 5 * 60 + 1, 10))  # control: the beat's unit, 5 minutes
    follow_avl(day=DAY, shift=mission.shift, now=window.ends_at)
    mission.refresh_from_db()
    assert mission.status == "active" and mission.minutes_avl == 5.0
    assert mission.minutes_avl_other == 20.0


@pytest.mark.django_db
def test_two_rostered_units_in_the_box_serve_the_dose_twice_as_fast(evening):
    mission, window, box, _ = evening
    a, b = rostered(mission.beat, mission.shift, DAY, "2A31", "2A32")
    t0 = window.starts_at + timedelta(hours=1)
    for car in (a, b):
        drive(car, box, t0, range(0, 10 * 60 + 1, 10))
    follow_avl(day=DAY, shift=mission.shift, now=window.ends_at)
    mission.refresh_from_db()
    assert mission.status == "completed" and mission.minutes_avl == 20.0
    assert mission.completed_at == t0 + timedelta(minutes=7, seconds=30)


@pytest.mark.django_db
def test_time_outside_the_missions_shift_does_not_serve_it(evening):
    mission, window, box, _ = evening
    (car,) = rostered(mission.beat, mission.shift, DAY, "2A31")
    drive(car, box, window.ends_at - timedelta(minutes=5), range(0, 30 * 60 + 1, 10))
    follow_avl(day=DAY, shift=mission.shift, now=window.ends_at + timedelta(hours=1))
    mission.refresh_from_db()
    assert mission.status == "active" and mission.minutes_avl == 5.0
    expire_missions(now=window.ends_at + timedelta(hours=1))
    mission.refresh_from_db()
    assert mission.status == "expired" and mission.minutes_served == 5.0  # the AVL minutes kept


@pytest.mark.worker
def test_a_mission_is_started_and_completed_by_avl_alone_through_the_push_and_a_worker(
    celery_worker_thread, small_agency, role_user
):
    """The feed pushes positions as the car drives; the worker starts the mission within one batch
    of entering the box and completes it when the dose is served — no MDT, no officer action."""
    build_grid()
    beat = Beat.objects.get(code="D1-B1")
    box, elsewhere = GridCell.objects.filter(active=True, beat=beat).order_by("pk")[:2]
    now = timezone.now().replace(microsecond=0)
    shift = Shift.objects.get(name="Evening")
    mission = MissionFactory(
        date=now.date(),
        shift=shift,
        cell=box,
        beat=beat,
        dose_minutes=2,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    (car,) = rostered(beat, shift, now.date(), "2A31")
    _, token = ingest_services.issue_feed_credential(
        actor=role_user(roles.ADMINISTRATOR),
        name="AVL",
        sources=[],
        expires_at=now + timedelta(days=1),
    )
    feed = APIClient()
    feed.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def push(cell, seconds):
        fixes = [
            {
                "unit": "2A31",
                "at": (now - timedelta(minutes=5) + timedelta(seconds=s)).isoformat(),
                "latitude": cell.center.y,
                "longitude": cell.center.x,
            }
            for s in seconds
        ]
        answer = feed.post("/api/v1/avl/", {"positions": fixes}, format="json")
        assert answer.status_code == 200 and answer.data["stored"] == len(fixes), answer.data

    def status_becomes(wanted):
        deadline = time.monotonic() + WORKER_WAIT_S
        while time.monotonic() < deadline:
            mission.refresh_from_db()
            if mission.status == wanted:
                return True
            time.sleep(0.2)
        return False

    push(elsewhere, range(0, 60, 10))  # driving towards the box: nothing starts
    time.sleep(1)
    mission.refresh_from_db()
    assert mission.status == "planned"
    push(box, range(60, 120, 10))  # one batch in the box: started by the worker
    assert status_becomes("active"), mission.status
    assert mission.start_method == "avl" and mission.started_at == now - timedelta(
        minutes=5, seconds=-55
    )
    push(box, range(120, 200, 10))  # the dose (2 min) is served at 60 - 5 + 120 s
    assert status_becomes("completed"), mission.status
    assert mission.completed_at == now - timedelta(minutes=5) + timedelta(seconds=175)
    assert mission.completed_by is None and not mission.visits.exists()
    assert mission.minutes_avl == pytest.approx(2.25, abs=0.01)  # 55 s to 190 s in the box
    assert datetime.now(UTC) > mission.completed_at


@pytest.mark.django_db
def test_a_push_queues_the_follow_up_only_for_the_mission_boxes_a_unit_is_in_or_just_left(
    evening, monkeypatch
):
    """Mission-start checks run for the live missions whose box holds a fix of the batch, or one
    within AVL_MAX_GAP_S before it (the unit just left: its time there ends at the next fix);
    a batch of units all elsewhere queues nothing."""
    mission, window, box, elsewhere = evening
    (car,) = rostered(mission.beat, mission.shift, DAY, "2A31")
    queued = []
    monkeypatch.setattr(
        "missions.signals.follow_avl_positions.delay", lambda *args: queued.append(args)
    )
    start = window.starts_at + timedelta(hours=1)

    def push(cell, seconds):
        drive(car, cell, start, seconds)
        first, last = start + timedelta(seconds=seconds[0]), start + timedelta(seconds=seconds[-1])
        positions_stored.send(sender=Position, first=first, last=last)

    push(elsewhere, range(0, 60, 10))
    assert queued == []  # every fix outside the mission's box
    push(box, range(60, 120, 10))
    assert [args[2] for args in queued] == [[box.pk]]  # control: in the box
    push(elsewhere, range(120, 180, 10))
    assert [args[2] for args in queued] == [[box.pk], [box.pk]]  # just left: minutes to close
    push(elsewhere, range(400, 460, 10))
    assert len(queued) == 2  # long gone: nothing


@pytest.mark.django_db
def test_the_follow_up_of_a_push_follows_each_shift_once_however_many_missions(
    beat_box, monkeypatch
):
    # Mission's ordering once joined the DISTINCT of (date, shift): one follow-up of every box per
    # live mission, 40 a push at 40 missions, and a queue that made missions start a minute late.
    from missions import tasks

    beat, box, elsewhere = beat_box
    evening, night = Shift.objects.get(name="Evening"), Shift.objects.get(name="Night")
    cells = list(GridCell.objects.filter(active=True, beat=beat).order_by("pk")[:4])
    for cell in cells[:3]:
        MissionFactory(date=DAY, shift=evening, cell=cell, beat=beat)
    MissionFactory(date=DAY, shift=night, cell=cells[3], beat=beat)  # the control: a second shift
    followed = []
    real_follow_avl = tasks.services.follow_avl
    monkeypatch.setattr(
        tasks.services,
        "follow_avl",
        lambda **kw: followed.append((kw["day"], kw["shift"].name)) or real_follow_avl(**kw),
    )
    first = shift_window(date=DAY, shift=evening).starts_at
    last = shift_window(date=DAY, shift=night).starts_at + timedelta(minutes=1)
    tasks.follow_avl_positions(first.isoformat(), last.isoformat())
    assert sorted(followed) == [(DAY, "Evening"), (DAY, "Night")]
