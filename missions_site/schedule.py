"""Every periodic job of Missions, with its schedule, queue and why: the one truth of the beat table.

`jobs.periodic.sync_periodic_tasks` makes django-celery-beat's entries equal to this list after
every `migrate` (docs/adr/0021-reasons-actions-schedules-as-data.md); `settings/workers.py` routes
each task to its queue from here. Pure Python: settings import it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Queue names, as `settings/workers.py` declares them (a test checks they agree).
FORECAST, IMPORTS, DEFAULT = "forecast", "imports", "default"


@dataclass(frozen=True)
class Crontab:
    """A cron schedule in UTC (jobs that follow agency time check the local hour themselves)."""

    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # the beat entry's name, as the admin shows it
    task: str  # dotted Celery task name
    queue: str
    why: str
    every_minutes: int | None = None  # exactly one of every_minutes and crontab
    crontab: Crontab | None = None

    def __post_init__(self):
        if (self.every_minutes is None) == (self.crontab is None):
            raise ValueError(f"{self.name}: give exactly one of every_minutes and crontab.")


PERIODIC_JOBS = (
    PeriodicJob(
        name="Import files from watched folders",
        task="ingest.tasks.scan_watched_folders",
        queue=IMPORTS,
        every_minutes=1,
        why="A file dropped into a watched folder is imported by itself within a minute.",
    ),
    PeriodicJob(
        name="Delete uploaded files past retention",
        task="ingest.tasks.purge_expired_uploads",
        queue=IMPORTS,
        crontab=Crontab(minute="45", hour="3"),
        why="Uploaded CAD/RMS files are kept only UPLOAD_RETENTION_DAYS (nightly, 03:45 UTC).",
    ),
    PeriodicJob(
        name="Nightly retrain of forecasting models (02:30 agency time)",
        task="forecasting.tasks.nightly_retrain",
        queue=DEFAULT,
        crontab=Crontab(minute="30"),
        why="Retrains the models on the latest incidents; checked hourly, runs at 02:30 agency "
        "time (the task compares the agency's local hour).",
    ),
    PeriodicJob(
        name="Forecast upcoming shifts",
        task="forecasting.tasks.forecast_due_shifts",
        queue=DEFAULT,
        every_minutes=15,
        why="Forecasts each shift starting within the lead time that has no forecast yet.",
    ),
    PeriodicJob(
        name="Plan missions for upcoming shifts",
        task="missions.tasks.plan_upcoming_shifts",
        queue=FORECAST,
        every_minutes=15,
        why="Plans the missions of each forecast shift before it starts.",
    ),
    PeriodicJob(
        name="Expire missions at shift end",
        task="missions.tasks.expire_missions",
        queue=DEFAULT,
        every_minutes=5,
        why="Closes the missions nobody finished once their shift is over.",
    ),
    PeriodicJob(
        name="Raise crime-spike alerts",
        task="alerts.tasks.scan_for_alerts",
        queue=DEFAULT,
        crontab=Crontab(minute="20"),
        why="Hourly (at :20 UTC): compares the last ALERT_WINDOW_DAYS of incidents per district, beat and crime type "
        "with the forecast (false alerts FDR-controlled) and looks for near-repeat series; new "
        "alerts go to their subscribers in the app and by e-mail (docs/adr/0031).",
    ),
    PeriodicJob(
        name="Close stale jobs",
        task="jobs.tasks.close_stale_jobs",
        queue=DEFAULT,
        every_minutes=5,
        why="Fails jobs whose worker died or that no worker picked up, with the reason.",
    ),
    PeriodicJob(
        name="Purge audit events past retention",
        task="audit.tasks.purge_audit",
        queue=DEFAULT,
        crontab=Crontab(minute="15", hour="3"),
        why="Removes audit events older than AUDIT_RETENTION_DAYS, never under 365 (03:15 UTC).",
    ),
    PeriodicJob(
        name="Write the audit chain's head down",
        task="audit.tasks.anchor_audit_head",
        queue=DEFAULT,
        crontab=Crontab(minute="5"),
        why="Appends the audit chain's head hash to AUDIT_ANCHOR_FILE hourly, so verify_audit "
        "catches a rewrite that recomputes the whole chain.",
    ),
    PeriodicJob(
        name="Measure patrol minutes per box",
        task="patrol.tasks.measure_recent_exposure",
        queue=DEFAULT,
        every_minutes=15,
        why="Turns the units' positions into minutes per box for the shifts under way or ended in "
        "the last day (a late position lands in its shift).",
    ),
    PeriodicJob(
        name="Delete vehicle positions past retention",
        task="patrol.tasks.purge_old_positions",
        queue=DEFAULT,
        crontab=Crontab(minute="50", hour="3"),
        why="Raw positions are kept AVL_RETENTION_DAYS; the minutes per box stay (03:50 UTC).",
    ),
    PeriodicJob(
        name="Disable dormant and expired accounts",
        task="accounts.tasks.disable_dormant_accounts",
        queue=DEFAULT,
        crontab=Crontab(minute="30", hour="2"),
        why="Disables accounts unused past the dormancy limit or past their end date (02:30 UTC).",
    ),
)
