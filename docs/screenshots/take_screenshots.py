"""Take the README's desktop screenshots against a running `make demo`: the supervisor's shift board,
the district page and a beat page of the printed shift sheet, the analyst's shift page, the forecast
map and the analyst's home page (the maps zoomed in far enough for street names), the back-test,
the roll-call briefing, the patrol reports (dosage, units, crime and dosage), the oversight pages
(concentration, evaluation, public page) and the alerts page with one alert's map
(officer_phone_night.py takes the phone).

    make demo PASSWORD=…   # in another shell
    .venv/bin/python docs/screenshots/take_screenshots.py --password … [--only board sheet …]
"""

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "color_scheme": "light"}
MAP_PAGE = {"width": 1280, "height": 900}  # the 520 px maps below a page's header, whole
REPORT_PAGE = {"width": 1280, "height": 1100}  # a report's summary and first chart, not all tables
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STREET_NAME_ZOOM = 15  # the zoom from which the server sends street names (geo/street_selectors.py)
SHEET_DPI = 110
CLUSTER_DEG = (
    0.004  # of latitude, about 450 m: what a 700 px map shows each side of its centre at zoom 15
)


def sign_in(browser, base_url, username, password):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.check("input[name=accept_banner]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        raise SystemExit(f"Could not sign in as {username}: check --password.")
    return page


def busiest_mission_centre(page, missions_url):
    """The middle of the shift's tightest cluster of mission boxes: where a map zoomed in to street
    names still shows several boxes."""
    missions = page.evaluate("(url) => fetch(url).then((r) => r.json())", missions_url)
    if not missions["features"]:
        raise SystemExit("No missions this shift: run `make demo-data` first.")
    centres = []
    for feature in missions["features"]:
        ring = feature["geometry"]["coordinates"][0][:-1]
        centres.append((sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring)))

    def near(c):
        return [
            d
            for d in centres
            if abs(d[0] - c[0]) < CLUSTER_DEG and abs(d[1] - c[1]) < CLUSTER_DEG * 1.4
        ]

    cluster = max((near(c) for c in centres), key=len)
    return sum(c[0] for c in cluster) / len(cluster), sum(c[1] for c in cluster) / len(cluster)


def zoom_to_streets(page, selector, centre, zoom=STREET_NAME_ZOOM):
    """Zoom the Leaflet map in `selector` on `centre` and wait until its streets are drawn."""
    page.evaluate(
        "([sel, c, z]) => { document.querySelector(sel).leafletMap.setView(c, z); }",
        [selector, list(centre), zoom],
    )
    names = "" if zoom < STREET_NAME_ZOOM else " && Number(el.dataset.streetNames) > 0"
    page.wait_for_function(
        f"(sel) => {{ const el = document.querySelector(sel); "
        f"return Number(el.dataset.streets) > 0{names}; }}",
        arg=selector,
    )
    page.wait_for_timeout(500)  # tiles of nothing, but the canvas redraws after the fetch


def missions_url_of_shift(page, base_url):
    page.goto(f"{base_url}/missions/")
    page.wait_for_selector("#map[data-ready='1']")
    return page.get_attribute("#map", "data-missions")


def supervisor_board(browser, args):
    """The board from its mission counts down: the beats' missions and the district map with its
    streets (the alerts above it, once the worker has raised some, are cut off)."""
    page = sign_in(browser, args.url, "supervisor", args.password)
    page.set_viewport_size(MAP_PAGE)
    page.goto(f"{args.url}/supervisor/")
    page.wait_for_selector("#board[data-ready='1']")
    page.wait_for_function("() => Number(document.querySelector('#board-map').dataset.streets) > 0")
    page.wait_for_timeout(500)
    top = page.evaluate(
        "() => document.querySelector('#board-beats').closest('section').getBoundingClientRect().top"
        " + window.scrollY - 80"
    )
    page.evaluate("(y) => window.scrollTo(0, y)", top)
    page.screenshot(path=str(HERE / "supervisor-board.png"))


def shift_sheet(browser, args):
    """Page 2 of the printed sheet (the first beat page): from the PDF where pdftoppm is installed,
    else the beat page itself in print media."""
    page = sign_in(browser, args.url, "supervisor", args.password)
    page.goto(f"{args.url}/missions/sheet/")
    if page.locator(".sheet-beat").count() == 0:
        raise SystemExit("The shift sheet has no beat pages: run `make demo-data` first.")
    out = HERE / "shift-sheet.png"
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "sheet.pdf"
        page.pdf(path=str(pdf), format="Letter", print_background=True)
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm:
            stem = Path(tmp) / "page"
            page_two = [
                pdftoppm,
                "-png",
                "-r",
                str(SHEET_DPI),
                "-f",
                "2",
                "-l",
                "2",
                "-singlefile",
                str(pdf),
                str(stem),
            ]
            subprocess.run(page_two, check=True)  # noqa: S603 (our own arguments)
            shutil.copyfile(f"{stem}.png", out)
            return
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 816, "height": 1056})  # Letter at 96 dpi
    page.locator(".sheet-beat").first.screenshot(path=str(out))


