"""Every write of the alerts: the scan that raises them and delivers them (in the app and by
e-mail), acknowledging, muting and subscribing. Permission and audit live here
(docs/adr/0031-crime-spike-alerts.md)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agency.models import Beat, CrimeType, District
from audit.actions import Action
from audit.services import record
from forecasting.engine.alerts import (
    Series,
    Spike,
    count_words,
    find_spikes,
    near_repeat_series,
)
from ingest.models import Incident
from ingest.selectors import counted_incidents
from missions_site import access

from . import selectors
from .models import Alert, Delivery, Mute, Subscription

log = logging.getLogger(__name__)

MUTE_DAYS_MAX = 90
ONE_IN_A_MILLION = 1_000_000  # any rarer chance reads "less than 1 in a million"
ACKNOWLEDGE_ROLES = access.COMMAND  # a supervisor, analyst or administrator answers for the area


class AlertError(ValueError):
    """A request about alerts that cannot be done, with what to fix."""


def scan(*, now: dt.datetime | None = None) -> list[Alert]:
    """Raise the alerts the last window calls for and deliver the new ones; the same unusual count
    seen again (same kind, area and type while its window still overlaps) updates its alert."""
    now = now or timezone.now()
    window_days = settings.ALERT_WINDOW_DAYS
    types = {t.code: t for t in CrimeType.objects.filter(enabled=True)}
    window = selectors.counts_against_forecast(now=now, window_days=window_days)
    spikes = find_spikes(
        [c for c in window.counts if c.crime_type in types],
        window_days=window_days,
        fdr=settings.ALERT_FDR,
        min_count=settings.ALERT_MIN_COUNT,
    )
    raised = [_spike_alert(s, types[s.crime_type], window.start, window.end, now) for s in spikes]
    days = settings.NEAR_REPEAT_DAYS
    wanted = settings.NEAR_REPEAT_TYPES  # empty: every enabled type
    codes = [c for c in wanted if c in types] if wanted else list(types)
    events = selectors.recent_events(now=now, days=days, crime_types=codes) if codes else []
    origin = now - dt.timedelta(days=2 * days)
    for series in near_repeat_series(
        events,
        radius_m=settings.NEAR_REPEAT_RADIUS_M,
        days=days,
        min_events=settings.NEAR_REPEAT_MIN_EVENTS,
        recent_after_days=days,  # its latest incident in the last `days`
    ):
        alert = _series_alert(series, types[series.crime_type], origin, now)
        if alert is not None:
            raised.append(alert)
    return [a for a in raised if a is not None]


def _spike_alert(
    spike: Spike, crime_type: CrimeType, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> Alert | None:
    district_code, _, beat_code = spike.area.partition("/")
    district = District.objects.filter(code=district_code).first()
    if district is None:
        return None
    beat = Beat.objects.filter(code=beat_code).first() if beat_code else None
    area_name = f"beat {beat.code}" if beat else f"{district.code}"
    headline = count_words(
        spike.observed, spike.expected, f"{crime_type.name} incidents", area_name, spike.window_days
    )
    detail = (
        f"{spike.rarity_words()} (chance of a count this high or higher: "
        f"{_chance_words(spike.p_value)}; {spike.window_days}-day window over the forecast shifts)."
    )
    fields: dict[str, object] = dict(
        district=district,
        beat=beat,
        crime_type=crime_type,
        window_start=start,
        window_end=end,
        observed=spike.observed,
        expected=spike.expected,
        p_value=spike.p_value,
        q_value=spike.q_value,
        once_every_days=spike.once_every_days,
        headline=headline,
        detail=detail,
    )
    incidents = counted_incidents(start, end, crime_types=[crime_type.code]).filter(
        **({"cell__beat": beat} if beat else {"cell__district": district})
    )
    pairs = list(incidents.values_list("pk", "cell_id"))
    fields["incident_ids"] = sorted(pk for pk, _ in pairs)
    fields["cell_ids"] = sorted({cell for _, cell in pairs if cell})
    key = f"spike:{spike.area}:{crime_type.code}"
    return _raise_or_update(key=key, kind=Alert.Kind.SPIKE, fields=fields, now=now)


def _chance_words(p_value: float) -> str:
    """A chance as a sergeant reads it: "about 1 in 910,000", not 1.1e-06."""
    if p_value <= 1 / ONE_IN_A_MILLION:
        return "less than 1 in a million"
    return f"about 1 in {float(f'{1 / p_value:.2g}'):,.0f}"


def _series_alert(
    series: Series, crime_type: CrimeType, origin: dt.datetime, now: dt.datetime
) -> Alert | None:
    incidents = list(
        Incident.objects.filter(pk__in=series.events)
        .select_related("cell__district", "cell__beat")
        .order_by("occurred_from")
    )
    if not incidents or incidents[-1].cell is None or incidents[-1].cell.district is None:
        return None
    last_cell = incidents[-1].cell
    days = series.last_days - series.first_days
    label = last_cell.location_label or f"box {last_cell.cell_id}"
    headline = (
        f"{len(incidents)} {crime_type.name} incidents in a near-repeat series near {label}, "
        f"over {max(days, 1):.0f} day{'s' if days >= 1.5 else ''}"
    )
    detail = (
        f"A near-repeat series: each within {settings.NEAR_REPEAT_RADIUS_M:.0f} m and "
        f"{settings.NEAR_REPEAT_DAYS:.0f} days of another; the latest on "
        f"{timezone.localtime(incidents[-1].occurred_from):%a %d %b %H:%M}."
    )
    fields = dict(
        district=last_cell.district,
        beat=last_cell.beat,
        crime_type=crime_type,
        window_start=origin + dt.timedelta(days=series.first_days),
        window_end=now,
        observed=len(incidents),
        headline=headline,
        detail=detail,
        incident_ids=[i.pk for i in incidents],
        cell_ids=sorted({i.cell_id for i in incidents if i.cell_id}),
    )
    # A series is the same while it shares its first incident.
    key = f"series:{crime_type.code}:{incidents[0].pk}"
    return _raise_or_update(key=key, kind=Alert.Kind.SERIES, fields=fields, now=now)


def _raise_or_update(*, key: str, kind: str, fields: dict, now: dt.datetime) -> Alert | None:
    since = now - dt.timedelta(days=settings.ALERT_WINDOW_DAYS)
    with transaction.atomic():
        current = Alert.objects.filter(key=key, window_end__gt=since).order_by("-pk").first()
        if current is not None:
            grew = fields["observed"] > current.observed
            for name, value in fields.items():
                setattr(current, name, value)
            current.save()
            return current if grew else None
        alert = Alert.objects.create(key=key, kind=kind, **fields)
        record(
            action=Action.ALERTS_RAISE,
            object_type="alerts.alert",
            object_id=str(alert.pk),
            after={"headline": alert.headline, "detail": alert.detail, "kind": kind},
        )
    deliver(alert=alert)
    return alert


def deliver(*, alert: Alert) -> list[Delivery]:
    """In the app to every recipient; by e-mail to those whose subscription asks (one message each,
    so a recipient sees no other recipient's address)."""
    made = []
    for user, by_email in selectors.recipients(alert):
        delivery, created = Delivery.objects.get_or_create(alert=alert, user=user)
        if not created:
            continue
        if by_email and user.email:
            try:
                send_mail(
                    subject=f"[Missions] {alert.headline}",
                    message=email_body(alert),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[user.email],
                )
            except OSError as exc:  # the mail server is down: the alert is still in the app
                log.warning("Alert %s: e-mail to user %s failed: %s", alert.pk, user.pk, exc)
            else:
                delivery.emailed_at = timezone.now()
                delivery.save(update_fields=["emailed_at"])
        made.append(delivery)
    return made


def alert_url(alert: Alert) -> str:
    return (
        f"{settings.SITE_URL.rstrip('/')}{reverse('alerts-list')}?alert={alert.pk}#alert-{alert.pk}"
    )


def email_body(alert: Alert) -> str:
    return (
        f"{alert.headline}: {alert.detail}\n\n"
        f"District {alert.district.code} {alert.district.name}"
        f"{f', beat {alert.beat.code}' if alert.beat else ''}; "
        f"crime type {alert.crime_type.name}.\n"
        f"Map and incidents: {alert_url(alert)}\n\n"
        "You receive this because you (or your role) subscribed to these alerts. "
        "Mute or change subscriptions on the alerts page."
    )


def acknowledge(*, alert: Alert, user, note: str = "") -> Alert:
    if not access.has_role(user, *ACKNOWLEDGE_ROLES):
        raise PermissionDenied("Only supervisors, analysts and administrators acknowledge alerts.")
    if alert.acknowledged_at is not None:
        raise AlertError(f"Alert {alert.pk} was already acknowledged.")
    with transaction.atomic():
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        record(
            action=Action.ALERTS_ACKNOWLEDGE,
            actor=user,
            object_type="alerts.alert",
            object_id=str(alert.pk),
            after={"headline": alert.headline},
            reason=note[:500],
        )
    return alert


def mute(*, user, district: District, crime_type: CrimeType, days: int, reason: str = "") -> Mute:
    if not 1 <= days <= MUTE_DAYS_MAX:
        raise AlertError(f"days: mute for 1 to {MUTE_DAYS_MAX} days, not {days}.")
    with transaction.atomic():
        muted = Mute.objects.create(
            user=user,
            district=district,
            crime_type=crime_type,
            until=timezone.now() + dt.timedelta(days=days),
            reason=reason[:300],
        )
        record(
            action=Action.ALERTS_MUTE,
            actor=user,
            object_type="alerts.mute",
            object_id=str(muted.pk),
            after={"district": district.code, "crime_type": crime_type.code, "days": days},
            reason=reason[:500],
        )
    return muted


def unmute(*, user, mute: Mute) -> None:
    if mute.user_id != user.pk:
        raise PermissionDenied("A user lifts only his own mutes.")
    with transaction.atomic():
        record(
            action=Action.ALERTS_UNMUTE,
            actor=user,
            object_type="alerts.mute",
            object_id=str(mute.pk),
            before={"district": mute.district.code, "crime_type": mute.crime_type.code},
        )
        mute.delete()


def subscribe(
    *, user, district: District | None, crime_type: CrimeType | None, email: bool
) -> Subscription:
    with transaction.atomic():
        sub = Subscription.objects.create(
            user=user, district=district, crime_type=crime_type, email=email
        )
        record(
            action=Action.ALERTS_SUBSCRIBE,
            actor=user,
            object_type="alerts.subscription",
            object_id=str(sub.pk),
            after={
                "district": district.code if district else "all",
                "crime_type": crime_type.code if crime_type else "all",
                "email": email,
            },
        )
    return sub


def unsubscribe(*, user, subscription: Subscription) -> None:
    if subscription.user_id != user.pk:
        raise PermissionDenied("A user ends only his own subscriptions (roles' are in the admin).")
    with transaction.atomic():
        record(
            action=Action.ALERTS_UNSUBSCRIBE,
            actor=user,
            object_type="alerts.subscription",
            object_id=str(subscription.pk),
            before={"subscription": str(subscription)},
        )
        subscription.delete()
