"""Headless Debian Chromium driven by Playwright against Django's live server (no downloaded browser)."""

import os
from pathlib import Path

import pytest

# The missions fixtures (grid, crime types, a forecast, tactics) serve every browser test.
from tests.missions.conftest import (  # noqa: F401
    crime_types,
    forecast,
    grid,
    now_window,
    policy,
    tactics,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
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


# Reports every Content-Security-Policy violation of every page the context opens (init scripts and
# bindings are added by the browser itself, so the page's policy does not block them).
CSP_COLLECTOR = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation({ directive: e.effectiveDirective, blocked: e.blockedURI,
                                sample: e.sample, page: document.location.pathname });
});
"""


@pytest.fixture
def page(browser):
    """A page that records uncaught errors (js_errors), console errors (console_errors) and CSP
    violations (csp_violations). Tests must wait with functions ("() => …"): the policy forbids eval."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield watched_page(context)
    context.close()


def watched_page(context):
    """A page of the context that records js_errors, console_errors and csp_violations (as `page`)."""
    violations = []
    context.expose_binding("__reportCspViolation", lambda source, report: violations.append(report))
    context.add_init_script(CSP_COLLECTOR)
    page = context.new_page()
    errors, console_errors = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    # Chromium's console says only "Failed to load resource: 404": keep which one.
    page.on(
        "response",
        lambda r: console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.js_errors = errors
    page.console_errors = console_errors
    page.csp_violations = violations
    return page


@pytest.fixture
def login(page, live_server):
    return lambda username: signed_in(page, live_server.url, username)


def signed_in(page, base_url: str, username: str):
    """The page signed in as `username` (second factor verified when the role needs one), on the
    user's home page: the session made as Django's test client makes it and handed to the browser
    as its cookie. The sign-in pages themselves are driven by `sign_in` and tests/browser/test_sign_in.py."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.conftest import verify_second_factor

    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    verify_second_factor(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )
    page.goto(f"{base_url}/")
    settled(page)
    return page


# The modules that draw from data fetched after the page's load, and then mark their element
# data-ready ("1", or "error" when the data failed).
DRAWN_MODULES = (
    "forecast-map",
    "jurisdiction-map",
    "missions-shift",
    "officer-missions",
    "supervisor-board",
)
ALL_DRAWN = """(modules) => Array.from(document.querySelectorAll('[data-module]'))
  .every((el) => !modules.includes(el.dataset.module) || el.dataset.ready !== undefined)"""
UNDRAWN = """(modules) => Array.from(document.querySelectorAll('[data-module]'))
  .filter((el) => modules.includes(el.dataset.module) && el.dataset.ready === undefined)
  .map((el) => el.dataset.module)"""


def settled(page, timeout: float = 15_000):
    """The page loaded and each of its maps and boards drawn from its data. Waits for those
    conditions instead of "networkidle" (half a second without a request, each time; never on a
    page that polls)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("load")
    try:
        page.wait_for_function(ALL_DRAWN, arg=list(DRAWN_MODULES), timeout=timeout)
    except PlaywrightTimeout:
        undrawn = page.evaluate(UNDRAWN, list(DRAWN_MODULES))
        raise AssertionError(
            f"{page.url}: not drawn after {timeout / 1000:.0f} s: {undrawn}; "
            f"page errors {getattr(page, 'js_errors', [])}"
        ) from None
    return page


def submitted(page, selector: str):
    """Click what submits a form (or follows a link) and wait for the page it leads to, settled."""
    with page.expect_navigation():
        page.click(selector)
    return settled(page)


def sign_in(page, base_url: str, username: str):
    """Sign in through the login page (and the second factor, when the role needs one)."""
    from django.contrib.auth import get_user_model

    from accounts.policy import second_factor_required
    from tests.conftest import TEST_PASSWORD, authenticator, totp_code

    user = get_user_model().objects.get(username=username)
    if second_factor_required(user):
        authenticator(user)  # enrolled beforehand, as on the phone
    page.goto(f"{base_url}/accounts/login/")
    page.check("input[name=accept_banner]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    submitted(page, "button[type=submit]")
    if "/accounts/mfa/verify/" in page.url:  # the second factor, typed as from the phone's app
        page.fill("input[name=token]", totp_code(user))
        submitted(page, "main button[type=submit]")  # the header's is "Log out"
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