def sheet_district_page(browser, args):
    """The sheet's first page in print media: the district map across the page, then every mission."""
    page = sign_in(browser, args.url, "supervisor", args.password)
    page.goto(f"{args.url}/missions/sheet/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 816, "height": 1056})  # Letter at 96 dpi
    page.locator(".sheet-overview").screenshot(path=str(HERE / "shift-sheet-district.png"))


def page_top(browser, args, username, path, out, ready="main"):
    """The top of a page (its summary and first chart) at REPORT_PAGE, not its every table."""
    page = sign_in(browser, args.url, username, args.password)
    page.set_viewport_size(REPORT_PAGE)
    page.goto(f"{args.url}{path}")
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(HERE / out))


def patrol_reports(browser, args):
    for path, out in (
        ("/oversight/dosage/", "patrol-dosage.png"),
        ("/oversight/units/", "patrol-units.png"),
        ("/oversight/crime-and-dosage/", "crime-and-dosage.png"),
    ):
        page_top(browser, args, "supervisor", path, out, ready="svg.oversight-chart")


def oversight_pages(browser, args):
    for path, out in (
        ("/oversight/concentration/", "oversight-concentration.png"),
        ("/oversight/evaluation/", "oversight-evaluation.png"),
    ):
        page_top(browser, args, "supervisor", path, out)
    page = browser.new_context(**DESKTOP).new_page()  # the public page needs no sign-in
    page.set_viewport_size(REPORT_PAGE)
    page.goto(f"{args.url}/public/")
    page.screenshot(path=str(HERE / "public-transparency.png"))


def backtest(browser, args):
    page_top(browser, args, "analyst", "/forecasting/backtest/", "backtest.png")


def alerts_page(browser, args):
    """The first alert of the list opened on its map (the worker's scan raises them in the demo)."""
    page = sign_in(browser, args.url, "supervisor", args.password)
    page.goto(f"{args.url}/alerts/")
    first = page.locator("tr.alert-row a").first
    if first.count() == 0:
        raise SystemExit(
            "No alerts yet: let `make worker` run its scan (or alerts.tasks.scan_for_alerts)."
        )
    first.click()
    page.wait_for_selector("svg.alert-map")
    page.set_viewport_size(MAP_PAGE)
    page.screenshot(path=str(HERE / "alerts.png"))


def missions_shift(browser, args):
    page = sign_in(browser, args.url, "analyst", args.password)
    url = missions_url_of_shift(page, args.url)
    zoom_to_streets(page, "#map", busiest_mission_centre(page, url))
    page.set_viewport_size(MAP_PAGE)
    page.screenshot(path=str(HERE / "missions-shift.png"))


def forecast_map(browser, args):
    page = sign_in(browser, args.url, "analyst", args.password)
    centre = busiest_mission_centre(page, missions_url_of_shift(page, args.url))
    page.goto(f"{args.url}/forecasting/forecast/")
    page.wait_for_selector("#forecast-map[data-ready='1']")
    zoom_to_streets(page, "#forecast-map", centre)
    page.set_viewport_size(MAP_PAGE)
    page.screenshot(path=str(HERE / "forecast-map.png"))


def analyst_home(browser, args):
    page = sign_in(browser, args.url, "analyst", args.password)
    centre = busiest_mission_centre(page, missions_url_of_shift(page, args.url))
    page.goto(f"{args.url}/analyst/")
    page.wait_for_selector("#map[data-ready='1']")
    zoom_to_streets(page, "#map", centre)
    page.set_viewport_size(MAP_PAGE)
    page.screenshot(path=str(HERE / "analyst-home.png"))


def briefing(browser, args):
    """The roll-call briefing of the supervisor's first district for the shift under way."""
    page = sign_in(browser, args.url, "supervisor", args.password)
    page.goto(f"{args.url}/briefing/")
    page.locator(".briefing").first.screenshot(path=str(HERE / "roll-call-briefing.png"))


SHOTS = {
    "board": supervisor_board,
    "briefing": briefing,
    "sheet": shift_sheet,
    "sheet-district": sheet_district_page,
    "reports": patrol_reports,
    "oversight": oversight_pages,
    "alerts": alerts_page,
    "backtest": backtest,
    "shift": missions_shift,
    "forecast": forecast_map,
    "analyst": analyst_home,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--only", nargs="+", choices=sorted(SHOTS), default=sorted(SHOTS))
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS)
        for name in args.only:
            SHOTS[name](browser, args)
            print(f"Took {name}")
        browser.close()


if __name__ == "__main__":
    main()
