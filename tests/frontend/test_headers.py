"""Every response carries the Content-Security-Policy (django-csp) and the other security headers;
the policy allows no inline script, only the nonce django-leaflet's admin widget writes."""

import re

import pytest
from django.test import override_settings

from missions_site.settings.browser_policy import content_security_policy, tile_source

pytestmark = pytest.mark.django_db


def policy_of(response) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in response["Content-Security-Policy"].split("; ")}


def test_pages_send_a_strict_policy_and_the_security_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no nonce unless a page used one
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]  # no tile server configured
    assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_api_and_error_pages_carry_the_policy_too(client, analyst):
    client.force_login(analyst)
    for path in ("/api/v1/jobs/", "/no/such/page/"):
        assert "default-src 'self'" in client.get(path)["Content-Security-Policy"], path


def test_the_admin_map_widget_script_carries_the_nonce_of_the_header(
    client, small_agency, role_user
):
    from agency.models import District

    chief = role_user("Administrator", username="chief")
    chief.is_staff = chief.is_superuser = True
    chief.save()
    client.force_login(chief)
    response = client.get(f"/admin/agency/district/{District.objects.get(code='D1').pk}/change/")
    nonces = [
        s.removeprefix("'nonce-").removesuffix("'")
        for s in policy_of(response)["script-src"]
        if s.startswith("'nonce-")
    ]
    assert len(nonces) == 1
    inline = re.findall(r'<script nonce="([^"]*)">', response.content.decode())
    assert inline and set(inline) == set(nonces)


@pytest.mark.parametrize(
    "url, source",
    [
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://10.0.0.5:8080/osm/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("", None),
    ],
)
def test_the_tile_server_is_the_only_other_image_source(url, source):
    assert tile_source(url) == source
    img_src = content_security_policy(url)["DIRECTIVES"]["img-src"]
    assert img_src == ["'self'", "data:"] + ([source] if source else [])


def test_a_configured_tile_server_reaches_the_header(client):
    with override_settings(
        CONTENT_SECURITY_POLICY=content_security_policy(
            "https://{s}.tile.example.org/{z}/{x}/{y}.png"
        )
    ):
        assert policy_of(client.get("/accounts/login/"))["img-src"] == [
            "'self'",
            "data:",
            "https://*.tile.example.org",
        ]
