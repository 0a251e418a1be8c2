"""Each mission's location label, from the imported streets, in the officer's and the analyst's API,
the shift page and the admin list; before any streets are imported the field is there and empty."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from geo.street_services import import_streets
from missions import services
from missions.models import Mission
from tests.streets_helpers import write_streets

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(forecast, policy, now_window, tactics):
    forecast(now_window.date, now_window.shift)
    return services.plan_missions(date=now_window.date, shift=now_window.shift)


def labelled(tmp_path):
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    return {m.pk: m.cell.location_label for m in Mission.objects.select_related("cell")}


def test_officer_and_analyst_api_carry_the_label(
    planned, beat_officer, analyst, api, now_window, tmp_path
):
    officer_api, analyst_api = api(beat_officer), api(analyst)
    before = officer_api.get(reverse("api-officer-missions")).json()["features"]
    assert before and all(f["properties"]["location_label"] == "" for f in before)  # no streets yet

    labels = labelled(tmp_path)
    assert all(labels.values())
    mine = officer_api.get(reverse("api-officer-missions")).json()["features"]
    assert mine and all(f["properties"]["location_label"] == labels[f["id"]] for f in mine)
    query = {"date": now_window.date.isoformat(), "shift": now_window.shift.pk}
    shift = analyst_api.get(reverse("api-missions"), query).json()["features"]
    assert len(shift) == len(labels) and all(
        f["properties"]["location_label"] == labels[f["id"]] for f in shift
    )
    one = analyst_api.get(reverse("api-mission", args=[shift[0]["id"]])).json()
    assert one["properties"]["location_label"] == labels[shift[0]["id"]]


def test_shift_page_and_admin_list_show_the_label(
    planned, analyst, client, role_user, now_window, tmp_path
):
    labels = labelled(tmp_path)
    client.force_login(analyst)
    page = client.get(
        reverse("missions-shift"),
        {"date": now_window.date.isoformat(), "shift": now_window.shift.pk},
    )
    body = page.content.decode()
    assert all(escape(label) in body for label in labels.values())

    chief = role_user("Administrator", username="chief")
    chief.is_staff = chief.is_superuser = True
    chief.save()
    client.force_login(chief)
    admin_list = client.get("/admin/missions/mission/").content.decode()
    assert "location" in admin_list and all(
        escape(label) in admin_list for label in labels.values()
    )
