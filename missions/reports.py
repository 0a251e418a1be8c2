"""Dosage and outcome reads for reports: minutes in box per mission and per box over time, missions
completed / ended early / expired per beat and shift with the dose minutes served against those
planned, and incidents in mission vs control vs other boxes. Minutes count, not taps: measured minutes
(backed by positions, docs/adr/0026) are the dose; self-reported ones are shown apart."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date as Date
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from geo.models import GridCell
from ingest.selectors import counted_incidents

from .models import ControlBox, Mission, MissionPlan, Visit

GROUPS = ("mission", "control", "other")
HOURS_AFTER_MAX = 72  # hours after a shift that the outcome report may also count


def dose_by_mission(*, date_from: Date, date_to: Date, now=None) -> list[dict]:
    """Per mission of the range: target dose, minutes measured in the box, minutes self-reported
    and number of visits."""
    now = now or timezone.now()
    minutes, self_reported, visits = _visit_minutes(date_from, date_to, now, key="mission_id")
    missions = (
        Mission.objects.not_cancelled()
        .filter(date__range=(date_from, date_to))
        .select_related("shift", "beat", "cell")
        .order_by("date", "shift__order", "beat__code", "rank")
    )
    return [
        {
            "mission": m.pk,
            "date": m.date.isoformat(),
            "shift": m.shift.name,
            "beat": m.beat.code,
            "cell_id": m.cell.cell_id,
            "status": m.status,
            "status_label": m.get_status_display(),
            "dose_minutes": m.dose_minutes,
            "minutes_in_box": round(minutes.get(m.pk, 0.0), 1),
            "minutes_self_reported": round(self_reported.get(m.pk, 0.0), 1),
            "visits": visits.get(m.pk, 0),
            "ended_reason": m.ended_reason,
        }
        for m in missions
    ]


def dose_by_box(*, date_from: Date, date_to: Date, now=None) -> list[dict]:
    """Minutes officers were measured in each box per day (and self-reported ones, apart): where
    patrol went, over time."""
    now = now or timezone.now()
    minutes, self_reported, _ = _visit_minutes(
        date_from, date_to, now, key=("mission__cell__cell_id", "mission__date")
    )
    return [
        {
            "cell_id": cell_id,
            "date": day.isoformat(),
            "minutes": round(minutes[(cell_id, day)], 1),
            "minutes_self_reported": round(self_reported[(cell_id, day)], 1),
        }
        for cell_id, day in sorted(minutes, key=lambda k: (k[1], k[0]))
    ]


def daily_summary(*, date_from: Date, date_to: Date, now=None) -> list[dict]:
    """Per day: missions by status and minutes in box, with bar widths (% of the busiest day) for
    the report's chart."""
    now = now or timezone.now()
    counts = Counter()
    for day, status, n in (
        Mission.objects.filter(date__range=(date_from, date_to))
        .values_list("date", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[(day, status)] += n
    minutes, self_reported = defaultdict(float), defaultdict(float)
    for row in dose_by_box(date_from=date_from, date_to=date_to, now=now):
        minutes[row["date"]] += row["minutes"]
        self_reported[row["date"]] += row["minutes_self_reported"]
    planned = dict(
        Mission.objects.not_cancelled()
        .filter(date__range=(date_from, date_to))
        .values("date")
        .annotate(m=Sum("dose_minutes"))
        .values_list("date", "m")
        .order_by()
    )
    days = sorted({day for day, _ in counts})
    rows = []
    for day in days:
        by_status = {s: counts[(day, s)] for s in Mission.Status.values}
        rows.append(
            {
                "date": day,
                **by_status,
                "total": sum(by_status.values()),
                "minutes_planned": planned.get(day, 0),
                "minutes": round(minutes.get(day.isoformat(), 0.0)),
                "minutes_self_reported": round(self_reported.get(day.isoformat(), 0.0)),
            }
        )
    peak = max((r["total"] for r in rows), default=0) or 1
    for r in rows:
        r["bars"] = [(s, round(100 * r[s] / peak, 1)) for s in Mission.Status.values if r[s]]
    return rows


def status_by_beat_shift(*, date_from: Date, date_to: Date, now=None) -> list[dict]:
    """Missions per beat and shift by status, the share completed among those that ended, and the
    dose: minutes planned (doses of the missions not called off), minutes served in their boxes, and
    the share of the planned dose delivered (each mission counted up to its dose)."""
    now = now or timezone.now()
    rows = (
        Mission.objects.filter(date__range=(date_from, date_to))
        .values("beat__code", "shift__name", "status")
        .annotate(n=Count("pk"))
    )
    table: dict[tuple, Counter] = defaultdict(Counter)
    for r in rows:
        table[(r["beat__code"], r["shift__name"])][r["status"]] = r["n"]
    dose: dict[tuple, Counter] = defaultdict(Counter)
    for m in dose_by_mission(date_from=date_from, date_to=date_to, now=now):
        per = dose[(m["beat"], m["shift"])]
        per["planned"] += m["dose_minutes"]
        per["served"] += m["minutes_in_box"]
        per["self_reported"] += m["minutes_self_reported"]
        per["delivered"] += min(m["minutes_in_box"], m["dose_minutes"])
    out = []
    for (beat, shift), counts in sorted(table.items()):
        ended = sum(counts[s] for s in Mission.CLOSED)  # the base of the completed share
        minutes = dose[(beat, shift)]
        out.append(
            {
                "beat": beat,
                "shift": shift,
                **{s: counts[s] for s in Mission.Status.values},
                "completed_share": round(counts[Mission.Status.COMPLETED] / ended, 3)
                if ended
                else None,
                "minutes_planned": minutes["planned"],
                "minutes_served": round(minutes["served"], 1),
                "minutes_self_reported": round(minutes["self_reported"], 1),
                "dose_delivered": round(minutes["delivered"] / minutes["planned"], 3)
                if minutes["planned"]
                else None,
            }
        )
    return out


def planned_shift_boxes(
    *, date_from: Date, date_to: Date
) -> list[tuple[MissionPlan, set[int], set[int]]]:
    """Per planned shift of the range (its newest plan): the plan, the pks of its mission boxes
    (not cancelled) and of its control boxes (never also a mission box)."""
    plans = {}
    for plan in MissionPlan.objects.filter(date__range=(date_from, date_to)).order_by(
        "created_at", "pk"
    ):
        plans[(plan.date, plan.shift_id)] = plan  # the newest plan of each shift wins
    missions = defaultdict(set)
    for day, shift_pk, cell_pk in (
        Mission.objects.not_cancelled()
        .filter(date__range=(date_from, date_to))
        .values_list("date", "shift_id", "cell_id")
    ):
        missions[(day, shift_pk)].add(cell_pk)
    controls = defaultdict(set)
    for plan_pk, cell_pk in ControlBox.objects.filter(
        plan__in=[p.pk for p in plans.values()]
    ).values_list("plan_id", "cell_id"):
        controls[plan_pk].add(cell_pk)
    return [
        (plan, missions.get(key, set()), controls.get(plan.pk, set()) - missions.get(key, set()))
        for key, plan in plans.items()
    ]


def outcomes(*, date_from: Date, date_to: Date, hours_after: int = 0) -> dict:
    """Counted incidents (ingest.selectors.counted_incidents) of each planned shift (plus
    `hours_after`) in its mission
    boxes, its control boxes and every other box of a beat: the raw material of the evaluation."""
    shifts = planned_shift_boxes(date_from=date_from, date_to=date_to)
    totals = {g: {"box_shifts": 0, "incidents": 0} for g in GROUPS}
    if not shifts:
        return _rates(totals, date_from, date_to, hours_after)
    cells = set(
        GridCell.objects.filter(active=True, beat__isnull=False).values_list("pk", flat=True)
    )
    n_cells = len(cells)
    for plan, mission_cells, control_cells in shifts:
        incident_cells = _incident_cells(
            plan.starts_at, plan.ends_at + timedelta(hours=hours_after), cells=cells
        )
        counts = dict.fromkeys(GROUPS, 0)
        for cell_pk in incident_cells:
            group = (
                "mission"
                if cell_pk in mission_cells
                else "control"
                if cell_pk in control_cells
                else "other"
            )
            counts[group] += 1
        sizes = {"mission": len(mission_cells), "control": len(control_cells)}
        sizes["other"] = n_cells - sizes["mission"] - sizes["control"]
        for g in GROUPS:
            totals[g]["box_shifts"] += sizes[g]
            totals[g]["incidents"] += counts[g]
    return _rates(totals, date_from, date_to, hours_after)


# --- helpers ---------------------------------------------------------------------------------------


def _rates(totals, date_from, date_to, hours_after) -> dict:
    for row in totals.values():
        row["per_100_box_shifts"] = (
            round(100 * row["incidents"] / row["box_shifts"], 3) if row["box_shifts"] else None
        )
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "hours_after": hours_after,
        "groups": totals,
    }


def _incident_cells(start, end, *, cells: set[int]) -> list[int]:
    """The box (pk) of every counted incident of [start, end) (ingest.selectors.counted_incidents)
    that lies in one of `cells`."""
    placed = counted_incidents(start, end).values_list("cell_id", flat=True)
    return [pk for pk in placed if pk in cells]


def _visit_minutes(date_from, date_to, now, *, key):
    """Per `key` (a field of Visit, or a tuple of them): minutes measured (Visit.measured),
    minutes self-reported (the rest of the visits' time) and the number of visits."""
    keys = key if isinstance(key, tuple) else (key,)
    measured, self_reported, visits = defaultdict(float), defaultdict(float), Counter()
    gap = settings.VISIT_POSITION_GAP_S
    rows = Visit.objects.filter(mission__date__range=(date_from, date_to)).values_list(
        *keys,
        "started_at",
        "ended_at",
        "last_position_at",
        "measured_seconds",
        "mission__ends_at",
    )
    for row in rows:
        k = row[: len(keys)] if len(keys) > 1 else row[0]
        started, ended, last_position, measured_s, mission_end = row[len(keys) :]
        visit = Visit(
            started_at=started,
            ended_at=ended,
            last_position_at=last_position,
            measured_seconds=measured_s,
            mission=Mission(ends_at=mission_end),
        )
        in_box = visit.measured(now, gap)
        measured[k] += in_box / 60
        self_reported[k] += max(0.0, visit.seconds(now) - in_box) / 60
        visits[k] += 1
    return measured, self_reported, visits
