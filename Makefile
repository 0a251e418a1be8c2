# Missions — one entry point for people and CI.
#   make demo   set up, build the demo city, start a worker and serve http://127.0.0.1:8000
#   make test   set up, lint (ruff, migrations, mypy), run the whole suite on PostGIS + Redis
#   make test-fast  the quick lane: no browser, worker, subprocess or slow tests, over every core
SHELL := /bin/bash
PYTHON_BASE ?= /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := postgresql-15-postgis-3 gdal-bin libsqlite3-mod-spatialite libproj-dev binutils chromium python3-venv \
  libldap-dev libsasl2-dev slapd ldap-utils
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENV := DJANGO_SETTINGS_MODULE=missions_site.settings.dev
TEST_ENV := DJANGO_SETTINGS_MODULE=missions_site.settings.test
# Keep compiled modules (__pycache__, git-ignored) even where the machine sets PYTHONDONTWRITEBYTECODE:
# the suite starts a few hundred Python processes, and each compiled Django, pandas and the project
# from source again (manage.py check: 3.3 s → 1.5 s; pytest's collection re-wrote every test module).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: setup system-packages venv lint test suite test-fast demo demo-data worker serve bench clean

setup: system-packages venv

# Debian packages: installed only when missing, so a second run is quick and offline.
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

# Debian's python3: its sqlite3 can load SpatiaLite (the pyenv build first on PATH cannot).
# uv installs the same hashed set as pip in a quarter of the time (15 s against 42 s on a fresh
# clone); where uv cannot run or reach the index, pip does it.
$(VENV)/.installed: requirements.txt requirements-uv.txt
	test -x $(PY) || $(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements-uv.txt \
	  && $(VENV)/bin/uv pip install -q --python $(PY) --require-hashes -r requirements.txt \
	  || $(PY) -m pip install -q --require-hashes -r requirements.txt
	touch $@

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	@# Types of the engine, the planner, services and selectors ([tool.mypy] in pyproject.toml).
	$(TEST_ENV) $(VENV)/bin/mypy

# pytest-xdist: one test process per core (three for two cores measured no faster: 462–514 s of
# pytest against 479–517 s), each with its own copy of one migrated template database
# (tests/database.py) and its own broker keys (settings/test.py); TEST_PROCESSES=0 runs the suite
# in this process.
# xdist's load scheduling hands each process its tests in pytest-django's order (transactional
# tests, which flush the database, last); work stealing breaks that order. One test at a time
# (--maxschedchunk=1): in chunks, one process was left a minute of queued heavy tests while the
# other had finished.
TEST_PROCESSES ?= auto
PYTEST_XDIST = -n $(TEST_PROCESSES) --maxschedchunk=1
# The lint runs beside the suite (mypy's 20 s fit in the cores' idle moments); make waits for both
# and fails if either does.
test: setup
	$(MAKE) --no-print-directory -j2 --output-sync=line lint suite

suite: venv
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_XDIST) --create-db

# The quick lane while working: no Chromium, no Celery worker, no other process, nothing slow
# (tests/lanes.py). Fresh test databases each run: a kept one has lost the rows the migrations
# seed (periodic tasks, roles) to the last run's flushes after transactional tests.
FAST_LANE := not browser and not worker and not subprocess and not slow
test-fast: venv
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_XDIST) -m "$(FAST_LANE)" --create-db

demo: setup demo-data
	@$(MAKE) --no-print-directory worker &
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

HISTORY_WEEKS ?= 3
PATROL_DAYS ?= 14
demo-data:
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo --if-empty $(if $(PASSWORD),--password $(PASSWORD),)
	$(DEMO_ENV) $(PY) manage.py build_grid
	$(DEMO_ENV) $(PY) manage.py train_models --if-missing
	$(DEMO_ENV) $(PY) manage.py forecast_shift --all-shifts --if-missing
	$(DEMO_ENV) $(PY) manage.py plan_missions --date today --all-shifts --skip-missing
	@# Just after midnight the shift under way began yesterday: forecast and plan it too.
	$(DEMO_ENV) $(PY) manage.py forecast_shift --if-missing
	$(DEMO_ENV) $(PY) manage.py plan_missions --due
	@# Past weeks of missions, visits and control boxes (shifts already planned are skipped), so the
	@# concentration page, the evaluation and the published /public/ sections show real figures.
	$(DEMO_ENV) $(PY) manage.py seed_mission_history --weeks $(HISTORY_WEEKS)
	$(DEMO_ENV) $(PY) manage.py publish_sections
	@# Patrol units on the streets: roster, AVL positions and minutes per box (reports' figures);
	@# two weeks, so the crime-and-dosage chart has weeks to draw a line through (about 40 s a day).
	$(DEMO_ENV) $(PY) manage.py seed_patrol --days $(PATROL_DAYS)

# The demo's one worker serves every queue (production runs one service per queue: docs/deploy.md).
WORKER_QUEUES := training,forecast,imports,default
worker:
	$(DEMO_ENV) $(VENV)/bin/celery -A missions_site worker --beat --loglevel=INFO --concurrency=2 \
	  --queues $(WORKER_QUEUES) --scheduler django_celery_beat.schedulers:DatabaseScheduler

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf var/broker var/staticfiles var/mypy_cache .pytest_cache .hypothesis
