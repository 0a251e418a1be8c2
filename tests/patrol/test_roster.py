"""The roster: the CAD's CSV, the push API and the supervisors' page all go through
patrol.roster.import_roster — bad rows refused with row, field and reason, good rows kept, a
supervisor scoped to districts kept to theirs."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agency import roles
from agency.models import Agency, Beat, Shift
from audit.models import AuditEvent
from ingest import services as ingest_services
from patrol import roster
from patrol.models import RosterEntry, Unit
from tests.missions.factories import OfficerProfileFactory

pytestmark = pytest.mark.django_db

CSV = """date,shift,beat,unit,officers
2026-06-01,Evening,D1-B1,2A31,4711;bravo
2026-06-01,evening,D1-B2,2A32,
2026-06-01,Evening,D1-B1,2A31,4711
2026-13-01,Evening,D1-B1,2A33,
2026-06-01,Noon,D1-B1,2A34,
2026-06-01,Evening,Z9,2A35,
2026-06-01,Evening,D2-B1,2A36,nobody
2026-06-01,Night,D2-B1,2A37,bravo
"""


@pytest.fixture
def crew(small_agency, role_user):
    alpha = role_user(roles.OFFICER, "alpha")
    bravo = role_user(roles.OFFICER, "bravo")
    OfficerProfileFactory(user=alpha, badge_number="4711", home_beat=None)
    return alpha, bravo


def test_a_roster_csv_keeps_good_rows_and_refuses_bad_ones_with_reasons(crew, role_user):
    analyst = role_user(roles.ANALYST)
    result = roster.import_roster(rows=roster.read_roster_csv(CSV), actor=analyst)
    reasons = {r["row"]: (r["field"], r["reason"]) for r in result.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert reasons[3][0] == "unit" and "Duplicate" in reasons[3][1] and "row 1" in reasons[3][1]
    assert reasons[4][0] == "date" and "YYYY-MM-DD" in reasons[4][1]
    assert reasons[5][0] == "shift" and "Noon" in reasons[5][1]
    assert reasons[6] == ("beat", "Unknown beat 'Z9'.")
    assert reasons[7][0] == "officers" and "nobody" in reasons[7][1]
    assert (result.created, result.updated) == (3, 0)
    assert sorted(result.units_added) == ["2A31", "2A32", "2A37"]
    first = RosterEntry.objects.get(unit__call_sign="2A31")
    assert first.beat.code == "D1-B1" and first.shift.name == "Evening"
    assert {u.username for u in first.officers.all()} == {"alpha", "bravo"}  # badge and username
    assert Unit.objects.get(call_sign="2A37").district.code == "D2"
    event = AuditEvent.objects.get(action="roster.imported")
    assert event.after["created"] == 3 and event.after["rejected"] == 5


def test_a_row_for_a_rostered_unit_replaces_its_entry(crew, role_user):
    analyst = role_user(roles.ANALYST)
    row = {"date": "2026-06-01", "shift": "Evening", "beat": "D1-B1", "unit": "2A31"}
    assert roster.import_roster(rows=[row], actor=analyst).created == 1
    moved = roster.import_roster(rows=[{**row, "beat": "D1-B2"}], actor=analyst)
    assert (moved.created, moved.updated) == (0, 1)
    assert RosterEntry.objects.get().beat.code == "D1-B2"


def test_a_scoped_supervisor_changes_only_their_districts_roster(crew, role_user):
    agency = Agency.current()
    agency.supervisors_scoped_to_district = True
    agency.save()
    supervisor = role_user(roles.SUPERVISOR)
    west = Beat.objects.get(code="D1-B1").district
    OfficerProfileFactory(user=supervisor, badge_number="S1", home_beat=None, home_district=west)
    rows = [
        {"date": "2026-06-01", "shift": "Day", "beat": "D1-B1", "unit": "2A31"},
        {"date": "2026-06-01", "shift": "Day", "beat": "D2-B1", "unit": "2A32"},
    ]
    result = roster.import_roster(rows=rows, actor=supervisor)
    assert result.created == 1  # control: their own district's row is kept
    assert result.rejected == [
        {"row": 2, "field": "beat", "reason": "Beat D2-B1 is outside your district(s)."}
    ]
    officer = crew[0]
    with pytest.raises(PermissionDenied):
        roster.import_roster(rows=rows[:1], actor=officer)


def test_the_roster_is_pushed_by_the_cad_feed_and_command_staff_not_officers(crew, role_user):
    admin = role_user(roles.ADMINISTRATOR)
    _, feed_token = ingest_services.issue_feed_credential(
        actor=admin, name="CAD", sources=[], expires_at=timezone.now() + timedelta(days=30)
    )
    body = {
        "rows": [
            {
                "date": "2026-06-01",
                "shift": "Evening",
                "beat": "D1-B1",
                "unit": "2A31",
                "officers": ["4711"],
            },
            {"date": "2026-06-01", "shift": "Evening", "beat": "nope", "unit": "2A32"},
        ]
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {feed_token}")
    answer = client.post("/api/v1/roster/", body, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.data["created"] == 1 and answer.data["rejected"][0]["row"] == 2
    assert RosterEntry.objects.get().officers.get().username == "alpha"
    for role, allowed in ((roles.SUPERVISOR, True), (roles.OFFICER, False)):
        user = role_user(role, f"api-{role.lower()}")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
        status = client.post("/api/v1/roster/", body, format="json").status_code
        assert status == (200 if allowed else 403), role
    assert client.post("/api/v1/roster/", {"rows": []}, format="json").status_code == 403


def test_a_supervisor_imports_and_edits_the_roster_on_its_page(crew, supervisor, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(supervisor)
    url = reverse("patrol-roster")
    page = client.post(
        url,
        {"roster_file": SimpleUploadedFile("roster.csv", CSV.encode(), "text/csv")},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert '<span id="roster-created">3</span>' in html and "Unknown beat &#x27;Z9&#x27;." in html
    one = {"date": "2026-06-01", "shift": "Day", "beat": "D2-B2", "unit": "3B10", "officers": ""}
    assert client.post(url, one).status_code == 200
    entry = RosterEntry.objects.get(unit__call_sign="3B10")
    listed = client.get(url, {"date": "2026-06-01"}).content.decode()
    assert "3B10" in listed and f'data-entry="{entry.pk}"' in listed
    gone = client.post(reverse("patrol-roster-remove", args=[entry.pk]))
    assert gone.status_code == 302 and not RosterEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="roster.entry_removed").count() == 1
    bad = client.post(url, {"roster_file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n", "text/csv")})
    assert bad.status_code == 400 and "not a roster file" in bad.content.decode()
    assert RosterEntry.objects.count() == 3  # nothing stored was lost


def test_every_shift_name_in_the_reason_for_an_unknown_shift(crew, role_user):
    result = roster.import_roster(
        rows=[{"date": date(2026, 6, 1).isoformat(), "shift": "x", "beat": "D1-B1", "unit": "u"}],
        actor=role_user(roles.ANALYST),
    )
    names = ", ".join(sorted(Shift.objects.values_list("name", flat=True)))
    assert result.rejected[0]["reason"] == f"Unknown shift 'x': one of {names}."
