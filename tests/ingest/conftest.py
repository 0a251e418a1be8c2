"""Fixtures of the ingest tests: an agency in Toronto, crime types, users per role, CSV writers."""

import csv
import gzip

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from ingest_factories import CrimeTypeFactory, UserFactory
from ingest_testdata import BOX

from agency import roles
from agency.models import Agency


@pytest.fixture
def agency(db):
    agency = Agency.current()
    agency.timezone = "America/Toronto"
    agency.boundary = None
    agency.save()
    return agency


@pytest.fixture
def boxed_agency(agency):
    x0, y0, x1, y1 = BOX
    agency.boundary = MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=4326)
    agency.save()
    return agency


@pytest.fixture
def crime_types(db):
    return {
        "assault": CrimeTypeFactory(code="assault", name="Assault", offense_codes=["ASLT-1"]),
        "robbery": CrimeTypeFactory(code="robbery", name="Robbery", offense_codes=["ROB"]),
        "break-and-enter": CrimeTypeFactory(code="break-and-enter", name="Break and Enter"),
    }


@pytest.fixture
def analyst(db):
    groups = roles.sync_roles()
    user = UserFactory(username="analyst")
    user.groups.set([groups[roles.ANALYST]])
    return user


@pytest.fixture
def officer(db):
    groups = roles.sync_roles()
    user = UserFactory(username="officer")
    user.groups.set([groups[roles.OFFICER]])
    return user


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(name, header, rows, delimiter=',', encoding='utf-8') → Path; .gz names are gzipped."""

    def write(name, header, rows, *, delimiter=",", encoding="utf-8"):
        path = tmp_path / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wt", newline="", encoding=encoding) as fh:
            writer = csv.writer(fh, delimiter=delimiter)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    return write
