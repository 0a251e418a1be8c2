"""Schedule mission generation before each shift (every 15 minutes) and expiry at shift end (every 5)."""

from django.db import migrations

TASKS = {
    "Plan missions for upcoming shifts": ("missions.tasks.plan_upcoming_shifts", 15),
    "Expire missions at shift end": ("missions.tasks.expire_missions", 5),
}


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, minutes) in TASKS.items():
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[task for task, _ in TASKS.values()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("missions", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
