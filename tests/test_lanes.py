"""The lanes of the suite (tests/lanes.py): marks follow a test's directory and fixtures, and a test
that starts a process without a process mark fails, so `make test-fast` cannot run it by mistake."""

import ctypes.util
import subprocess
from types import SimpleNamespace

import hypothesis
import pytest
from hypothesis import strategies as st

from tests import lanes


def collected(path, fixturenames=(), obj=None):
    return SimpleNamespace(path=path, fixturenames=list(fixturenames), obj=obj)


@hypothesis.given(st.integers())
def generated(number):
    assert isinstance(number, int)


def plain():
    pass


def test_directory_fixtures_and_hypothesis_imply_their_marks():
    assert lanes.marks_implied(collected(lanes.TESTS / "browser" / "test_x.py")) == {"browser"}
    in_missions = lanes.TESTS / "missions" / "test_x.py"
    assert lanes.marks_implied(collected(in_missions, ["page", "db"])) == {"browser"}
    assert lanes.marks_implied(collected(in_missions, ["celery_worker_thread"])) == {"worker"}
    assert lanes.marks_implied(collected(in_missions, obj=generated)) == {"fuzz"}
    assert lanes.marks_implied(collected(in_missions, ["db", "client"], obj=plain)) == set()


def test_an_unmarked_test_may_not_start_a_process(request):
    with pytest.raises(lanes.UnmarkedProcessError, match="is not marked browser / worker"):
        subprocess.run(["true"], check=True)
    # The guard also fails the test at teardown (in case the test caught the error): not this one.
    assert "true" in lanes.unmarked_starts.pop(request.node.nodeid)


@pytest.mark.subprocess
def test_a_test_marked_subprocess_may_start_one():
    assert subprocess.run(["true"], check=True).returncode == 0


def test_looking_up_a_shared_library_is_no_process_of_the_test():
    assert ctypes.util.find_library("c")  # runs ldconfig -p


def test_the_guard_passes_marked_tests_and_code_outside_tests(request):
    marked = SimpleNamespace(
        nodeid="t::marked", get_closest_marker=lambda name: name == "worker" or None
    )
    lanes.check_may_start_process(marked, ["celery", "worker"])
    lanes.check_may_start_process(None, ["celery", "worker"])  # collection, session set-up
    lanes.check_may_start_process(request.node, ["/sbin/ldconfig", "-p"], "ctypes.util")
    with pytest.raises(lanes.UnmarkedProcessError):
        lanes.check_may_start_process(request.node, ["celery", "worker"])
    assert lanes.unmarked_starts.pop(request.node.nodeid) == "['celery', 'worker']"
