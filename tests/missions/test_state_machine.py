"""The mission state machine (missions/state.py): its table agrees with the named sets, the words and
the colours; every status change goes through `transition` (a walk over every app's source, with a
control that the walk finds status writes); the allowed actions the pages render follow the table
and the user's scope; a refused or failed move writes nothing."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from agency.models import Beat
from audit.models import AuditEvent
from home.selectors import shift_board
from missions import selectors, services, state
from missions.models import Mission
from missions_site.access import OFFICER, ROUTES

from .factories import OfficerProfileFactory, serve_dose

ROOT = Path(settings.BASE_DIR)
APPS = (
    "accounts",
    "agency",
    "audit",
    "demo",
    "forecasting",
    "home",
    "ingest",
    "jobs",
    "missions",
    "missions_site",
    "oversight",
    "tactics",
)
STATE_MACHINE = Path("missions/state.py")
STATUSES = set(Mission.Status.values)


# --- the table ---------------------------------------------------------------------------------------


def test_every_status_is_in_exactly_one_named_set_and_the_sets_follow_the_table():
    cancelled = {Mission.Status.CANCELLED}
    sets = [set(Mission.LIVE), set(Mission.CLOSED), cancelled]
    assert sum(len(s) for s in sets) == len(STATUSES) and set().union(*sets) == STATUSES
    assert set(Mission.NOT_CANCELLED) == STATUSES - cancelled
    # Live: what the shift's end closes. Closed and cancelled: no way out but tactics.
    assert set(state.sources(state.EXPIRE)) == set(Mission.LIVE)
    for source, action, target in state.TRANSITIONS:
        assert action in state.ACTIONS and source in STATUSES and target in STATUSES
        if source not in Mission.LIVE:
            assert action == state.TACTICS and target == source
    assert set(state.ACTIONS) == {action for _, action, _ in state.TRANSITIONS}


def test_every_status_has_words_and_a_colour_in_light_and_dark():
    css = (ROOT / "static/css/missions.css").read_text()
    for status, words in Mission.Status.choices:
        assert words.strip()
        assert len(re.findall(rf"--status-{status}:\s*#[0-9a-f]{{6}}", css)) == 2, status
        assert f".status-bar-{status} {{" in css, status
    assert "--status-unknown" not in css  # the control: a status that is not there is not found


def test_the_roles_of_each_offered_action_are_those_of_its_route():
    routes = {
        state.START: "api-mission-start",
        state.COMPLETE: "api-mission-complete",
        state.END_EARLY: "api-mission-end-early",
        state.REPORT: "api-mission-report",
        state.TACTICS: "api-mission-tactics",
        state.CANCEL: "api-mission-cancel",
    }
    assert set(routes) == set(state.OFFERED)
    for action, route in routes.items():
        assert state.ACTIONS[action].roles == ROUTES[route].roles("POST"), action
        assert state.ACTIONS[action].roles  # the control: no empty set passes by matching another


# --- the walk: no status write outside the state machine ---------------------------------------------


def _mentions_mission(node: ast.AST) -> bool:
    """Whether an expression names a Mission, its status values or its querysets."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in {"Mission", "missions"}:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in {
            "missions",
            "mission",
            "live",
            "closed",
            "not_cancelled",
        }:
            return True
        if isinstance(sub, ast.Name) and "mission" in sub.id.lower():
            return True
        if isinstance(sub, ast.Constant) and sub.value in STATUSES - {"expired", "active"}:
            return True  # "active"/"expired" are other models' words too; Mission.Status names them
    return False


