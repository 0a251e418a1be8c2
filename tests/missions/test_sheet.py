"""The printable shift sheet: a district's missions per beat with reasons, tactics and a map."""

import re

import pytest
from django.urls import reverse

from agency.models import Beat, District
from missions import services
from missions.models import Mission
from missions.sheet import location_street_names

from .factories import reason_words

pytestmark = pytest.mark.django_db


def test_sheet_lists_the_districts_missions_with_why_and_tactics(
    forecast, policy, now_window, tactics, supervisor, client, django_assert_max_num_queries
):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    west = District.objects.get(code="D1")
    client.force_login(supervisor)
    url = reverse("missions-sheet")
    query = {"date": now_window.date.isoformat(), "shift": now_window.shift.pk, "district": west.pk}
    with django_assert_max_num_queries(
        27
    ):  # the page, roles and scope, 1 second-factor device, 4 to record the print
        response = client.get(url, query)
    assert response.status_code == 200
    body = response.content.decode()
    missions = Mission.objects.filter(date=now_window.date, shift=now_window.shift).exclude(
        status="cancelled"
    )
    for mission in missions.select_related("beat__district", "cell"):
        assert (mission.cell.cell_id in body) == (mission.beat.district_id == west.pk)
    for beat in Beat.objects.filter(district=west):
        assert f"Beat {beat.code}" in body
    assert "East" not in re.sub(r"<select.*?</select>", "", body, flags=re.S)
    # Each box twice: on the district's map and on its beat's page.
    assert body.count('class="box"') == 2 * missions.filter(beat__district=west).count()
    assert "Business checks" in body or "Park and walk" in body
    first = missions.filter(beat__district=west).first()
    assert reason_words(first)[0] in body


def test_sheet_needs_mission_permission(small_agency, role_user, client):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user(username="clerk", password="x-irrelevant-1")
    client.force_login(nobody)
    assert client.get(reverse("missions-sheet")).status_code == 403


def test_printing_a_sheet_is_recorded_and_a_refused_print_too(
    small_agency, role_user, supervisor, client
):
    from django.contrib.auth import get_user_model

    from audit.models import AuditEvent

    nobody = get_user_model().objects.create_user(username="clerk", password="x-irrelevant-1")
    client.force_login(nobody)
    assert client.get(reverse("missions-sheet")).status_code == 403
    denied = AuditEvent.objects.get(action="access.denied")
    assert (denied.actor, denied.object_id, denied.outcome) == (
        nobody,
        "/missions/sheet/",
        "denied",
    )
    assert not AuditEvent.objects.filter(action="missions.sheet.print").exists()
    west = District.objects.get(code="D1")
    client.force_login(supervisor)
    response = client.get(reverse("missions-sheet"), {"district": west.pk}, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 200
    printed = AuditEvent.objects.get(action="missions.sheet.print")
    assert (printed.actor, printed.role, printed.source_address) == (
        supervisor,
        "Supervisor",
        "10.2.2.2",
    )
    assert (printed.object_type, printed.object_id, printed.after["district"]) == (
        "agency.district",
        str(west.pk),
        "D1",
    )
    assert printed.request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    "label, names",
    [
        ("Brock Pl & Sorauren Rd", ("Brock Pl", "Sorauren Rd")),
        ("Dundas St W near Brock Pl", ("Dundas St W", "Brock Pl")),
        ("on Nearwood Ave", ("Nearwood Ave",)),
        ("near Queen St W", ("Queen St W",)),
        ("", ()),
    ],
)
def test_the_streets_a_location_label_names(label, names):
    # Every form forecasting/engine/locations.py writes: these names go next to the box on the map.
    assert location_street_names(label) == names
