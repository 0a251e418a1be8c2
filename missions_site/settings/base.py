"""Settings shared by every environment; each knob is an environment variable with a sane default.

Without DATABASE_URL the embedded SpatiaLite database under var/ is used; without
CELERY_BROKER_URL Celery uses Kombu's filesystem transport under var/broker/ (no server needed).
"""

from datetime import timedelta
from pathlib import Path

import environ

from missions_site import __version__

from . import workers
from .browser_policy import (  # noqa: F401 - settings
    SECURE_CONTENT_TYPE_NOSNIFF,
    SECURE_CROSS_ORIGIN_OPENER_POLICY,
    SECURE_REFERRER_POLICY,
    X_FRAME_OPTIONS,
    content_security_policy,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("MISSIONS_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "missions_site.admin_config.MissionsAdminConfig",  # django.contrib.admin, guarded by the access matrix
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "leaflet",
    "csp",
    "django_celery_beat",
    "audit",
    "jobs",
    "accounts",
    "agency",
    "geo",
    "patrol",
    "ingest",
    "forecasting",
    "missions",
    "tactics",
    "alerts",
    "home",
    "demo",
    "oversight",
    "ops",
]

MIDDLEWARE = [
    "missions_site.health.LivenessMiddleware",  # /healthz before anything reads the database
    "ops.middleware.ReadinessMiddleware",  # /readyz: 503 naming the database when it is down
    "ops.metrics.RequestMetricsMiddleware",  # request latency by route (docs/deploy.md)
    "audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "missions_site.database_busy.DatabaseBusyMiddleware",  # SpatiaLite locked past its wait: 503
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "missions_site.api_errors.PlainNotFoundInDebugMiddleware",  # DEBUG only: handler404's page
    "missions_site.api_errors.RefuseNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.denials.DeniedAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "agency.middleware.AgencyTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "missions_site.urls"
WSGI_APPLICATION = "missions_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agency.context_processors.agency",
                "accounts.context_processors.security",
                "missions_site.access.context_processor",
                "alerts.context_processors.bell",
                "missions_site.context_processors.version",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"spatialite:///{VAR_DIR / 'missions.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# A pool of PostgreSQL connections per web process (psycopg_pool), shared by its threads: 0 = off.
# docs/deploy.md "Serving a shift change" says why a pool here and how to size it (= threads).
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"].endswith("postgis"):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=2), DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.int("DATABASE_POOL_TIMEOUT_S", default=10),  # waiting for a free connection
    }
if DATABASES["default"]["ENGINE"].endswith("spatialite"):
    # Several threads and processes (web, worker) share the file, and SQLite serialises writers.
    # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE), so a writer waits for
    # the one before it, retrying with backoff in SQLite's busy handler for up to `timeout` seconds,
    # instead of failing with "database is locked" when a read turns into a write mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=env.int("SQLITE_BUSY_TIMEOUT_S", default=30),
        transaction_mode="IMMEDIATE",
    )