def _status_value(call: ast.Call) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == "status":
            return kw.value
        if kw.arg == "defaults" and isinstance(kw.value, ast.Dict):
            for key, value in zip(kw.value.keys, kw.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "status":
                    return value
    return None


def _is_planned(value: ast.AST) -> bool:
    """Creation may give the initial status, planned, and nothing else."""
    return (isinstance(value, ast.Attribute) and value.attr == "PLANNED") or (
        isinstance(value, ast.Constant) and value.value == Mission.Status.PLANNED
    )


def status_writes(source: str) -> list[int]:
    """Lines of `source` that write a mission's status: `x.status = …` (alone or in a tuple) on a
    mission, setattr(x, "status", …), `.update(status=…)` or bulk_update(…, ["status"]) on missions,
    and Mission(status=…)/create(status=…) with any status but the initial planned one."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat = [
                t
                for target in targets
                for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            ]
            for target in flat:
                if not (isinstance(target, ast.Attribute) and target.attr == "status"):
                    continue
                if _mentions_mission(target.value) or (
                    node.value is not None and _mentions_mission(node.value)
                ):
                    found.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "setattr" and len(node.args) == 3:
                named = isinstance(node.args[1], ast.Constant) and node.args[1].value == "status"
                if named and (_mentions_mission(node.args[0]) or _mentions_mission(node.args[2])):
                    found.append(node.lineno)
            elif name in {"update", "bulk_update"}:
                fields = [a for a in node.args[1:2] if isinstance(a, ast.List | ast.Tuple)]
                bulk_status = any(
                    isinstance(e, ast.Constant) and e.value == "status"
                    for f in fields
                    for e in f.elts
                )
                value = _status_value(node)
                if (value is not None or bulk_status) and _mentions_mission(node):
                    found.append(node.lineno)
            elif name in {"Mission", "create", "get_or_create", "update_or_create"}:
                value = _status_value(node)
                if value is not None and not _is_planned(value) and _mentions_mission(node):
                    found.append(node.lineno)
    return sorted(set(found))


WRITES = """
from missions.models import Mission

def by_hand(mission, plan, qs):
    mission.status = Mission.Status.COMPLETED
    mission.status, mission.closed_at = "cancelled", now
    setattr(mission, "status", "expired")
    Mission.objects.filter(pk=1).update(status=Mission.Status.EXPIRED)
    plan.missions.update(status="cancelled")
    Mission.objects.bulk_update(missions, ["status", "closed_at"])
    Mission(date=day, status=Mission.Status.ACTIVE)
    Mission.objects.create(date=day, status="completed")
    Mission.objects.update_or_create(pk=1, defaults={"status": Mission.Status.CANCELLED})
"""

NOT_WRITES = """
from jobs.models import JobRun
from missions.models import Mission

def fine(job, mission, move):
    job.status = JobRun.Status.RUNNING
    JobRun.objects.filter(pk=1).update(status=JobRun.Status.FAILED)
    Mission(date=day, status=Mission.Status.PLANNED)
    Mission.objects.create(date=day)
    Mission.objects.filter(status=Mission.Status.ACTIVE).update(notes="")
    if mission.status == Mission.Status.ACTIVE:
        move.end_in(Mission.Status.COMPLETED)
"""


def test_the_walk_finds_each_kind_of_status_write_and_nothing_else():
    assert status_writes(WRITES) == [5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert status_writes(NOT_WRITES) == []


def test_no_code_outside_the_state_machine_writes_a_missions_status():
    offenders, walked = [], 0
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            walked += 1
            lines = status_writes(path.read_text())
            if relative == STATE_MACHINE:
                assert lines, "the walk should see the state machine's own write"
                continue
            offenders += [f"{relative}:{line}" for line in lines]
    assert walked > 100
    assert offenders == [], "status changes belong in missions/state.py: " + ", ".join(offenders)


# --- transitions and the allowed actions ---------------------------------------------------------------


@pytest.fixture
def planned(forecast, policy, now_window, tactics):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    return Mission.objects.live().filter(beat__code="D1-B1").order_by("rank")


@pytest.fixture
def second_officer(role_user, small_agency):
    user = role_user(OFFICER, username="second")
    OfficerProfileFactory(user=user, home_beat=Beat.objects.get(code="D1-B1"))
    return user


def actions_of(user, mission):
    fresh = selectors.mission_detail(mission.pk)
    return state.allowed_actions(user, [fresh])[mission.pk]


@pytest.mark.django_db
def test_allowed_actions_follow_the_status_and_the_officer(planned, beat_officer, second_officer):
    mission = planned.first()
    assert actions_of(beat_officer, mission) == [state.START, state.REPORT]
    services.start_mission(user=beat_officer, mission_id=mission.pk, reason="GPS is off")
    assert actions_of(beat_officer, mission) == [
        state.COMPLETE,
        state.END_EARLY,
        state.REPORT,
        state.TACTICS,
    ]
    # Another officer's active mission, with him in its box: nothing to do on it.
    assert actions_of(second_officer, mission) == []
    serve_dose(mission)
    services.complete_mission(user=beat_officer, mission_id=mission.pk)
    assert actions_of(beat_officer, mission) == [state.TACTICS]
    assert actions_of(second_officer, mission) == []


@pytest.mark.django_db
def test_only_analysts_are_offered_to_call_off_and_only_live_missions(
    planned, analyst, supervisor, beat_officer
):
    live, other = planned[0], planned[1]
    assert actions_of(analyst, live) == [state.CANCEL]
    assert actions_of(supervisor, live) == []  # the board's viewer without the permission
    assert state.CANCEL not in actions_of(beat_officer, live)
    services.cancel_mission(user=analyst, mission_id=other.pk, reason_code="other", reason="Test")
    assert actions_of(analyst, other) == []


@pytest.mark.django_db
def test_a_transition_writes_its_status_and_one_audit_event(planned, beat_officer):
    mission = planned.first()
    services.start_mission(user=beat_officer, mission_id=mission.pk, reason="GPS is off")
    mission.refresh_from_db()
    assert mission.status == Mission.Status.ACTIVE and mission.started_at is not None
    event = AuditEvent.objects.get(action="missions.start", object_id=str(mission.pk))
    assert event.before["status"] == "planned" and event.after["status"] == "active"
    assert event.after["method"] == "manual" and event.reason == "GPS is off"


@pytest.mark.django_db
def test_a_refused_or_failed_move_writes_nothing(planned, beat_officer):
    mission = planned.first()
    with pytest.raises(services.Conflict, match="Only an active mission can be completed"):
        services.complete_mission(user=beat_officer, mission_id=mission.pk)
    # The body fails after the checks passed: the status and the audit stay as they were.
    with (
        pytest.raises(RuntimeError),
        state.transition(mission.pk, state.START, actor=beat_officer) as move,
    ):
        move.set(notes="changed")
        raise RuntimeError("the service found a problem")
    mission.refresh_from_db()
    assert mission.status == Mission.Status.PLANNED and mission.notes == ""
    assert not AuditEvent.objects.filter(object_id=str(mission.pk)).exists()
    # The control: the same move, left normally, is written.
    with state.transition(mission.pk, state.START, actor=beat_officer) as move:
        move.set(notes="changed")
    mission.refresh_from_db()
    assert mission.status == Mission.Status.ACTIVE and mission.notes == "changed"
    assert AuditEvent.objects.filter(action="missions.start", object_id=str(mission.pk)).exists()


@pytest.mark.django_db
def test_an_ending_outside_the_table_is_refused(planned, beat_officer):
    mission = planned.first()
    refused = pytest.raises(ValueError, match="cannot end")
    with refused, state.transition(mission.pk, state.REPORT, actor=beat_officer) as move:
        move.end_in(Mission.Status.CANCELLED)
    with state.transition(mission.pk, state.REPORT, actor=beat_officer) as move:
        move.end_in(Mission.Status.ENDED_EARLY)  # the control: a row of the table
    mission.refresh_from_db()
    assert mission.status == Mission.Status.ENDED_EARLY


@pytest.mark.django_db
def test_the_officer_api_and_the_board_carry_the_allowed_actions(
    planned, api, beat_officer, analyst
):
    body = api(beat_officer).get(reverse("api-officer-missions")).json()
    assert body["features"]
    assert all(
        f["properties"]["allowed_actions"] == [state.START, state.REPORT] for f in body["features"]
    )
    board = shift_board(analyst)
    rows = [m for beat in board["beats"] for m in beat["missions"]]
    assert rows and all(m["allowed_actions"] == [state.CANCEL] for m in rows)
    schema = api(analyst).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    field = schema["components"]["schemas"]["MissionPropertiesOut"]["properties"]["allowed_actions"]
    assert field["type"] == "array" and "$ref" in field["items"]
