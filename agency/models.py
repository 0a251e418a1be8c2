"""Agency configuration as data: one Agency row, its districts and beats, shifts, crime types, policy."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from forecasting.engine.shifts import ShiftTime

CELL_SIZE_DEFAULT_M = 250
DOSE_MINUTES_DEFAULT = 15
MISSIONS_PER_BEAT_DEFAULT = 3
TEMPERATURE_DEFAULT = 0.5
DOSAGE_MEMORY_DAYS_DEFAULT = 7
MAX_CONSECUTIVE_SHIFTS_DEFAULT = 3
PLANNING_LEAD_MINUTES_DEFAULT = 60
MAX_BOX_SHARE_PER_WEEK_DEFAULT = 1.0  # no cap
MIN_BOXES_PER_BEAT_WEEK_DEFAULT = 0  # no minimum spread
MIN_HARM_SHARE_DEFAULT = 0.0  # off: every box with some harm may be drawn


# The one-row configuration read in this request (AgencyMiddleware opens the scope), by model.
_rows_read: ContextVar[dict | None] = ContextVar("agency_rows_read", default=None)


@contextmanager
def configuration_read_once() -> Iterator[None]:
    """Within this scope Agency.current() and MissionPolicy.current() query once each."""
    token = _rows_read.set({})
    try:
        yield
    finally:
        _rows_read.reset(token)


class OneRow:
    """Configuration held in one row. `current()` reads it (once per request scope) and never
    writes: until seeding or a boundary import creates the row (agency.services.ensure_configuration),
    an install reads the defaults."""

    @classmethod
    def current(cls):
        read = _rows_read.get()
        if read is not None and cls in read:
            return read[cls]
        row = cls.objects.order_by("pk").first() or cls()
        if read is not None:
            read[cls] = row
        return row

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        read = _rows_read.get()
        if read is not None:  # later reads in this request see what was saved
            read[type(self)] = self


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            f"Unknown time zone {value!r}; use an IANA name like America/Toronto."
        )


class Agency(OneRow, models.Model):
    """The one agency this installation serves; `Agency.current()` returns it."""

    name = models.CharField(max_length=200, default="Police Service")
    timezone = models.CharField(
        max_length=64, default="America/Toronto", validators=[validate_timezone]
    )
    epsg = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Metric CRS for the grid; blank = UTM zone of the centroid.",
    )
    cell_size_m = models.PositiveIntegerField(
        default=CELL_SIZE_DEFAULT_M, validators=[MinValueValidator(50), MaxValueValidator(2000)]
    )
    country = models.CharField(
        max_length=2, default="CA", help_text="ISO code for public holidays."
    )
    subdivision = models.CharField(max_length=8, blank=True, help_text="e.g. ON for Ontario.")
    boundary = models.MultiPolygonField(srid=4326, null=True, blank=True)
    supervisors_scoped_to_district = models.BooleanField(
        default=False,
        help_text="Supervisors see only the missions and sheets of their district(s) (home district "
        "and supervised districts on their officer profile); off = the whole agency.",
    )

    class Meta:
        verbose_name_plural = "agency"

    def __str__(self):
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class District(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}" if self.name != self.code else self.code


class Beat(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="beats")
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class Shift(models.Model):
    """A named shift starting at a local wall-clock time for a wall-clock duration, e.g. Night 22:00
    for 8 h. Shifts may overlap (10-hour shifts often do). One occurrence of a shift is a
    ShiftWindow (agency.shift_windows, from the selectors in agency.selectors), whose times come
    from forecasting.engine.shifts: the night shift is 7 h or 9 h when the clocks change and a start
    inside the spring gap begins when the gap ends (ADR 0007, ADR 0020).
    """

    name = models.CharField(max_length=64, unique=True)
    start_time = models.TimeField()
    duration_minutes = models.PositiveIntegerField(
        default=480, validators=[MinValueValidator(30), MaxValueValidator(24 * 60)]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "start_time"]

    def __str__(self):
        return f"{self.name} ({self.start_time:%H:%M})"

    @property
    def shift_time(self) -> ShiftTime:
        """The engine's view of this shift: wall-clock start and duration."""
        return ShiftTime(self.start_time, timedelta(minutes=self.duration_minutes))


