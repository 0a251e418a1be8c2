# The grid and the streets now belong to the geo app (docs/adr/0018-geo-layer.md), which took over
# their tables by name; only the migration state forgets them here.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forecasting", "0005_streets_and_location_labels"),
        ("geo", "0001_initial"),
        # Every foreign key to the cells points at geo first, so none is left dangling.
        ("missions", "0007_gridcell_moves_to_geo"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="cellforecast",
            name="cell",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="forecasts", to="geo.gridcell"),
        ),
        migrations.DeleteModel(name="GridCell"),
        migrations.DeleteModel(name="Street"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
