"""The security self-check: each control of the CJIS Security Policy / OWASP ASVS that the
installation's live settings decide, with PASS or FAIL and the value found (`manage.py
security_selfcheck`). Settings are read with getattr, so a library not installed is a FAIL
"not configured", never a crash. What the settings cannot show is in docs/security.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError

from missions_site import access

IDLE_TIMEOUT_MAX_MINUTES = 30  # CJIS 5.5.5 session lock
ABSOLUTE_LIFETIME_MAX = timedelta(hours=12)
LOCKOUT_ATTEMPTS_MAX = 5  # CJIS 5.5.3
PASSWORD_MIN_LENGTH = 8  # ASVS 2.1.1
HSTS_MIN_SECONDS = 365 * 24 * 3600
TOKEN_TTL_MAX_HOURS = 12
AUDIT_TABLE = "audit_auditevent"
AUDIT_RETENTION_MIN_DAYS = 365  # CJIS 5.4.7
DORMANT_MAX_DAYS = 90
NOT_CONFIGURED = "not configured"
SECRET_KEY_MIN_LENGTH = 50  # Django's security.W009
# .env.example's value, and Django's generated development keys
SECRET_KEY_PLACEHOLDERS = ("change-me", "django-insecure")


@dataclass(frozen=True)
class Result:
    control: str  # CJIS / ASVS ids
    title: str
    setting: str
    passed: bool
    value: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.control:<28} {self.title:<50} {self.setting} = {self.value}"


def run_checks(settings, connection) -> list[Result]:
    return [check(settings) for check in SETTINGS_CHECKS] + [audit_trigger(connection)]


# --- each control: (settings) -> Result ------------------------------------------------------------


def debug_off(s) -> Result:
    debug = getattr(s, "DEBUG", True)
    return Result("ASVS 14.3.2", "Debug pages off", "DEBUG", not debug, repr(debug))


def session_idle_timeout(s) -> Result:
    minutes = getattr(s, "SESSION_IDLE_TIMEOUT_MINUTES", None)
    ok = minutes is not None and 0 < minutes <= IDLE_TIMEOUT_MAX_MINUTES
    return Result(
        "CJIS 5.5.5 / ASVS 3.3.2",
        f"Session idle timeout <= {IDLE_TIMEOUT_MAX_MINUTES} min",
        "SESSION_IDLE_TIMEOUT_MINUTES",
        ok,
        NOT_CONFIGURED if minutes is None else f"{minutes} min",
    )


def session_absolute_lifetime(s) -> Result:
    seconds = getattr(s, "SESSION_COOKIE_AGE", 1209600)
    return Result(
        "ASVS 3.3.1",
        "Session absolute lifetime <= 12 h",
        "SESSION_COOKIE_AGE",
        timedelta(seconds=seconds) <= ABSOLUTE_LIFETIME_MAX,
        f"{seconds} s",
    )


def session_ends_with_browser(s) -> Result:
    value = getattr(s, "SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
    return Result(
        "ASVS 3.3.1",
        "Session cookie expires at browser close",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        bool(value),
        repr(value),
    )


def cookies_secure(s) -> Result:
    session, csrf = (
        getattr(s, "SESSION_COOKIE_SECURE", False),
        getattr(s, "CSRF_COOKIE_SECURE", False),
    )
    return Result(
        "ASVS 3.4.1",
        "Cookies sent over HTTPS only (Secure)",
        "SESSION/CSRF_COOKIE_SECURE",
        bool(session and csrf),
        f"{session!r}/{csrf!r}",
    )


def cookies_httponly(s) -> Result:
    value = getattr(s, "SESSION_COOKIE_HTTPONLY", True)
    return Result(
        "ASVS 3.4.2", "Session cookie HttpOnly", "SESSION_COOKIE_HTTPONLY", bool(value), repr(value)
    )


def cookies_samesite(s) -> Result:
    value = getattr(s, "SESSION_COOKIE_SAMESITE", "Lax")
    return Result(
        "ASVS 3.4.3",
        "Session cookie SameSite Lax or Strict",
        "SESSION_COOKIE_SAMESITE",
        value in ("Lax", "Strict"),
        repr(value),
    )


def cookies_host_prefix(s) -> Result:
    value = getattr(s, "SESSION_COOKIE_NAME", "sessionid")
    return Result(
        "ASVS 3.4.4",
        "Session cookie named __Host-",
        "SESSION_COOKIE_NAME",
        str(value).startswith("__Host-"),
        repr(value),
    )


def https_redirect(s) -> Result:
    value = getattr(s, "SECURE_SSL_REDIRECT", False)
    return Result(
        "CJIS 5.10.1.2 / ASVS 9.1.1",
        "HTTP redirected to HTTPS",
        "SECURE_SSL_REDIRECT",
        bool(value),
        repr(value),
    )


def hsts(s) -> Result:
    seconds = getattr(s, "SECURE_HSTS_SECONDS", 0) or 0
    return Result(
        "ASVS 9.1.1",
        "HSTS for at least a year",
        "SECURE_HSTS_SECONDS",
        seconds >= HSTS_MIN_SECONDS,
        f"{seconds} s",
    )


def password_length(s) -> Result:
    lengths = [
        v.get("OPTIONS", {}).get("min_length", PASSWORD_MIN_LENGTH)
        for v in getattr(s, "AUTH_PASSWORD_VALIDATORS", [])
        if v["NAME"].endswith(".MinimumLengthValidator")
    ]
    return Result(
        "CJIS 5.6.2.1.1 / ASVS 2.1.1",
        f"Passwords of at least {PASSWORD_MIN_LENGTH} characters",
        "AUTH_PASSWORD_VALIDATORS",
        bool(lengths) and min(lengths) >= PASSWORD_MIN_LENGTH,
        f"min_length {min(lengths)}" if lengths else NOT_CONFIGURED,
    )


def password_common_list(s) -> Result:
    names = [v["NAME"].rsplit(".", 1)[-1] for v in getattr(s, "AUTH_PASSWORD_VALIDATORS", [])]
    ok = any("Common" in n or "Breach" in n or "Pwned" in n for n in names)
    return Result(
        "CJIS 5.6.2.1.1 / ASVS 2.1.7",
        "Common and breached passwords refused",
        "AUTH_PASSWORD_VALIDATORS",
        ok,
        ", ".join(names) or NOT_CONFIGURED,
    )


def lockout(s) -> Result:
    if "axes" not in getattr(s, "INSTALLED_APPS", []):
        return Result(
            "CJIS 5.5.3 / ASVS 2.2.1",
            "Lockout after failed logins (django-axes)",
            "AXES_FAILURE_LIMIT",
            False,
            NOT_CONFIGURED,
        )
    limit = getattr(s, "AXES_FAILURE_LIMIT", 3)  # django-axes' own default
    return Result(
        "CJIS 5.5.3 / ASVS 2.2.1",
        f"Lockout after at most {LOCKOUT_ATTEMPTS_MAX} failed logins",
        "AXES_FAILURE_LIMIT",
        0 < limit <= LOCKOUT_ATTEMPTS_MAX,
        str(limit),
    )


def mfa_required(s) -> Result:
    installed = "django_otp" in getattr(s, "INSTALLED_APPS", []) and any(
        m.endswith("OTPMiddleware") for m in getattr(s, "MIDDLEWARE", [])
    )
    enabled = getattr(s, "MFA_ENABLED", None)
    value = NOT_CONFIGURED if not installed or enabled is None else repr(enabled)
    return Result(
        "CJIS 5.6.2.2 / ASVS 2.7.1",
        "Second factor required (django-otp)",
        "MFA_ENABLED",
        installed and bool(enabled),
        value,
    )


def officers_mfa(s) -> Result:
    required = getattr(s, "MFA_REQUIRED_FOR_OFFICERS", None)
    return Result(
        "CJIS 5.6.2.2 / ASVS 2.7.1",
        "Second factor required of officers too",
        "MFA_REQUIRED_FOR_OFFICERS",
        bool(required) and bool(getattr(s, "MFA_ENABLED", False)),
        NOT_CONFIGURED if required is None else repr(required),
    )


def secret_key(s) -> Result:
    """Django's own bar (50+ characters, 5+ distinct) and none of the published placeholders."""
    key = str(getattr(s, "SECRET_KEY", "") or "")
    placeholder = any(marker in key.lower() for marker in SECRET_KEY_PLACEHOLDERS)
    strong = len(key) >= SECRET_KEY_MIN_LENGTH and len(set(key)) >= 5 and not placeholder
    if not key:
        value = NOT_CONFIGURED
    elif placeholder:
        value = "a published placeholder (.env.example)"
    else:
        value = f"{len(key)} characters"
    return Result(
        "ASVS 2.10.4 / 6.4.1", "Secret key set and not a placeholder", "SECRET_KEY", strong, value
    )


