"""Incidents as fed by CAD/RMS sources, their import runs and rejected rows, and the risk-terrain
point layers and event calendar used by forecasting.

No personal data is ever stored here: no names, dates of birth, narratives or phone numbers
(`ingest.mapping.INCIDENT_FIELDS` is the allow-list of what a feed may fill).
"""

from django.conf import settings
from django.contrib.gis.db import models

from jobs.models import JobRun


class Source(models.Model):
    class Kind(models.TextChoices):
        CAD = "cad", "CAD (calls for service)"
        RMS = "rms", "RMS (crime reports)"

    class Format(models.TextChoices):
        AUTO = "auto", "Detect from the file name"
        CSV = "csv", "CSV"
        GEOJSON = "geojson", "GeoJSON"
        SHAPEFILE = "shapefile", "Shapefile (zip)"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RMS)
    timezone = models.CharField(max_length=64, blank=True, help_text="Blank = the agency's zone.")
    mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text='Field mapping of the feed: {incident field: column}, e.g. {"external_id": "ID"}.',
    )
    preset = models.CharField(max_length=64, blank=True, help_text="Preset the mapping came from.")
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.AUTO)
    srid = models.PositiveIntegerField(
        default=4326, help_text="EPSG code of the x/y columns (4326 = longitude/latitude)."
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="Reader options: delimiter, encoding, time_format (blank = detected / ISO 8601).",
    )
    code_map = models.JSONField(
        default=dict,
        blank=True,
        help_text="Feed code → crime type code or name; codes not listed are matched against each"
        " crime type's offense codes and name.",
    )
    officer_initiated_field = models.CharField(
        max_length=100,
        blank=True,
        help_text="Column that says officer-initiated vs citizen-reported.",
    )
    officer_initiated_values = models.JSONField(
        default=list, blank=True, help_text="Values of that column meaning officer-initiated."
    )
    watch_folder = models.CharField(
        max_length=500, blank=True, help_text="Folder whose new files are imported automatically."
    )
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Incident(models.Model):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="incidents")
    external_id = models.CharField(max_length=100)
    occurred_from = models.DateTimeField(db_index=True)
    occurred_to = models.DateTimeField(
        null=True, blank=True, help_text="End of the window for crimes discovered later."
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    location = models.PointField(srid=4326)
    cell = models.ForeignKey(
        "geo.GridCell",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text="The active box holding the location (geo.placement); blank = outside every"
        " active box. Set on import and again for all incidents when the grid is rebuilt.",
    )
    crime_type = models.ForeignKey(
        "agency.CrimeType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Blank = unmapped; raw_code keeps the feed's code.",
    )
    raw_code = models.CharField(max_length=100, blank=True)
    call_type = models.CharField(max_length=100, blank=True)
    priority = models.CharField(max_length=20, blank=True)
    disposition = models.CharField(max_length=100, blank=True)
    premise_type = models.CharField(max_length=100, blank=True)
    officer_initiated = models.BooleanField(default=False)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(
        max_length=16,
        blank=True,
        help_text="Digest of the stored values; decides updates when the feed has no updated-at.",
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="incident_unique_per_source"
            )
        ]
        indexes = [models.Index(fields=["crime_type", "occurred_from"])]

    def __str__(self):
        return f"{self.source_id}:{self.external_id}"


class RiskLayer(models.Model):
    """A point layer for risk-terrain features, e.g. bars, transit stops, schools."""

    name = models.SlugField(max_length=64, unique=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RiskLayerPoint(models.Model):
    layer = models.ForeignKey(RiskLayer, on_delete=models.CASCADE, related_name="points")
    name = models.CharField(max_length=200, blank=True)
    location = models.PointField(srid=4326)

    def __str__(self):
        return f"{self.layer.name}: {self.name}"


class ImportRun(models.Model):
    """The outcome of one import of a file or API batch into a source: counts, rejected rows,
    details. Whether it is queued, running, done or failed, and why, is its job's (`jobs.JobRun`),
    which every import has, whichever way it was started."""

    Status = JobRun.Status

    class Via(models.TextChoices):
        COMMAND = "command", "Command line"
        UPLOAD = "upload", "Upload page"
        API = "api", "API push"
        FOLDER = "folder", "Watched folder"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="import_runs")
    job = models.OneToOneField(JobRun, on_delete=models.PROTECT, related_name="import_run")
    via = models.CharField(max_length=16, choices=Via.choices, default=Via.COMMAND)
    file_name = models.CharField(max_length=500, blank=True)
    file_path = models.CharField(max_length=1000, blank=True, help_text="Stored upload, if any.")
    file_removed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the uploaded file was deleted after UPLOAD_RETENTION_DAYS; the outcome stays.",
    )
    strict = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    unmapped = models.PositiveIntegerField(default=0)
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="Warnings, rejected counts by reason, unmapped codes, older versions skipped.",
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-pk"]
        constraints = [
            # Keys are the pushing user's (issue 24): another user's key is another batch.
            models.UniqueConstraint(
                fields=["source", "created_by", "idempotency_key"],
                name="importrun_idempotency_key_per_user",
            )
        ]

    def __str__(self):
        return f"{self.source.name} #{self.pk}"

    # Read-only views of the run's job, for pages and callers that show an import's state.
    @property
    def status(self) -> str:
        return self.job.status

    @property
    def message(self) -> str:
        return self.job.message

    @property
    def error(self) -> str:
        return self.job.error

    @property
    def is_finished(self) -> bool:
        return self.job.is_finished

    def summary(self) -> dict:
        return {
            "run": self.pk,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "unmapped": self.unmapped,
        }


class RejectedRow(models.Model):
    """A row an import did not apply, with why; `raw` holds only the mapped (allowed) columns."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField(help_text="1 = the first data row of the file.")
    external_id = models.CharField(max_length=200, blank=True)
    field = models.CharField(
        max_length=200,
        blank=True,
        help_text="The column (file) or field (API batch) at fault; two joined by a comma"
        " (latitude,longitude) for a location; blank when the row as a whole is.",
    )
    reason_code = models.CharField(max_length=32, db_index=True)
    reason = models.CharField(max_length=500)
    raw = models.JSONField(default=dict)

    class Meta:
        ordering = ["run", "row_number"]

    def __str__(self):
        return f"run {self.run_id} row {self.row_number}: {self.reason}"


class CalendarEvent(models.Model):
    """A planned event (game, concert, parade) that forecasting can use as a feature."""

    name = models.CharField(max_length=200)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    location = models.PointField(srid=4326, null=True, blank=True)
    district = models.ForeignKey(
        "agency.District", null=True, blank=True, on_delete=models.SET_NULL
    )
    expected_attendance = models.PositiveIntegerField(null=True, blank=True)
    calendar = models.SlugField(max_length=64, default="events", help_text="Which file/feed.")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "name", "starts_at"], name="calendarevent_unique_per_calendar"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="calendarevent_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.starts_at:%Y-%m-%d})"


class FeedCredential(models.Model):
    """A service credential for an unattended feed (the CAD's incident push): a user of the Feed
    role with no password and no second factor, whose one API token lasts until `expires_at`
    (set by the agency, not the 12-hour token lifetime of people) and may push only to `sources`.

    The token is shown once when issued; only its digest is kept (django-rest-knox)."""

    name = models.CharField(max_length=100, unique=True, help_text="e.g. 'CAD incident feed'.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feed_credential"
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="feed_credentials", help_text="What it may push to."
    )
    expires_at = models.DateTimeField(help_text="The token stops working at this time.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rotated_at = models.DateTimeField(null=True, blank=True, help_text="Last new token issued.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
