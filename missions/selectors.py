"""Reads of missions shared by pages and the API: an officer's missions of the shift under way with
their timers and suggested tactics, a shift's missions for analysts, and GeoJSON of both (which
shift is when: agency.selectors)."""

from __future__ import annotations

import hashlib
import json
from datetime import date as Date
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone

from agency.models import Shift
from agency.selectors import current_shift_window
from agency.shift_windows import ShiftWindow
from audit.models import AuditEvent
from forecasting.engine.reasons import reason_texts
from forecasting.selectors import crime_type_names
from missions_site.access import SUPERVISOR, roles_of
from tactics.selectors import catalogue_version, suggested_tactics

from . import scope, state
from .models import (
    AUDIT_PREFIX,
    ControlBox,
    Mission,
    MissionPlan,
    Suppression,
    Visit,
    tactics_version,
)


def officer_missions(
    user, *, now: datetime | None = None
) -> tuple[ShiftWindow | None, list[Mission]]:
    """The officer's missions of the shift under way: their home beat's, else their district's, and
    only those in the user's scope (an officer without either sees none). Never control boxes (they
    are not missions). Cancelled missions are left out."""
    window = current_shift_window(at=now)
    if window is None:
        return None, []
    missions = _with_details(_officer_shift_missions(user, window))
    return window, scope.visible_missions(user, list(missions), now=now)


