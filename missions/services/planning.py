"""Plan one shift's missions from its current forecast, and plan every shift that is due.

Re-planning keeps every mission already started and every analyst addition (they are passed to
the planner as forced), keeps planned missions the new draw picks again, and cancels the rest.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date as Date
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agency.models import Beat, CrimeType, MissionPolicy, Shift
from agency.selectors import (
    due_shift_windows,
    shift_window,
    shift_windows_before,
    shift_windows_between,
)
from forecasting.engine.reasons import NOTE, factor
from forecasting.models import CellForecast, ForecastRun
from forecasting.selectors import current_run
from geo.models import GridCell
from missions import planner, state
from missions.models import ControlBox, Mission, MissionPlan, Suppression, Visit
from patrol.selectors import box_minutes

from .box_forecast import dose_minutes, merge_reasons
from .common import audit, require_perm

WEEK = timedelta(days=7)
REPLAN_REASON = "Re-planned: the new plan no longer picks this box."


class NoForecast(LookupError):
    """There is no complete forecast for the shift, so there is nothing to plan from."""


def plan_missions(
    *,
    date: Date,
    shift: Shift,
    user=None,
    trigger: str = MissionPlan.Trigger.COMMAND,
    now: datetime | None = None,
) -> MissionPlan:
    """Plan (or re-plan) the missions of `shift` on local `date` from its current forecast."""
    if user is not None:
        require_perm(user, "missions.plan_missions")
    run = current_run(date=date, shift=shift)
    if run is None:
        raise NoForecast(f"No complete forecast for {date} {shift.name}: run the forecast first.")
    policy = MissionPolicy.current()
    window = shift_window(date=date, shift=shift)
    with transaction.atomic():
        existing = list(
            Mission.objects.select_for_update()
            .not_cancelled()
            .filter(date=date, shift=shift)
            .order_by("pk")
        )
        grid = _PlanningGrid.load()
        inputs, versions = _inputs(
            grid, run, policy, date=date, shift=shift, starts_at=window.starts_at
        )
        kept = [m for m in existing if not _replaceable(m) or m.origin == Mission.Origin.ANALYST]
        forced: dict[int, list[int]] = defaultdict(list)
        for mission in kept:
            if mission.cell_id in grid.index:
                forced[grid.beat_index[mission.beat_id]].append(grid.index[mission.cell_id])
        seed_material = planner.shift_seed_material(
            date=date.isoformat(), shift=shift.name, model_version=",".join(versions) or "none"
        )
        result = planner.plan(
            inputs, _planning_policy(policy), seed_material=seed_material, forced=forced
        )
        plan = MissionPlan.objects.create(
            date=date,
            shift=shift,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            forecast_run=run,
            model_versions=versions,
            seed_material=result.seed_material,
            seed_hex=result.seed_hex,
            policy={
                **_policy_json(policy),
                "typical_harm": round(result.typical_harm, 4),
                "minimum_harm": round(result.minimum_harm, 4),
            },
            beats=[_beat_json(b) for b in result.beats],
            trigger=trigger,
            created_by=user,
        )
        counts = _write_missions(plan, result, grid, existing, policy, user=user, now=now)
        audit(
            actor=user,
            action="plan",
            obj=plan,
            after={
                "date": date.isoformat(),
                "shift": shift.name,
                "forecast_run": run.pk,
                "seed_hex": plan.seed_hex,
                "trigger": trigger,
                **counts,
            },
            reason=f"Planned by {trigger}.",
        )
    return plan


def plan_due_shifts(*, now: datetime | None = None) -> list[MissionPlan]:
    """Plan every shift that starts within the policy's lead time (or is under way), has a
    forecast and has no plan yet. Run by the scheduler every few minutes."""
    now = now or timezone.now()
    lead = timedelta(minutes=MissionPolicy.current().planning_lead_minutes)
    plans = []
    for window in due_shift_windows(lead=lead, at=now):
        day, shift = window.date, window.shift
        if MissionPlan.objects.filter(date=day, shift=shift).exists():
            continue
        if current_run(date=day, shift=shift) is None:
            continue
        plans.append(
            plan_missions(date=day, shift=shift, trigger=MissionPlan.Trigger.SCHEDULE, now=now)
        )
    return plans


# --- helpers ---------------------------------------------------------------------------------------


class _PlanningGrid:
    """Active cells with a beat, in a fixed order, and the beats as planner indices."""

    def __init__(self, cells, beats):
        self.cell_pks = [c[0] for c in cells]
        self.cell_ids = np.array([c[1] for c in cells], dtype=object)
        self.index = {pk: i for i, pk in enumerate(self.cell_pks)}
        self.beat_pks = [b[0] for b in beats]
        self.beat_codes = tuple(b[1] for b in beats)
        self.beat_index = {pk: i for i, pk in enumerate(self.beat_pks)}
        self.beat = np.array([self.beat_index[c[2]] for c in cells], dtype=np.int64)

    @classmethod
    def load(cls) -> _PlanningGrid:
        beats = list(Beat.objects.order_by("code").values_list("pk", "code"))
        cells = list(
            GridCell.objects.filter(active=True, beat__isnull=False)
            .order_by("pk")
            .values_list("pk", "cell_id", "beat_id")
        )
        return cls(cells, beats)


def _inputs(
    grid: _PlanningGrid, run: ForecastRun, policy: MissionPolicy, *, date, shift, starts_at
):
    crime_types = list(CrimeType.objects.filter(enabled=True).order_by("code"))
    type_index = {ct.pk: i for i, ct in enumerate(crime_types)}
    n = len(grid.cell_pks)
    expected = np.zeros((n, len(crime_types)))
    reasons_by_cell: dict[int, list[tuple[float, str, list[dict]]]] = defaultdict(list)
    weights = np.array([ct.severity_weight * ct.patrol_efficacy for ct in crime_types])
    rows = CellForecast.objects.filter(run=run).values_list(
        "cell_id", "crime_type_id", "expected_count", "reasons"
    )
    for cell_pk, type_pk, count, reasons in rows.iterator(chunk_size=5000):
        i, t = grid.index.get(cell_pk), type_index.get(type_pk)
        if i is None or t is None:
            continue
        expected[i, t] = max(0.0, float(count))
        if reasons:
            reasons_by_cell[i].append(
                (float(count) * weights[t], crime_types[t].code, list(reasons))
            )
    versions = sorted(
        f"{mv.crime_type.code}:{mv.algorithm}#{mv.pk}"
        for mv in run.model_versions.select_related("crime_type")
    )
    inputs = planner.PlanningInputs(
        cell_ids=grid.cell_ids,
        beat=grid.beat,
        expected=expected,
        crime_types=tuple(ct.code for ct in crime_types),
        severity_weight=np.array([ct.severity_weight for ct in crime_types]),
        patrol_efficacy=np.array([ct.patrol_efficacy for ct in crime_types]),
        recent_dose_minutes=_recent_dose(grid, policy, starts_at),
        consecutive_shifts=_consecutive_shifts(
            grid, policy, date=date, shift=shift, starts_at=starts_at
        ),
        week_missions=_week_missions(grid, starts_at),
        suppressed=_suppressed(grid, date=date, shift=shift),
        reasons={i: merge_reasons(parts) for i, parts in reasons_by_cell.items()},
        beat_codes=grid.beat_codes,
    )
    return inputs, versions


def _recent_dose(grid: _PlanningGrid, policy: MissionPolicy, starts_at: datetime) -> np.ndarray:
    """Minutes patrol spent in each box within the policy's dosage memory before the shift:
    measured by AVL (patrol.BoxExposure, every unit) for the shifts that started in the memory,
    and from mission visits for shifts without any measured exposure (docs/adr/0024, Readers)."""
    since = starts_at - timedelta(days=policy.dosage_memory_days)
    dose = np.zeros(len(grid.cell_pks))
    windows = [
        w
        for w in shift_windows_between(
            first=(since - timedelta(days=1)).date(), last=starts_at.date() + timedelta(days=1)
        )
        if since <= w.starts_at < starts_at
    ]
    measured = box_minutes(
        date_from=min((w.date for w in windows), default=since.date()),
        date_to=max((w.date for w in windows), default=since.date()),
    )
    in_memory = {w.key for w in windows}
    for key, cells in measured.items():
        if key not in in_memory:
            continue
        for box_pk, minutes in cells.items():
            i = grid.index.get(box_pk)
            if i is not None:
                dose[i] += minutes
    visits = Visit.objects.filter(started_at__gte=since, started_at__lt=starts_at).values_list(
        "mission__cell_id", "started_at", "ended_at", "mission__ends_at", "mission__date",
        "mission__shift_id",
    )  # fmt: skip
    for cell_pk, started, ended, mission_end, day, shift_pk in visits:
        i = grid.index.get(cell_pk)
        if i is not None and (day, shift_pk) not in measured:
            end = min(ended or mission_end, starts_at)
            dose[i] += max(0.0, (end - started).total_seconds() / 60)
    return dose


def _week_missions(grid: _PlanningGrid, starts_at: datetime) -> np.ndarray:
    """Missions in each box over the 7 days before the shift: the weekly share cap and spread."""
    counts = np.zeros(len(grid.cell_pks), dtype=np.int64)
    rows = (
        Mission.objects.not_cancelled()
        .filter(starts_at__gte=starts_at - WEEK, starts_at__lt=starts_at)
        .values_list("cell_id", flat=True)
    )
    for cell_pk in rows:
        i = grid.index.get(cell_pk)
        if i is not None:
            counts[i] += 1
    return counts


def _consecutive_shifts(grid, policy, *, date, shift, starts_at) -> np.ndarray:
    """How many of the shifts just before this one in a row had a mission in each box."""
    previous = [
        w.key for w in shift_windows_before(at=starts_at, count=policy.max_consecutive_shifts)
    ]
    counts = np.zeros(len(grid.cell_pks), dtype=np.int64)
    if not previous:
        return counts
    by_shift: dict[tuple, set[int]] = defaultdict(set)
    rows = (
        Mission.objects.not_cancelled()
        .filter(date__in={d for d, _ in previous}, shift_id__in={s for _, s in previous})
        .values_list("date", "shift_id", "cell_id")
    )
    for day, shift_pk, cell_pk in rows:
        by_shift[(day, shift_pk)].add(cell_pk)
    still_running = np.ones(len(grid.cell_pks), dtype=bool)
    for key in previous:  # newest first
        had = np.zeros(len(grid.cell_pks), dtype=bool)
        for cell_pk in by_shift.get(key, ()):
            i = grid.index.get(cell_pk)
            if i is not None:
                had[i] = True
        still_running &= had
        counts += still_running
    return counts


def _suppressed(grid: _PlanningGrid, *, date, shift) -> np.ndarray:
    suppressed = np.zeros(len(grid.cell_pks), dtype=bool)
    # A box suppression covers the shifts it names, or every shift when it names none.
    box_cells = (
        Suppression.cells.through.objects.filter(
            suppression__scope=Suppression.Scope.BOXES,
            suppression__lifted_at__isnull=True,
            suppression__date_from__lte=date,
            suppression__date_to__gte=date,
        )
        .filter(
            Q(suppression__shifts__isnull=True) | Q(suppression__shifts=shift),
        )
        .values_list("gridcell_id", flat=True)
    )
    mission_cells = Suppression.objects.filter(
        scope=Suppression.Scope.MISSION,
        lifted_at__isnull=True,
        mission__date=date,
        mission__shift=shift,
    ).values_list("mission__cell_id", flat=True)
    for cell_pk in [*box_cells, *mission_cells]:
        i = grid.index.get(cell_pk)
        if i is not None:
            suppressed[i] = True
    return suppressed


def _planning_policy(policy: MissionPolicy) -> planner.PlanningPolicy:
    return planner.PlanningPolicy(
        missions_per_beat=int(policy.missions_per_beat_per_shift),
        temperature=float(policy.temperature),
        control_share=float(policy.control_share),
        dose_minutes=float(policy.dose_minutes),
        max_consecutive_shifts=int(policy.max_consecutive_shifts),
        max_box_share_per_week=float(policy.max_box_share_per_week),
        min_boxes_per_beat_week=int(policy.min_boxes_per_beat_week),
        min_harm_share=float(policy.min_harm_share),
    )


def _policy_json(policy: MissionPolicy) -> dict:
    return {
        "missions_per_beat": policy.missions_per_beat_per_shift,
        "temperature": policy.temperature,
        "control_share": policy.control_share,
        "dose_minutes": policy.dose_minutes,
        "dosage_memory_days": policy.dosage_memory_days,
        "max_consecutive_shifts": policy.max_consecutive_shifts,
        "max_box_share_per_week": policy.max_box_share_per_week,
        "min_boxes_per_beat_week": policy.min_boxes_per_beat_week,
        "min_harm_share": policy.min_harm_share,
    }


def _beat_json(draw: planner.BeatDraw) -> dict:
    return {
        "beat": draw.beat_code,
        "seed_hex": draw.seed_hex,
        "capacity": draw.capacity,
        "eligible": draw.eligible,
        "pool_size": draw.pool_size,
        "forced": draw.forced,
        "best_harm": round(draw.best_harm, 4),
        "note": draw.note,
    }


def _write_missions(plan, result, grid, existing, policy, *, user, now) -> dict:
    """New rows for new boxes, updates for boxes drawn again, cancellation for the rest."""
    crime_types = {ct.code: ct for ct in CrimeType.objects.all()}
    by_cell = {m.cell_id: m for m in existing}
    seeds = {d.beat: d.seed_hex for d in result.beats}
    now = now or timezone.now()
    drawn_again, created, picked = 0, [], set()
    for pm in result.missions:
        cell_pk = grid.cell_pks[pm.cell_index]
        picked.add(cell_pk)
        primary = crime_types.get(pm.drivers[0].crime_type) if pm.drivers else None
        values = {
            "plan": plan,
            "score": pm.score,
            "raw_score": pm.raw_score,
            "rank": pm.rank,
            "drivers": [
                {
                    "crime_type": d.crime_type,
                    "share": round(d.share, 4),
                    "contribution": d.contribution,
                }
                for d in pm.drivers
            ],
            "primary_crime_type": primary,
            "model_versions": plan.model_versions,
            "seed_hex": seeds.get(pm.beat, ""),
            "draw": pm.draw,
            "probability": pm.probability,
        }
        mission = by_cell.get(cell_pk)
        if mission is not None and not _replaceable(mission):
            continue  # started: its record stays as it was when it started
        if mission is not None:
            if mission.origin == Mission.Origin.ANALYST:
                values["reasons"] = _analyst_reasons(mission, pm.reasons)
            else:
                values.update(reasons=_drawn_reasons(pm, grid, primary), forced=pm.forced)
                drawn_again += 1
            values["dose_minutes"] = dose_minutes(primary, policy)
            for field, value in values.items():
                setattr(mission, field, value)
            mission.save(update_fields=[*values, "updated_at"])
            continue
        created.append(
            Mission(
                date=plan.date,
                shift=plan.shift,
                starts_at=plan.starts_at,
                ends_at=plan.ends_at,
                cell_id=cell_pk,
                beat_id=grid.beat_pks[pm.beat],
                origin=Mission.Origin.DRAWN,
                forced=pm.forced,
                reasons=_drawn_reasons(pm, grid, primary),
                dose_minutes=dose_minutes(primary, policy),
                **values,
            )
        )
    Mission.objects.bulk_create(created)
    ControlBox.objects.bulk_create(
        ControlBox(
            plan=plan,
            cell_id=grid.cell_pks[c.cell_index],
            beat_id=grid.beat_pks[c.beat],
            score=c.score,
            raw_score=c.raw_score,
            draw=c.draw,
        )
        for c in result.controls
    )
    cancelled = [m for m in existing if _replaceable(m) and m.cell_id not in picked]
    for mission in cancelled:
        with state.transition(
            mission, state.SUPERSEDE, actor=user, at=now, reason=REPLAN_REASON
        ) as move:
            move.set(closed_at=now)
    return {
        "missions": len(result.missions),
        "created": len(created),
        "drawn_again": drawn_again,
        "kept": sum(
            1 for m in existing if not _replaceable(m) or m.origin == Mission.Origin.ANALYST
        ),
        "cancelled": len(cancelled),
        "controls": len(result.controls),
    }


def _replaceable(mission: Mission) -> bool:
    """Not started yet: a new plan may update it or, when it no longer picks the box, supersede it."""
    return bool(state.moves(mission.status, state.SUPERSEDE))


def _drawn_reasons(pm, grid, primary: CrimeType | None) -> list[dict]:
    """The forecast's reasons; in a quiet beat where no factor stands out city-wide, that the box
    is among the beat's riskiest, so an officer never gets a box without a why."""
    if pm.reasons:
        return list(pm.reasons)
    code = primary.code if primary else None
    return [factor("beat_top", code, beat=grid.beat_codes[pm.beat])]


def _analyst_reasons(mission: Mission, forecast_reasons) -> list[dict]:
    own = [r for r in mission.reasons if r.get("kind") == NOTE]
    return own + [r for r in forecast_reasons if r not in own]
