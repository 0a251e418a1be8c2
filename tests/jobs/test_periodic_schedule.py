"""The beat table equals missions_site/schedule.py after migrate, and the sync keeps it so."""

from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from jobs.periodic import sync_periodic_tasks
from missions_site.schedule import PERIODIC_JOBS
from missions_site.settings import workers


def beat_table() -> dict[str, tuple]:
    out = {}
    for entry in PeriodicTask.objects.exclude(task__startswith="celery.").select_related(
        "interval", "crontab"
    ):
        if entry.interval:
            when = ("every", entry.interval.every, entry.interval.period)
        else:
            c = entry.crontab
            when = ("cron", c.minute, c.hour, c.day_of_week, c.day_of_month, c.month_of_year)
        out[entry.name] = (entry.task, when, entry.queue, entry.description)
    return out


def module_table() -> dict[str, tuple]:
    out = {}
    for job in PERIODIC_JOBS:
        if job.every_minutes is not None:
            when = ("every", job.every_minutes, "minutes")
        else:
            c = job.crontab
            when = ("cron", c.minute, c.hour, c.day_of_week, c.day_of_month, c.month_of_year)
        out[job.name] = (job.task, when, job.queue, job.why)
    return out


def test_after_migrate_the_beat_table_is_the_module(db):
    assert beat_table() == module_table()
    assert len(module_table()) == len(PERIODIC_JOBS) == 13
    assert all(PeriodicTask.objects.values_list("enabled", flat=True))


def test_every_periodic_task_is_routed_to_its_listed_queue():
    routes = workers.celery_settings()["CELERY_TASK_ROUTES"]
    for job in PERIODIC_JOBS:
        assert routes[job.task] == {"queue": job.queue}
        assert job.queue in workers.QUEUE_NAMES


def test_the_sync_restores_the_module_and_keeps_the_admins_switch(db):
    stray = PeriodicTask.objects.create(
        name="Old job nobody lists",
        task="missions.tasks.old_job",
        interval=IntervalSchedule.objects.create(every=3, period="minutes"),
    )
    celery_own = PeriodicTask.objects.create(
        name="celery.backend_cleanup",
        task="celery.backend_cleanup",
        crontab=CrontabSchedule.objects.create(minute="0", hour="4", timezone="UTC"),
    )
    expire = PeriodicTask.objects.get(name="Expire missions at shift end")
    expire.interval = IntervalSchedule.objects.create(every=60, period="minutes")
    expire.save()
    purge = PeriodicTask.objects.get(name="Purge audit events past retention")
    purge.enabled = False
    purge.save()
    PeriodicTask.objects.get(name="Close stale jobs").delete()
    assert beat_table() != module_table()  # control: the table was really changed

    done = sync_periodic_tasks()

    assert done == {
        "created": ["Close stale jobs"],
        "changed": ["Expire missions at shift end"],
        "removed": ["Old job nobody lists"],
    }
    assert beat_table() == module_table()
    assert not PeriodicTask.objects.filter(pk=stray.pk).exists()
    assert PeriodicTask.objects.filter(pk=celery_own.pk).exists()
    assert PeriodicTask.objects.get(pk=purge.pk).enabled is False
    # Idempotent: a second run changes nothing and makes no new schedules.
    schedules = (IntervalSchedule.objects.count(), CrontabSchedule.objects.count())
    assert sync_periodic_tasks() == {"created": [], "changed": [], "removed": []}
    assert (IntervalSchedule.objects.count(), CrontabSchedule.objects.count()) == schedules


def test_migrate_runs_the_sync(transactional_db):
    PeriodicTask.objects.filter(name="Forecast upcoming shifts").delete()
    assert "Forecast upcoming shifts" not in beat_table()
    call_command("migrate", verbosity=0)
    assert beat_table() == module_table()
