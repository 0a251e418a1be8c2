"""Real Chromium: each role logs in and lands on its page; the analyst's map draws from the API."""

import pytest

from forecasting.services import build_grid
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_sees_the_jurisdiction_map(small_agency, analyst, login, live_server):
    build_grid()
    page = login("analyst")
    assert page.url.endswith("/analyst/")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    # Two districts and four beats drawn as SVG/canvas paths; the layer control lists the grid.
    assert "Districts" in page.inner_text(".leaflet-control-layers")
    assert "Grid (" in page.inner_text(".leaflet-control-layers")
    assert "cells." in page.inner_text("#map-status")
    assert page.js_errors == []
    screenshot(page, "analyst-home")


def test_officer_sees_their_beat(small_agency, officer, login):
    from agency.models import Beat, OfficerProfile

    beat = Beat.objects.get(code="D1-B2")
    OfficerProfile.objects.create(
        user=officer, badge_number="4711", home_beat=beat, home_district=beat.district
    )
    page = login("officer")
    assert page.url.endswith("/officer/")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert "4711" in page.inner_text("main") and "D1-B2" in page.inner_text("main")
    assert page.js_errors == []


def test_job_page_polls_until_the_job_finishes(small_agency, analyst, login, live_server):
    from jobs.services import create_job, run_job

    job = create_job(kind="build_grid")
    page = login("analyst")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert page.inner_text("#job-status") == "Queued"
    run_job(str(job.pk), lambda job, progress: {"message": "17 cells built."})
    page.wait_for_function(
        "() => document.getElementById('job-status').textContent === 'Succeeded'", timeout=10_000
    )
    assert page.inner_text("#job-message") == "17 cells built."
    assert page.eval_on_selector("#job-progress", "el => el.value") == 100
    # Finished, the page reloads to show what the job is called and a link to what it produced.
    page.wait_for_selector("#job-result", timeout=10_000)
    assert page.inner_text("h1") == "Building the grid"
    page.click("#job-result")
    page.wait_for_url(f"{live_server.url}/analyst/")


def test_admin_shows_a_district_on_a_map(small_agency, role_user, login, live_server):
    from agency.models import District

    chief = role_user("Administrator", username="chief")
    chief.is_staff = True
    chief.save()
    district = District.objects.get(code="D1")
    page = login("chief")
    page.goto(f"{live_server.url}/admin/agency/district/{district.pk}/change/")
    page.wait_for_selector(".leaflet-container path.leaflet-interactive", timeout=15_000)
    assert page.locator(".leaflet-container").count() == 1
    assert page.js_errors == []
    screenshot(page, "admin-district")
