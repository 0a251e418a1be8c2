"""GridCell: the 250 m boxes that forecasts and missions are made of."""

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
        default=True, help_text="False once the cell no longer meets the jurisdiction; kept for history."
    )

    class Meta:
        ordering = ["row", "col"]
        constraints = [
            models.UniqueConstraint(
                fields=["epsg", "cell_size_m", "col", "row"], name="gridcell_unique_position"
            )
        ]
        indexes = [models.Index(fields=["active", "beat"])]

    def __str__(self):
        return self.cell_id
