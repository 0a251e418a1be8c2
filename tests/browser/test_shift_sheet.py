"""Real Chromium prints the shift sheet to PDF, on US Letter and on A4: the district page, then one
page per beat with its streets and names, each mission's location label on its pages, no label
overlapping another."""

import io

import pytest
from pypdf import PdfReader

from agency.models import Beat, District
from geo.street_services import import_streets
from missions import services
from missions.models import Mission
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.streets_helpers import write_streets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MISSIONS_PER_BEAT = (
    4  # more than the usual 2-3, with three reasons and four tactics each: a full page
)


def labels_overlap(page) -> list:
    """Pairs of labels (box numbers, street and beat names) of one map whose boxes overlap."""
    return page.evaluate(
        """() => [...document.querySelectorAll('svg.sheet-map')].flatMap(svg => {
          const r = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
          return r.flatMap(([a, p], i) => r.slice(i + 1).filter(([b, q]) =>
            p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1
          ).map(([b]) => [a, b]));
        })"""
    )


def test_supervisor_prints_one_page_per_beat_after_the_district_page(
    forecast,
    policy,
    now_window,
    tactics,
    supervisor,
    login,
    live_server,
    tmp_path,  # noqa: F811
):
    policy.missions_per_beat_per_shift = MISSIONS_PER_BEAT
    policy.control_share = 0
    policy.save()
    forecast(now_window.date, now_window.shift)
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    district = District.objects.get(code="D2")
    beats = list(Beat.objects.filter(district=district).order_by("code"))
    missions = Mission.objects.filter(
        date=now_window.date, shift=now_window.shift, beat__district=district
    )
    missions = list(missions.exclude(status="cancelled").select_related("cell", "beat"))
    assert len(missions) == MISSIONS_PER_BEAT * len(beats) and all(
        m.cell.location_label for m in missions
    )

    page = login("supervisor")
    page.goto(
        f"{live_server.url}/missions/sheet/?date={now_window.date}&shift={now_window.shift.pk}&district={district.pk}"
    )
    assert "D2 East" in page.inner_text("h1")
    assert page.locator("svg.sheet-map.overview path.box").count() == len(missions)
    assert page.locator("svg.sheet-map.beat-map").count() == len(beats)
    street_names = set(page.locator("svg.beat-map text.street-name").all_text_contents())
    assert {"King St W", "McCaul St"} <= street_names
    assert labels_overlap(page) == []
    screenshot(page, "shift-sheet")

    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"shift-sheet-{paper.lower()}.pdf").write_bytes(pdf)
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
        assert len(pages) == 1 + len(beats), paper
        flat = [" ".join(text.split()) for text in pages]
        assert all(m.cell.location_label in flat[0] for m in missions), (
            paper
        )  # the district page lists all
        for beat, text in zip(beats, flat[1:], strict=True):
            assert f"Beat {beat.code}" in text
            assert all(m.cell.location_label in text for m in missions if m.beat_id == beat.pk), (
                paper,
                beat.code,
            )
            assert "McCaul St" in text  # the streets are named on the beat's map
    assert page.js_errors == [] and page.csp_violations == []


def test_a_district_without_streets_or_missions_still_prints_one_page_per_beat(
    small_agency, supervisor, login, live_server
):
    district = District.objects.get(code="D1")
    page = login("supervisor")
    page.goto(f"{live_server.url}/missions/sheet/?district={district.pk}")
    assert "No missions in this district" in page.inner_text(".sheet-overview")
    pdf = PdfReader(io.BytesIO(page.pdf(format="Letter")))
    assert len(pdf.pages) == 1 + Beat.objects.filter(district=district).count()
