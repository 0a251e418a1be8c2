"""plan_missions: missions per beat from the current forecast, explained and reproducible; re-plans
keep started missions and analyst additions; suppressed boxes never; scheduled planning."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from agency.models import Beat, Shift
from audit.models import AuditEvent
from missions import services
from missions.models import ControlBox, Mission, MissionPlan, Visit

from .factories import reason_words

QUEUED_GRACE = timedelta(seconds=django_settings.QUEUED_ACTION_GRACE_S)

pytestmark = pytest.mark.django_db


def open_missions(date, shift):
    return Mission.objects.filter(date=date, shift=shift).exclude(status="cancelled")


def test_plan_fills_every_beat_with_explained_missions(forecast, policy, now_window, analyst):
    forecast(now_window.date, now_window.shift)
    plan = services.plan_missions(date=now_window.date, shift=now_window.shift, user=analyst)
    missions = list(open_missions(now_window.date, now_window.shift))
    assert len(missions) == 2 * Beat.objects.count()
    for beat in Beat.objects.all():
        assert sorted(m.rank for m in missions if m.beat_id == beat.pk) == [1, 2]
    mission = missions[0]
    assert mission.cell.beat_id == mission.beat_id
    assert mission.reasons and mission.model_versions and len(mission.seed_hex) == 64
    assert mission.drivers[0]["crime_type"] in {"burglary", "robbery"}
    assert sum(d["share"] for d in mission.drivers) == pytest.approx(1, abs=1e-3)
    assert mission.primary_crime_type.code == mission.drivers[0]["crime_type"]
    assert mission.dose_minutes == (20 if mission.primary_crime_type.code == "robbery" else 15)
    assert mission.draw is not None and 0 < mission.probability <= 1
    assert plan.beats and plan.policy["control_share"] == 0.2
    controls = ControlBox.objects.filter(plan=plan)
    assert controls.exists()
    assert not set(controls.values_list("cell_id", flat=True)) & {m.cell_id for m in missions}
    assert AuditEvent.objects.filter(
        action="missions.plan", object_id=str(plan.pk), actor=analyst
    ).exists()


def test_a_box_without_standout_factors_still_says_why(forecast, policy, now_window):
    from forecasting.models import CellForecast

    forecast(now_window.date, now_window.shift)
    CellForecast.objects.update(reasons=[])  # a quiet beat: nothing stands out city-wide
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    missions = list(
        open_missions(now_window.date, now_window.shift).select_related(
            "beat", "primary_crime_type"
        )
    )
    assert missions
    for mission in missions:
        assert reason_words(mission) == [  # named after the box's top crime type, like every reason
            f"{mission.primary_crime_type.name}: among the highest expected harm in beat {mission.beat.code}"
            " this shift; no single factor stands out"
        ]


def test_a_re_run_gives_the_same_plan(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    first = set(open_missions(now_window.date, now_window.shift).values_list("pk", "cell_id"))
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    assert (
        set(open_missions(now_window.date, now_window.shift).values_list("pk", "cell_id")) == first
    )
    assert not Mission.objects.filter(status="cancelled").exists()


def test_re_plan_keeps_started_missions_and_cancels_the_rest_with_audit(
    forecast, policy, now_window, analyst, grid
):
    date, shift = now_window.date, now_window.shift
    forecast(date, shift, seed=1)
    services.plan_missions(date=date, shift=shift)
    started = open_missions(date, shift).first()
    Visit.objects.create(
        mission=started, started_at=now_window.starts_at, start_method="manual", start_reason="x"
    )
    Mission.objects.filter(pk=started.pk).update(status="active", started_at=now_window.starts_at)
    added = services.add_missions(
        user=analyst,
        reason_code="intelligence",
        reason="Tip about a crew",
        date_from=date,
        shifts=[shift],
        cell_ids=[
            next(
                c.cell_id
                for c in grid
                if c.pk not in set(open_missions(date, shift).values_list("cell_id", flat=True))
            )
        ],
    ).missions.get()
    forecast(date, shift, seed=2)  # a newer forecast draws other boxes

    services.plan_missions(date=date, shift=shift, user=analyst)

    started.refresh_from_db()
    added.refresh_from_db()
    assert started.status == "active" and added.status == "planned"
    assert added.score > 0 and any(r["kind"] == "note" for r in added.reasons)
    cancelled = Mission.objects.filter(date=date, shift=shift, status="cancelled")
    assert cancelled.exists()
    for mission in cancelled:
        entry = AuditEvent.objects.get(action="missions.cancel", object_id=str(mission.pk))
        assert entry.before["status"] == "planned" and entry.after["status"] == "cancelled"
        assert "Re-planned" in entry.reason and entry.actor == analyst
    beat_count = open_missions(date, shift).filter(beat=started.beat).count()
    assert beat_count >= 2


def test_a_suppressed_box_is_never_planned(forecast, policy, now_window, analyst):
    date, shift = now_window.date, now_window.shift
    forecast(date, shift)
    services.plan_missions(date=date, shift=shift)
    chosen = list(open_missions(date, shift).values_list("cell__cell_id", flat=True))
    services.suppress_boxes(
        user=analyst,
        reason_code="event",
        reason="Parade route closed",
        date_from=date,
        date_to=date + timedelta(days=1),
        cell_ids=chosen,
    )
    assert not open_missions(date, shift).exists()  # suppression cancels them at once
    services.plan_missions(date=date, shift=shift)
    assert not set(open_missions(date, shift).values_list("cell__cell_id", flat=True)) & set(chosen)
    assert open_missions(date, shift).count() == 2 * Beat.objects.count()


def test_consecutive_shift_cap(forecast, policy, now_window):
    policy.max_consecutive_shifts = 1
    policy.control_share = 0
    policy.temperature = 0
    policy.save()
    shifts = list(Shift.objects.order_by("order"))
    day = now_window.date
    forecast(day, shifts[0])
    forecast(day, shifts[1])
    services.plan_missions(date=day, shift=shifts[0])
    services.plan_missions(date=day, shift=shifts[1])
    first = set(open_missions(day, shifts[0]).values_list("cell_id", flat=True))
    second = set(open_missions(day, shifts[1]).values_list("cell_id", flat=True))
    assert first and second and not first & second


def test_no_forecast_no_plan(small_agency, now_window):
    with pytest.raises(services.NoForecast, match="run the forecast first"):
        services.plan_missions(date=now_window.date, shift=now_window.shift)


def test_officers_cannot_plan(forecast, now_window, officer):
    from django.core.exceptions import PermissionDenied

    forecast(now_window.date, now_window.shift)
    with pytest.raises(PermissionDenied):
        services.plan_missions(date=now_window.date, shift=now_window.shift, user=officer)


def test_command_plans_a_shift(forecast, policy, now_window, capsys):
    forecast(now_window.date, now_window.shift)
    call_command(
        "plan_missions", "--date", now_window.date.isoformat(), "--shift", now_window.shift.name
    )
    assert "8 missions in 4 beats" in capsys.readouterr().out
    assert MissionPlan.objects.get().trigger == "command"
    with pytest.raises(CommandError, match="No shift"):
        call_command("plan_missions", "--date", "today", "--shift", "Brunch")
    call_command("plan_missions", "--date", "today", "--all-shifts", "--skip-missing")


def test_command_plans_the_due_shifts_like_the_scheduler(forecast, policy, now_window, capsys):
    forecast(now_window.date, now_window.shift)
    call_command("plan_missions", "--due")
    assert f"{now_window.date} {now_window.shift.name}:" in capsys.readouterr().out
    call_command("plan_missions", "--due")  # planned already: nothing more
    assert capsys.readouterr().out == ""
    assert MissionPlan.objects.filter(date=now_window.date, shift=now_window.shift).count() == 1


def test_due_shifts_are_planned_once(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    assert len(services.plan_due_shifts()) == 1
    assert services.plan_due_shifts() == []
    assert MissionPlan.objects.get().trigger == "schedule"


def test_planning_and_expiry_are_scheduled():
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"missions.tasks.plan_upcoming_shifts", "missions.tasks.expire_missions"} <= tasks


def test_missions_expire_at_shift_end(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = open_missions(now_window.date, now_window.shift).first()
    Visit.objects.create(
        mission=mission, started_at=now_window.starts_at, start_method="manual", start_reason="x"
    )
    assert services.expire_missions(now=now_window.starts_at) == 0
    # Not at the shift's end: queued actions may still arrive until the grace is over.
    assert services.expire_missions(now=now_window.ends_at) == 0
    assert services.expire_missions(now=now_window.ends_at + QUEUED_GRACE) == 8
    mission.refresh_from_db()
    assert mission.status == "expired" and mission.visits.get().ended_at == now_window.ends_at
    assert AuditEvent.objects.filter(action="missions.expire").count() == 8
