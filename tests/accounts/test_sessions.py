"""Sessions end server-side after 30 idle minutes and 12 hours at most; the MDT's background polling
does not count as activity; cookies are HttpOnly, SameSite=Lax, per browser session, __Host- in prod."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import sign_in, signed_in

pytestmark = pytest.mark.django_db
POLL = {"HTTP_X_BACKGROUND_POLL": "1"}
API = "/api/v1/shifts/"


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in_officer(officer, small_agency, clock):
    client = Client()
    assert sign_in(client, "officer").status_code == 302
    return client


def test_activity_keeps_the_session_and_idleness_ends_it(signed_in_officer, clock):
    client = signed_in_officer
    for _ in range(3):  # 87 minutes signed in, never 30 idle
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("officer-home")).status_code == 200
    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("officer-home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not signed_in(client)


def test_background_polling_does_not_extend_the_session(signed_in_officer, clock):
    client = signed_in_officer
    clock.shift(timedelta(minutes=20))
    assert client.get(API, **POLL).status_code == 200
    clock.shift(timedelta(minutes=20))  # 40 idle minutes, however many polls
    assert client.get(API, **POLL).status_code == 401
    assert not signed_in(client)


def test_a_request_without_the_poll_header_is_activity(signed_in_officer, clock):
    client = signed_in_officer
    clock.shift(timedelta(minutes=20))
    assert client.get(API).status_code == 200
    clock.shift(timedelta(minutes=20))
    assert client.get(API, **POLL).status_code == 200 and signed_in(client)


def test_absolute_lifetime_ends_even_an_active_session(signed_in_officer, clock):
    client = signed_in_officer
    for _ in range(28):  # active every 25 minutes for 11 h 40
        clock.shift(timedelta(minutes=25))
        assert client.get(reverse("officer-home")).status_code == 200
    clock.shift(timedelta(minutes=25))  # 12 h 05 after signing in
    assert client.get(reverse("officer-home")).url.startswith(reverse("login"))
    assert not signed_in(client)


def test_session_cookie_is_httponly_lax_and_ends_with_the_browser(officer):
    client = Client()
    response = sign_in(client, "officer")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["expires"] and not cookie["max-age"]


@pytest.mark.subprocess
def test_production_cookies_are_secure_and_host_prefixed():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.prod",
        "DJANGO_SECRET_KEY": "only-for-reading-settings-" + "x" * 30,
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.split()
    assert out == ["__Host-sessionid", "__Host-csrftoken", "True", "True", "True", "Lax", "True"]
