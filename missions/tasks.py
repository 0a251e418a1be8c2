"""Celery tasks of missions: plan a shift under a job row, plan every due shift on a schedule,
expire missions at shift end (thin: each calls one service); and `enqueue_planning`, which pages
and the API call to queue a shift's planning."""

import datetime as dt

from celery import shared_task

from agency.models import Shift
from forecasting.selectors import current_run
from jobs.models import JobRun
from jobs.services import enqueue_job, run_job

from . import services
from .idempotency import forget_old_keys
from .models import Mission, MissionPlan

PLAN_KIND = "plan_missions"


@shared_task
def plan_missions_job(job_id: str) -> None:
    def work(job, progress):
        shift = Shift.objects.get(pk=job.params["shift"])
        progress(10, f"Planning {job.params['date']} {shift.name}")
        plan = services.plan_missions(
            date=dt.date.fromisoformat(job.params["date"]),
            shift=shift,
            user=job.created_by,
            trigger=MissionPlan.Trigger.ANALYST,
        )
        return {
            "plan": plan.pk,
            "missions": plan.missions.count(),
            "message": f"{plan.missions.count()} missions planned for {plan.date} {shift.name}.",
        }

    run_job(job_id, work)


@shared_task
def plan_upcoming_shifts() -> list[int]:
    """Every few minutes (django-celery-beat): plan shifts starting within the lead time that have
    a forecast and no plan. Quick, so no job row; each plan is in the audit log."""
    return [plan.pk for plan in services.plan_due_shifts()]


@shared_task
def expire_missions() -> int:
    """Every few minutes: missions whose shift has ended expire; old idempotency keys go."""
    forget_old_keys()
    return services.expire_missions()


def enqueue_planning(*, date: dt.date, shift: Shift, user=None) -> JobRun:
    """Queue the planning (or re-planning) of a shift; raises MissionError when the shift has no
    complete forecast to plan from."""
    if current_run(date=date, shift=shift) is None:
        raise services.MissionError(
            f"No complete forecast for {date} {shift.name}: run the forecast first."
        )
    return enqueue_job(
        kind=PLAN_KIND,
        task=plan_missions_job,
        user=user,
        params={"date": date.isoformat(), "shift": shift.pk},
    )


@shared_task
def follow_avl_positions(first: str, last: str, cells: list[int] | None = None) -> dict:
    """After a push of vehicle positions: start and complete the missions of the shifts the fixes
    fall in (missions/services/avl.py), so a mission starts within one batch of a unit entering
    its box; with `cells`, only the missions in those boxes (the ones the push touched)."""
    started, completed = [], []
    first_at, last_at = dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
    live = Mission.objects.live().filter(starts_at__lte=last_at, ends_at__gte=first_at)
    if cells is not None:
        live = live.filter(cell_id__in=cells)
    # order_by(): Mission's Meta.ordering would join the DISTINCT (one row, and one follow-up of
    # every box, per mission instead of per shift)
    for day, shift_id in live.order_by().values_list("date", "shift_id").distinct():
        done = services.follow_avl(
            day=day,
            shift=Shift.objects.get(pk=shift_id),
            cells=None if cells is None else set(cells),
        )
        started += done.started
        completed += done.completed
    return {"started": started, "completed": completed}
