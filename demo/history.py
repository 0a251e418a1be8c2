"""Past weeks of missions on the demo city, so the oversight pages have real figures to show: for
every past shift a forecast (the city's true intensity, from the generator's oracle), a plan by the
real planner with control boxes, officers' visits through the mission services, and — optionally —
the true mission effect applied to the recorded incidents of each mission box during its shift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from agency import roles
from agency.models import Beat, CrimeType, MissionPolicy, OfficerProfile
from agency.selectors import local_today, shift_windows_between
from agency.shift_windows import ShiftWindow
from forecasting.engine.reasons import free_text
from forecasting.models import CellForecast, ForecastRun, ModelVersion
from geo.models import GridCell
from ingest.models import Incident
from missions import services
from missions.models import Mission, MissionPlan, ReasonCode
from missions.services.closing import dose_met
from missions.services.common import position_gap_s, served_minutes

from .generator import MISSION_EFFECT_DEFAULT, generate_demo_city, true_expected_counts

HISTORY_WEEKS_DEFAULT = 6
CONTROL_SHARE_DEFAULT = 0.2  # the demo holds back a fifth of each beat's candidate boxes
SERVED_SHARE = 0.85  # missions an officer reaches; the rest expire
EXPECTED_FLOOR = 1e-3  # smaller expected counts are not stored: the planner reads them as 0
DEMO_REASON = "Demo history: the city's true intensity stands in for the forecast"


def seed_mission_history(
    *,
    weeks: int = HISTORY_WEEKS_DEFAULT,
    effect: float = MISSION_EFFECT_DEFAULT,
    seed: int = 7,
    control_share: float = CONTROL_SHARE_DEFAULT,
    today: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Plan and serve every shift of the `weeks` before `today` that has no plan yet; returns counts."""
    progress = progress or (lambda pct, msg="": None)
    now = timezone.now()
    today = today or local_today(now=now)
    planned = set(
        MissionPlan.objects.filter(date__gte=today - dt.timedelta(days=7 * weeks)).values_list(
            "date", "shift_id"
        )
    )
    windows = [  # only shifts that are over: visits lie in the past
        w
        for w in shift_windows_between(
            first=today - dt.timedelta(days=7 * weeks), last=today - dt.timedelta(days=1)
        )
        if w.key not in planned and w.ends_at <= now
    ]
    officers = _patrol_officers()
    if not windows:
        return {"shifts": 0, "missions": 0, "incidents_removed": 0}
    policy = MissionPolicy.current()
    policy.control_share = max(policy.control_share, control_share)
    policy.save(update_fields=["control_share"])
    progress(2, "Generating the true intensity")
    intensity, cell_pks, types = _true_intensity(seed, windows)
    rng = np.random.default_rng(seed)
    versions = list(ModelVersion.objects.filter(promoted=True))
    counts = {"shifts": 0, "missions": 0, "incidents_removed": 0}
    for k, window in enumerate(windows):
        day, shift, starts, ends = window.date, window.shift, window.starts_at, window.ends_at
        progress(5 + 95 * k / len(windows), window.label)
        _forecast(day, shift, starts, ends, intensity[:, :, k], cell_pks, types, versions)
        services.plan_missions(
            date=day, shift=shift, trigger=MissionPlan.Trigger.SCHEDULE, now=starts
        )
        missions = list(Mission.objects.not_cancelled().filter(date=day, shift=shift))
        for mission in missions:
            if rng.random() < SERVED_SHARE:
                _serve(mission, officers[mission.beat_id], rng)
        services.expire_missions(now=ends)
        counts["incidents_removed"] += _apply_effect(missions, starts, ends, effect, rng)
        counts["shifts"] += 1
        counts["missions"] += len(missions)
    return counts


