"""Missions on the AVL bench's stage (bench/avl_stage.py), for bench/avl_live_feed.py --missions:
the shift the feed's fixes fall in gets its roster (unit n on beat n mod 4, one officer in each
car) through patrol.roster.import_roster, and live missions in every beat through the analyst's
missions.services.add_missions, so the follow-up that starts missions from AVL
(missions/services/avl.py) has something to start. Earlier runs' missions and roster are cleared
first (the bench's own database). `fix_start` and `entry_schedule` are plain logic."""

from __future__ import annotations

import datetime as dt

import avl_stage
import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from agency import roles
from agency.models import Beat
from agency.selectors import shift_windows_around
from agency.shift_windows import ShiftWindow
from geo.models import GridCell
from missions import services
from missions.models import Mission, MissionAddition
from patrol.models import RosterEntry
from patrol.roster import import_roster

OFFICER_PREFIX = "avl-officer-"
FIX_MARGIN = dt.timedelta(seconds=30)  # the last fix this far before a shift's end, at least


def fix_start(
    *, now: dt.datetime, span: dt.timedelta, windows: list[tuple[dt.datetime, dt.datetime]]
) -> tuple[dt.datetime, int]:
    """When the feed's first fix is dated, and the index of the shift window (start, end) holding
    all of them: `span` of fixes ending a minute before `now` (the sender runs faster than the
    clock, so its fixes stay in the past), moved back into the previous shift when that stretch
    would cross a shift's start (a fix of the next shift would not count for the first one's
    missions). Raises ValueError when no window holds the stretch."""
    first = now - span - dt.timedelta(minutes=1)
    for i, (starts, ends) in enumerate(windows):
        if starts <= first < ends:
            if first + span >= ends:  # would cross into the next shift: the end of this one
                first = ends - span - FIX_MARGIN
            if first < starts:
                break
            return first, i
    raise ValueError(f"No shift window holds {span} of fixes before {now}")


def entry_schedule(*, missions: int, ticks: int, hold: int, lead: int = 6) -> list[int]:
    """The tick at which the k-th mission's car is driven into its box: spread evenly from `lead`
    to the last tick that leaves `hold` ticks in the box before the run ends (or to the end, when
    the run is shorter than that)."""
    last = ticks - hold - 1
    if last < lead:  # too short to hold a car for its dose: spread over the whole run
        last = ticks - 1
    return [int(t) for t in np.linspace(lead, last, missions).round()] if missions else []


def window_for(*, now: dt.datetime, span: dt.timedelta) -> tuple[dt.datetime, ShiftWindow]:
    """The first fix's time and the shift window holding the feed's fixes (see `fix_start`)."""
    windows = shift_windows_around(at=now)
    first, i = fix_start(now=now, span=span, windows=[(w.starts_at, w.ends_at) for w in windows])
    return first, windows[i]


def prepare(
    *, units: int, now: dt.datetime, span: dt.timedelta, per_beat: int, seed: int = 1
) -> dict:
    """The AVL stage, and for the shift holding `span` of fixes before `now` (`window_for`) its
    roster and `per_beat` missions in each beat (boxes drawn at random among the beat's). Returns
    the feed token and bounds, the first fix's time and the window, the missions (pk, box, beat,
    box centre, dose) and, per beat, the feed's vehicle indices rostered on it."""
    base = avl_stage.prepare(units=units)
    first_at, window = window_for(now=now, span=span)
    admin = get_user_model().objects.get(username="avl-bench-admin")
    beats = list(Beat.objects.filter(district__code="AVL").order_by("code"))
    with transaction.atomic():
        Mission.objects.all().delete()  # the bench's own database: earlier runs' missions
        MissionAddition.objects.all().delete()
        RosterEntry.objects.all().delete()
    officers = _officers(units)
    result = import_roster(
        rows=[
            {
                "date": window.date.isoformat(),
                "shift": window.shift.name,
                "beat": beats[n % len(beats)].code,
                "unit": f"U{n:04d}",
                "officers": officers[n],
            }
            for n in range(units)
        ],
        actor=admin,
        source="bench",
        file_name="avl_missions_stage",
    )
    if result.rejected or result.kept != units:
        raise RuntimeError(f"The roster was refused: {result.rejected[:5]}")
    rng = np.random.default_rng(seed)
    cells = []
    for beat in beats:
        ids = list(
            GridCell.objects.filter(active=True, beat=beat)
            .order_by("cell_id")
            .values_list("cell_id", flat=True)
        )
        cells += [ids[i] for i in rng.choice(len(ids), per_beat, replace=False)]
    services.add_missions(
        user=admin,
        reason_code="other",
        reason="AVL live feed bench: missions for the follow-up to start",
        date_from=window.date,
        shifts=[window.shift],
        cell_ids=cells,
    )
    missions = [
        {
            "pk": m.pk,
            "cell": m.cell_id,
            "beat": m.beat_id,
            "lon": m.cell.center.x,
            "lat": m.cell.center.y,
            "dose_minutes": m.dose_minutes,
        }
        for m in Mission.objects.filter(date=window.date, shift=window.shift)
        .select_related("cell")
        .order_by("pk")
    ]
    rostered: dict[int, list[int]] = {}
    for beat_id, call_sign in RosterEntry.objects.filter(
        date=window.date, shift=window.shift
    ).values_list("beat_id", "unit__call_sign"):
        rostered.setdefault(beat_id, []).append(int(call_sign[1:]))  # U0042: vehicle V0042, #42
    return {
        **base,
        "first_at": first_at,
        "window": window,
        "missions": missions,
        "rostered": rostered,
    }


def _officers(count: int) -> list[str]:
    """One officer a car (avl-officer-0000…, no usable password), made in bulk."""
    users = get_user_model()
    names = [f"{OFFICER_PREFIX}{n:04d}" for n in range(count)]
    have = set(users.objects.filter(username__in=names).values_list("username", flat=True))
    unusable = make_password(None)
    users.objects.bulk_create(
        users(username=name, password=unusable) for name in names if name not in have
    )
    group = roles.sync_roles()[roles.OFFICER]
    group.user_set.add(*users.objects.filter(username__in=names))
    return names
