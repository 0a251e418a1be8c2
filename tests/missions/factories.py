"""factory_boy factories for missions tests: crime types, forecasts, missions, tactics, officers."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from agency.models import CrimeType, OfficerProfile
from agency.selectors import shift_window
from forecasting.engine.reasons import factor, free_text, reason_texts
from forecasting.models import CellForecast, ForecastRun, ModelVersion
from forecasting.selectors import crime_type_names
from missions.models import Mission
from tactics.models import Tactic


class CrimeTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrimeType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())
    severity_weight = 1.0
    patrol_efficacy = 0.5


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    crime_type = factory.SubFactory(CrimeTypeFactory)
    algorithm = "naive_28d"
    data_start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    data_end = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


class ForecastRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ForecastRun

    date = factory.LazyFunction(dt.date.today)
    starts_at = factory.LazyAttribute(lambda o: shift_window(date=o.date, shift=o.shift).starts_at)
    ends_at = factory.LazyAttribute(lambda o: shift_window(date=o.date, shift=o.shift).ends_at)
    complete = True


class CellForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CellForecast

    expected_count = 0.1
    reasons = factory.LazyAttribute(
        lambda o: [factor("nearby_count", o.crime_type.code, 3, "7d", radius_m=300)]
    )


class TacticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tactic
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Tactic {n}")
    description = "Do something useful."

    @factory.post_generation
    def crime_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.crime_types.set(extracted)


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    date = factory.LazyFunction(dt.date.today)
    starts_at = factory.LazyAttribute(lambda o: shift_window(date=o.date, shift=o.shift).starts_at)
    ends_at = factory.LazyAttribute(lambda o: shift_window(date=o.date, shift=o.shift).ends_at)
    beat = factory.LazyAttribute(lambda o: o.cell.beat)
    reasons = factory.LazyFunction(lambda: [free_text("Test reason")])
    rank = 1


class OfficerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficerProfile

    badge_number = factory.Sequence(lambda n: f"B{1000 + n}")
    home_district = factory.LazyAttribute(lambda o: o.home_beat.district if o.home_beat else None)


def make_forecast(*, date, shift, cells, crime_types, seed: int = 1) -> ForecastRun:
    """A complete forecast run with a deterministic expected count for every cell × crime type."""
    run = ForecastRunFactory(date=date, shift=shift)
    versions = [ModelVersionFactory(crime_type=ct) for ct in crime_types]
    run.model_versions.set(versions)
    rows = []
    for i, cell in enumerate(cells):
        for j, ct in enumerate(crime_types):
            value = ((i * 7919 + j * 104729 + seed * 31) % 97) / 97 * 0.5 + 0.01
            rows.append(
                CellForecast(
                    run=run,
                    cell=cell,
                    crime_type=ct,
                    expected_count=value,
                    reasons=[factor("recent_count", ct.code, max(1, round(value * 10)), "28d")],
                )
            )
    CellForecast.objects.bulk_create(rows)
    return run


def user_model():
    return get_user_model()


def stay_in_box(
    mission, *, minutes: float, every_s: float = 30.0, positions_for: float | None = None
) -> None:
    """The mission's open visit began `minutes` ago and the officer's device has sent a position in
    the box every `every_s` seconds since (for the first `positions_for` minutes only, when given:
    then the positions stopped): what the server records from those pings (Visit.note_position),
    without the test waiting."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    now = timezone.now()
    visit = mission.visits.get(ended_at__isnull=True)
    visit.started_at = now - timedelta(minutes=minutes)
    visit.last_position_at, visit.measured_seconds = None, 0.0
    at = visit.started_at
    last = now if positions_for is None else visit.started_at + timedelta(minutes=positions_for)
    while at <= last:
        visit.note_position(at, settings.VISIT_POSITION_GAP_S)
        at += timedelta(seconds=every_s)
    visit.save(update_fields=["started_at", "last_position_at", "measured_seconds"])


def serve_dose(mission, *, extra_minutes: float = 1.0) -> None:
    """The officer stayed in the box, sending positions, for the dose plus `extra_minutes`."""
    mission.refresh_from_db()
    stay_in_box(mission, minutes=mission.dose_minutes + extra_minutes)


def reason_words(mission) -> list[str]:
    """The mission's reasons as the pages and the API put them into words."""
    return reason_texts(mission.reasons, crime_type_names())
