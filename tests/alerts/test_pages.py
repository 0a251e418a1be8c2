"""The alerts page and the bell: the count in the menu, the list, one alert's map; acknowledging,
muting and subscribing through the page (each audited), refused to those the matrix refuses."""

import pytest

from alerts import services
from alerts.models import Alert, Subscription
from audit.models import AuditEvent

from .conftest import add_incidents, spread_in_d1

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(world):
    Subscription.objects.create(role="Supervisor", email=False)
    add_incidents(world["types"]["burglary"], spread_in_d1(12, now=world["now"]))
    return services.scan(now=world["now"])


def test_the_bell_counts_and_the_page_shows_the_alert_on_a_map(client, supervisor, raised):
    client.force_login(supervisor)
    page = client.get("/alerts/").content.decode()
    assert f'<span class="bell-count">{len(raised)}</span>' in page
    alert = next(a for a in raised if a.kind == "spike" and a.beat is None)
    assert alert.headline in page
    chosen = client.get(f"/alerts/?alert={alert.pk}").content.decode()
    assert f'id="alert-{alert.pk}"' in chosen
    assert chosen.count('class="box"') == len(alert.cell_ids)  # the boxes on the map
    response = client.post("/alerts/acknowledge/", {"alert": alert.pk, "note": "roll call"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == supervisor
    after = client.get("/alerts/").content.decode()
    assert f'<span class="bell-count">{len(raised) - 1}</span>' in after


def test_an_officer_may_read_and_mute_but_not_acknowledge(client, officer, raised):
    client.force_login(officer)
    assert client.get("/alerts/").status_code == 200
    alert = Alert.objects.filter(beat__isnull=True, kind="spike").get()
    assert client.post("/alerts/acknowledge/", {"alert": alert.pk}).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    response = client.post(
        "/alerts/mute/",
        {"district": alert.district_id, "crime_type": alert.crime_type_id, "days": 3},
    )
    assert response.status_code == 302  # the positive control of the same user
    assert AuditEvent.objects.filter(action="alerts.mute", actor_id=officer.pk).count() == 1
    client.post("/alerts/subscribe/", {"district": alert.district_id, "email": "on"})
    assert Subscription.objects.filter(user=officer, district=alert.district, email=True).exists()
    bad = client.post("/alerts/mute/", {"district": alert.district_id, "days": 3}, follow=True)
    assert "Not saved — crime_type: This field is required." in bad.content.decode()


def test_no_bell_for_anonymous_and_a_sign_in_redirect(client):
    response = client.get("/alerts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_supervisor_board_lists_recent_alerts_with_a_link_to_the_map(
    client, supervisor, raised
):
    client.force_login(supervisor)
    page = client.get("/supervisor/").content.decode()
    alert = next(a for a in raised if a.kind == "spike" and a.beat is None)
    assert alert.headline in page
    assert f"/alerts/?alert={alert.pk}#alert-{alert.pk}" in page
    Alert.objects.all().delete()  # control: without alerts the board says so
    assert "No alerts in the last two days." in client.get("/supervisor/").content.decode()