def officer_missions_etag(user, *, now: datetime | None = None) -> str:
    """A weak ETag of what `officer_missions` shows the user, from one grouped query on the
    (date, shift, beat) index: the shift under way, the user's scope, and each mission's status,
    last change, plan and visits; and the tactic catalogue the cards' suggestions come from (one more
    query). The timer's running seconds and the server time are left out: devices count those up
    themselves from the running visit's last position. That position's time enters only to the
    quarter of VISIT_POSITION_GAP_S: every ping from a box moves it, and with it exact, every poll
    of every officer on a beat being patrolled would get the whole body again. A device's copy is
    thus under a quarter gap old; it shows "not counting" only after the full gap since that copy,
    i.e. after three quarters of a gap without any position, which the server would stop at soon."""
    window = current_shift_window(at=now)
    profile = getattr(user, "officer_profile", None)
    roles = roles_of(user)
    parts: list = [
        user.pk,
        sorted(roles),
        profile and (profile.home_beat_id, profile.home_district_id),
    ]
    if SUPERVISOR in roles:
        districts = scope.supervisor_district_ids(user)
        parts.append(sorted(districts) if districts is not None else None)
    if window is not None:
        rows = (
            _officer_shift_missions(user, window)
            .order_by("pk")
            .values_list("pk", "status", "updated_at", "plan_id")
            .annotate(
                n_visits=Count("visits"),
                n_ended=Count("visits__ended_at"),
                last_start=Max("visits__started_at"),
                last_position=Max("visits__last_position_at"),
            )
        )
        resolution = settings.VISIT_POSITION_GAP_S / 4
        coarse = [(*row[:-1], row[-1] and int(row[-1].timestamp() // resolution)) for row in rows]
        parts += [window.as_dict(), coarse, catalogue_version()]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def shift_missions(*, date: Date, shift: Shift, include_cancelled: bool = True) -> list[Mission]:
    missions = Mission.objects.filter(date=date, shift=shift)
    if not include_cancelled:
        missions = missions.not_cancelled()
    return list(_with_details(missions))


def mission_detail(mission_id: int) -> Mission:
    return _with_details(Mission.objects.filter(pk=mission_id)).get()


def shift_controls(*, date: Date, shift: Shift) -> list[ControlBox]:
    """The current plan's control boxes: for evaluation pages only, never for officers."""
    plan = latest_plan(date=date, shift=shift)
    if plan is None:
        return []
    return list(plan.controls.select_related("cell", "beat"))


def latest_plan(*, date: Date, shift: Shift) -> MissionPlan | None:
    return MissionPlan.objects.filter(date=date, shift=shift).order_by("-created_at", "-pk").first()


def active_suppressions(*, on: Date | None = None) -> QuerySet[Suppression]:
    qs = Suppression.objects.filter(lifted_at__isnull=True).select_related("created_by", "mission")
    qs = qs.prefetch_related("cells", "shifts")
    if on is not None:
        qs = qs.filter(date_from__lte=on, date_to__gte=on)
    return qs


def missions_to_suppress(*, cells, date_from: Date, date_to: Date, shifts) -> list[Mission]:
    """The live missions a suppression of `cells` over the dates (and `shifts`; none = every shift)
    would cancel, in date, shift and beat order: the preview lists them and the service cancels them."""
    qs = Mission.objects.live().filter(date__range=(date_from, date_to), cell__in=cells)
    if shifts:
        qs = qs.filter(shift__in=shifts)
    return list(
        qs.select_related("cell", "beat", "shift").order_by(
            "date", "shift__order", "shift__start_time", "beat__code", "rank", "pk"
        )
    )


def replan_offers(suppression: Suppression, *, at=None) -> list[dict]:
    """The shifts whose missions this suppression cancelled and that have not ended yet: after a
    lift, re-planning them (the planner's one write path) fills the beats it left short.
    One dict per (date, shift): date, shift, beats (codes) and how many missions were cancelled."""
    at = at or timezone.now()
    offers: dict[tuple, dict] = {}
    cancelled = (
        suppression.cancelled.filter(ends_at__gt=at)
        .select_related("shift", "beat")
        .order_by("date", "shift__order", "shift__start_time", "beat__code")
    )
    for mission in cancelled:
        offer = offers.setdefault(
            (mission.date, mission.shift_id),
            {"date": mission.date, "shift": mission.shift, "beats": [], "cancelled": 0},
        )
        offer["cancelled"] += 1
        if mission.beat.code not in offer["beats"]:
            offer["beats"].append(mission.beat.code)
    return list(offers.values())


def audit_log(
    *, object_type: str | None = None, object_id: str | None = None
) -> QuerySet[AuditEvent]:
    """The mission events of the audit log (overrides, plans, lifecycle), newest first."""
    entries = AuditEvent.objects.filter(action__startswith=AUDIT_PREFIX)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=str(object_id))
    return entries


def timer_state(mission: Mission, *, now: datetime | None = None) -> dict:
    """The dose timer as the server knows it: seconds measured so far (time backed by positions,
    docs/adr/0026) and the running visit's last position.

    Devices count up from `last_position_at` with the server's clock offset, never a local
    countdown, and stop when it is older than `position_gap_seconds` (`stale`: "no position since").
    """
    now = now or timezone.now()
    gap = settings.VISIT_POSITION_GAP_S
    visits = list(mission.visits.all())  # prefetched
    done = sum(v.measured(now, gap) for v in visits if v.ended_at is not None)
    running = next((v for v in visits if v.ended_at is None), None)
    in_visits = sum(v.seconds(now) for v in visits)
    by_visits = done + (running.measured(now, gap) if running else 0.0)
    # The rostered units' minutes measured by AVL serve the dose too: the larger of the two
    # measures, never their sum (docs/adr/0028-missions-from-avl.md).
    avl_s = mission.minutes_avl * 60
    so_far = max(by_visits, avl_s)
    last = running.last_position_at if running else None
    stale = running is not None and (
        last is None or (running.end(now) - last).total_seconds() > gap
    )
    dose_s = mission.dose_minutes * 60
    return {
        "dose_minutes": mission.dose_minutes,
        "dose_seconds": round(so_far, 1),
        "done_seconds_before_current_visit": round(
            done + (running.measured_seconds if running else 0.0), 1
        ),
        "running": running is not None,
        "running_since": running.started_at.isoformat() if running else None,
        "running_officer": running.officer_id if running else None,
        "last_position_at": last.isoformat() if last else None,
        "stale": stale,
        "position_gap_seconds": gap,
        "self_reported_seconds": round(max(0.0, in_visits - by_visits), 1),
        "avl_seconds": round(avl_s, 1),
        "avl_other_seconds": round(mission.minutes_avl_other * 60, 1),
        "measured_by_avl": mission.start_method == "avl" or avl_s > 0,
        "remaining_seconds": round(max(0.0, dose_s - so_far), 1),
        "dose_reached": so_far >= dose_s,
        "visits": len(visits),
        "server_time": now.isoformat(),
    }


def mission_feature(
    mission: Mission,
    *,
    tactics: list,
    actions: list[str],
    type_names: dict[str, str],
    now: datetime | None = None,
    full: bool = False,
) -> dict:
    """A mission as a GeoJSON feature (its box polygon) with what the officer needs to act: the
    actions the requesting user may take now (the state machine's, missions/state.py), and its
    reasons in words (`reasons`) and as data (`reason_factors`)."""
    props = {
        "id": mission.pk,
        "status": mission.status,
        "allowed_actions": actions,
        "date": mission.date.isoformat(),
        "shift": mission.shift.name,
        "beat": mission.beat.code,
        "cell_id": mission.cell.cell_id,
        "location_label": mission.cell.location_label,
        "rank": mission.rank,
        "origin": mission.origin,
        "reasons": reason_texts(mission.reasons, type_names),
        "reason_factors": mission.reasons,
        "drivers": [{"crime_type": d["crime_type"], "share": d["share"]} for d in mission.drivers],
        "crime_type": mission.primary_crime_type.name if mission.primary_crime_type else None,
        "starts_at": mission.starts_at.isoformat(),
        "ends_at": mission.ends_at.isoformat(),
        "started_at": mission.started_at.isoformat() if mission.started_at else None,
        "completed_at": mission.completed_at.isoformat() if mission.completed_at else None,
        "minutes_served": mission.minutes_served,
        "minutes_self_reported": mission.minutes_self_reported,
        "ended_reason": mission.ended_reason,
        "timer": timer_state(mission, now=now),
        "tactics": [{"id": t.pk, "name": t.name, "description": t.description} for t in tactics],
        "tactics_used": [u.tactic_id for u in mission.tactic_uses.all()],
        "tactics_version": tactics_version(
            [u.tactic_id for u in mission.tactic_uses.all()], mission.notes
        ),
        "notes": mission.notes,
    }
    if full:
        props.update(
            {
                "score": mission.score,
                "raw_score": mission.raw_score,
                "drivers": mission.drivers,
                "model_versions": mission.model_versions,
                "seed_hex": mission.seed_hex,
                "draw": mission.draw,
                "probability": mission.probability,
                "forced": mission.forced,
                "plan": mission.plan_id,
                "addition": mission.addition_id,
                "dose_minutes": mission.dose_minutes,
            }
        )
    return {
        "type": "Feature",
        "id": mission.pk,
        "geometry": json.loads(mission.cell.geom.geojson),
        "properties": props,
    }


def missions_geojson(
    missions: list[Mission], *, user, now: datetime | None = None, full: bool = False
) -> dict:
    """The missions as GeoJSON, each with the actions `user` may take on it now."""
    tactics = suggested_tactics(missions)
    names = crime_type_names()
    now = now or timezone.now()
    actions = state.allowed_actions(user, missions, now=now)
    return {
        "type": "FeatureCollection",
        "features": [
            mission_feature(
                m,
                tactics=tactics.get(m.pk, []),
                actions=actions[m.pk],
                type_names=names,
                now=now,
                full=full,
            )
            for m in missions
        ],
    }


def _officer_shift_missions(user, window: ShiftWindow) -> QuerySet[Mission]:
    """The shift's missions of the officer's home beat, else district (not yet scope-checked)."""
    missions = Mission.objects.not_cancelled().filter(date=window.date, shift=window.shift)
    profile = getattr(user, "officer_profile", None)
    if profile is not None and profile.home_beat_id:
        missions = missions.filter(beat_id=profile.home_beat_id)
    elif profile is not None and profile.home_district_id:
        missions = missions.filter(beat__district_id=profile.home_district_id)
    return missions


def _with_details(missions: QuerySet[Mission]) -> QuerySet[Mission]:
    return missions.select_related("cell", "beat", "shift", "primary_crime_type").prefetch_related(
        Prefetch("visits", queryset=Visit.objects.order_by("started_at")),
        "tactic_uses",
    )


DRIVERS_SHOWN = 3
DRIVER_MIN_SHARE = 0.05  # a crime type below 5 % of the box's expected harm is not a driver
DRAW_ORDER_NOTE = (
    "The order is the draw's, not the score's: each beat's missions are drawn at random among its "
    "top boxes, a higher score giving a higher chance, so a mission may score lower than the one "
    "after it. Each drawn mission says its chance."
)


def with_reason_texts(missions) -> list[Mission]:
    """The missions, each with `reason_texts` (its reasons in words, for pages and sheets),
    `explained` (its drivers in words, each with the reasons of that same crime type:
    [{"name", "percent", "reasons"}]), `general_reasons` (those of no crime type: an analyst's note)
    and `order_words` (why it has its place: drawn at random with its chance, kept, added)."""
    names = crime_type_names()
    missions = list(missions)
    for mission in missions:
        mission.reason_texts = reason_texts(mission.reasons, names)
        mission.explained, mission.general_reasons = _explained(mission, names)
        mission.order_words = _order_words(mission)
    return missions


def draw_order_note(missions) -> str | None:
    """A sentence for the page when some beat's missions are not in score order (the draw's order)."""
    by_beat: dict = {}
    for m in missions:
        if m.status != Mission.Status.CANCELLED:
            by_beat.setdefault(m.beat_id, []).append(m)
    for beat_missions in by_beat.values():
        ordered = sorted(beat_missions, key=lambda m: m.rank)
        if any(a.score < b.score for a, b in zip(ordered, ordered[1:], strict=False)):
            return DRAW_ORDER_NOTE
    return None


def _explained(mission: Mission, names) -> tuple[list[dict], list[str]]:
    reasons = list(mission.reasons or [])
    explained = []
    for driver in (mission.drivers or [])[:DRIVERS_SHOWN]:
        share = float(driver.get("share") or 0)
        if share < DRIVER_MIN_SHARE:
            continue
        code = driver.get("crime_type")
        own = [r for r in reasons if r.get("crime_type") == code and r.get("kind") != "note"]
        explained.append(
            {
                "name": names.get(code, code),
                "percent": round(share * 100),
                "reasons": reason_texts(own, names, with_crime_type=False),
            }
        )
    general = [r for r in reasons if not r.get("crime_type") or r.get("kind") == "note"]
    return explained, reason_texts(general, names)


def _order_words(mission: Mission) -> str:
    if mission.origin == Mission.Origin.ANALYST:
        return "Added by an analyst"
    if mission.draw is not None:
        return f"Drawn at random among the top boxes (chance {round(mission.probability * 100)} %)"
    if mission.forced:
        return "Kept from the plan before (already started)"
    return "A top box, taken without a draw"
