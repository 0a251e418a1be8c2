"""Schedule the nightly retrain (checked hourly, runs at 02:30 agency time) and the per-shift
forecast (every 15 minutes, for shifts starting within the lead time that have no run yet)."""

from django.db import migrations

RETRAIN = ("Nightly retrain of forecasting models (02:30 agency time)", "forecasting.tasks.nightly_retrain")
FORECAST = ("Forecast upcoming shifts", "forecasting.tasks.forecast_due_shifts")


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly_at_30, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    every_15_min, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(name=RETRAIN[0], defaults={"task": RETRAIN[1], "crontab": hourly_at_30})
    PeriodicTask.objects.get_or_create(name=FORECAST[0], defaults={"task": FORECAST[1], "interval": every_15_min})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=[RETRAIN[1], FORECAST[1]]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forecasting", "0002_model_versions_forecasts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
