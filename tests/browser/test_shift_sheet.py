"""Real Chromium prints the shift sheet to PDF: the page a supervisor hands out at roll call."""

import pytest

from agency.models import District
from forecasting.models import GridCell
from forecasting.services import build_grid
from missions import selectors, services
from missions.models import Mission
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.missions.factories import CrimeTypeFactory, make_forecast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_prints_a_district_sheet(small_agency, supervisor, login, live_server):
    build_grid()
    cells = list(GridCell.objects.filter(active=True, beat__isnull=False))
    window = selectors.shift_now()
    make_forecast(date=window.date, shift=window.shift, cells=cells,
                  crime_types=[CrimeTypeFactory(code="robbery", name="Robbery")])
    services.plan_missions(date=window.date, shift=window.shift)
    district = District.objects.get(code="D2")

    page = login("supervisor")
    page.goto(f"{live_server.url}/missions/sheet/?date={window.date}&shift={window.shift.pk}&district={district.pk}")
    assert "D2 East" in page.inner_text("h1")
    planned = Mission.objects.filter(date=window.date, shift=window.shift, beat__district=district)
    assert page.locator("svg.sheet-map path.box").count() == planned.exclude(status="cancelled").count() > 0
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "shift-sheet.pdf").write_bytes(pdf)
    assert page.js_errors == []
    screenshot(page, "shift-sheet")
