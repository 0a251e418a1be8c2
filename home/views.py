"""Home pages per role: the analyst's map, the officer's shift view, the supervisor's live board."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from agency.models import Agency
from agency.selectors import current_shift_window
from ingest.selectors import incident_trend_by_type
from jobs.selectors import recent_jobs
from missions.models import END_EARLY_CHOICES, ReasonCode
from missions_site import access

from . import selectors
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
        },
    )


@access.page
def supervisor_board(request):
    """The board as JSON, polled by the page (in the background: it does not keep a session alive)."""
    return JsonResponse(selectors.shift_board(request.user))
