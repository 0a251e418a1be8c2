"""The officer page as an installable web app: its manifest, and the service worker that keeps the
page's shell and the shift's missions so that a reload without network still shows them."""

import hashlib
import json

from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

from missions_site import access

APP_NAME = "Missions — my shift"
BRAND_COLOUR = "#1f3b73"  # the top bar's
NIGHT_BACKGROUND = "#0e131b"  # the night theme's page colour, shown while the app opens
ICON_SIZES = (192, 512)
# What the officer page loads: kept by the service worker so the page opens without network.
SHELL_STATIC = (
    "css/missions.css",
    "css/missions-mdt.css",
    "css/streets.css",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "js/app.js",
    "js/theme.js",
    "js/map.js",
    "js/officer-queue.js",
    "js/officer-position.js",
    "js/missions-officer.js",
    "favicon.svg",
    *(f"icons/missions-{size}.png" for size in ICON_SIZES),
)
# GET answers the page reads (URL names), answered from the network when there is one, else from the
# last copy: the missions, the beat outlines and the streets of each map view.
DATA_URLS = ("api-officer-missions", "api-beats", "api-streets")
# Where the worker keeps the streets of the officer's beat (asked for by the page once it knows the
# beat): the answer to a streets request of a view it never kept while offline (docs/frontend.md).
BEAT_STREETS_KEY = "/officer/kept/beat-streets"


@access.page
def manifest(request):
    start = reverse("officer-home")
    return JsonResponse(
        {
            "name": APP_NAME,
            "short_name": "Missions",
            "description": "This shift's patrol missions: map, dose timer and tactics.",
            "start_url": start,
            "scope": start,
            "display": "standalone",
            "orientation": "any",
            "theme_color": BRAND_COLOUR,
            "background_color": NIGHT_BACKGROUND,
            "icons": [
                {
                    "src": static(f"icons/missions-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any",
                }
                for size in ICON_SIZES
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@access.page
def service_worker(request):
    """Served under /officer/, so its scope is the officer page. The shell's static URLs carry their
    content hash in production: a new release changes this script, and browsers install it anew."""
    config = {
        "page": reverse("officer-home"),
        "shell": [static(path) for path in SHELL_STATIC],
        "data": [reverse(name) for name in DATA_URLS],
        "streets": reverse("api-streets"),
        "beatStreets": BEAT_STREETS_KEY,
    }
    config["version"] = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
    response = render(
        request,
        "home/officer-sw.js",
        {"config": json.dumps(config)},
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"  # browsers check for a new worker on every visit
    return response
