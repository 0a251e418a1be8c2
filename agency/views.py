"""Home pages per role: the analyst's map, the officer's shift view, the supervisor's overview."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from forecasting.tasks import build_grid_job
from ingest.selectors import incident_trend_by_type
from jobs.selectors import recent_jobs
from jobs.services import enqueue_job

from . import roles, selectors
from .models import Agency


@login_required
def home(request):
    role = roles.role_of(request.user)
    target = {
        roles.ANALYST: "analyst-home",
        roles.SUPERVISOR: "supervisor-home",
        roles.OFFICER: "officer-home",
        roles.ADMINISTRATOR: "admin:index",
        roles.AUDITOR: "audit-log",
    }.get(role)
    if target is None:
        return render(request, "agency/no_role.html", status=403)
    return redirect(target)


@login_required
@permission_required("forecasting.view_gridcell", raise_exception=True)
def analyst_home(request):
    return render(
        request,
        "agency/analyst_home.html",
        {
            "agency": Agency.current(),
            "overview": selectors.jurisdiction_overview(),
            "incident_trend": incident_trend_by_type(days=28),
            "jobs": recent_jobs(limit=8),
            "shift_now": selectors.current_shift(),
        },
    )


@login_required
@require_POST
@permission_required("forecasting.add_gridcell", raise_exception=True)
def rebuild_grid(request):
    job = enqueue_job(kind="build_grid", task=build_grid_job, user=request.user)
    return redirect("job-page", job_id=job.pk)


@login_required
def officer_home(request):
    profile = getattr(request.user, "officer_profile", None)
    return render(
        request,
        "agency/officer_home.html",
        {"profile": profile, "shift_now": selectors.current_shift(), "agency": Agency.current()},
    )


@login_required
@permission_required("agency.view_district", raise_exception=True)
def supervisor_home(request):
    return render(
        request,
        "agency/supervisor_home.html",
        {
            "overview": selectors.jurisdiction_overview(),
            "incident_trend": incident_trend_by_type(days=28),
            "shift_now": selectors.current_shift(),
        },
    )