def shared_cache(s) -> Result:
    """Throttle counters must be shared by every web process (a per-process cache multiplies them)."""
    backend = (getattr(s, "CACHES", None) or {}).get("default", {}).get("BACKEND", "")
    per_process = backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")) or not backend
    return Result(
        "ASVS 2.2.1 / 11.1.4",
        "Throttles count in a cache all processes share",
        "CACHE_URL",
        not per_process,
        backend.rsplit(".", 1)[-1] or NOT_CONFIGURED,
    )


def token_expiry(s) -> Result:
    apps = getattr(s, "INSTALLED_APPS", [])
    title = f"API tokens expire within {TOKEN_TTL_MAX_HOURS} h"
    if "rest_framework.authtoken" in apps:
        return Result(
            "ASVS 3.5.3",
            title,
            "INSTALLED_APPS",
            False,
            "rest_framework.authtoken (tokens never expire)",
        )
    if "knox" not in apps:
        return Result("ASVS 3.5.3", title, "REST_KNOX['TOKEN_TTL']", False, NOT_CONFIGURED)
    ttl = getattr(s, "REST_KNOX", {}).get("TOKEN_TTL", timedelta(hours=10))  # knox's own default
    ok = ttl is not None and ttl <= timedelta(hours=TOKEN_TTL_MAX_HOURS)
    return Result(
        "ASVS 3.5.3",
        title,
        "REST_KNOX['TOKEN_TTL']",
        ok,
        "never" if ttl is None else f"{ttl.total_seconds() / 3600:g} h",
    )


