"""Headless Debian Chromium driven by Playwright against Django's live server (no downloaded browser)."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make setup`.")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of fixtures are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    from tests.conftest import TEST_PASSWORD, authenticator, totp_code

    def do(username: str):
        from django.contrib.auth import get_user_model

        from accounts.policy import second_factor_required

        user = get_user_model().objects.get(username=username)
        if second_factor_required(user):
            authenticator(user)  # enrolled beforehand, as on the phone
        page.goto(f"{live_server.url}/accounts/login/")
        page.check("input[name=accept_banner]")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/accounts/mfa/verify/" in page.url:  # the second factor, typed as from the phone's app
            page.fill("input[name=token]", totp_code(user))
            page.click("main button[type=submit]")  # the header's is "Log out"
            page.wait_for_load_state("networkidle")
        return page

    return do


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
