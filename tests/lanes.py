"""The suite's lanes: which tests drive Chromium, run a Celery worker, start another process, fuzz
or take long, so that `make test-fast` can leave the heavy ones out (README, "Lanes of the suite").

Marks come from where a test lives (tests/browser) and what it asks for (the `browser`, `page` and
`celery_worker_thread` fixtures, hypothesis); a test that starts a process itself carries its mark
by hand, and the guard below fails any test that starts one without it, so a new test cannot slip
into the fast lane unmarked.
"""

import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# The marks are registered in pyproject.toml ([tool.pytest.ini_options] markers).
# A test marked with any of these may start processes; `make test-fast` leaves them all out.
PROCESS_MARKS = ("browser", "worker", "subprocess")
DIRECTORY_MARKS = {TESTS / "browser": "browser"}
LIBRARY_LOOKUPS = {"ctypes.util"}
FIXTURE_MARKS = {"browser": "browser", "page": "browser", "celery_worker_thread": "worker"}


class UnmarkedProcessError(Exception):
    """A test started a process without one of PROCESS_MARKS."""


def pytest_configure(config):
    _install_process_guard()


@pytest.hookimpl(trylast=True)  # after pytest-django has put the tests in Django's order
def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in marks_implied(item):
            item.add_marker(mark)
    items.sort(key=heavy_first)


# Marks of tests that take seconds to tens of seconds each.
HEAVY_MARKS = (*PROCESS_MARKS, "slow", "fuzz")


def heavy_first(item) -> tuple[int, bool]:
    """Django's order (database tests, then transactional ones, then those without a database)
    with the heavy tests first in each group, and the heavy ones without a database before all:
    xdist hands tests out in this order, so a long test no longer starts last and runs alone."""
    heavy = any(item.get_closest_marker(mark) for mark in HEAVY_MARKS)
    group = _django_group(item)
    return (-1 if group == 2 and heavy else group, not heavy)


def _django_group(item) -> int:
    """pytest-django's order number: 0 database, 1 transactional database, 2 none."""
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = "transactional_db" in fixtures or "live_server" in fixtures
    if marker is not None:
        transactional |= bool(
            marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
        )
        transactional |= bool(marker.args and marker.args[0])
    if transactional:
        return 1
    return 0 if marker is not None or "db" in fixtures else 2


def marks_implied(item) -> set[str]:
    """The marks a test gets from its directory, its fixtures and hypothesis."""
    path = Path(str(item.path)).resolve()
    implied = {mark for folder, mark in DIRECTORY_MARKS.items() if path.is_relative_to(folder)}
    implied |= {
        FIXTURE_MARKS[name] for name in getattr(item, "fixturenames", ()) if name in FIXTURE_MARKS
    }
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        implied.add("fuzz")
    return implied


# The test running now (set around each test's setup, call and teardown), for the guard.
_running: list = []
# nodeid → the command an unmarked test started: the test fails at teardown even if it caught the
# guard's exception.
unmarked_starts: dict[str, str] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    torn_down = yield  # the fixtures first, so that the next test starts clean
    if item.nodeid in unmarked_starts:
        pytest.fail(unmarked_message(item, unmarked_starts.pop(item.nodeid)), pytrace=False)
    return torn_down


def unmarked_message(item, command) -> str:
    return (
        f"{item.nodeid} started a process ({command}) but is not marked "
        f"{' / '.join(PROCESS_MARKS)}: add the mark (tests/lanes.py) so that `make test-fast` "
        "leaves it out."
    )


def check_may_start_process(item, command, starter: str = "") -> None:
    """Raise (and remember) when the running test may not start a process. `starter` is the module
    that calls Popen: ctypes.util runs ldconfig to find a shared library (Django's SpatiaLite
    backend does, on its first connection), which is no test starting a process."""
    if item is None or starter in LIBRARY_LOOKUPS:
        return
    if any(item.get_closest_marker(mark) for mark in PROCESS_MARKS):
        return
    unmarked_starts[item.nodeid] = str(command)[:200]
    raise UnmarkedProcessError(unmarked_message(item, command))


def _install_process_guard() -> None:
    if getattr(subprocess.Popen.__init__, "lanes_guard", False):
        return
    start = subprocess.Popen.__init__

    def guarded_start(self, args, *rest, **kwargs):
        starter = sys._getframe(1).f_globals.get("__name__", "")
        if starter == "subprocess":  # subprocess.run, check_output…: who called them
            starter = sys._getframe(2).f_globals.get("__name__", "")
        check_may_start_process(_running[-1] if _running else None, args, starter)
        start(self, args, *rest, **kwargs)

    guarded_start.lanes_guard = True
    subprocess.Popen.__init__ = guarded_start
