# ruff: noqa: F811 - fixtures imported to be reused, and named again as arguments
"""`make demo`'s history step: after a week of past shifts the evaluation has control boxes and the
concentration page has minutes served."""

from datetime import timedelta

import pytest
import shapely
import shapely.affinity
from django.contrib.gis.geos import GEOSGeometry

from agency.models import Agency, Beat, District
from demo import history
from forecasting.services import build_grid
from oversight import evaluation, selectors
from tests.missions.conftest import crime_types, now_window, policy  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # a week of shifts through the services

DEMO_CITY_SHIFT_DEG = -0.5  # the small agency moved west onto the demo city, whose oracle it reads


@pytest.fixture
def grid_on_the_demo_city(small_agency):
    def moved(geom):
        shape = shapely.affinity.translate(shapely.from_wkt(geom.wkt), xoff=DEMO_CITY_SHIFT_DEG)
        return GEOSGeometry(shape.wkt, srid=4326)

    agency = Agency.current()
    agency.boundary = moved(agency.boundary)
    agency.save()
    for model in (District, Beat):
        for row in model.objects.all():
            row.geom = moved(row.geom)
            row.save(update_fields=["geom"])
    build_grid()


def test_after_the_history_the_evaluation_has_controls_and_the_concentration_has_minutes(
    grid_on_the_demo_city, crime_types, policy, now_window
):
    for ct, code in zip(crime_types, ("break-and-enter", "assault"), strict=True):
        ct.code = code  # the demo city's crime types: the oracle knows its own codes only
        ct.save(update_fields=["code"])
    today = now_window.date - timedelta(days=1)
    first = today - timedelta(days=7)
    # before: nothing to evaluate, no minutes (the empty oversight of issue 23 item 7)
    assert evaluation.mission_evaluation(date_from=first, date_to=today)["control_box_shifts"] == 0
    counts = history.seed_mission_history(weeks=1, today=today)
    assert counts["shifts"] == 21 and counts["missions"] > 0
    result = evaluation.mission_evaluation(date_from=first, date_to=today)
    assert result["control_box_shifts"] > 0 and result["mission_box_shifts"] > 0
    report = selectors.concentration_report(date_from=first, date_to=today)
    assert report["minutes"] > 0 and report["concentration"]["gini_minutes"] > 0
