"""The browser tests' wait for a page's maps and boards: it returns once each drawing module has
marked itself drawn, and otherwise fails saying which one never did (not a bare timeout)."""

import pytest

from tests.browser.conftest import settled

pytestmark = pytest.mark.browser

BOARD = '<div data-module="supervisor-board" {ready}></div><div data-module="forecast-map" data-ready="1"></div>'


def test_a_page_whose_modules_are_drawn_is_settled(page):
    page.set_content(BOARD.format(ready='data-ready="1"'))
    assert settled(page, timeout=1_000) is page


def test_a_module_never_drawn_is_named(page):
    page.set_content(BOARD.format(ready=""))
    with pytest.raises(AssertionError, match=r"not drawn after 1 s: \['supervisor-board'\]"):
        settled(page, timeout=1_000)
