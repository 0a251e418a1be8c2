"""Real Chromium renders the roll-call briefing of every district and prints it, black and white,
on one page per district (US Letter and A4): the alerts, the incidents of the last shift by type and
place, the missions not completed and why, this shift's missions on the map with their tactics."""

import io

import pytest
from django.contrib.gis.geos import Point
from pypdf import PdfReader

from agency.models import District
from agency.selectors import shift_windows_before
from alerts.models import Alert
from geo.street_services import import_streets
from ingest.models import Incident, Source
from ingest.services.placement import place_all_incidents
from missions import services
from missions.models import Mission
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.streets_helpers import write_streets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_briefing_renders_and_prints_one_page_per_district(
    forecast, policy, now_window, tactics, crime_types, supervisor, login, live_server, tmp_path
):
    burglary = crime_types[0]
    previous = shift_windows_before(at=now_window.starts_at, count=1)[0]
    # last shift: missions planned and never done (expired at its end), incidents in D2
    forecast(previous.date, previous.shift)
    services.plan_missions(date=previous.date, shift=previous.shift)
    services.expire_missions(now=now_window.ends_at)
    source = Source.objects.create(name="RMS")
    for i in range(3):
        Incident.objects.create(
            source=source,
            external_id=f"b{i}",
            occurred_from=previous.starts_at + (previous.ends_at - previous.starts_at) / (i + 2),
            location=Point(-79.37 + i * 0.001, 43.655, srid=4326),
            crime_type=burglary,
            raw_code="burglary",
        )
    place_all_incidents()
    d1, d2 = District.objects.order_by("code")
    Alert.objects.create(
        kind=Alert.Kind.SPIKE,
        key="spike:D2:burglary",
        district=d2,
        crime_type=burglary,
        window_start=previous.starts_at,
        window_end=previous.ends_at,
        observed=12,
        expected=4.0,
        headline="12 Burglary incidents in D2 this week, about 4 expected",
        detail="unusual at this level about once a year",
    )
    # this shift: missions with tactics, on a map with streets
    forecast(now_window.date, now_window.shift)
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    now_missions = Mission.objects.filter(date=now_window.date, shift=now_window.shift).exclude(
        status="cancelled"
    )
    expired_d2 = Mission.objects.filter(
        date=previous.date, shift=previous.shift, status="expired", beat__district=d2
    ).count()
    assert now_missions.exists() and expired_d2 > 0

    page = login("supervisor")
    page.goto(
        f"{live_server.url}/briefing/?date={now_window.date}&shift={now_window.shift.pk}&district="
    )
    sections = page.locator("section.briefing-page")
    assert sections.count() == 2
    d2_text = page.inner_text('section[data-district="D2"]')
    assert "12 Burglary incidents in D2 this week" in d2_text
    assert "Burglary 3" in d2_text
    assert d2_text.count("Not finished before the shift ended") == expired_d2
    assert "No alerts since the last shift." in page.inner_text('section[data-district="D1"]')
    boxes = page.locator('section[data-district="D2"] svg.briefing-map path.box').count()
    assert boxes == now_missions.filter(beat__district=d2).count()
    some_tactic = tactics[0].name
    assert some_tactic in page.inner_text("body")
    screenshot(page, "roll-call-briefing")
    page.locator("article.briefing").nth(1).screenshot(
        path=str(SCREENSHOTS / "roll-call-briefing-d2.png")
    )

    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"briefing-{paper.lower()}.pdf").write_bytes(pdf)
        texts = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
        assert len(texts) == 2, (paper, len(texts))  # one page per district
        assert texts[0].startswith("Roll call: D1") or "Roll call: D1" in texts[0]
        assert "Roll call: D2" in texts[1] and "12 Burglary incidents in D2" in texts[1]
    # control: one district alone prints on one page
    page.goto(
        f"{live_server.url}/briefing/?date={now_window.date}&shift={now_window.shift.pk}&district={d2.pk}"
    )
    assert len(PdfReader(io.BytesIO(page.pdf(format="Letter"))).pages) == 1
    assert page.js_errors == [] and page.csp_violations == []
