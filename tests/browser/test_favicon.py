"""Every page and the admin name the site's SVG icon, so Chromium never asks for /favicon.ico (a 404)."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ICON = "() => document.querySelector('link[rel=icon]').href"


def test_the_site_icon_is_an_svg_named_by_pages_and_admin(
    small_agency, analyst, role_user, login, live_server
):
    chief = role_user("Administrator", username="chief")
    chief.is_staff = True
    chief.save()
    requested = []
    login("analyst").on("request", lambda r: requested.append(r.url))
    for username, path in (("analyst", "/analyst/"), ("chief", "/admin/")):
        page = login(username)
        page.goto(live_server.url + path)
        href = page.evaluate(ICON)
        assert href.startswith(f"{live_server.url}/static/") and href.endswith(".svg"), path
        status, content_type = page.evaluate(
            "(url) => fetch(url).then((r) => [r.status, r.headers.get('content-type')])", href
        )
        assert (status, content_type.split(";")[0]) == (200, "image/svg+xml"), path
        page.context.clear_cookies()
    assert [url for url in requested if url.endswith("/favicon.ico")] == []
    assert "<svg" in Path(finders.find("favicon.svg")).read_text()
    # A document without the link (JSON) makes Chromium ask for /favicon.ico: it leads to the icon.
    status, url = page.evaluate(
        "(u) => fetch(u).then((r) => [r.status, r.url])", f"{live_server.url}/favicon.ico"
    )
    assert (status, url) == (200, f"{live_server.url}/static/favicon.svg")
