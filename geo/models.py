"""The spatial ground every app stands on: the grid of boxes (GridCell), the streets that name
them, and (geo.placement) the one rule that puts a point in a box. Sits between agency and ingest,
so incidents can carry their box (docs/adr/0018-geo-layer.md)."""

from django.contrib.gis.db import models


class GridCell(models.Model):
    """A square cell of `cell_size_m` in the metric CRS `epsg`, addressed by (col, row) on the
    CRS origin, so rebuilding the grid never renumbers a cell."""

    cell_id = models.CharField(max_length=40, help_text="'{col}_{row}' on the CRS origin.")
    cell_size_m = models.PositiveIntegerField()
    epsg = models.PositiveIntegerField()
    col = models.IntegerField()
    row = models.IntegerField()
    geom = models.PolygonField(srid=4326)
    center = models.PointField(srid=4326)
    district = models.ForeignKey(
        "agency.District", null=True, blank=True, on_delete=models.SET_NULL, related_name="cells"
    )
    beat = models.ForeignKey(
        "agency.Beat", null=True, blank=True, on_delete=models.SET_NULL, related_name="cells"
    )
    active = models.BooleanField(
        default=True,
        help_text="False once the cell no longer meets the jurisdiction; kept for history.",
    )
    location_label = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Nearest intersection or street, e.g. 'King St & Elm Ave'; set from the imported streets.",
    )

    class Meta:
        # The table keeps its name from when the grid lived in forecasting: existing databases keep
        # their rows and every foreign key to them with no copy (docs/adr/0018-geo-layer.md).
        db_table = "forecasting_gridcell"
        ordering = ["row", "col"]
        constraints = [
            models.UniqueConstraint(
                fields=["epsg", "cell_size_m", "col", "row"], name="gridcell_unique_position"
            )
        ]
        indexes = [models.Index(fields=["active", "beat"], name="forecasting_active_33f867_idx")]

    def __str__(self):
        return self.cell_id


class Street(models.Model):
    """One segment of the agency's street centreline file, drawn on every map and naming the cells.

    Lives beside the grid cells because importing streets and rebuilding the grid both relabel
    the cells, and neither may call an app above it (docs/adr/0017-streets-and-location-labels.md,
    docs/adr/0018-geo-layer.md).
    """

    name = models.CharField(
        max_length=200, blank=True, help_text="Blank for unnamed segments (drawn, never a label)."
    )
    geom = models.MultiLineStringField(srid=4326)
    name_length_m = models.FloatField(
        default=0.0,
        help_text="Length of all segments of this name: long streets (arterials) show from lower zooms.",
    )

    class Meta:
        db_table = "forecasting_street"  # kept from forecasting, as GridCell's
        indexes = [models.Index(fields=["name_length_m"], name="forecasting_name_le_3e1a66_idx")]

    def __str__(self):
        return self.name or "(unnamed)"
