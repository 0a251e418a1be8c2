"""Home pages per role: the analyst's map, the officer's shift view, the supervisor's overview."""

from django.shortcuts import redirect, render

from agency.models import Agency
from agency.selectors import current_shift
from ingest.selectors import incident_trend_by_type
from jobs.selectors import recent_jobs
from missions.models import END_EARLY_REASONS
from missions_site import access

from . import selectors


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
            "shift_now": current_shift(),
        },
    )


@access.page
def officer_home(request):
    profile = getattr(request.user, "officer_profile", None)
    return render(
        request,
        "home/officer_home.html",
        {"profile": profile, "shift_now": current_shift(), "agency": Agency.current(),
         "end_early_reasons": [(code.value, code.label) for code in END_EARLY_REASONS]},
    )


@access.page
def supervisor_home(request):
    return render(
        request,
        "home/supervisor_home.html",
        {
            "overview": selectors.jurisdiction_overview(),
            "incident_trend": incident_trend_by_type(days=28),
            "shift_now": current_shift(),
        },
    )
