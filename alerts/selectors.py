"""Reads of the alerts: counts against the forecast per area and crime type, incidents for
near-repeat search, who receives an alert, and what a user sees (the bell, the list, the board)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from pyproj import Transformer

from agency.models import Agency
from forecasting.engine.alerts import AreaCount, Event
from forecasting.models import CellForecast, ForecastRun
from geo.models import GridCell
from ingest.selectors import counted_incidents, in_window_mask, utc_array
from missions_site import access

from .models import Alert, Mute, Subscription

BELL_DAYS = 14  # the bell counts unacknowledged alerts of the last two weeks
LIST_LIMIT = 200


@dataclass(frozen=True)
class CountWindow:
    """The shifts with a complete forecast that ended in the window, and the counts over them."""

    start: dt.datetime
    end: dt.datetime
    shifts: float  # forecast shifts covered (a cut shift counts its part)
    counts: list[AreaCount]


def forecast_runs_in(*, start: dt.datetime, end: dt.datetime) -> list[ForecastRun]:
    """One complete run per shift (the latest) for the shifts overlapping [start, end)."""
    runs = ForecastRun.objects.filter(complete=True, starts_at__lt=end, ends_at__gt=start)
    latest: dict[tuple, ForecastRun] = {}
    for run in runs.order_by("created_at", "pk"):
        latest[(run.date, run.shift_id)] = run
    return sorted(latest.values(), key=lambda r: r.starts_at)


def counts_against_forecast(*, now: dt.datetime, window_days: int) -> CountWindow:
    """Observed (counted_incidents) and expected (the forecast's sum) counts per district, per beat
    and crime type over the last `window_days`, shift by shift: a shift cut by the window's edges
    (the one under way) counts its part, its expectation prorated by time; a shift with no complete
    forecast is left out of both sides. Areas are 'district code' and 'district code/beat code'."""
    start = now - dt.timedelta(days=window_days)
    runs = forecast_runs_in(start=start, end=now)
    expected: dict[tuple[str, str], float] = defaultdict(float)
    observed: dict[tuple[str, str], int] = defaultdict(int)
    if not runs:
        return CountWindow(start, now, 0, [])
    part = {
        run.pk: (
            max(run.starts_at, start),
            min(run.ends_at, now),
            (min(run.ends_at, now) - max(run.starts_at, start)) / (run.ends_at - run.starts_at),
        )
        for run in runs
    }
    sums = (
        CellForecast.objects.filter(run__in=runs, cell__district__isnull=False)
        .values("run", "cell__district__code", "cell__beat__code", "crime_type__code")
        .annotate(total=Sum("expected_count"))
    )
    for row in sums:
        for area in _areas(row["cell__district__code"], row["cell__beat__code"]):
            expected[(area, row["crime_type__code"])] += float(row["total"]) * part[row["run"]][2]
    first, last = min(p[0] for p in part.values()), max(p[1] for p in part.values())
    rows = list(
        counted_incidents(first, last)
        .filter(cell__district__isnull=False)
        .values_list(
            "occurred_from",
            "occurred_to",
            "cell__district__code",
            "cell__beat__code",
            "crime_type__code",
        )
    )
    if rows:
        starts, ends = utc_array([r[0] for r in rows]), utc_array([r[1] for r in rows])
        hits = np.zeros(len(rows), dtype=int)
        for run_start, run_end, _ in part.values():
            hits += in_window_mask(starts, ends, run_start, run_end).astype(int)
        for (_, _, district, beat, crime_type), n in zip(rows, hits, strict=True):
            if n:
                for area in _areas(district, beat):
                    observed[(area, crime_type)] += int(n)
    keys = sorted(set(expected) | set(observed))
    counts = [AreaCount(a, t, observed.get((a, t), 0), expected.get((a, t), 0.0)) for a, t in keys]
    shifts = float(sum(p[2] for p in part.values()))
    return CountWindow(first, last, shifts, counts)


def _areas(district: str, beat: str | None) -> list[str]:
    return [district] + ([f"{district}/{beat}"] if beat else [])


def recent_events(*, now: dt.datetime, days: float, crime_types: list[str]) -> list[Event]:
    """Counted incidents of the last `days` (and as long again before, so a series is seen whole),
    in metres of the agency's grid projection and days since `now - 2 × days`."""
    origin = now - dt.timedelta(days=2 * days)
    qs = counted_incidents(origin, now).filter(cell__district__isnull=False)
    if crime_types:
        qs = qs.filter(crime_type__code__in=crime_types)
    rows = list(qs.values_list("pk", "location", "occurred_from", "crime_type__code"))
    if not rows:
        return []
    epsg = GridCell.objects.filter(active=True).values_list("epsg", flat=True).first()
    to_metres = Transformer.from_crs(4326, epsg or Agency.current().epsg, always_xy=True)
    xs, ys = to_metres.transform([r[1].x for r in rows], [r[1].y for r in rows])
    return [
        Event(pk, float(x), float(y), (at - origin).total_seconds() / 86400, code)
        for (pk, _, at, code), x, y in zip(rows, xs, ys, strict=True)
    ]


def recipients(alert: Alert) -> list[tuple[Any, bool]]:
    """(user, by e-mail) for every active user whose subscription (his own or his role's) matches
    the alert's district and crime type and who has not muted them; e-mail if any matching
    subscription asks for it."""
    matching = Subscription.objects.filter(
        Q(district__isnull=True) | Q(district=alert.district_id),
        Q(crime_type__isnull=True) | Q(crime_type=alert.crime_type_id),
    )
    wants: dict[int, bool] = {}
    users = get_user_model().objects.filter(is_active=True)
    for sub in matching:
        if sub.user_id:
            ids = [sub.user_id]
        else:
            ids = list(users.filter(groups__name=sub.role).values_list("pk", flat=True))
            if sub.role == access.ADMINISTRATOR:
                ids += list(users.filter(is_superuser=True).values_list("pk", flat=True))
        for pk in ids:
            wants[pk] = wants.get(pk, False) or sub.email
    muted = set(
        Mute.objects.filter(
            district=alert.district_id, crime_type=alert.crime_type_id, until__gt=timezone.now()
        ).values_list("user_id", flat=True)
    )
    found = users.filter(pk__in=[pk for pk in wants if pk not in muted]).order_by("pk")
    return [(user, wants[user.pk]) for user in found]


def alerts_for(user, *, days: int | None = None) -> QuerySet[Alert]:
    """The alerts delivered to `user` (by his subscriptions when raised), newest first; command
    staff also see every alert of the agency on the list page (`everything`)."""
    qs = Alert.objects.filter(deliveries__user=user)
    if days is not None:
        qs = qs.filter(created_at__gte=timezone.now() - dt.timedelta(days=days))
    return qs.select_related("district", "beat", "crime_type", "acknowledged_by")


def all_alerts(*, days: int | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.all()
    if days is not None:
        qs = qs.filter(created_at__gte=timezone.now() - dt.timedelta(days=days))
    return qs.select_related("district", "beat", "crime_type", "acknowledged_by")


def unread_count(user) -> int:
    """The bell: unacknowledged alerts of the last BELL_DAYS delivered to `user`, not muted."""
    # One query: the bell is counted on every page a signed-in user opens.
    muted = Mute.objects.filter(
        user=user,
        until__gt=timezone.now(),
        district=OuterRef("district_id"),
        crime_type=OuterRef("crime_type_id"),
    )
    qs = alerts_for(user, days=BELL_DAYS).filter(acknowledged_at__isnull=True)
    return qs.exclude(Exists(muted)).count()


def alerts_in(*, district, since: dt.datetime, until: dt.datetime | None = None) -> list[Alert]:
    """A district's alerts raised or updated in [since, until): the board and the briefing."""
    qs = all_alerts().filter(district=district, updated_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return list(qs.order_by("-updated_at")[:20])


def subscriptions_of(user) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user=user).select_related("district", "crime_type")


def role_subscriptions(user) -> QuerySet[Subscription]:
    roles = access.roles_of(user)
    return Subscription.objects.filter(role__in=list(roles)).select_related(
        "district", "crime_type"
    )


def mutes_of(user) -> QuerySet[Mute]:
    return Mute.objects.filter(user=user, until__gt=timezone.now()).select_related(
        "district", "crime_type"
    )
