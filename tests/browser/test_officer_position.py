"""Real Chromium with a GPS position: the officer sees where he is (marker and accuracy circle), the
distance and direction to each box on its card as he moves, and a navigate link to the box."""

import re

import pyproj
import pytest
from django.contrib.gis.geos import Point

from tests.browser.officer_field import PHONE, officer_page, plan_shift_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GEOD = pyproj.Geod(ellps="WGS84")  # metres on the ground, not per degree


def box_centre(mission):
    centre = mission.cell.geom.centroid
    return centre.y, centre.x


def moved(lat, lon, north_m, east_m):
    lon, lat, _ = GEOD.fwd(lon, lat, 0.0, north_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 90.0, east_m)
    return lat, lon


def test_you_are_here_with_distance_direction_and_navigate_link(
    forecast,
    now_window,
    officer,
    officer_page,  # noqa: F811
):
    missions = plan_shift_for(officer, forecast, now_window)
    first = missions[0]
    lat, lon = box_centre(first)
    # 300 m south and 300 m west of the first box: it lies about 420 m to the north-east.
    start_lat, start_lon = moved(lat, lon, -300, -300)
    page = officer_page(
        "officer",
        viewport=PHONE,
        permissions=["geolocation"],
        geolocation={"latitude": start_lat, "longitude": start_lon, "accuracy": 35},
    )
    page.wait_for_function("() => document.querySelector('#map').dataset.youAreHere")
    card = page.locator(f".mission-card[data-mission='{first.pk}']")
    assert card.locator(".m-distance").inner_text() == "420 m NE"
    # Every other card a distance and direction, or "in the box" where the plan put another box
    # under the officer.
    here = Point(start_lon, start_lat, srid=4326)
    boxes = {str(m.pk): m.cell.geom for m in missions}
    for other in page.locator(".mission-card").all():
        text = other.locator(".m-distance").inner_text()
        if boxes[other.get_attribute("data-mission")].contains(here):
            assert text == "You are in the box"
        else:
            assert re.fullmatch(
                r"\d+ m (N|NE|E|SE|S|SW|W|NW)|\d+(\.\d)? km (N|NE|E|SE|S|SW|W|NW)", text
            ), text

    # The marker and a circle of the reported accuracy, where the GPS says.
    drawn = page.evaluate("""() => Object.values(document.querySelector('#map').leafletMap._layers)
        .filter((l) => l.getRadius && !l.feature).map((l) => [l.getLatLng().lat, l.getLatLng().lng, l.getRadius()])""")
    assert any(
        r == 35 and abs(a - start_lat) < 1e-9 and abs(b - start_lon) < 1e-9 for a, b, r in drawn
    )

    # Navigate: a geo: link to the box's centre, for the device's maps app.
    href = card.locator(".m-navigate").get_attribute("href")
    nav_lat, nav_lon = (
        float(v) for v in re.fullmatch(r"geo:([-\d.]+),([-\d.]+)\?q=.*", href).groups()
    )
    assert abs(nav_lat - lat) < 1e-5 and abs(nav_lon - lon) < 1e-5
    assert not card.locator(".m-maps-app").is_visible()  # no maps app configured

    # Walking north: 1.1 km south of the box reads as north, and in the box it says so.
    page.context.set_geolocation(
        {"latitude": moved(lat, lon, -1100, 0)[0], "longitude": lon, "accuracy": 20}
    )
    page.wait_for_function(
        f"() => document.querySelector(\".mission-card[data-mission='{first.pk}'] .m-distance\")"
        ".textContent === '1.1 km N'"
    )
    page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 20})
    page.wait_for_function(
        f"() => document.querySelector(\".mission-card[data-mission='{first.pk}'] .m-distance\")"
        ".textContent === 'You are in the box'"
    )
    assert page.js_errors == []


def test_without_gps_the_card_says_it_waits(forecast, now_window, officer, officer_page):  # noqa: F811
    plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=PHONE)  # no geolocation permission
    texts = page.locator(".mission-card .m-distance").all_inner_texts()
    assert texts and set(texts) == {"Distance: waiting for GPS"}
    assert page.get_attribute("#map", "data-you-are-here") is None


def test_maps_app_link_when_the_agency_sets_one(
    forecast, now_window, officer, officer_page, settings
):  # noqa: F811
    settings.OFFICER_MAPS_APP_URL = "https://maps.example.org/?daddr={lat},{lon}"
    first = plan_shift_for(officer, forecast, now_window)[0]
    lat, lon = box_centre(first)
    page = officer_page("officer", viewport=PHONE)
    link = page.locator(f".mission-card[data-mission='{first.pk}'] .m-maps-app")
    assert link.is_visible()
    href = link.get_attribute("href")
    prefix = "https://maps.example.org/?daddr="
    assert href.startswith(prefix)
    # The page takes the centre from the GeoJSON's rounded corners: within a millionth of a degree.
    shown = [float(part) for part in href.removeprefix(prefix).split(",")]
    assert shown == pytest.approx([lat, lon], abs=2e-6)
    assert all(len(part.split(".")[1]) == 6 for part in href.removeprefix(prefix).split(","))
