"""The alert scan on the database: a planted spike in one district is raised with its words and
its boxes, a quiet week raises nothing, the same spike is not raised twice, a near-repeat series
is found; acknowledging and muting are audited and change what the bell counts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from alerts import selectors, services
from alerts.models import Alert, Subscription
from audit.models import AuditEvent
from tests.audit_actions import unregistered_actions

from .conftest import add_incidents, spread_in_d1

pytestmark = pytest.mark.django_db


def test_a_quiet_week_raises_no_alert(world):
    # two burglaries in D1 in a week where about 2.7 are expected: nothing unusual
    add_incidents(world["types"]["burglary"], spread_in_d1(2, now=world["now"], hours_apart=40))
    window = selectors.counts_against_forecast(now=world["now"], window_days=7)
    d1 = next(c for c in window.counts if c.area == "D1" and c.crime_type == "burglary")
    d1_boxes = sum(1 for c in world["cells"] if c.district.code == "D1")
    assert window.shifts == pytest.approx(21)  # seven days of three shifts, the ends cut
    assert d1.observed == 2 and d1.expected == pytest.approx(d1_boxes * 0.002 * 21)
    assert services.scan(now=world["now"]) == []
    assert not Alert.objects.exists()


def test_a_planted_spike_is_raised_once_with_words_and_boxes(world):
    burglary = world["types"]["burglary"]
    planted = add_incidents(burglary, spread_in_d1(12, now=world["now"]))
    raised = services.scan(now=world["now"])
    district_alert = next(a for a in raised if a.beat is None)
    assert district_alert.kind == Alert.Kind.SPIKE
    assert district_alert.district.code == "D1" and district_alert.crime_type == burglary
    assert district_alert.headline.startswith(
        "12 Burglary incidents in D1 this week, about 3 expected"
    )
    assert "unusual at this level" in district_alert.detail
    assert sorted(district_alert.incident_ids) == sorted(i.pk for i in planted)
    for incident in planted:
        incident.refresh_from_db()
    assert set(district_alert.cell_ids) == {i.cell_id for i in planted}
    # no alert for robbery or for the quiet district (control: they are in the family tested)
    assert {(a.district.code, a.crime_type.code) for a in raised} == {("D1", "burglary")}
    assert AuditEvent.objects.filter(action="alerts.raise").count() == len(raised)
    # the next scan sees the same spike: no new alert
    spikes = [a for a in raised if a.kind == Alert.Kind.SPIKE]
    assert {a.area for a in spikes} == {"D1", "D1-B1"}  # the district and the beat they fell in
    assert services.scan(now=world["now"] + dt.timedelta(minutes=60)) == []
    assert Alert.objects.filter(kind=Alert.Kind.SPIKE).count() == len(spikes)
    assert unregistered_actions() == []


def test_a_near_repeat_series_is_raised(world, settings):
    settings.NEAR_REPEAT_MIN_EVENTS = 3
    robbery = world["types"]["robbery"]
    now = world["now"]
    # three robberies within about 150 m over four days, and one far away (not in the series)
    close = [(-79.390, 43.655, now - dt.timedelta(days=d)) for d in (4, 2, 1)]
    close = [(lon + i * 0.0008, lat, at) for i, (lon, lat, at) in enumerate(close)]
    made = add_incidents(robbery, [*close, (-79.36, 43.665, now - dt.timedelta(days=1))])
    raised = services.scan(now=now)
    series = [a for a in raised if a.kind == Alert.Kind.SERIES]
    assert len(series) == 1
    assert series[0].incident_ids == [i.pk for i in made[:3]]
    assert series[0].headline.startswith("3 Robbery incidents in a near-repeat series")
    settings.NEAR_REPEAT_MIN_EVENTS = 4  # control: four are needed now, and there are three
    Alert.objects.all().delete()
    assert [a for a in services.scan(now=now) if a.kind == Alert.Kind.SERIES] == []


def test_acknowledge_and_mute_are_audited_and_clear_the_bell(world, supervisor, officer):
    Subscription.objects.create(role="Supervisor", email=False)
    add_incidents(world["types"]["burglary"], spread_in_d1(12, now=world["now"]))
    services.scan(now=world["now"])
    waiting = selectors.unread_count(supervisor)
    assert waiting >= 1
    assert selectors.unread_count(officer) == 0  # control: officers are not subscribed
    alert = Alert.objects.filter(beat__isnull=True).get()
    with pytest.raises(PermissionDenied):
        services.acknowledge(alert=alert, user=officer)
    services.acknowledge(alert=alert, user=supervisor, note="Seen at roll call")
    assert selectors.unread_count(supervisor) == waiting - 1
    event = AuditEvent.objects.get(action="alerts.acknowledge")
    assert event.actor_id == supervisor.pk and event.object_id == str(alert.pk)
    services.mute(
        user=supervisor, district=alert.district, crime_type=alert.crime_type, days=7, reason="x"
    )
    assert selectors.unread_count(supervisor) == 0
    assert AuditEvent.objects.filter(action="alerts.mute", actor_id=supervisor.pk).exists()
    with pytest.raises(services.AlertError, match="days: mute for 1 to 90 days"):
        services.mute(user=supervisor, district=alert.district, crime_type=alert.crime_type, days=0)
