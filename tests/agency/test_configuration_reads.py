"""The agency and mission-policy rows: read once per request, never created by a read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agency.models import Agency, MissionPolicy, configuration_read_once
from agency.services import ensure_configuration

pytestmark = pytest.mark.django_db
AGENCY_READ = re.compile(r'FROM "agency_agency"')


def agency_reads(queries) -> int:
    return sum(bool(AGENCY_READ.search(q["sql"])) for q in queries)


@pytest.mark.parametrize("page", ["analyst-home", "missions-shift", "forecasting-home"])
def test_a_page_reads_the_agency_once(small_agency, analyst, client, page):
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(page))
    assert response.status_code == 200
    assert agency_reads(queries.captured_queries) == 1
    assert response.wsgi_request.agency == small_agency


def test_outside_a_request_every_read_queries_and_sees_saved_changes(small_agency):
    with CaptureQueriesContext(connection) as queries:
        Agency.current()
        Agency.current()
    assert agency_reads(queries.captured_queries) == 2  # no process-wide cache to go stale


def test_a_save_inside_the_request_scope_is_what_later_reads_see(small_agency):
    with configuration_read_once():
        first = Agency.current()
        fresh = Agency.objects.get(pk=first.pk)
        fresh.name = "Renamed"
        fresh.save()
        with CaptureQueriesContext(connection) as queries:
            assert Agency.current().name == "Renamed"
        assert agency_reads(queries.captured_queries) == 0


def test_reads_never_create_rows_and_seeding_does():
    assert not Agency.objects.exists() and not MissionPolicy.objects.exists()
    agency, policy = Agency.current(), MissionPolicy.current()
    assert agency.pk is None and agency.timezone == "America/Toronto"  # the defaults, unsaved
    assert policy.pk is None and policy.dose_minutes == 15
    assert not Agency.objects.exists() and not MissionPolicy.objects.exists()
    created = ensure_configuration()
    assert Agency.objects.count() == 1 and MissionPolicy.objects.count() == 1
    assert ensure_configuration() == created  # a second call finds them
    assert Agency.current() == created[0]


def test_pages_work_before_the_agency_is_configured(analyst, client):
    client.force_login(analyst)
    assert client.get(reverse("analyst-home")).status_code == 200
    assert not Agency.objects.exists()


def test_the_mission_policy_is_read_once_in_a_request_scope(small_agency):
    ensure_configuration()
    with CaptureQueriesContext(connection) as queries, configuration_read_once():
        assert MissionPolicy.current() is MissionPolicy.current()
    assert sum('FROM "agency_missionpolicy"' in q["sql"] for q in queries.captured_queries) == 1
