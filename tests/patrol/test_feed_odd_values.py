"""What the fuzzing of the API as a feed found (issue 24, docs/api.md): an AVL fix with a time
outside what can be stored (year 0, year 9999) or a NUL character was a 500; an empty roster push
answered outside the one problem shape. Each is now a refused row or a problem; valid rows of the
same batch are stored (the controls)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agency import roles
from forecasting.services import build_grid
from geo.models import GridCell
from ingest import services as ingest_services
from patrol.models import Position, RejectedPosition, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(small_agency, role_user):
    build_grid()
    _, token = ingest_services.issue_feed_credential(
        actor=role_user(roles.ADMINISTRATOR),
        name="CAD",
        sources=[],
        expires_at=timezone.now() + timedelta(days=30),
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_odd_fixes_are_refused_rows_not_a_500(feed):
    Unit.objects.create(call_sign="2A31")
    cell = GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk").first()
    good = {
        "unit": "2A31",
        "at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "latitude": cell.center.y,
        "longitude": cell.center.x,
    }
    batch = [
        good,
        {**good, "at": "0000-01-01T00:00:00"},
        {**good, "at": "9999-12-31T00:00:00+00:00"},
        {**good, "unit": "2A\x0031"},
        {**good, "latitude": "4\x003"},
    ]
    answer = feed.post("/api/v1/avl/", {"positions": batch}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["stored"] == 1  # control: the valid fix of the batch is stored
    assert [(r["row"], r["field"]) for r in body["rejected"]] == [
        (2, "at"),
        (3, "at"),
        (4, "unit"),
        (5, "latitude"),
    ]
    assert Position.objects.count() == 1
    kept = RejectedPosition.objects.order_by("row_number")
    assert [r.raw["unit"] for r in kept][2] == "2A31"  # kept without the NUL a JSONB column refuses


def test_an_empty_roster_push_is_a_problem(feed):
    empty = feed.post("/api/v1/roster/", {"rows": []}, format="json")
    assert empty.status_code == 400 and empty["Content-Type"] == "application/problem+json"
    assert empty.json()["code"] == "no_rows" and "at least one row" in empty.json()["detail"]
    # Control: a roster row is judged (refused with its reason, not the batch).
    row = {"date": "2026-06-01", "shift": "nope", "beat": "nope", "unit": "2A31"}
    judged = feed.post("/api/v1/roster/", {"rows": [row]}, format="json")
    assert judged.status_code == 200 and judged.json()["rejected"][0]["row"] == 1
