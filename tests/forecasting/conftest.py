"""Forecasting fixtures: the small agency with two crime types, a year and a half of synthetic
incidents around a few hot spots, a bar layer and its grid; model files in a temporary folder."""

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from agency.models import CrimeType
from forecasting.models import ModelVersion
from ingest.models import Incident, RiskLayer, RiskLayerPoint, Source
from ingest.services.placement import place_all_incidents
from tests.conftest import build_small_agency, rows_kept_for_the_class

HISTORY_DAYS = 420  # enough for a year of training rows, short enough to keep tests quick
FAST_MODELS = ("gbm", "naive_28d", "naive_365d", "kde")
# Small agency: 4 km x 2 km from (-79.40, 43.65); hot spots in lon/lat with their daily rate.
HOTSPOTS = {
    "assault": [((-79.395, 43.655), 2.0), ((-79.37, 43.66), 1.2), ((-79.36, 43.652), 0.5)],
    "break-and-enter": [((-79.385, 43.664), 1.0), ((-79.365, 43.657), 0.6)],
}
SPREAD_DEG = 0.0015  # about 150 m
BACKGROUND_PER_DAY = {"assault": 1.0, "break-and-enter": 0.6}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def crime_types(small_agency):
    return build_crime_types()


def build_crime_types() -> dict[str, CrimeType]:
    assault = CrimeType.objects.create(
        code="assault", name="Assault", severity_weight=4, patrol_efficacy=0.5
    )
    bne = CrimeType.objects.create(
        code="break-and-enter",
        name="Break and Enter",
        severity_weight=3,
        patrol_efficacy=0.3,
        colour="#1f77b4",
    )
    return {"assault": assault, "break-and-enter": bne}


@pytest.fixture
def city(small_agency, crime_types, media_root):
    """The small agency with incidents up to an hour ago, a bar layer and its grid built."""
    build_city(crime_types)
    return small_agency


@contextmanager
def shared_city(django_db_blocker, media: Path):
    """The city of `city`, built once for a class of tests (tests/conftest.py
    `rows_kept_for_the_class`), with the settings its trainings read."""
    with (
        rows_kept_for_the_class(django_db_blocker),
        override_settings(MEDIA_ROOT=media, FORECAST_HISTORY_DAYS=HISTORY_DAYS),
    ):
        agency = build_small_agency()
        build_city(build_crime_types())
        yield agency


def read_again(versions: list[ModelVersion]) -> list[ModelVersion]:
    """The class's shared versions as the database holds them now, for one test to change."""
    by_pk = ModelVersion.objects.in_bulk([v.pk for v in versions])
    return [by_pk[v.pk] for v in versions]


def build_city(crime_types) -> None:
    from forecasting.services import build_grid

    make_incidents(crime_types, now=timezone.now(), days=HISTORY_DAYS)
    layer = RiskLayer.objects.create(name="bars")
    RiskLayerPoint.objects.bulk_create(
        RiskLayerPoint(layer=layer, name=f"bar {i}", location=Point(lon, lat, srid=4326))
        for i, (lon, lat) in enumerate([(-79.395, 43.6552), (-79.3702, 43.6601), (-79.38, 43.658)])
    )
    build_grid()


def make_incidents(crime_types, *, now, days, seed=1, officer_share=0.05):
    """Poisson incidents: hot spots with a night peak for assaults, plus uniform background."""
    rng = np.random.default_rng(seed)
    source, _ = Source.objects.get_or_create(name="Test RMS")
    start = now - dt.timedelta(days=days)
    rows = []
    for code, spots in HOTSPOTS.items():
        points = []
        for (lon, lat), rate in spots:
            n = rng.poisson(rate * days)
            points += list(
                zip(rng.normal(lon, SPREAD_DEG, n), rng.normal(lat, SPREAD_DEG, n), strict=True)
            )
        n_bg = rng.poisson(BACKGROUND_PER_DAY[code] * days)
        points += list(
            zip(rng.uniform(-79.40, -79.3504, n_bg), rng.uniform(43.65, 43.668, n_bg), strict=True)
        )
        for lon, lat in points:
            seconds = rng.uniform(0, days * 86400 - 3600)
            if code == "assault" and rng.random() < 0.6:  # night-time peak
                seconds = (seconds // 86400) * 86400 + rng.normal(4 * 3600, 2 * 3600) % 86400
            t = start + dt.timedelta(seconds=float(min(seconds, days * 86400 - 3600)))
            officer = bool(rng.random() < officer_share)
            rows.append(
                (
                    f"{code}-{len(rows)}",
                    t,
                    float(lon),
                    float(lat),
                    crime_types[code].pk,
                    code,
                    officer,
                )
            )
    _insert_incidents(source, rows)
    place_all_incidents()
    return len(rows)


def _insert_incidents(source, rows) -> None:
    """One INSERT over arrays: the ORM's bulk_create of a few thousand points took most of the
    fixture's time (building and splitting a query of 50,000 parameters)."""
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Incident._meta.db_table} (source_id, external_id, occurred_from,
                location, crime_type_id, raw_code, call_type, priority, disposition, premise_type,
                officer_initiated, content_hash, imported_at)
            SELECT %s, v.external_id, v.occurred_from, ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326),
                v.crime_type_id, v.raw_code, '', '', '', '', v.officer_initiated, '', now()
            FROM unnest(%s::text[], %s::timestamptz[], %s::float8[], %s::float8[], %s::bigint[],
                %s::text[], %s::bool[])
                AS v(external_id, occurred_from, lon, lat, crime_type_id, raw_code, officer_initiated)""",  # noqa: S608 (a model table name)
            [source.pk, *(list(c) for c in columns)],
        )
