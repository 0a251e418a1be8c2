"""Real Chromium: the auditor logs in, lands on the audit log, finds his own login, filters to the
denied requests, and downloads the CSV; an analyst who opens the page is refused, and that is logged."""

import csv
import io

import pytest

from audit.models import AuditEvent
from tests.browser.conftest import screenshot

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
    page.click("form.audit-filter button[type=submit]")
    page.wait_for_load_state("networkidle")
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
