"""The officer page as an installable web app: the manifest and the service worker, served to
anyone (browsers fetch the manifest without cookies) and allowed by the Content-Security-Policy."""

import json
import struct
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def png_size(path: str) -> tuple[int, int]:
    header = Path(path).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_manifest_names_the_officer_page_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/officer/" and manifest["scope"] == "/officer/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] and manifest["background_color"] and manifest["name"]
    sizes = {icon["sizes"]: icon["src"] for icon in manifest["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, src in sizes.items():
        found = finders.find(src.removeprefix("/static/"))
        assert found, src
        assert png_size(found) == tuple(int(v) for v in size.split("x"))


def test_service_worker_is_served_under_the_officer_page_with_its_shell(client):
    response = client.get("/officer/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["page"] == "/officer/"
    assert (
        "/static/js/missions-officer.js" in config["shell"]
        and "/static/leaflet/leaflet.js" in config["shell"]
    )
    assert "/static/css/streets.css" in config["shell"]  # the map's street names, offline too
    assert config["data"] == [
        "/api/v1/officer/missions/",
        "/api/v1/beats.geojson",
        "/api/v1/streets/",
    ]
    for url in config["shell"]:
        assert finders.find(url.removeprefix("/static/")), (
            url
        )  # a missing file would fail the install


def test_the_policy_allows_the_manifest_and_worker_from_the_site_only(client, officer):
    client.force_login(officer)
    policy = client.get("/officer/")["Content-Security-Policy"]
    assert "manifest-src 'self'" in policy and "worker-src 'self'" in policy


def test_officer_page_links_its_manifest_and_names_its_worker(client, officer):
    client.force_login(officer)
    page = client.get("/officer/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'data-service-worker="/officer/sw.js"' in page
    assert f'data-user="{officer.pk}"' in page
