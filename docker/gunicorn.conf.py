"""gunicorn settings for the web service: threaded workers sized to the machine, each process with a
pool of database connections as large as its threads (docs/deploy.md, "Serving a shift change").

    gunicorn -c docker/gunicorn.conf.py missions_site.wsgi:application

Every knob is an environment variable; the defaults follow the formula
    workers = 2 × cores + 1     (one process busy in Python per core, one waiting on I/O, one spare)
    threads = 4                 (a request mostly waits on PostgreSQL: four share a process's GIL)
so a 2-core host answers 5 × 4 = 20 requests at once with at most 20 database connections.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 4)
# A request running longer than this is killed: uploads are streamed to jobs, not parsed here.
timeout = _int("GUNICORN_TIMEOUT_S", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT_S", 30)
keepalive = _int("GUNICORN_KEEPALIVE_S", 5)  # MDTs poll every 30 s: keep their connection briefly
# Recycle a worker now and then so slow leaks never build up; jitter keeps them from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Import Django once in the master: workers fork with it loaded, so starting and recycling them is
# cheap. Nothing opens a database connection at import, so no worker inherits one.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"

# Each worker's threads share one pool (Django's psycopg pool) of exactly as many connections:
# no thread waits for a connection, and the database sees at most workers × threads of them.
os.environ.setdefault("DATABASE_POOL_MAX_SIZE", str(threads))

# Request latencies of every worker add up on /metrics (docs/deploy.md, "Watching it"): each
# process writes its samples into this folder, emptied at start, as prometheus_client's
# multiprocess mode requires. Set before the app (and prometheus_client) is loaded.
_metrics_dir = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/missions-prometheus")  # noqa: S108
os.makedirs(_metrics_dir, exist_ok=True)
for _name in os.listdir(_metrics_dir):
    os.remove(os.path.join(_metrics_dir, _name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