def _true_intensity(seed: int, windows: list[ShiftWindow]):
    """(cells, types, shifts) expected incidents from the generator's oracle, on the grid's boxes."""
    city = generate_demo_city(seed)
    cells = list(GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk"))
    types = list(CrimeType.objects.filter(enabled=True).order_by("code"))
    codes = {ct["code"] for ct in city.crime_types}
    lon = np.array([c.center.x for c in cells])
    lat = np.array([c.center.y for c in cells])
    starts = np.array([_utc_naive(w.starts_at) for w in windows], dtype="datetime64[ns]")
    ends = np.array([_utc_naive(w.ends_at) for w in windows], dtype="datetime64[ns]")
    size = float(cells[0].cell_size_m) if cells else 250.0
    intensity = np.zeros((len(cells), len(types), len(windows)))
    for j, ct in enumerate(types):
        if ct.code in codes:
            intensity[:, j, :] = true_expected_counts(
                city,
                cell_lon=lon,
                cell_lat=lat,
                cell_size_m=size,
                shift_starts_utc=starts,
                shift_ends_utc=ends,
                category=ct.code,
                include_triggered=False,
            )
    return intensity, [c.pk for c in cells], types


@transaction.atomic
def _forecast(day, shift, starts, ends, expected, cell_pks, types, versions) -> ForecastRun:
    run = ForecastRun.objects.create(
        date=day, shift=shift, starts_at=starts, ends_at=ends, complete=True
    )
    run.model_versions.set(versions)
    rows = [
        CellForecast(
            run=run,
            cell_id=cell_pks[i],
            crime_type=types[j],
            expected_count=float(expected[i, j]),
            reasons=[free_text(DEMO_REASON, types[j].code)],
        )
        for i, j in zip(*np.nonzero(expected >= EXPECTED_FLOOR), strict=True)
    ]
    CellForecast.objects.bulk_create(rows, batch_size=5000)
    return run


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)  # numpy reads naive times as UTC


def _patrol_officers() -> dict:
    """One demo officer per beat, whose home beat it is: an officer acts only in his own beat."""
    officers = {}
    group = Group.objects.get(name=roles.OFFICER)
    for beat in Beat.objects.all():
        user, created = get_user_model().objects.get_or_create(
            username=f"patrol-{beat.code}".lower()
        )
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(group)
        OfficerProfile.objects.update_or_create(
            user=user,
            defaults={
                "badge_number": f"P-{beat.code}",
                "home_beat": beat,
                "home_district": beat.district,
            },
        )
        officers[beat.pk] = user
    return officers


def _serve(mission: Mission, officer, rng) -> None:
    """An officer arrives some time in the shift and stays about a dose, his device sending a
    position every minute or two (the evidence the dose is measured from): completed when the dose is
    served, ended early (called away) when not."""
    length = (mission.ends_at - mission.starts_at).total_seconds()
    started = mission.starts_at + dt.timedelta(seconds=float(rng.uniform(0, 0.7 * length)))
    minutes = float(np.clip(rng.normal(mission.dose_minutes, 4), 5, 45))
    ended = started + dt.timedelta(minutes=minutes)
    centre = mission.cell.center
    # The server's clock of those past shifts (`now`): live actions are timed by it.
    services.start_mission(
        user=officer,
        mission_id=mission.pk,
        position=services.Position(centre.y, centre.x),
        now=started,
    )
    missions = [
        Mission.objects.prefetch_related("visits").select_related("cell").get(pk=mission.pk)
    ]
    # A position as seldom as the dose's measure allows (just inside the gap that would end the
    # measured time): the same minutes as a ping a minute, with about half the writes.
    step = 0.9 * position_gap_s()
    for k in range(1, int(minutes * 60 // step) + 1):
        services.record_ping(
            user=officer,
            position=services.Position(centre.y, centre.x),
            missions=missions,
            now=started + dt.timedelta(seconds=k * step),
        )
    # Complete or end early by the figure the closing services judge by: the minutes measured from
    # the positions (rounded as they round them), with their allowance — not the planned stay.
    served = served_minutes(mission, at=ended)
    if dose_met(mission, served):
        services.complete_mission(user=officer, mission_id=mission.pk, now=ended)
    else:
        services.end_mission_early(
            user=officer, mission_id=mission.pk, now=ended, reason_code=ReasonCode.CALLED_AWAY
        )


def _apply_effect(missions, starts, ends, effect: float, rng) -> int:
    """The true mission effect: each recorded incident in a mission box during its shift is removed
    with probability −effect (the history was generated before missions existed)."""
    if effect >= 0 or not missions:
        return 0
    inside = (
        Incident.objects.filter(
            occurred_from__gte=starts,
            occurred_from__lt=ends,
            officer_initiated=False,
            cell__in=[m.cell_id for m in missions],  # in the box by the one placement rule
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    removed = [pk for pk in inside if rng.random() < -effect]
    Incident.objects.filter(pk__in=removed).delete()
    return len(removed)
