"""The mission state machine: which action moves a mission from which status to which, who may take
it, and the one function, `transition`, through which every status change is written.

Adding a status is one row group in TRANSITIONS plus its words and colour (docs/adr/0019): the
words are its Mission.Status choice (missions/models.py, which also puts it in one named set:
LIVE, CLOSED or cancelled), the colour its `--status-<code>` in static/css/missions.css (light and
dark) with its `.status-bar-<code>`. tests/missions/test_state_machine.py checks all of these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from missions import scope
from missions.models import Mission
from missions.services.common import (
    Conflict,
    MissionError,
    audit,
    event_time,
    locked_mission,
    mission_state,
)
from missions_site.access import ANALYSIS, FIELD, has_role

Status = Mission.Status

# The actions, as the API and the pages name them.
START = "start"  # an officer arrives (or starts by hand); on an active mission: resumes
COMPLETE = "complete"  # the dose is served
END_EARLY = "end_early"  # before the dose is served, with a reason
REPORT = "report"  # a device that was offline sends the whole mission at once
TACTICS = "tactics"  # the officer adds or corrects the tactics used (the status stays)
CANCEL = "cancel"  # an analyst calls the mission off (alone or by suppressing its box)
SUPERSEDE = "supersede"  # a new plan of the shift no longer picks the box
EXPIRE = "expire"  # the shift ended
AVL_START = "avl_start"  # a rostered unit's vehicle entered the box (AVL): started by itself
AVL_COMPLETE = "avl_complete"  # the rostered units' measured minutes served the dose

# from status, action, to status. An action with two rows from one status ends in either, as the
# service finds (an offline report: completed when its visits serve the dose, else ended early).
TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    (Status.PLANNED, START, Status.ACTIVE),
    (Status.ACTIVE, START, Status.ACTIVE),  # resumed: another visit
    (Status.ACTIVE, COMPLETE, Status.COMPLETED),
    (Status.ACTIVE, END_EARLY, Status.ENDED_EARLY),
    (Status.PLANNED, REPORT, Status.COMPLETED),
    (Status.PLANNED, REPORT, Status.ENDED_EARLY),
    (Status.ACTIVE, REPORT, Status.COMPLETED),
    (Status.ACTIVE, REPORT, Status.ENDED_EARLY),
    (Status.ACTIVE, TACTICS, Status.ACTIVE),
    (Status.COMPLETED, TACTICS, Status.COMPLETED),
    (Status.ENDED_EARLY, TACTICS, Status.ENDED_EARLY),
    (Status.PLANNED, CANCEL, Status.CANCELLED),
    (Status.ACTIVE, CANCEL, Status.CANCELLED),
    (Status.PLANNED, SUPERSEDE, Status.CANCELLED),
    (Status.PLANNED, EXPIRE, Status.EXPIRED),
    (Status.ACTIVE, EXPIRE, Status.EXPIRED),
    (Status.PLANNED, AVL_START, Status.ACTIVE),
    (Status.ACTIVE, AVL_COMPLETE, Status.COMPLETED),
)

# The scope check of an action (missions/scope.py).
PATROL, CORRECT, ANY = "patrol", "correct", "any"


@dataclass(frozen=True)
class Action:
    """Who may take an action and what a refused move answers."""

    roles: frozenset[str]  # the roles that take it (the route matrix's, missions_site/access.py)
    permission: str | None  # None: only the system (the scheduler) takes it
    scope: str  # PATROL: the officer's own missions; CORRECT: tactics; ANY: no scope check
    refusal: str = ""  # said when the status does not allow it ({status}, {label} filled in)
    conflict: bool = True  # a refused move is a Conflict (409), else bad input (400)
    by_system: bool = False  # also taken with no actor (the scheduler)
    audit_action: str = ""  # the audit event's name when not the action's own
    offered: bool = True  # shown to users as a button (the system's actions are not)


ACTIONS: dict[str, Action] = {
    START: Action(FIELD, "missions.patrol_mission", PATROL, "The mission is {status}."),
    COMPLETE: Action(
        FIELD,
        "missions.patrol_mission",
        PATROL,
        "Only an active mission can be completed; this one is {label}.",
    ),
    END_EARLY: Action(
        FIELD,
        "missions.patrol_mission",
        PATROL,
        "Only an active mission can be ended early; this one is {label}.",
    ),
    REPORT: Action(FIELD, "missions.patrol_mission", PATROL, "The mission is already {status}."),
    # The scope check says why tactics are refused on a mission nobody patrolled (403).
    TACTICS: Action(FIELD, "missions.patrol_mission", CORRECT),
    CANCEL: Action(
        ANALYSIS,
        "missions.add_suppression",
        ANY,
        "The mission is {status}; only planned or active ones can be called off.",
        conflict=False,
    ),
    SUPERSEDE: Action(
        ANALYSIS,
        "missions.plan_missions",
        ANY,
        "The mission is {status}: only a planned one is superseded.",
        by_system=True,
        audit_action=CANCEL,
        offered=False,
    ),
    EXPIRE: Action(
        frozenset(), None, ANY, "The mission is already {status}.", by_system=True, offered=False
    ),
    # Measured from the vehicle location feed (missions/services/avl.py): nobody touches the MDT.
    AVL_START: Action(
        frozenset(), None, ANY, "The mission is already {status}.", by_system=True, offered=False
    ),
    AVL_COMPLETE: Action(
        frozenset(), None, ANY, "The mission is already {status}.", by_system=True, offered=False
    ),
}


# The actions users take (the pages' buttons, the API's allowed_actions), in the table's order.
OFFERED = tuple(name for name, rule in ACTIONS.items() if rule.offered)


def moves(status: str, action: str) -> tuple[str, ...]:
    """The statuses `action` may lead to from `status` (none: not allowed)."""
    return tuple(to for source, act, to in TRANSITIONS if source == status and act == action)


def sources(action: str) -> tuple[str, ...]:
    """The statuses from which `action` is allowed, in the order of Mission.Status."""
    found = {source for source, act, _ in TRANSITIONS if act == action}
    return tuple(s for s in Status.values if s in found)


@dataclass
class Move:
    """One transition under way: the locked mission, the time of the act, and what the service
    adds before the status is written (its changed fields and the audit's extra facts)."""

    mission: Mission
    action: str
    at: datetime
    target: str
    before: dict
    fields: set[str] = field(default_factory=set)
    audit_extra: dict = field(default_factory=dict)
    reason_code: str = ""
    reason: str = ""

    def set(self, **values) -> None:
        """Change fields of the mission; they are saved with its status (which only the table sets:
        `end_in` picks among its rows)."""
        if "status" in values:
            raise ValueError("The status is the table's: pick it with end_in().")
        for name, value in values.items():
            setattr(self.mission, name, value)
        self.fields.update(values)

    def end_in(self, status: str) -> None:
        """Pick the status the move ends in, among those its table rows allow."""
        allowed = moves(self.before["status"], self.action)
        if status not in allowed:
            raise ValueError(f"{self.action} from {self.before['status']} cannot end {status}.")
        self.target = status


@contextmanager
def transition(
    mission: Mission | int,
    action: str,
    *,
    actor,
    at: datetime | None = None,
    device_time: bool = False,
    queued: bool = False,
    offline_since: datetime | None = None,
    scope_at: datetime | None = None,
    now: datetime | None = None,
    reason_code: str = "",
    reason: str = "",
) -> Iterator[Move]:
    """Move a mission by `action`, in one transaction: check the actor's role and permission, lock
    its row, check the time of the act (`device_time`: an officer's action, timed by the server's
    clock unless `queued` offline, see common.event_time), the actor's scope (judged at `scope_at`,
    else at a queued action's time, else now: as the missions' GET judges it) and that the table
    allows the move from the locked status; then the service's body runs with the `Move`; on
    leaving, the status and the fields the body set are saved and the audit event written. An
    exception in the body writes nothing. `now` is the server's clock (the demo's history replays
    past shifts with it)."""
    rule = ACTIONS[action]
    require_actor(actor, action)
    with transaction.atomic():
        mission = locked_mission(mission if isinstance(mission, int) else mission.pk)
        if device_time:
            acted_at = event_time(at, mission, queued=queued, offline_since=offline_since, now=now)
        else:
            acted_at = at or now or timezone.now()
        _check_scope(
            rule, actor, mission, action=action, at=scope_at or (acted_at if queued else now)
        )
        targets = moves(mission.status, action)
        if not targets:
            message = rule.refusal.format(
                status=mission.status, label=mission.get_status_display().lower()
            )
            if rule.conflict:
                raise Conflict(message, mission=mission)
            raise MissionError(message)
        move = Move(
            mission=mission,
            action=action,
            at=acted_at,
            target=targets[0],
            before=mission_state(mission),
            reason_code=reason_code,
            reason=reason,
        )
        yield move
        if move.target != mission.status:
            mission.status = move.target  # the one status write of the code base
            move.fields.add("status")
        if move.fields:
            mission.save(update_fields=[*sorted(move.fields), "updated_at"])
        audit(
            actor=actor,
            action=rule.audit_action or action,
            obj=mission,
            before=move.before,
            after={**mission_state(mission), **move.audit_extra},
            reason_code=move.reason_code,
            reason=move.reason,
        )


def require_actor(actor, action: str) -> None:
    """The actor may take `action` at all (its permission; no actor: the system's actions only).
    Services that check their input before locking call this first, so a refusal comes first."""
    rule = ACTIONS[action]
    if actor is None:
        if not rule.by_system:
            raise PermissionDenied("You need to be signed in for this.")
        return
    if rule.permission is None or not actor.has_perm(rule.permission):
        raise PermissionDenied(f"You need the permission {rule.permission!r} for this.")
    if not has_role(actor, *rule.roles):
        raise PermissionDenied(f"Your role does not {action.replace('_', ' ')} missions.")


def allowed_actions(user, missions: list[Mission], *, now: datetime | None = None) -> dict:
    """Per mission pk, the actions the user may take on it now, in the table's order: what the
    pages show as buttons. The missions' visits, beats and shifts should be loaded."""
    now = now or timezone.now()
    offered = [
        (name, rule)
        for name, rule in ACTIONS.items()
        # Roles first: they are read once per request, the permissions may cost queries.
        if rule.offered
        and has_role(user, *rule.roles)
        and rule.permission
        and user.has_perm(rule.permission)
    ]
    if not offered:
        return {m.pk: [] for m in missions}
    visible = scope.refusal_for(user, now=now)
    return {
        m.pk: [
            name
            for name, rule in offered
            if moves(m.status, name)
            and _ready(name, m)
            and _in_scope(rule, user, m, name, now, visible)
        ]
        for m in missions
    }


# --- helpers ---------------------------------------------------------------------------------------


def _check_scope(rule: Action, actor, mission: Mission, *, action: str, at) -> None:
    if actor is None or rule.scope == ANY:
        return
    if rule.scope == PATROL:
        scope.require_can_patrol(actor, mission, action=_scope_word(action), now=at)
    else:
        scope.require_can_correct(
            actor,
            mission,
            now=at or timezone.now(),
            takes_tactics=bool(moves(mission.status, TACTICS)),
        )


def _in_scope(rule: Action, user, mission: Mission, action: str, now, visible) -> bool:
    if rule.scope == ANY:
        return visible(mission) is None
    if rule.scope == PATROL:
        word = _scope_word(action)
        return scope.patrol_refusal(user, mission, action=word, visible=visible) is None
    return (
        scope.correct_refusal(
            user,
            mission,
            now=now,
            visible=visible,
            takes_tactics=bool(moves(mission.status, TACTICS)),
        )
        is None
    )


def _ready(action: str, mission: Mission) -> bool:
    """Start needs nobody in the box yet (a running visit: already started)."""
    if action == START:
        return not any(v.ended_at is None for v in mission.visits.all())
    return True


def _scope_word(action: str) -> str:
    """How scope's refusals name the action ("only an officer who patrolled it may end it")."""
    return "end" if action == END_EARLY else action
