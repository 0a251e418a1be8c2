"""The report page's tables as CSV downloads (`missions-report-csv`): each table's columns and rows,
for the same date range the page shows."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tactics.selectors import tactic_counts

from . import reports
from .models import Mission


@dataclass(frozen=True)
class Table:
    name: str
    columns: Callable[[], list[tuple[str, str]]]  # (header, row key)
    rows: Callable[[dt.date, dt.date], list[dict]]
    permission: str | None = None  # beyond the page's own, e.g. to see evaluation outcomes


def _statuses() -> list[tuple[str, str]]:
    return [(label, code) for code, label in Mission.Status.choices]


def _outcome_rows(date_from, date_to) -> list[dict]:
    groups = reports.outcomes(date_from=date_from, date_to=date_to)["groups"]
    return [{"boxes": name, **group} for name, group in groups.items()]


TABLES = {
    "daily": Table(
        "missions-per-day",
        lambda: [
            ("Day", "date"),
            *_statuses(),
            ("Missions", "total"),
            ("Dose minutes planned", "minutes_planned"),
            ("Minutes in box (measured)", "minutes"),
            ("Minutes self-reported", "minutes_self_reported"),
        ],
        lambda f, t: reports.daily_summary(date_from=f, date_to=t),
    ),
    "status": Table(
        "missions-per-beat-and-shift",
        lambda: [
            ("Beat", "beat"),
            ("Shift", "shift"),
            *_statuses(),
            ("Completed share", "completed_share"),
            ("Dose minutes planned", "minutes_planned"),
            ("Minutes served", "minutes_served"),
            ("Minutes self-reported", "minutes_self_reported"),
            ("Dose delivered", "dose_delivered"),
        ],
        lambda f, t: reports.status_by_beat_shift(date_from=f, date_to=t),
    ),
    "outcomes": Table(
        "incidents-during-planned-shifts",
        lambda: [
            ("Boxes", "boxes"),
            ("Box-shifts", "box_shifts"),
            ("Incidents", "incidents"),
            ("Per 100 box-shifts", "per_100_box_shifts"),
        ],
        _outcome_rows,
        permission="missions.evaluate_missions",
    ),
    "tactics": Table(
        "tactics-reported",
        lambda: [("Tactic", "tactic"), ("Times", "count")],
        lambda f, t: tactic_counts(date_from=f, date_to=t)["total"],
    ),
    "dose": Table(
        "minutes-in-box-per-mission",
        lambda: [
            ("Date", "date"),
            ("Shift", "shift"),
            ("Beat", "beat"),
            ("Box", "cell_id"),
            ("Status", "status_label"),
            ("Dose", "dose_minutes"),
            ("Minutes in box (measured)", "minutes_in_box"),
            ("Minutes self-reported", "minutes_self_reported"),
            ("Visits", "visits"),
            ("Ended early because", "ended_reason"),
        ],
        lambda f, t: reports.dose_by_mission(date_from=f, date_to=t),
    ),
}


def csv_rows(table: Table, *, date_from: dt.date, date_to: dt.date) -> Iterator[list]:
    """The header, then the table's rows (csv_download makes each cell spreadsheet-safe)."""
    columns = table.columns()
    yield [header for header, _ in columns]
    for row in table.rows(date_from, date_to):
        yield [row.get(key) for _, key in columns]
