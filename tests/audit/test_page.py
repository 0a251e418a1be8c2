"""The auditor's page: only the auditor role (read_audit) sees it; it searches, pages and exports
spreadsheet-safe CSV; the auditor sees nothing else; refusals are audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agency.models import Agency
from audit.models import AuditEvent
from audit.services import append, record


@pytest.fixture
def auditor(role_user):
    return role_user("Auditor")


@pytest.mark.django_db
def test_auditor_lands_on_the_log_and_searches_it(client, auditor, analyst):
    record(action="auth.login", actor=analyst)
    record(
        action="access.denied",
        actor=analyst,
        outcome="denied",
        object_type="url",
        object_id="/secret/",
    )
    record(action="missions.cancel", actor=analyst, object_type="missions.mission", object_id="42")
    client.force_login(auditor)
    assert client.get(reverse("home")).url == reverse("audit-log")
    page = client.get(reverse("audit-log")).content.decode()
    assert "missions.cancel" in page and "access.denied" in page and "Auditor" in page
    denied = client.get(
        reverse("audit-log"), {"outcome": "denied", "actor": "ANALYST"}
    ).content.decode()
    assert "/secret/" in denied and "missions.cancel" not in denied
    by_object = client.get(
        reverse("audit-log"), {"object_type": "missions.mission", "object_id": "42"}
    )
    assert by_object.context["page"].paginator.count == 1
    by_action = client.get(reverse("audit-log"), {"action": "missions."})
    assert [e.action for e in by_action.context["page"]] == ["missions.cancel"]


@pytest.mark.django_db
def test_time_range_and_pages(client, auditor):
    old = append(at=timezone.now() - timedelta(days=10), action="admin.delete")
    for n in range(55):
        record(action="ingest.import", reason=f"n{n}")
    client.force_login(auditor)
    zone = Agency.current().tz  # the page reads dates in the agency's zone, not the server's (UTC)
    today = timezone.localdate(timezone=zone).isoformat()
    recent = client.get(
        reverse("audit-log"), {"at_after": today, "at_before": today, "action": "ingest."}
    )
    assert recent.context["page"].paginator.count == 55
    assert len(recent.context["page"]) == 50
    second = client.get(
        reverse("audit-log"),
        {"at_after": today, "at_before": today, "action": "ingest.", "page": 2},
    )
    assert len(second.context["page"]) == 5
    back_then = timezone.localdate(old.at, timezone=zone).isoformat()
    old_day = client.get(reverse("audit-log"), {"at_after": back_then, "at_before": back_then})
    assert [e.pk for e in old_day.context["page"]] == [old.pk]


@pytest.mark.django_db
def test_csv_export_is_spreadsheet_safe_and_recorded(client, auditor, analyst):
    record(
        action="missions.add", actor=analyst, reason='=HYPERLINK("http://evil")', reason_code="-x"
    )
    client.force_login(auditor)
    response = client.get(reverse("audit-log-csv"), {"action": "missions."}, REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, (row,) = rows[0], rows[1:]
    cells = dict(zip(header, row, strict=True))
    assert cells["reason"] == '\'=HYPERLINK("http://evil")' and cells["reason_code"] == "'-x"
    assert (cells["action"], cells["actor_username"], cells["role"]) == (
        "missions.add",
        "analyst",
        "Analyst",
    )
    assert len(cells["hash"]) == 64
    export = AuditEvent.objects.get(action="export.audit_log")
    assert (export.actor, export.role, export.source_address) == (auditor, "Auditor", "10.3.3.3")
    assert export.after["filters"] == {"action": "missions."}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["Analyst", "Officer", "Supervisor"])
def test_other_roles_are_refused_and_the_refusal_is_audited(client, role_user, role):
    user = role_user(role)
    client.force_login(user)
    for url in (reverse("audit-log"), reverse("audit-log-csv")):
        assert client.get(url).status_code == 403
        denied = AuditEvent.objects.filter(action="access.denied").order_by("-pk").first()
        assert (denied.actor, denied.role, denied.object_id, denied.outcome) == (
            user,
            role,
            url,
            "denied",
        )
    assert not AuditEvent.objects.filter(action="export.audit_log").exists()


@pytest.mark.django_db
def test_the_auditor_reads_nothing_else(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("audit-log")).status_code == 200
    for name in (
        "analyst-home",
        "forecasting-home",
        "ingest-index",
        "missions-report",
        "missions-sheet",
        "supervisor-home",
    ):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get("/api/v1/missions/").status_code == 403
    assert (
        client.get(reverse("admin:index")).status_code == 403
    )  # signed in without the role: refused
    assert not auditor.get_all_permissions() - {"audit.read_audit"}
