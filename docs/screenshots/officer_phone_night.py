"""Take docs/screenshots/officer-phone-night.png: the officer's page on a 390 × 844 phone in the
night theme, with a GPS position 300 m south-west of the first box, against a running `make demo`
(`--mdt` for docs/screenshots/officer-mdt.png: the 1024 × 768 MDT in the day theme; `--offline` for
docs/screenshots/officer-phone-offline.png: the same phone reloaded without network, from its
offline copy, with its "Offline copy from …" notice).

    make demo PASSWORD=…   # in another shell
    .venv/bin/python docs/screenshots/officer_phone_night.py --password … [--mdt]
"""

import argparse
from pathlib import Path

import pyproj
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "color_scheme": "dark",
}
MDT = {"viewport": {"width": 1024, "height": 768}, "color_scheme": "light"}
GEOD = pyproj.Geod(ellps="WGS84")  # metres on the ground, not per degree
OFFSET_M = 300
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="officer")
    parser.add_argument("--password", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--mdt", action="store_true", help="the MDT in the day theme instead")
    shown.add_argument("--offline", action="store_true", help="the phone reloaded offline")
    args = parser.parse_args()
    name = "officer-mdt" if args.mdt else "officer-phone-offline" if args.offline else None
    out = HERE / f"{name or 'officer-phone-night'}.png"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS)
        context = browser.new_context(
            **(MDT if args.mdt else PHONE),
            permissions=["geolocation"],
            geolocation={"latitude": 0, "longitude": 0},
        )
        page = context.new_page()
        page.goto(f"{args.url}/accounts/login/")
        page.check("input[name=accept_banner]")
        page.fill("input[name=username]", args.username)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_url("**/officer/")
        missions = page.evaluate("() => fetch('/api/v1/officer/missions/').then((r) => r.json())")
        if not missions["features"]:
            raise SystemExit("The officer has no missions this shift: run `make demo-data` first.")
        ring = missions["features"][0]["geometry"]["coordinates"][0][:-1]
        centre_lon = sum(p[0] for p in ring) / len(ring)
        centre_lat = sum(p[1] for p in ring) / len(ring)
        lon, lat, _ = GEOD.fwd(centre_lon, centre_lat, 180.0, OFFSET_M)  # south …
        lon, lat, _ = GEOD.fwd(lon, lat, 270.0, OFFSET_M)  # … and west of the box
        context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 40})
        page.reload()
        page.wait_for_selector("#map[data-ready='1']")
        page.wait_for_function("() => document.querySelector('#map').dataset.youAreHere")
        # The streets come after the map is ready (fetched for the view it fits to).
        page.wait_for_function("() => Number(document.querySelector('#map').dataset.streets) > 0")
        page.wait_for_timeout(500)
        if args.offline:
            reload_offline(page)
        page.screenshot(path=str(out), full_page=False)
        browser.close()
    print(f"Wrote {out}")


def reload_offline(page):
    """Once the service worker keeps the page, its missions and the beat's streets: the phone without
    network, reloaded, showing the kept copy and its notice."""
    for _ in range(KEPT_TRIES):  # evaluate awaits the check's promise; wait_for_function would not
        if page.evaluate(KEPT_FOR_OFFLINE):
            break
        page.wait_for_timeout(200)
    else:
        raise SystemExit("The service worker did not keep the officer page for offline use.")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#map[data-ready='1']")
    page.wait_for_selector("#mdt-offline", state="visible")
    page.wait_for_function("() => Number(document.querySelector('#map').dataset.streets) > 0")
    page.wait_for_timeout(500)


# The page and its beat's streets are in the service worker's caches.
KEPT_TRIES = 300  # a minute: the first visit installs the worker and fills its caches
KEPT_FOR_OFFLINE = """async () => navigator.serviceWorker.controller !== null && (await Promise.all([
  caches.match('/officer/'),
  caches.open('missions-data').then((c) => c.match('/officer/kept/beat-streets')),
])).every(Boolean)"""


if __name__ == "__main__":
    main()