def csp(s) -> Result:
    directives = (getattr(s, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES", {})
    if not any(m.endswith("CSPMiddleware") for m in getattr(s, "MIDDLEWARE", [])) or not directives:
        return Result(
            "ASVS 14.4.3",
            "Content-Security-Policy (django-csp)",
            "CONTENT_SECURITY_POLICY",
            False,
            NOT_CONFIGURED,
        )
    wanted = {"object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'"}
    missing = [k for k, v in wanted.items() if v not in directives.get(k, [])]
    if "'unsafe-inline'" in directives.get("script-src", []):
        missing.append("script-src without 'unsafe-inline'")
    return Result(
        "ASVS 14.4.3",
        "Content-Security-Policy strict",
        "CONTENT_SECURITY_POLICY",
        not missing,
        "missing " + ", ".join(missing)
        if missing
        else "object-src/base-uri/frame-ancestors 'none'",
    )


def schema_behind_login(s) -> Result:
    serve = getattr(s, "SPECTACULAR_SETTINGS", {}).get(
        "SERVE_PERMISSIONS", ["rest_framework.permissions.AllowAny"]
    )
    anonymous = [
        name
        for name in ("api-schema", "api-docs")
        if access.ANONYMOUS in access.ROUTES[name].roles("GET")
    ]
    ok = "rest_framework.permissions.AllowAny" not in serve and not anonymous
    return Result(
        "ASVS 14.3.3 / 4.1.1",
        "API schema and docs need a login",
        "SPECTACULAR_SETTINGS",
        ok,
        f"SERVE_PERMISSIONS {serve}" + (f", open: {anonymous}" if anonymous else ""),
    )


def api_default_deny(s) -> Result:
    classes = getattr(s, "REST_FRAMEWORK", {}).get("DEFAULT_PERMISSION_CLASSES", [])
    return Result(
        "ASVS 4.1.3",
        "API denies what the access matrix does not allow",
        "REST_FRAMEWORK['DEFAULT_PERMISSION_CLASSES']",
        classes == ["missions_site.access.RouteMatrix"],
        ", ".join(classes) or NOT_CONFIGURED,
    )


def login_banner(s) -> Result:
    text = getattr(s, "LOGIN_BANNER_TEXT", "")
    return Result(
        "CJIS 5.5.4",
        "System use notification before login",
        "LOGIN_BANNER_TEXT",
        bool(text.strip()),
        f"{len(text)} characters" if text.strip() else NOT_CONFIGURED,
    )


def login_throttled(s) -> Result:
    rates = getattr(s, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES") or {}
    return Result(
        "ASVS 2.2.1",
        "Login and token endpoints throttled",
        "REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']",
        bool(rates),
        ", ".join(f"{k} {v}" for k, v in rates.items()) or NOT_CONFIGURED,
    )


def dormant_accounts(s) -> Result:
    days = getattr(s, "ACCOUNT_DORMANT_DAYS", None)
    return Result(
        "CJIS 5.5.1",
        f"Accounts unused for {DORMANT_MAX_DAYS} days disabled",
        "ACCOUNT_DORMANT_DAYS",
        days is not None and 0 < days <= DORMANT_MAX_DAYS,
        NOT_CONFIGURED if days is None else f"{days} days",
    )


def audit_retention(s) -> Result:
    days = getattr(s, "AUDIT_RETENTION_DAYS", None)
    return Result(
        "CJIS 5.4.7",
        f"Audit records kept at least {AUDIT_RETENTION_MIN_DAYS} days",
        "AUDIT_RETENTION_DAYS",
        days is not None and days >= AUDIT_RETENTION_MIN_DAYS,
        NOT_CONFIGURED if days is None else f"{days} days",
    )


def allowed_hosts(s) -> Result:
    hosts = list(getattr(s, "ALLOWED_HOSTS", []))
    return Result(
        "ASVS 14.1.1",
        "Host header limited to known names",
        "ALLOWED_HOSTS",
        "*" not in hosts,
        ", ".join(hosts) or "(none)",
    )


OIDC_URL_SETTINGS = (
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def directory_sign_in_encrypted(s) -> Result:
    """Single sign-on, when on, talks to the directory over verified TLS only (ADR 0029)."""
    found, problems = [], []
    if getattr(s, "OIDC_ENABLED", False):
        found.append("OIDC")
        plain = [
            name
            for name in OIDC_URL_SETTINGS
            if getattr(s, name, "") and not getattr(s, name).startswith("https://")
        ]
        problems += [f"{name} not https" for name in plain]
        if not getattr(s, "OIDC_VERIFY_SSL", True):
            problems.append("OIDC_VERIFY_SSL off")
    if getattr(s, "LDAP_ENABLED", False):
        found.append("LDAP")
        uri = getattr(s, "AUTH_LDAP_SERVER_URI", "")
        if not (uri.startswith("ldaps://") or getattr(s, "AUTH_LDAP_START_TLS", False)):
            problems.append("LDAP without ldaps:// or StartTLS")
    value = "; ".join(problems) or (", ".join(found) + " over TLS" if found else "off")
    return Result(
        "CJIS 5.10.1.2 / ASVS 9.2.2",
        "Directory sign-in (SSO) over verified TLS",
        "OIDC_* / LDAP_*",
        not problems,
        value,
    )


SETTINGS_CHECKS: list[Callable] = [
    debug_off,
    session_idle_timeout,
    session_absolute_lifetime,
    session_ends_with_browser,
    cookies_secure,
    cookies_httponly,
    cookies_samesite,
    cookies_host_prefix,
    https_redirect,
    hsts,
    password_length,
    password_common_list,
    lockout,
    mfa_required,
    officers_mfa,
    secret_key,
    token_expiry,
    login_banner,
    login_throttled,
    shared_cache,
    dormant_accounts,
    csp,
    schema_behind_login,
    api_default_deny,
    allowed_hosts,
    audit_retention,
    directory_sign_in_encrypted,
]


def audit_trigger(connection, table: str = AUDIT_TABLE) -> Result:
    """The audit table refuses UPDATE and DELETE in the database itself (a PostgreSQL trigger)."""
    control, title, setting = (
        "CJIS 5.4.1.1 / ASVS 7.3.3",
        "Audit log append-only in the database",
        table,
    )
    if connection.vendor != "postgresql":
        return Result(control, title, setting, False, f"not PostgreSQL ({connection.vendor})")
    update, delete = 1 << 4, 1 << 3  # pg_trigger.tgtype bits for UPDATE and DELETE
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.tgname, t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname = %s AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY t.tgname",
                [table],
            )
            triggers = cursor.fetchall()
    except DatabaseError as exc:
        return Result(
            control, title, setting, False, f"database unreachable ({type(exc).__name__})"
        )
    ok = any(tgtype & update for _, tgtype in triggers) and any(
        tgtype & delete for _, tgtype in triggers
    )
    return Result(
        control, title, setting, ok, ", ".join(name for name, _ in triggers) or "no trigger"
    )
