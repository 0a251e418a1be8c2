"""Every write of the missions app, one verb each: planning, analyst overrides, the mission lifecycle.

Services take keyword-only arguments, check the caller's permission, run in one transaction and
record an audit event (audit.services.record). Views, the API, tasks and commands only call these.
"""

from .avl import AvlProgress, follow_avl
from .closing import complete_mission, correct_tactics, end_mission_early, report_offline
from .common import Conflict, MissionError
from .lifecycle import Position, expire_missions, record_ping, start_mission
from .overrides import (
    SPANS,
    SuppressionPreview,
    add_missions,
    cancel_mission,
    lift_suppression,
    preview_suppression,
    suppress_boxes,
    suppression_span,
)
from .planning import NoForecast, plan_due_shifts, plan_missions

__all__ = [
    "AvlProgress",
    "Conflict",
    "MissionError",
    "NoForecast",
    "Position",
    "SPANS",
    "SuppressionPreview",
    "add_missions",
    "cancel_mission",
    "complete_mission",
    "correct_tactics",
    "end_mission_early",
    "expire_missions",
    "follow_avl",
    "lift_suppression",
    "plan_due_shifts",
    "plan_missions",
    "preview_suppression",
    "record_ping",
    "report_offline",
    "start_mission",
    "suppress_boxes",
    "suppression_span",
]