class CrimeType(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100, unique=True)
    colour = models.CharField(max_length=7, default="#d62728", help_text="Hex colour, e.g. #d62728")
    severity_weight = models.FloatField(
        default=1.0, validators=[MinValueValidator(0)], help_text="Harm of one incident."
    )
    patrol_efficacy = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of this crime that patrol presence can prevent (0–1).",
    )
    enabled = models.BooleanField(default=True)
    offense_codes = models.JSONField(
        default=list, blank=True, help_text="CAD/RMS offense or call codes that map to this type."
    )
    count_officer_initiated = models.BooleanField(
        default=False,
        help_text="Count officer-initiated events in forecasting targets (off guards feedback loops).",
    )
    dose_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the policy's dose for missions driven by it."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if not (len(self.colour) == 7 and self.colour.startswith("#")):
            raise ValidationError({"colour": "Use a hex colour like #d62728."})
        if not all(isinstance(c, str) for c in self.offense_codes or []):
            raise ValidationError({"offense_codes": "A list of code strings."})


class MissionPolicy(OneRow, models.Model):
    """How missions are planned and dosed; `MissionPolicy.current()` returns the one in force."""

    dose_minutes = models.PositiveIntegerField(
        default=DOSE_MINUTES_DEFAULT, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    missions_per_beat_per_shift = models.PositiveSmallIntegerField(
        default=MISSIONS_PER_BEAT_DEFAULT, validators=[MaxValueValidator(50)]
    )
    temperature = models.FloatField(
        default=TEMPERATURE_DEFAULT,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="0 = always the top-scoring boxes; higher = more randomised selection.",
    )
    control_share = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0), MaxValueValidator(0.5)],
        help_text="Share of eligible boxes held back as controls for evaluation.",
    )
    dosage_memory_days = models.PositiveSmallIntegerField(default=DOSAGE_MEMORY_DAYS_DEFAULT)
    max_consecutive_shifts = models.PositiveSmallIntegerField(
        default=MAX_CONSECUTIVE_SHIFTS_DEFAULT, validators=[MinValueValidator(1)]
    )
    max_box_share_per_week = models.FloatField(
        default=MAX_BOX_SHARE_PER_WEEK_DEFAULT,
        validators=[MinValueValidator(0.01), MaxValueValidator(1)],
        help_text="Most of a beat's missions over 7 days one box may hold (1 = no cap; a box may always take one).",
    )
    min_boxes_per_beat_week = models.PositiveSmallIntegerField(
        default=MIN_BOXES_PER_BEAT_WEEK_DEFAULT,
        help_text="Fewest different boxes a beat's missions must cover over 7 days (0 = no minimum).",
    )
    min_harm_share = models.FloatField(
        "minimum harm",
        default=MIN_HARM_SHARE_DEFAULT,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Draw only boxes whose preventable harm is at least this share of the agency's typical "
        "harm (the median over beats of each beat's best box): 0 = off; 0.3 leaves quiet beats with "
        "fewer or no missions, and the plan says why.",
    )
    planning_lead_minutes = models.PositiveIntegerField(default=PLANNING_LEAD_MINUTES_DEFAULT)
    store_officer_tracks = models.BooleanField(
        default=False, help_text="Privacy: keep officers' position pings as tracks (off = never)."
    )

    class Meta:
        verbose_name_plural = "mission policy"

    def __str__(self):
        return f"Mission policy: {self.missions_per_beat_per_shift}/beat, {self.dose_minutes} min"


class OfficerProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_profile"
    )
    badge_number = models.CharField(max_length=32, unique=True)
    home_district = models.ForeignKey(District, null=True, blank=True, on_delete=models.SET_NULL)
    home_beat = models.ForeignKey(Beat, null=True, blank=True, on_delete=models.SET_NULL)
    supervised_districts = models.ManyToManyField(
        District,
        blank=True,
        related_name="supervisors",
        help_text="A supervisor's districts besides the home district (when supervisors are scoped).",
    )

    def __str__(self):
        return f"{self.badge_number} {self.user.get_full_name() or self.user.username}"

    def clean(self):
        if (
            self.home_beat
            and self.home_district
            and self.home_beat.district_id != self.home_district_id
        ):
            raise ValidationError({"home_beat": "The beat is not in the home district."})
