"""Missions' reasons become data, as forecasts' did in forecasting 0006 (whose parser this uses):
"Assault: 12 assaults in this box in the last 28 days" becomes a factor of type assault, "Added by
analyst: …" an analyst's note, and any sentence of no known shape stays as free text."""

from importlib import import_module

from django.db import migrations, models

forecasting_step = import_module("forecasting.migrations.0007_reasons_as_factors")
BATCH = 2000


def convert(apps, schema_editor):
    Mission = apps.get_model("missions", "Mission")
    names = forecasting_step.names_to_codes(apps)
    changed = []
    for mission in Mission.objects.only("pk", "reasons").order_by("pk").iterator(chunk_size=BATCH):
        if not any(isinstance(r, str) for r in mission.reasons or ()):
            continue
        mission.reasons = [forecasting_step.reason_data(r, names) for r in mission.reasons]
        changed.append(mission)
        if len(changed) >= BATCH:
            Mission.objects.bulk_update(changed, ["reasons"])
            changed = []
    Mission.objects.bulk_update(changed, ["reasons"])


class Migration(migrations.Migration):
    dependencies = [
        ("missions", "0008_idempotent_request_body_digest"),
        ("forecasting", "0007_reasons_as_factors"),
    ]
    operations = [
        migrations.AlterField(
            model_name="mission",
            name="reasons",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Why this box: factors and analyst notes as data "
                "(forecasting/engine/reasons.py).",
            ),
        ),
        migrations.RunPython(convert, migrations.RunPython.noop),
    ]
