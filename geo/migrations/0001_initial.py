# The grid and the streets move here from forecasting in state only: the tables keep their names
# (db_table), so existing databases keep their rows and foreign keys (docs/adr/0018-geo-layer.md).

import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("agency", "0001_initial"),
        # The tables already exist once forecasting's own migrations made them.
        ("forecasting", "0005_streets_and_location_labels"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="GridCell",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("cell_id", models.CharField(help_text="'{col}_{row}' on the CRS origin.", max_length=40)),
                ("cell_size_m", models.PositiveIntegerField()),
                ("epsg", models.PositiveIntegerField()),
                ("col", models.IntegerField()),
                ("row", models.IntegerField()),
                ("geom", django.contrib.gis.db.models.fields.PolygonField(srid=4326)),
                ("center", django.contrib.gis.db.models.fields.PointField(srid=4326)),
                ("active", models.BooleanField(default=True, help_text="False once the cell no longer meets the jurisdiction; kept for history.")),
                ("location_label", models.CharField(blank=True, default="", help_text="Nearest intersection or street, e.g. 'King St & Elm Ave'; set from the imported streets.", max_length=200)),
                ("beat", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="cells", to="agency.beat")),
                ("district", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="cells", to="agency.district")),
            ],
            options={
                "db_table": "forecasting_gridcell",
                "ordering": ["row", "col"],
                "indexes": [models.Index(fields=["active", "beat"], name="forecasting_active_33f867_idx")],
                "constraints": [models.UniqueConstraint(fields=("epsg", "cell_size_m", "col", "row"), name="gridcell_unique_position")],
            },
        ),
        migrations.CreateModel(
            name="Street",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(blank=True, help_text="Blank for unnamed segments (drawn, never a label).", max_length=200)),
                ("geom", django.contrib.gis.db.models.fields.MultiLineStringField(srid=4326)),
                ("name_length_m", models.FloatField(default=0.0, help_text="Length of all segments of this name: long streets (arterials) show from lower zooms.")),
            ],
            options={
                "db_table": "forecasting_street",
                "indexes": [models.Index(fields=["name_length_m"], name="forecasting_name_le_3e1a66_idx")],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
