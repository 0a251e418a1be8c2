# Incidents carry their box (docs/adr/0018-geo-layer.md). Existing rows are placed here, by the same
# rule as imports and build_grid, so counts are right from the first page after the upgrade
# rather than after the next grid rebuild.

import django.db.models.deletion
from django.db import migrations, models


def place_existing_incidents(apps, schema_editor):
    from geo.placement import ActiveGrid
    from ingest.services.placement import place_incident_rows

    cells = apps.get_model("geo", "GridCell").objects.filter(active=True).order_by("pk")
    grid = ActiveGrid.from_rows(cells.values_list("pk", "col", "row", "epsg", "cell_size_m"))
    if len(grid):
        place_incident_rows(apps.get_model("ingest", "Incident"), grid)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("ingest", "0007_schedule_upload_purge"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="cell",
            field=models.ForeignKey(
                blank=True,
                help_text="The active box holding the location (geo.placement); blank = outside every active box. Set on import and again for all incidents when the grid is rebuilt.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="incidents",
                to="geo.gridcell",
            ),
        ),
        migrations.RunPython(place_existing_incidents, migrations.RunPython.noop, elidable=True),
    ]
