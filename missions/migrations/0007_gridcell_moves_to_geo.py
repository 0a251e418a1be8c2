# The boxes moved to the geo app with their table (docs/adr/0018-geo-layer.md): the foreign keys
# point at the same table, so only the migration state changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("missions", "0006_mission_ended_early_and_minutes_served"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="mission",
            name="cell",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="missions", to="geo.gridcell"),
        ),
        migrations.AlterField(
            model_name="controlbox",
            name="cell",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="geo.gridcell"),
        ),
        migrations.AlterField(
            model_name="missionaddition",
            name="cells",
            field=models.ManyToManyField(related_name="+", to="geo.gridcell"),
        ),
        migrations.AlterField(
            model_name="suppression",
            name="cells",
            field=models.ManyToManyField(blank=True, related_name="suppressions", to="geo.gridcell"),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
