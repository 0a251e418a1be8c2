"""Make django-celery-beat's entries equal to missions_site/schedule.py, after every `migrate`.

Idempotent: an entry is created, corrected (task, schedule, queue, description) or removed so the
beat table lists exactly the module's jobs. An entry's `enabled` flag is the administrator's: a job
switched off in the admin stays off (docs/admin-guide.md, "Scheduled jobs"). Celery's own entries
(`celery.*`, such as `celery.backend_cleanup`) are left alone.
"""

from __future__ import annotations

from django.db import connections, transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from missions_site.schedule import PERIODIC_JOBS, PeriodicJob


def sync_periodic_tasks(*, using: str = "default") -> dict[str, list[str]]:
    """The names of the entries created, changed and removed."""
    done: dict[str, list[str]] = {"created": [], "changed": [], "removed": []}
    with transaction.atomic(using=using):
        for job in PERIODIC_JOBS:
            wanted = _entry_fields(job, using)
            entry = PeriodicTask.objects.using(using).filter(name=job.name).first()
            if entry is None:
                PeriodicTask(name=job.name, enabled=True, **wanted).save(using=using)
                done["created"].append(job.name)
            elif any(getattr(entry, field) != value for field, value in wanted.items()):
                for field, value in wanted.items():
                    setattr(entry, field, value)
                entry.save(using=using)  # save(), not update(): beat notices the change
                done["changed"].append(job.name)
        listed = [job.name for job in PERIODIC_JOBS]
        for entry in (
            PeriodicTask.objects.using(using)
            .exclude(name__in=listed)
            .exclude(task__startswith="celery.")
        ):
            entry.delete()
            done["removed"].append(entry.name)
    return done


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver; does nothing while the beat tables do not exist (a partial migrate)."""
    if PeriodicTask._meta.db_table in connections[using].introspection.table_names():
        sync_periodic_tasks(using=using)


def _entry_fields(job: PeriodicJob, using: str) -> dict:
    interval = crontab = None
    if job.every_minutes is not None:
        interval, _ = IntervalSchedule.objects.using(using).get_or_create(
            every=job.every_minutes, period=IntervalSchedule.MINUTES
        )
    else:
        crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
            minute=job.crontab.minute,
            hour=job.crontab.hour,
            day_of_week=job.crontab.day_of_week,
            day_of_month=job.crontab.day_of_month,
            month_of_year=job.crontab.month_of_year,
            timezone="UTC",
        )
    return {
        "task": job.task,
        "interval": interval,
        "crontab": crontab,
        "solar": None,
        "clocked": None,
        "one_off": False,
        "queue": job.queue,
        "description": job.why,
    }
