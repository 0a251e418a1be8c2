"""Celery queues, routes and time limits (docs/deploy.md, docs/adr/0016-workers-and-queues.md).

Each long kind of work has its own queue so that a machine can be given to it (`worker-training`
on a big box, `worker-forecast` close to the database, …) and its own time limit, so that no job
runs for ever: the soft limit fails the job with a plain reason, the hard limit (a grace later)
kills the process that ignored it.
"""

import environ
from kombu import Queue

from missions_site.schedule import PERIODIC_JOBS

env = environ.Env()

TRAINING, FORECAST, IMPORTS, DEFAULT = "training", "forecast", "imports", "default"
QUEUE_NAMES = (TRAINING, FORECAST, IMPORTS, DEFAULT)

# Minutes a task of each queue may run before its soft time limit stops it (the process that queues
# the task, web or beat, puts the limits in its message: set them there as well as on workers). Training back-tests and
# fits every candidate model of a crime type; an import parses a whole file; forecasting and
# planning one shift take a minute or two; housekeeping a few seconds.
JOB_TIME_LIMIT_MINUTES = {
    TRAINING: env.float("JOB_TIME_LIMIT_TRAINING_MINUTES", default=240),
    FORECAST: env.float("JOB_TIME_LIMIT_FORECAST_MINUTES", default=30),
    IMPORTS: env.float("JOB_TIME_LIMIT_IMPORTS_MINUTES", default=60),
    DEFAULT: env.float("JOB_TIME_LIMIT_DEFAULT_MINUTES", default=10),
}
# After the soft limit the task has this long to close its job row before the worker kills it.
JOB_HARD_LIMIT_GRACE_MINUTES = env.float("JOB_HARD_LIMIT_GRACE_MINUTES", default=2)

# Tasks that run one JobRun through `jobs.services.run_job`: a redelivered message of a job that
# has already started is a no-op (run_job only starts a QUEUED job, under the job's advisory lock),
# so they are acknowledged late and handed back to the broker when their worker dies.
JOB_TASKS = {
    "forecasting.tasks.train_crime_type_job": TRAINING,
    "forecasting.tasks.build_grid_job": FORECAST,
    "forecasting.tasks.forecast_shift_job": FORECAST,
    "missions.tasks.plan_missions_job": FORECAST,
    "ingest.tasks.import_incidents_job": IMPORTS,
    "patrol.tasks.import_avl_upload_job": IMPORTS,
}
# Tasks sent after an event (a push of vehicle positions): each reads the state afresh and acts only
# on what is still to do, so a redelivered message is harmless and one lost with its worker would
# leave missions unstarted: acknowledged late, like the jobs.
EVENT_TASKS = {
    "missions.tasks.follow_avl_positions": DEFAULT,
}
# Periodic tasks (their queues and schedules: missions_site/schedule.py): beat sends them again
# within minutes, so one lost with its worker costs nothing, while redelivering one that killed its
# worker (out of memory on a huge watched file) would loop. They are acknowledged on receipt.
PERIODIC_TASKS = {job.task: job.queue for job in PERIODIC_JOBS}
_unknown_queues = set(PERIODIC_TASKS.values()) - set(QUEUE_NAMES)
if _unknown_queues:
    raise ValueError(f"missions_site/schedule.py names unknown queues: {sorted(_unknown_queues)}")


def celery_settings() -> dict:
    """CELERY_* settings: the queues (a worker without -Q listens to all), the routes, and each
    task's acknowledgement and time limits."""
    routes, annotations = {}, {}
    for tasks, late in ((JOB_TASKS, True), (EVENT_TASKS, True), (PERIODIC_TASKS, False)):
        for name, queue in tasks.items():
            soft_s = JOB_TIME_LIMIT_MINUTES[queue] * 60
            routes[name] = {"queue": queue}
            annotations[name] = {
                "acks_late": late,
                "reject_on_worker_lost": late,
                "soft_time_limit": soft_s,
                "time_limit": soft_s + JOB_HARD_LIMIT_GRACE_MINUTES * 60,
            }
    longest_s = max(JOB_TIME_LIMIT_MINUTES.values()) * 60 + JOB_HARD_LIMIT_GRACE_MINUTES * 60
    return {
        # Each queue bound under its own name, so its routing key says which work it holds.
        "CELERY_TASK_QUEUES": [Queue(name, routing_key=name) for name in QUEUE_NAMES],
        "CELERY_TASK_DEFAULT_QUEUE": DEFAULT,
        "CELERY_TASK_ROUTES": routes,
        "CELERY_TASK_ANNOTATIONS": annotations,
        # Redis hands an unacknowledged message to another worker after this long, even while the
        # first still runs it: it must outlast the longest task (a redelivery would then be a no-op
        # anyway, but it would occupy a worker for nothing).
        "CELERY_VISIBILITY_TIMEOUT_S": env.int(
            "CELERY_VISIBILITY_TIMEOUT_S", default=int(longest_s + 15 * 60)
        ),
    }
