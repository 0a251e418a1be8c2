"""Model versions, their saved state, forecast runs and the expected count per box (the boxes
themselves are geo.GridCell)."""

from django.contrib.gis.db import models


class ModelVersion(models.Model):
    """One trained model for one crime type: what it saw, how it scored, and its saved state
    (`artifact`, a row of its own so that lists of versions do not read it).

    Versions are never overwritten; exactly one per crime type is promoted and used to forecast.
    """

    crime_type = models.ForeignKey(
        "agency.CrimeType", on_delete=models.PROTECT, related_name="model_versions"
    )
    algorithm = models.CharField(max_length=64, help_text="e.g. gbm, naive_28d, kde, sepp")
    created_at = models.DateTimeField(auto_now_add=True)
    job = models.ForeignKey("jobs.JobRun", null=True, blank=True, on_delete=models.SET_NULL)
    data_start = models.DateTimeField(help_text="First incident time the model learned from.")
    data_end = models.DateTimeField(help_text="Training cut-off: nothing after it was seen.")
    seed = models.BigIntegerField(default=0)
    features = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(
        default=dict, blank=True, help_text="Back-test metrics of this version."
    )
    model_card = models.TextField(blank=True, help_text="Markdown model card.")
    file_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the artifact.")
    promoted = models.BooleanField(default=False)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promotion_report = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["crime_type"],
                condition=models.Q(promoted=True),
                name="one_promoted_model_per_crime_type",
            )
        ]

    def __str__(self):
        return f"{self.crime_type} {self.algorithm} {self.created_at:%Y-%m-%d %H:%M}"


class ModelArtifact(models.Model):
    """A version's fitted state (persist.dumps bytes) in the database, so that any worker on any
    machine can forecast with it: docs/adr/0016-workers-and-queues.md."""

    version = models.OneToOneField(
        ModelVersion, on_delete=models.CASCADE, primary_key=True, related_name="artifact"
    )
    data = models.BinaryField()

    def __str__(self):
        return f"artifact of {self.version_id} ({len(self.data)} bytes)"


class ForecastRun(models.Model):
    """The forecast of one shift on one local date, made with the promoted versions of that time.

    Runs are kept, not overwritten, so any past shift sheet can be reproduced; the newest
    complete run of a (date, shift) is the current one.
    """

    shift = models.ForeignKey(
        "agency.Shift", on_delete=models.PROTECT, related_name="forecast_runs"
    )
    date = models.DateField(help_text="Local date on which the shift starts.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    job = models.ForeignKey("jobs.JobRun", null=True, blank=True, on_delete=models.SET_NULL)
    model_versions = models.ManyToManyField(ModelVersion, related_name="forecast_runs")
    complete = models.BooleanField(default=False, help_text="All cell forecasts are written.")

    class Meta:
        ordering = ["-starts_at", "-created_at"]
        indexes = [models.Index(fields=["date", "shift", "complete"])]

    def __str__(self):
        return f"{self.date} {self.shift.name}"


class CellForecast(models.Model):
    """Expected count of one crime type in one cell during the run's shift, with its reasons."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="cell_forecasts")
    cell = models.ForeignKey("geo.GridCell", on_delete=models.PROTECT, related_name="forecasts")
    crime_type = models.ForeignKey("agency.CrimeType", on_delete=models.PROTECT)
    expected_count = models.FloatField()
    reasons = models.JSONField(
        default=list,
        blank=True,
        help_text="Top factors as data (forecasting/engine/reasons.py), e.g. "
        '[{"kind": "factor", "factor": "nearby_count", "value": 4, "window": "7d", …}].',
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "cell", "crime_type"], name="one_forecast_per_cell_type"
            )
        ]
