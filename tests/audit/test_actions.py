"""Every audit action is in audit/actions.py: in the source, and in the events flows write.

tests/conftest.py also checks, after every test that used the database, that the events it wrote
name registered actions (`unregistered_actions` below is that check).
"""

import ast
from pathlib import Path

import pytest
from django.db import transaction

from audit.actions import Action
from audit.models import AuditEvent
from audit.services import append, record
from missions import state
from missions.models import AUDIT_PREFIX
from tests.audit_actions import unregistered_actions

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {"migrations", "tests", ".venv", "node_modules", "bench", "docs", "static"}
# Calls that write an event, and the position of their action when it is not a keyword.
WRITERS = {"record": None, "audit": None, "_record": 2}


def source_files():
    for path in sorted(ROOT.rglob("*.py")):
        if not set(path.relative_to(ROOT).parts[:-1]) & SKIPPED_DIRS and path.parent != ROOT:
            yield path


def action_argument(call: ast.Call):
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    position = WRITERS[_called(call)]
    return call.args[position] if position is not None and len(call.args) > position else None


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def scan() -> tuple[set[str], list[str]]:
    """(action names the source records, problems): a literal name outside missions' verbs, a
    name built at run time, or an Action member that does not exist is a problem."""
    names, problems = set(), []
    for path in source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Action"
            ):
                if node.attr in Action.__members__:
                    names.add(Action[node.attr].value)
                elif not node.attr.startswith("_") and node.attr not in dir(Action):
                    problems.append(f"{where}:{node.lineno}: Action.{node.attr} does not exist")
            if isinstance(node, ast.Call) and _called(node) in WRITERS:
                value = action_argument(node)
                for expr in _branches(value):
                    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                        if _called(node) == "audit" and "missions" in where.parts:
                            names.add(AUDIT_PREFIX + expr.value)  # a verb of the missions app
                        else:
                            problems.append(f"{where}:{node.lineno}: literal {expr.value!r}")
                    elif _missions_verb(expr):
                        continue  # missions' audit(): its callers' verbs are checked above
                    elif isinstance(expr, (ast.JoinedStr, ast.BinOp)):
                        problems.append(f"{where}:{node.lineno}: action built at run time")
    return names, problems


def _missions_verb(expr) -> bool:
    return (
        isinstance(expr, ast.BinOp)
        and isinstance(expr.left, ast.Name)
        and expr.left.id == "AUDIT_PREFIX"
    )


def _branches(expr):
    if isinstance(expr, ast.IfExp):
        return [*_branches(expr.body), *_branches(expr.orelse)]
    return [] if expr is None else [expr]


def test_the_source_records_only_registered_actions_and_every_one_is_used():
    names, problems = scan()
    # state.transition audits every move under its table's name (missions/state.py).
    names |= {AUDIT_PREFIX + (rule.audit_action or name) for name, rule in state.ACTIONS.items()}
    assert problems == []
    assert names - set(Action) == set()  # missions' verbs included
    assert set(Action) - names == set(), "registered but never recorded"
    assert len(names) >= 60


def test_the_scan_flags_a_literal_and_a_built_name(tmp_path, monkeypatch):
    bad = tmp_path / "badapp" / "services.py"
    bad.parent.mkdir()
    bad.write_text(
        "record(action='made.up')\nrecord(action=f'config.{x}')\nrecord(action=Action.NOPE)\n"
        "record(action=Action.AUTH_LOGIN)\n"
    )
    monkeypatch.setattr("tests.audit.test_actions.ROOT", tmp_path)
    names, problems = scan()
    assert names == {"auth.login"}
    assert len(problems) == 3 and "'made.up'" in problems[0]


def test_every_action_has_a_description():
    for action in Action:
        assert action.description.endswith(".") and len(action.description) > 10, action
    assert len({a.value for a in Action}) == len(Action)


@pytest.mark.django_db
def test_record_refuses_an_unknown_action_and_accepts_a_registered_one():
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="audit/actions.py"):
        record(action="missions.teleport")
    assert AuditEvent.objects.count() == before
    event = record(action=Action.AUTH_LOGIN)  # control
    assert event.action == "auth.login" and AuditEvent.objects.count() == before + 1
    assert record(action="auth.logout").action == "auth.logout"  # a registered name as text


@pytest.mark.django_db
def test_the_suite_check_flags_an_event_with_an_unknown_action():
    record(action=Action.ADMIN_ADD)
    assert unregistered_actions() == []  # control
    with transaction.atomic():
        sid = transaction.savepoint()
        append(action="made.up")  # below record(): only the suite's check can see it
        assert unregistered_actions() == ["made.up"]
        transaction.savepoint_rollback(sid)
    assert unregistered_actions() == []


@pytest.mark.django_db
def test_flows_write_registered_actions(client, role_user):
    from agency.models import CrimeType
    from agency.services import delete_configuration, save_configuration

    analyst = role_user("Analyst")
    client.force_login(analyst)
    client.get("/audit/")  # an analyst may not read the audit log: access.denied
    client.logout()
    crime_type = save_configuration(
        obj=CrimeType(code="arson_t", name="Arson T", severity_weight=2, patrol_efficacy=0.5),
        actor=analyst,
    )
    crime_type.severity_weight = 3
    save_configuration(obj=crime_type, actor=analyst)
    delete_configuration(obj=crime_type, actor=analyst)
    written = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "auth.user.groups.add",
        "auth.login",
        "access.denied",
        "auth.logout",
        "config.crimetype.create",
        "config.crimetype.change",
        "config.crimetype.delete",
    } <= written
    assert unregistered_actions() == []
