"""Home pages per role: the analyst's map, the officer's shift view, the supervisor's live board."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from agency.models import Agency, District, Shift
from agency.selectors import current_or_next_shift_window, current_shift_window, local_today
from audit.actions import Action
from audit.services import record
from ingest.selectors import incident_trend_by_type
from jobs.selectors import recent_jobs
from missions import scope
from missions.models import END_EARLY_CHOICES, ReasonCode
from missions_site import access

from . import selectors
from .briefing import board_alerts
from .briefing import briefing as build_briefing
from .forms import BriefingPicker
from .selectors import BOARD_STATUSES


@access.page
def home(request):
    role = access.main_role(request.user)
    target = {
        access.ANALYST: "analyst-home",
        access.SUPERVISOR: "supervisor-home",
        access.OFFICER: "officer-home",
        access.ADMINISTRATOR: "admin:index",
        access.AUDITOR: "audit-log",
    }.get(role)
    if target is None:  # a user with no role gets this page and nothing else
        return render(request, "home/no_role.html")
    return redirect(target)


@access.page
def analyst_home(request):
    return render(
        request,
        "home/analyst_home.html",
        {
            "agency": Agency.current(),
            "overview": selectors.jurisdiction_overview(),
            "incident_trend": incident_trend_by_type(days=28),
            "jobs": recent_jobs(limit=8),
            "shift_now": current_shift_window(),
        },
    )


@access.page
def officer_home(request):
    profile = getattr(request.user, "officer_profile", None)
    return render(
        request,
        "home/officer_home.html",
        {
            "profile": profile,
            "shift_now": current_shift_window(),
            "agency": Agency.current(),
            "maps_app_url": settings.OFFICER_MAPS_APP_URL,
            "end_early_reasons": END_EARLY_CHOICES,
        },
    )


@access.page
def supervisor_home(request):
    """The supervisor's board of the shift under way; the script fills it from supervisor_board."""
    window = current_shift_window()
    query = urlencode({"date": window.date, "shift": window.shift.pk}) if window else ""
    return render(
        request,
        "home/supervisor_home.html",
        {
            "window": window,
            "shift_query": query,
            "poll_ms": int(settings.SUPERVISOR_BOARD_POLL_SECONDS * 1000),
            "poll_seconds": round(settings.SUPERVISOR_BOARD_POLL_SECONDS),
            "statuses": BOARD_STATUSES,
            "reason_codes": ReasonCode.choices,
            "alerts": board_alerts(request.user),
            "board_districts": selectors.board_district_codes(request.user),
        },
    )


@access.page
def supervisor_board(request):
    """The board as JSON, polled by the page (in the background: it does not keep a session alive)."""
    return JsonResponse(selectors.shift_board(request.user))


@access.page
def roll_call_briefing(request):
    """The roll-call briefing of a district (or of every district the user may see, one printed
    page each) for a shift: what changed since the last shift and this shift's missions."""
    picker = BriefingPicker(request.GET or None)
    if picker.is_bound and picker.is_valid():
        day, shift = picker.cleaned_data["date"], picker.cleaned_data["shift"]
        chosen = picker.cleaned_data["district"]
    else:
        window = current_or_next_shift_window()
        day, shift = (
            (window.date, window.shift) if window else (local_today(), Shift.objects.first())
        )
        chosen = None
    if shift is None:
        return render(request, "home/briefing.html", {"picker": picker, "briefings": []})
    if chosen is not None:
        scope.require_district(request.user, chosen)
        districts = [chosen]
    else:
        allowed = scope.supervisor_district_ids(request.user)
        districts = [
            d
            for d in District.objects.order_by("code")
            if allowed is None
            or access.has_role(request.user, access.ANALYST, access.ADMINISTRATOR)
            or d.pk in allowed
        ]
    briefings = [build_briefing(district=d, date=day, shift=shift) for d in districts]
    record(
        action=Action.MISSIONS_BRIEFING_PRINT,
        request=request,
        object_type="agency.shift",
        object_id=str(shift.pk),
        after={
            "districts": [d.code for d in districts],
            "date": day.isoformat(),
            "shift": shift.name,
        },
    )
    return render(
        request,
        "home/briefing.html",
        {
            "picker": BriefingPicker(initial={"date": day, "shift": shift, "district": chosen}),
            "briefings": briefings,
        },
    )
