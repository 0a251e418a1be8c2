"""The roster page: supervisors (their districts) and analysts import the CAD's roster CSV, add or
change one unit's row, and take a unit off a shift; each through patrol.roster. The AVL import
page: analysts upload a CAD's file of vehicle positions, imported as a job through
patrol.avl_import (as `manage.py import_avl`), and read each upload's refused rows."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from agency.models import Beat, Shift
from jobs.models import JobRun
from missions_site import access
from missions_site.request_limits import upload_refusal

from . import roster, roster_selectors, selectors
from .avl_import import AvlFileError
from .job_kinds import AVL_IMPORT_KIND
from .models import RosterEntry
from .tasks import enqueue_avl_upload

ROSTER_FILE_MAX_BYTES = 20 * 1024 * 1024


@access.page
def roster_page(request):
    day = _day(request.GET.get("date") or request.POST.get("date"))
    result, form_error = None, ""
    if request.method == "POST":
        try:
            if "roster_file" in request.FILES:
                upload = request.FILES["roster_file"]
                if upload.size > ROSTER_FILE_MAX_BYTES:
                    raise roster.RosterError(
                        f"{upload.name}: {upload.size // 1_000_000} MB is more than a roster "
                        f"file may hold ({ROSTER_FILE_MAX_BYTES // 1_000_000} MB)."
                    )
                rows = roster.read_roster_csv(upload.read(), name=upload.name)
                result = roster.import_roster(
                    rows=rows, actor=request.user, source="page", file_name=upload.name
                )
            else:
                row = {k: request.POST.get(k, "") for k in roster.ROSTER_COLUMNS}
                result = roster.import_roster(rows=[row], actor=request.user, source="page")
        except roster.RosterError as exc:
            form_error = str(exc)
    districts = roster._districts_of(request.user)
    beats = Beat.objects.select_related("district").order_by("code")
    if districts is not None:
        beats = beats.filter(district__in=districts)
    return render(
        request,
        "patrol/roster.html",
        {
            "day": day,
            "entries": roster_selectors.roster_of_day(day=day, district_ids=districts),
            "shifts": Shift.objects.order_by("order"),
            "beats": beats,
            "result": result,
            "form_error": form_error,
            "columns": ", ".join(roster.ROSTER_COLUMNS),
        },
        status=400 if form_error else 200,
    )


@access.page
def remove_entry(request, entry_id: int):
    entry = RosterEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        messages.error(request, "That roster entry is gone already.")
        return redirect("patrol-roster")
    day = entry.date
    roster.remove_roster_entry(entry_id=entry_id, actor=request.user)
    messages.success(request, "The unit was taken off the shift's roster.")
    return redirect(f"{reverse('patrol-roster')}?date={day.isoformat()}")


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@access.page
def avl_import_page(request):
    """GET: the upload form, the latest uploads and, with ?job=, one upload's outcome and refused
    rows. POST: store and check the file, queue its job, and go to the job's progress page."""
    form_error = ""
    if request.method == "POST":
        upload = request.FILES.get("avl_file")
        if upload_refusal(request):
            form_error = upload_refusal(request)
        elif upload is None:
            form_error = "Choose a .csv or .geojson file of vehicle positions to import."
        else:
            try:
                job = enqueue_avl_upload(
                    uploaded=upload, measure=bool(request.POST.get("measure")), user=request.user
                )
            except AvlFileError as exc:
                form_error = str(exc)
            else:
                return redirect("job-page", job_id=job.pk)
    shown, rejected, rejected_total = None, [], 0
    wanted = _job_id(request.GET.get("job"))
    if wanted is not None:
        shown = JobRun.objects.filter(pk=wanted, kind=AVL_IMPORT_KIND).first()
        if shown is not None:
            rejected, rejected_total = selectors.rejected_of_upload(job_id=shown.pk)
    return render(
        request,
        "patrol/avl_import.html",
        {
            "form_error": form_error,
            "jobs": selectors.avl_upload_jobs(),
            "shown": shown,
            "rejected": rejected,
            "rejected_total": rejected_total,
        },
        status=400 if form_error else 200,
    )


def _job_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
