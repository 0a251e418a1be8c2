"""Reads of measured patrol: minutes per box and shift from `BoxExposure` (every unit summed), for
the planner's dosage memory, the forecast's patrol-exposure feature, the evaluation and the reports;
and which boxes a push of fixes touched (for the missions' follow-up).

Where no AVL exists for a shift (no `BoxExposure` row at all for that date and shift), readers fall
back to mission visits for that shift; a measured shift never also counts its visits (the minutes
would be counted twice). See docs/adr/0024-measured-exposure.md, "Readers"."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Sum

from jobs.models import JobRun

from .job_kinds import AVL_IMPORT_KIND
from .models import BoxExposure, Position, RejectedPosition


def box_minutes(*, date_from: date, date_to: date) -> dict[tuple[date, int], dict[int, float]]:
    """Per (date, shift pk) with measured exposure: minutes per cell pk, all units summed."""
    out: dict[tuple[date, int], dict[int, float]] = defaultdict(dict)
    rows = (
        BoxExposure.objects.filter(date__range=(date_from, date_to))
        .values_list("date", "shift_id", "cell_id")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    for day, shift_pk, cell_pk, minutes in rows:
        out[(day, shift_pk)][cell_pk] = float(minutes)
    return dict(out)


def boxes_just_visited(*, cells, first: datetime, last: datetime) -> set[int]:
    """Which of `cells` (box ids, or a query of them) hold a fix between AVL_MAX_GAP_S before
    `first` and `last`: the boxes a unit of a batch of fixes is in now or has just left (its time
    there ends with the next fix). One index range per box (the box-and-time index)."""
    start = first - timedelta(seconds=settings.AVL_MAX_GAP_S)
    return set(
        Position.objects.filter(cell_id__in=cells, at__gte=start, at__lte=last)
        .values_list("cell_id", flat=True)
        .distinct()
    )


def avl_upload_jobs(*, limit: int = 10) -> list:
    """The latest AVL files uploaded on the import page (their jobs), newest first."""
    return list(
        JobRun.objects.filter(kind=AVL_IMPORT_KIND)
        .select_related("created_by")
        .order_by("-created_at")[:limit]
    )


def rejected_of_upload(*, job_id, limit: int = 500) -> tuple[list, int]:
    """An uploaded file's refused rows (row, field, reason, what was sent), first `limit` of them by
    row, and how many are stored in all."""
    rows = RejectedPosition.objects.filter(job_id=job_id).order_by("row_number")
    return list(rows[:limit]), rows.count()
