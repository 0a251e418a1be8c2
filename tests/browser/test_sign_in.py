"""Real Chromium: the banner must be accepted before the form submits; an analyst enrols the second
factor from the QR code page and reaches his page."""

import pytest
from django_otp.oath import TOTP

from tests.browser.conftest import screenshot, submitted
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_waits_for_the_banner(small_agency, officer, page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    assert "System-use notice" in page.inner_text(".system-banner")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", TEST_PASSWORD)
    assert page.is_disabled("button[type=submit]")
    page.check("input[name=accept_banner]")
    assert page.is_enabled("button[type=submit]")
    screenshot(page, "login-banner")
    submitted(page, "button[type=submit]")
    assert page.url.endswith("/officer/")
    assert page.js_errors == []


def test_analyst_enrols_with_the_qr_code(small_agency, analyst, page, live_server):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{live_server.url}/accounts/login/")
    page.check("input[name=accept_banner]")
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", TEST_PASSWORD)
    submitted(page, "button[type=submit]")
    assert "/accounts/mfa/enrol/" in page.url
    page.wait_for_function("document.querySelector('img.qr').naturalWidth > 0")
    screenshot(page, "mfa-enrol")
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.fill("input[name=token]", f"{totp.token():06d}")
    submitted(page, "main button[type=submit]")  # the header's is "Log out"
    assert len(page.query_selector_all(".recovery-codes li")) == 10
    submitted(page, "text=Continue")
    assert page.url.endswith("/analyst/")
    assert page.js_errors == []
