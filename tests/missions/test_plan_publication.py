"""No officer ever sees a half-published plan: while an analyst re-plans the shift again and again
(each time from a new forecast, so most boxes change), every read of the officer's missions and of
the whole shift equals one of the states the planner committed — never new missions beside the old
ones they replace."""

import threading

import pytest
from django.db import connection

from missions import selectors, services
from missions.models import Mission

REPLANS = 6


def officer_view(officer) -> frozenset[int]:
    _, missions = selectors.officer_missions(officer)
    return frozenset(m.pk for m in missions)


def shift_view(window) -> frozenset[int]:
    return frozenset(
        m.pk
        for m in selectors.shift_missions(
            date=window.date, shift=window.shift, include_cancelled=False
        )
    )


@pytest.mark.django_db(transaction=True)
def test_reads_during_replanning_never_mix_two_plans(
    forecast, policy, now_window, tactics, beat_officer
):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    published = [(officer_view(beat_officer), shift_view(now_window))]
    errors = []
    done = threading.Event()

    def analyst_replans():
        try:
            for seed in range(2, 2 + REPLANS):
                forecast(now_window.date, now_window.shift, seed=seed)
                services.plan_missions(date=now_window.date, shift=now_window.shift)
                published.append((officer_view(beat_officer), shift_view(now_window)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            done.set()
            connection.close()

    planner = threading.Thread(target=analyst_replans)
    seen = []
    planner.start()
    while not done.is_set():
        seen.append((officer_view(beat_officer), shift_view(now_window)))
    planner.join()
    assert not errors

    officer_states = {officer for officer, _ in published}
    shift_states = {whole for _, whole in published}
    assert len(shift_states) > 1 and len(officer_states) > 1  # the re-plans changed what is shown
    assert {officer for officer, _ in seen} <= officer_states
    assert {whole for _, whole in seen} <= shift_states
    assert (
        len({whole for _, whole in seen}) > 1
    )  # reads ran across re-plans, not all before or after
    per_plan = policy.missions_per_beat_per_shift
    assert all(len(officer) == per_plan for officer, _ in seen)
    assert Mission.objects.exclude(status="cancelled").count() == len(published[-1][1])
