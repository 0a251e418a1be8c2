"""Agency configuration as data: one Agency row, its districts and beats, shifts, crime types, policy."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

CELL_SIZE_DEFAULT_M = 250
DOSE_MINUTES_DEFAULT = 15
MISSIONS_PER_BEAT_DEFAULT = 3
TEMPERATURE_DEFAULT = 0.5
DOSAGE_MEMORY_DAYS_DEFAULT = 7
MAX_CONSECUTIVE_SHIFTS_DEFAULT = 3
PLANNING_LEAD_MINUTES_DEFAULT = 60
MAX_BOX_SHARE_PER_WEEK_DEFAULT = 1.0  # no cap
MIN_BOXES_PER_BEAT_WEEK_DEFAULT = 0  # no minimum spread


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"Unknown time zone {value!r}; use an IANA name like America/Toronto.")


class Agency(models.Model):
    """The one agency this installation serves; `Agency.current()` returns it."""

    name = models.CharField(max_length=200, default="Police Service")
    timezone = models.CharField(
        max_length=64, default="America/Toronto", validators=[validate_timezone]
    )
    epsg = models.PositiveIntegerField(
        null=True, blank=True, help_text="Metric CRS for the grid; blank = UTM zone of the centroid."
    )
    cell_size_m = models.PositiveIntegerField(
        default=CELL_SIZE_DEFAULT_M, validators=[MinValueValidator(50), MaxValueValidator(2000)]
    )
    country = models.CharField(max_length=2, default="CA", help_text="ISO code for public holidays.")
    subdivision = models.CharField(max_length=8, blank=True, help_text="e.g. ON for Ontario.")
    boundary = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta:
        verbose_name_plural = "agency"

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "Agency":
        agency = cls.objects.order_by("pk").first()
        return agency or cls.objects.create()

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
    """A named shift starting at a local wall-clock time, e.g. Night 22:00 for 8 h.

    Windows are computed in wall-clock time in the agency's zone, so shifts keep tiling the day
    across DST changes (the night shift is 7 h or 9 h on those nights).
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

    def window(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The shift's [start, end) on local `day` in UTC, DST-correct.

        UTC because Python subtracts two times of the same zone in wall-clock time, which would
        make a 9-hour fall-back night look like 8 hours.
        """
        start_wall = datetime.combine(day, self.start_time)
        end_wall = start_wall + timedelta(minutes=self.duration_minutes)
        return _resolve_wall_time(start_wall, tz), _resolve_wall_time(end_wall, tz)


def _resolve_wall_time(wall: datetime, tz: ZoneInfo) -> datetime:
    """Local wall time → UTC. With fold=0 (PEP 495) an ambiguous time is its first occurrence and a
    time in the spring gap is read with the pre-gap offset, i.e. moved forward past the gap."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(ZoneInfo("UTC"))


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


class MissionPolicy(models.Model):
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
    planning_lead_minutes = models.PositiveIntegerField(default=PLANNING_LEAD_MINUTES_DEFAULT)
    store_officer_tracks = models.BooleanField(
        default=False, help_text="Privacy: keep officers' position pings as tracks (off = never)."
    )

    class Meta:
        verbose_name_plural = "mission policy"

    def __str__(self):
        return f"Mission policy: {self.missions_per_beat_per_shift}/beat, {self.dose_minutes} min"

    @classmethod
    def current(cls) -> "MissionPolicy":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class OfficerProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_profile"
    )
    badge_number = models.CharField(max_length=32, unique=True)
    home_district = models.ForeignKey(District, null=True, blank=True, on_delete=models.SET_NULL)
    home_beat = models.ForeignKey(Beat, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self):
        return f"{self.badge_number} {self.user.get_full_name() or self.user.username}"

    def clean(self):
        if self.home_beat and self.home_district and self.home_beat.district_id != self.home_district_id:
            raise ValidationError({"home_beat": "The beat is not in the home district."})
