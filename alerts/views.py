"""The alerts page (the list, one alert's map, one's subscriptions and mutes) and its forms. Thin:
reads from selectors, writes through services."""

from __future__ import annotations

import shapely
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agency.services import to_shapely
from geo.models import GridCell
from missions.sheet import location_street_names, map_streets
from missions.sheet_map import MapBox, draw_map
from missions_site import access

from . import selectors, services
from .forms import AcknowledgeForm, MuteForm, SubscribeForm, UnmuteForm, UnsubscribeForm
from .models import Alert

MAP_WIDTH_PX = 640
MAP_MAX_HEIGHT_PX = 420


@access.page
def alert_list(request):
    everything = access.has_role(request.user, *access.COMMAND) and request.GET.get("mine") != "1"
    alerts = (
        selectors.all_alerts(days=90) if everything else selectors.alerts_for(request.user, days=90)
    )
    alerts = list(alerts[: selectors.LIST_LIMIT])
    chosen = None
    if request.GET.get("alert", "").isdigit():
        chosen = next((a for a in alerts if a.pk == int(request.GET["alert"])), None)
    return render(
        request,
        "alerts/list.html",
        {
            "alerts": alerts,
            "window_days": settings.ALERT_WINDOW_DAYS,
            "everything": everything,
            "chosen": chosen,
            "chosen_map": _alert_map(chosen) if chosen else None,
            "may_acknowledge": access.has_role(request.user, *services.ACKNOWLEDGE_ROLES),
            "subscriptions": selectors.subscriptions_of(request.user),
            "role_subscriptions": selectors.role_subscriptions(request.user),
            "mutes": selectors.mutes_of(request.user),
            "subscribe_form": SubscribeForm(),
            "mute_form": MuteForm(),
        },
    )


def _alert_map(alert: Alert) -> dict:
    """The area's outline, its streets (a district's arterials only: a beat's all) and the boxes
    where the incidents fell, each with the streets of its location named next to it."""
    area = alert.beat or alert.district
    outline = to_shapely(area.geom)
    boxes = [
        MapBox(to_shapely(cell.geom), "", location_street_names(cell.location_label))
        for cell in GridCell.objects.filter(pk__in=alert.cell_ids)
    ]
    bounds = tuple(shapely.total_bounds([outline, *(b.polygon for b in boxes)]))
    streets = map_streets(bounds)
    named = {name for box in boxes for name in box.street_names}
    return draw_map(
        bounds=bounds,
        width_px=MAP_WIDTH_PX,
        max_height_px=MAP_MAX_HEIGHT_PX,
        outline=outline,
        beats=[],
        boxes=boxes,
        streets=[s for s in streets if alert.beat or s.major or s.name in named],
    )


def _post(request, form_class, action, *, done: str):
    form = form_class(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"Not saved — {errors}")
        return redirect(reverse("alerts-list"))
    try:
        action(form.cleaned_data)
    except services.AlertError as exc:
        messages.error(request, f"Not saved — {exc}")
    except PermissionDenied as exc:
        messages.error(request, f"Not allowed — {exc}")
    else:
        messages.success(request, done)
    return redirect(reverse("alerts-list"))


@access.page
@require_POST
def acknowledge(request):
    return _post(
        request,
        AcknowledgeForm,
        lambda d: services.acknowledge(alert=d["alert"], user=request.user, note=d["note"]),
        done="Alert acknowledged.",
    )


@access.page
@require_POST
def mute(request):
    return _post(
        request,
        MuteForm,
        lambda d: services.mute(
            user=request.user,
            district=d["district"],
            crime_type=d["crime_type"],
            days=d["days"],
            reason=d["reason"],
        ),
        done="Muted: these alerts stay off your bell and out of your mail until then.",
    )


@access.page
@require_POST
def unmute(request):
    return _post(
        request,
        UnmuteForm,
        lambda d: services.unmute(user=request.user, mute=d["mute"]),
        done="Mute lifted.",
    )


@access.page
@require_POST
def subscribe(request):
    return _post(
        request,
        SubscribeForm,
        lambda d: services.subscribe(
            user=request.user,
            district=d["district"],
            crime_type=d["crime_type"],
            email=d["email"],
        ),
        done="Subscribed.",
    )


@access.page
@require_POST
def unsubscribe(request):
    return _post(
        request,
        UnsubscribeForm,
        lambda d: services.unsubscribe(user=request.user, subscription=d["subscription"]),
        done="Subscription ended.",
    )
