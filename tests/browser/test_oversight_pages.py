"""Real Chromium: the supervisor reads the concentration report and the evaluation of missions; an
anonymous visitor reads the public transparency page; the charts are drawn, with no script errors."""

# ruff: noqa: F401, F811 - fixtures of the oversight and missions tests, reused here
import pytest
from django.urls import reverse

from oversight.models import PublicationSettings
from tests.browser.conftest import screenshot
from tests.oversight.conftest import (
    control_box,
    crime_types,
    forecast,
    grid,
    now_window,
    planned,
    policy,
    served,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_reads_the_concentration_report_and_the_evaluation(
    served, control_box, supervisor, login, live_server
):
    page = login("supervisor")
    page.click("text=Oversight")
    page.wait_for_selector("#concentration")
    assert page.locator("svg.oversight-chart").count() >= 3
    assert "Gini of mission minutes over boxes" in page.inner_text("#concentration")
    screenshot(page, "oversight-concentration")
    page.click("nav.ov-nav >> text=Evaluation of missions")
    page.wait_for_selector("#summary")
    assert "cannot tell" in page.inner_text("#summary")
    assert page.js_errors == []
    screenshot(page, "oversight-evaluation")


def test_anyone_reads_the_public_page(served, control_box, page, live_server):
    settings = PublicationSettings.current()
    settings.exposure = settings.concentration = settings.crime_types = True
    settings.save()
    page.goto(live_server.url + reverse("public-transparency"))
    assert "Patrol exposure by district and month" in page.inner_text("#exposure")
    assert page.locator("#evaluation").count() == 0  # not published
    assert page.js_errors == []
    screenshot(page, "public-transparency")