SPATIALITE_LIBRARY_PATH = env.str("SPATIALITE_LIBRARY_PATH", default="mod_spatialite")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# gis.W001: GDAL before 3.9 cannot block file/network access while parsing spatial references.
# Debian 12 ships 3.6; we only parse CRS strings from files an analyst chose to import, and the
# production image (docker-compose) ships a newer GDAL. See docs/adr/0002-gdal-version-check.md.
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=["gis.W001"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {
        "NAME": "accounts.validators.AdministratorMinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Authentication (issue 9, docs/admin-guide.md "Sign-in security"). django-axes sits first so a locked
# account or address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Single sign-on, off by default: OIDC and LDAP / Active Directory (settings/sso.py, ADR 0029).
from .sso import *  # noqa: E402, F403
from .sso import SSO_BACKENDS  # noqa: E402

AUTHENTICATION_BACKENDS += SSO_BACKENDS
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Failures count while each follows the last within this window; once the limit is reached the lock
# stays until an administrator unlocks (accounts.lockout).
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_FAILURE_WINDOW_MINUTES", default=15))
AXES_HANDLER = "accounts.lockout.LockedUntilUnlockedHandler"
# An account is locked from the address its failures came from, never everywhere: a stranger who
# knows a username cannot lock its owner out from elsewhere (issue 21). An address failing across
# accounts (password spraying) is locked as well.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"  # JSON under /api/, the page elsewhere
# The client address: REMOTE_ADDR unless the deployment names its proxy's header (else it is spoofable).
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_CLIENT_IP_HEADERS", default=["REMOTE_ADDR"])

# Second factor: TOTP (django-otp) for analysts, supervisors and administrators; officers by setting.
# `make demo` (dev settings) turns it off and the login page says so.
MFA_ENABLED = env.bool("MFA_ENABLED", default=True)
MFA_REQUIRED_FOR_OFFICERS = env.bool("MFA_REQUIRED_FOR_OFFICERS", default=False)
MFA_RECOVERY_CODE_COUNT = 10
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Missions")

# Sessions: idle timeout and absolute lifetime enforced server-side (accounts.middleware); requests
# carrying the background-poll header (the MDT's timers) do not count as activity.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_ABSOLUTE_LIFETIME_HOURS = env.int("SESSION_ABSOLUTE_LIFETIME_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # pages hand the token to scripts in a data- attribute
BACKGROUND_POLL_HEADER = "X-Background-Poll"
# How often the supervisor's board asks for the shift's missions again (a background poll).
SUPERVISOR_BOARD_POLL_SECONDS = env.float("SUPERVISOR_BOARD_POLL_SECONDS", default=20.0)

# API tokens (django-rest-knox): stored as SHA-512 digests, expiring.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=12)
REST_KNOX = {"TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS), "AUTO_REFRESH": False}

# Accounts nobody used for this long, and temporary accounts past their expiry, are disabled nightly.
ACCOUNT_DORMANT_DAYS = env.int("ACCOUNT_DORMANT_DAYS", default=90)

LOGIN_BANNER_TEXT = env.str(
    "LOGIN_BANNER_TEXT",
    default=(
        "This is a restricted criminal-justice information system. Use is monitored and recorded."
        " Unauthorised use is prohibited and may be prosecuted. By using this system you consent"
        " to this monitoring."
    ),
)

# Audit log (audit app, docs/adr/0009-audit-log.md). Trust X-Forwarded-For only behind a proxy that sets it.
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# The chain's head, appended hourly where the application cannot rewrite it (audit.anchors): make
# the file append-only for the application's user, or put it on another host's mount.
AUDIT_ANCHOR_FILE = Path(
    env.str("AUDIT_ANCHOR_FILE", default=str(VAR_DIR / "audit" / "chain-anchors.log"))
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored in UTC; shown in the agency's zone (agency.Agency.timezone)
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even before collectstatic
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",  # first: unauthenticated answers are 401 with a hint
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["missions_site.access.RouteMatrix"],
    # JSON only: DRF's browsable API pages use inline styles the Content-Security-Policy refuses;
    # the API is read and tried in the Swagger UI at /api/v1/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (issue 24): the schema then lists one request body per operation, so a
    # client generated from it sends JSON (pages post their forms to Django views, not here).
    # JSON nested past a bound is a 400, not Python's RecursionError (missions_site.request_limits).
    "DEFAULT_PARSER_CLASSES": ["missions_site.request_limits.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",  # APIClient in tests sends what the API takes
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "audit.denials.exception_handler",  # 401/403 are audited
    "DEFAULT_PAGINATION_CLASS": "missions_site.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=100),
    "NUM_PROXIES": env.int(
        "DRF_NUM_PROXIES", default=0
    ),  # throttles key on REMOTE_ADDR unless proxied
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("LOGIN_THROTTLE_RATE", default="30/min"),
        "api-token": env.str("API_TOKEN_THROTTLE_RATE", default="10/min"),
    },
}
# One idempotency contract for every POST that creates (incidents, AVL, mission actions; docs/api.md):
# a key's first answer is replayed to the same user for this long, then the key may be reused.
IDEMPOTENCY_KEYS_KEEP_HOURS = env.int("IDEMPOTENCY_KEYS_KEEP_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "Missions API",
    "DESCRIPTION": "Patrol mission planning: incidents, forecasts, missions, tactics.",
    "VERSION": f"1 (Missions {__version__})",  # the API's version, then the release
    # Request and response components apart (FooRequest / Foo): read-only fields are not asked of a
    # client, write-only ones not promised to it (issue 24).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "missions_site.api_schema.document_error_responses",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["missions_site.access.RouteMatrix"],  # schema and docs need a login
    "SWAGGER_UI_DIST": "SIDECAR",  # served from static/, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name reason_code: an analyst's override and an officer's early end.
    "ENUM_NAME_OVERRIDES": {
        "ReasonCodeEnum": "missions.models.ReasonCode",
        "EndEarlyReasonCodeEnum": "missions.models.END_EARLY_CHOICES",
    },
}

# Map: the tile URL is a setting so that no page fetches tiles the agency did not choose.
# Empty means no base layer (the boundary, districts and grid still draw).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
CONTENT_SECURITY_POLICY = content_security_policy(MAP_TILE_URL)
# The officer card's second navigate link, for agencies whose devices use a maps app rather than
# geo: links: a URL with {lat} and {lon}, e.g. "https://maps.example.org/?daddr={lat},{lon}".
# A link the officer follows, never fetched by the page. Empty: only the geo: link.
OFFICER_MAPS_APP_URL = env.str("OFFICER_MAPS_APP_URL", default="")
LEAFLET_CONFIG = {
    "TILES": [("Base map", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})]
    if MAP_TILE_URL
    else [],
    "DEFAULT_CENTER": (43.65, -79.9),
    "DEFAULT_ZOOM": 11,
    "RESET_VIEW": False,
}

# Cache: DRF's throttles count sign-ins and token requests here, so every web process must share it
# (issue 21: per-process counters let 5 workers pass 5 × the limit). Redis in production and tests
# (CACHE_URL, e.g. redis://redis:6379/1); a per-process cache only where none is configured (the
# SpatiaLite demo runs one process). `security_selfcheck` flags a per-process cache in production.
CACHE_URL = env.str("CACHE_URL", default="")
CACHES = {
    "default": env.cache_url_config(CACHE_URL)
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="missions")

# Celery: Redis (or any broker URL) in production; Kombu's filesystem transport when unset.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True  # results live in jobs.JobRun, not in a result backend
# Queues, routes, time limits and late acknowledgement per task: settings/workers.py.
_celery = workers.celery_settings()
CELERY_TASK_QUEUES = _celery["CELERY_TASK_QUEUES"]
CELERY_TASK_DEFAULT_QUEUE = _celery["CELERY_TASK_DEFAULT_QUEUE"]
CELERY_TASK_ROUTES = _celery["CELERY_TASK_ROUTES"]
CELERY_TASK_ANNOTATIONS = _celery["CELERY_TASK_ANNOTATIONS"]
if CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _celery["CELERY_VISIBILITY_TIMEOUT_S"]}
JOB_TIME_LIMIT_MINUTES = workers.JOB_TIME_LIMIT_MINUTES
JOB_HARD_LIMIT_GRACE_MINUTES = workers.JOB_HARD_LIMIT_GRACE_MINUTES
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds one waiting message: the others stay free
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# A running job that has not reported progress for this long is closed as failed.
JOB_STALE_AFTER_MINUTES = env.int("JOB_STALE_AFTER_MINUTES", default=30)
# A queued job no worker has started for this long is closed as failed (its broker message was lost,
# or no worker listens to its queue). Above the longest wait a backlog of training can cause.
JOB_QUEUE_TIMEOUT_MINUTES = env.int("JOB_QUEUE_TIMEOUT_MINUTES", default=120)
# Feedback-loop guard: training rows in boxes patrolled during the shift count this much (1 = as
# any other row; 0.5 = half: patrol finds crime where it is sent).
FORECAST_PATROLLED_ROW_WEIGHT = env.float("FORECAST_PATROLLED_ROW_WEIGHT", default=1.0)
# The evaluation flags a control box that received more than this many measured minutes of patrol
# in its shift (a patrolled control is not a control) and gives the effect without it too.
EVALUATION_PATROLLED_CONTROL_MINUTES = env.float(
    "EVALUATION_PATROLLED_CONTROL_MINUTES", default=5.0
)
# Measured patrol from vehicle positions (docs/adr/0024-measured-exposure.md): a silence longer than
# AVL_MAX_GAP_S ends time in a box at the last fix; fixes less accurate than AVL_MAX_ACCURACY_M are
# ignored; a fix more than AVL_FUTURE_SKEW_S ahead of the server's clock is refused; raw positions
# are kept AVL_RETENTION_DAYS (the minutes per box are kept).
AVL_MAX_GAP_S = env.float("AVL_MAX_GAP_S", default=120.0)
AVL_MAX_ACCURACY_M = env.float("AVL_MAX_ACCURACY_M", default=100.0)
AVL_FUTURE_SKEW_S = env.int("AVL_FUTURE_SKEW_S", default=60)
AVL_RETENTION_DAYS = env.int("AVL_RETENTION_DAYS", default=30)
# Dose from evidence (docs/adr/0026-dose-from-evidence.md): an action queued offline during a shift
# may still be sent this long after the shift's end; a visit's time counts as measured only while
# positions come at most VISIT_POSITION_GAP_S apart (after a longer silence it is self-reported).
QUEUED_ACTION_GRACE_S = env.int("QUEUED_ACTION_GRACE_S", default=900)
VISIT_POSITION_GAP_S = env.float("VISIT_POSITION_GAP_S", default=120.0)

# LOG_FORMAT=json: one JSON object a line with the request id the audit log carries (audit/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
_log_formatter = {"formatter": "json"} if LOG_FORMAT == "json" else {}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "without_traceback": {"()": "missions_site.api_errors.WithoutTraceback"},
        "request_id": {"()": "audit.logs.RequestIdFilter"},
    },
    "formatters": {"json": {"()": "audit.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **_log_formatter,
        },
        "console_one_line": {
            "class": "logging.StreamHandler",
            "filters": ["without_traceback", "request_id"],
            **_log_formatter,
        },
    },
    "loggers": {
        "django.security": {"handlers": ["console_one_line"], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# GET /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; empty: the endpoint is off.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Limits on what a request may ask for (docs/admin-guide.md, "Limits on requests").
QUERY_DATE_YEARS = env.int(
    "QUERY_DATE_YEARS", default=5
)  # dates in query parameters: today ± years
API_PAGE_SIZE_MAX = env.int(
    "API_PAGE_SIZE_MAX", default=500
)  # rows per page of any API list, at most
# Limits on uploaded files and drawn areas (docs/admin-guide.md, "Limits on uploads and areas").
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=200_000_000)  # one uploaded file
# Counted while a file arrives: the upload stops at UPLOAD_MAX_BYTES (missions_site.request_limits).
FILE_UPLOAD_HANDLERS = [
    "missions_site.request_limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A request body that is not a file (a JSON body of the API, an API batch of incidents, a form's
# fields) is held in memory: past this it is refused, 413 in JSON under /api/ (api_errors).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_BODY_MAX_BYTES", default=10_000_000)
UPLOAD_MAX_UNPACKED_BYTES = env.int(
    "UPLOAD_MAX_UNPACKED_BYTES", default=2_000_000_000
)  # .gz/.zip content
# A pushed incident time later than the server's clock plus this is refused (clocks drift a little).
INGEST_FUTURE_SKEW_MINUTES = env.int("INGEST_FUTURE_SKEW_MINUTES", default=10)
UPLOAD_RETENTION_DAYS = env.int(
    "UPLOAD_RETENTION_DAYS", default=30
)  # then the file goes, the run stays
GEOMETRY_MAX_VERTICES = env.int(
    "GEOMETRY_MAX_VERTICES", default=5_000
)  # per drawn area or boundary

# Crime-spike alerts (docs/adr/0031-crime-spike-alerts.md, docs/user-guide.md "Alerts").
ALERT_WINDOW_DAYS = env.int("ALERT_WINDOW_DAYS", default=7)  # recent counts over this many days
ALERT_FDR = env.float("ALERT_FDR", default=0.05)  # expected share of false alerts among alerts
ALERT_MIN_COUNT = env.int("ALERT_MIN_COUNT", default=3)  # never alert on fewer incidents
NEAR_REPEAT_RADIUS_M = env.float("NEAR_REPEAT_RADIUS_M", default=400.0)
NEAR_REPEAT_DAYS = env.float("NEAR_REPEAT_DAYS", default=14.0)
NEAR_REPEAT_MIN_EVENTS = env.int("NEAR_REPEAT_MIN_EVENTS", default=3)
# Crime type codes searched for near-repeat series; empty: every enabled type.
NEAR_REPEAT_TYPES = env.list("NEAR_REPEAT_TYPES", default=[])
# Alert e-mails: Django's mail settings; links in them start with SITE_URL.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="missions@localhost")
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
# `manage.py import_avl`: a file larger than this is refused whole (split it by day); it is read in
# chunks of AVL_IMPORT_CHUNK_ROWS rows; at most AVL_IMPORT_REJECTED_KEPT refused rows are stored
# with their reasons (all are counted).
AVL_IMPORT_MAX_BYTES = env.int("AVL_IMPORT_MAX_BYTES", default=2 * 1024**3)
AVL_IMPORT_CHUNK_ROWS = env.int("AVL_IMPORT_CHUNK_ROWS", default=200_000)
AVL_IMPORT_REJECTED_KEPT = env.int("AVL_IMPORT_REJECTED_KEPT", default=100_000)
