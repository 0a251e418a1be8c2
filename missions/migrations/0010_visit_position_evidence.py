"""Visits carry their position evidence (docs/adr/0026). Existing visits started on arrival or
reported offline keep their whole length as measured (the evidence they were counted on); an open
one's last position is its start, so new pings must come for it to count on. Visits started by hand
measure nothing: their time is self-reported."""

from django.db import migrations, models

MEASURED_METHODS = ("geofence", "offline")


def measure_existing(apps, schema_editor):
    Visit = apps.get_model("missions", "Visit")
    for visit in Visit.objects.filter(start_method__in=MEASURED_METHODS).iterator():
        if visit.ended_at is None:
            visit.last_position_at = visit.started_at
        else:
            visit.last_position_at = visit.ended_at
            visit.measured_seconds = max(0.0, (visit.ended_at - visit.started_at).total_seconds())
        visit.save(update_fields=["last_position_at", "measured_seconds"])


class Migration(migrations.Migration):
    dependencies = [
        ("missions", "0009_reasons_as_factors"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="last_position_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="visit",
            name="measured_seconds",
            field=models.FloatField(default=0.0),
        ),
        migrations.RunPython(measure_existing, migrations.RunPython.noop),
    ]
