"""Real Chromium: the auditor logs in, lands on the audit log, finds his own login, filters to the
denied requests, and downloads the CSV; an analyst who opens the page is refused, and that is logged."""

import csv
import io

import pytest

from audit.models import AuditEvent
from tests.browser.conftest import screenshot, submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_searches_and_exports_the_log(role_user, analyst, login, live_server, page):
    role_user("Auditor", username="auditor")
    login("analyst")
    refused = page.goto(f"{live_server.url}/audit/")
    assert refused.status == 403
    assert AuditEvent.objects.filter(
        action="access.denied", actor=analyst, object_id="/audit/"
    ).exists()
    page.context.clear_cookies()

    login("auditor")
    assert page.url.endswith("/audit/")
    table = page.inner_text("table.audit-log")
    assert "auth.login" in table and "auditor" in table
    page.select_option("select[name=outcome]", "denied")
    submitted(page, "form.audit-filter button[type=submit]")
    rows = page.inner_text("table.audit-log tbody")
    assert "access.denied" in rows and "/audit/" in rows and "auth.login" not in rows
    screenshot(page, "audit-log")

    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    content = download_info.value.path().read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(content)))
    assert {row["action"] for row in exported} == {"access.denied"}
    assert exported[0]["actor_username"] == "analyst"
    assert AuditEvent.objects.filter(action="export.audit_log", actor_username="auditor").exists()
    assert page.js_errors == []


def test_the_log_names_objects_by_label_and_shows_before_and_after(role_user, login, page):
    """Issue 23: the page showed "agency.crimetype 4" and no before/after (only the CSV, as
    Python-style text). Now the object is named by its label and each changed field is a row."""
    from agency.services import save_configuration
    from tests.missions.factories import CrimeTypeFactory

    auditor = role_user("Auditor", username="auditor")
    assault = CrimeTypeFactory(code="assault", name="Assault", severity_weight=1.0)
    assault.severity_weight = 2.5
    save_configuration(obj=assault, actor=auditor)
    event = AuditEvent.objects.get(action="config.crimetype.change")

    login("auditor")
    row = page.locator(f"table.audit-log tr[data-event='{event.pk}']")
    assert "Assault" in row.locator("td.object").inner_text()
    assert "agency.crimetype" not in row.locator("td.object").inner_text()
    diff = row.locator("table.diff tbody tr")
    assert diff.count() == 1  # only the field that changed
    assert diff.locator("th").inner_text() == "severity weight"
    assert diff.locator("td.before").inner_text() == "1.0"
    assert diff.locator("td.after").inner_text() == "2.5"

    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    content = download_info.value.path().read_text(encoding="utf-8")
    exported = {r["id"]: r for r in csv.DictReader(io.StringIO(content))}
    import json

    assert json.loads(exported[str(event.pk)]["after"])["severity_weight"] == 2.5  # JSON, not repr
    assert page.js_errors == []
