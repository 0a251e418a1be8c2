"""The roll-call briefing's content without a browser: the previous shift's missions not completed
with their reason code but never the free text (it may name people), its incidents by type and
place, scope for a supervisor held to his district, and the print recorded in the audit log."""

import pytest
from django.contrib.gis.geos import Point

from agency.models import Agency, District, Shift
from agency.selectors import local_today, shift_windows_before
from audit.models import AuditEvent
from home.briefing import briefing
from ingest.models import Incident, Source
from ingest.services.placement import place_all_incidents
from missions import services
from missions.models import Mission
from tests.missions.conftest import crime_types, forecast, grid, now_window, policy  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_briefing_says_why_missions_were_not_done_without_free_text(
    forecast, policy, now_window, crime_types, analyst, client
):
    previous = shift_windows_before(at=now_window.starts_at, count=1)[0]
    forecast(previous.date, previous.shift)
    services.plan_missions(date=previous.date, shift=previous.shift)
    d2 = District.objects.get(code="D2")
    called_off = Mission.objects.filter(
        date=previous.date, shift=previous.shift, beat__district=d2
    ).first()
    services.cancel_mission(
        user=analyst,
        mission_id=called_off.pk,
        reason_code="officer_safety",
        reason="Constable Jane Doe reported a threat",
    )
    source = Source.objects.create(name="RMS")
    Incident.objects.create(
        source=source,
        external_id="r1",
        occurred_from=previous.starts_at + (previous.ends_at - previous.starts_at) / 2,
        location=Point(-79.37, 43.655, srid=4326),
        crime_type=crime_types[1],
        raw_code="robbery",
    )
    place_all_incidents()
    made = briefing(district=d2, date=now_window.date, shift=now_window.shift)
    why = {n.mission.pk: n.why for n in made.not_done}
    assert why[called_off.pk] == "Cancelled: Officer safety"
    assert [(t.name, t.count) for t in made.incidents] == [("Robbery", 1)]
    assert made.previous == previous
    client.force_login(analyst)
    page = client.get(
        f"/briefing/?date={now_window.date}&shift={now_window.shift.pk}&district={d2.pk}"
    ).content.decode()
    assert "Officer safety" in page  # the code's words are there, the free text is not
    assert "Jane Doe" not in page
    assert AuditEvent.objects.filter(action="missions.briefing.print", actor_id=analyst.pk).exists()


def test_a_scoped_supervisor_gets_only_his_district(small_agency, role_user, client):
    from tests.missions.factories import OfficerProfileFactory

    agency = Agency.current()
    agency.supervisors_scoped_to_district = True
    agency.save()
    sergeant = role_user("Supervisor", "sergeant_d1")
    d1, d2 = District.objects.order_by("code")
    profile = OfficerProfileFactory(user=sergeant, home_beat=None)
    profile.supervised_districts.set([d1])
    client.force_login(sergeant)
    everything = client.get("/briefing/").content.decode()
    assert 'data-district="D1"' in everything and 'data-district="D2"' not in everything
    shift = Shift.objects.order_by("order").first()
    query = f"date={local_today()}&shift={shift.pk}"
    assert client.get(f"/briefing/?{query}&district={d2.pk}").status_code == 403
    assert client.get(f"/briefing/?{query}&district={d1.pk}").status_code == 200  # control
