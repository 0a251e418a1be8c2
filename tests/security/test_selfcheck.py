"""`manage.py security_selfcheck` against the test settings, the production settings (a fresh
process with their environment) and settings of each library present or absent."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from missions_site import selfcheck

ROOT = Path(__file__).resolve().parent.parent.parent


def lines_of(output: str) -> dict[str, str]:
    """Title → whole line, for every PASS/FAIL line."""
    found = {}
    for line in output.splitlines():
        if line.startswith(("PASS", "FAIL")):
            found[line[34:84].strip()] = line
    return found


@pytest.mark.django_db
def test_test_settings_report_their_live_values():
    out = StringIO()
    call_command("security_selfcheck", stdout=out)  # without --strict a FAIL does not stop it
    lines = lines_of(out.getvalue())
    assert lines["Debug pages off"].startswith("PASS") and lines["Debug pages off"].endswith(
        "DEBUG = False"
    )
    assert lines["Cookies sent over HTTPS only (Secure)"].startswith("FAIL")
    assert lines["Cookies sent over HTTPS only (Secure)"].endswith("= False/False")
    assert lines["HSTS for at least a year"].startswith("FAIL")
    assert lines["HTTP redirected to HTTPS"].startswith("FAIL")
    assert lines["API schema and docs need a login"].startswith("PASS")
    assert lines["Passwords of at least 8 characters"].startswith(
        "PASS  CJIS 5.6.2.1.1 / ASVS 2.1.1"
    )
    assert len(lines) == len(selfcheck.SETTINGS_CHECKS) + 1
    with pytest.raises(CommandError, match="control"):
        call_command("security_selfcheck", "--strict", stdout=StringIO())


@pytest.mark.subprocess
@pytest.mark.django_db(transaction=True)
def test_production_settings_pass_the_transport_controls_and_strict_fails_on_a_fail():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.prod",
        "DJANGO_SECRET_KEY": "selfcheck-test-only-" + "k" * 40,
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "security_selfcheck"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = lines_of(run.stdout)
    assert lines["Cookies sent over HTTPS only (Secure)"].endswith("= True/True")
    assert lines["Cookies sent over HTTPS only (Secure)"].startswith("PASS")
    assert lines["HTTP redirected to HTTPS"].startswith("PASS")
    assert (
        lines["HSTS for at least a year"].startswith("PASS")
        and "31536000 s" in lines["HSTS for at least a year"]
    )
    assert lines["Debug pages off"].startswith("PASS")
    assert lines["API schema and docs need a login"].startswith("PASS")
    weakened = subprocess.run(
        [sys.executable, "manage.py", "security_selfcheck", "--strict"],
        cwd=ROOT,
        env={**env, "DJANGO_SECURE_HSTS_SECONDS": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert weakened.returncode != 0
    assert lines_of(weakened.stdout)["HSTS for at least a year"].startswith("FAIL")


@pytest.mark.subprocess
@pytest.mark.django_db(transaction=True)
def test_production_flags_the_placeholder_key_a_per_process_cache_and_officers_without_mfa():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.prod",
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CACHE_URL": os.environ["CACHE_URL"],
    }
    placeholder = dotenv_example()["DJANGO_SECRET_KEY"]

    def selfcheck_lines(**overrides):
        run = subprocess.run(
            [sys.executable, "manage.py", "security_selfcheck", "--strict"],
            cwd=ROOT,
            env={**env, **overrides},
            capture_output=True,
            text=True,
            timeout=120,
        )
        return run.returncode, lines_of(run.stdout)

    # .env.example copied as it is: --strict used to pass its placeholder key.
    code, lines = selfcheck_lines(DJANGO_SECRET_KEY=placeholder, CACHE_URL="")
    assert code != 0
    assert lines["Secret key set and not a placeholder"].startswith("FAIL")
    assert lines["Throttles count in a cache all processes share"].startswith("FAIL")
    assert lines["Throttles count in a cache all processes share"].endswith("LocMemCache")
    assert lines["Second factor required of officers too"].startswith("FAIL")
    # Control: a real key, the shared Redis cache, officers with a second factor.
    _, lines = selfcheck_lines(
        DJANGO_SECRET_KEY="selfcheck-test-only-" + "k" * 40, MFA_REQUIRED_FOR_OFFICERS="true"
    )
    assert lines["Secret key set and not a placeholder"].startswith("PASS")
    assert lines["Throttles count in a cache all processes share"].startswith("PASS")
    assert lines["Throttles count in a cache all processes share"].endswith("RedisCache")
    assert lines["Second factor required of officers too"].startswith("PASS")


def dotenv_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def settings(**values):
    base = {"INSTALLED_APPS": [], "MIDDLEWARE": []}
    return SimpleNamespace(**{**base, **values})


def test_lockout_is_not_configured_without_axes_and_checks_the_limit_with_it():
    absent = selfcheck.lockout(settings(AXES_FAILURE_LIMIT=5))
    assert not absent.passed and absent.value == "not configured"
    assert selfcheck.lockout(settings(INSTALLED_APPS=["axes"], AXES_FAILURE_LIMIT=5)).passed
    assert not selfcheck.lockout(settings(INSTALLED_APPS=["axes"], AXES_FAILURE_LIMIT=20)).passed


def test_secret_key_must_be_long_and_not_a_placeholder():
    assert selfcheck.secret_key(settings(SECRET_KEY="x7#Qp" * 12)).passed
    assert not selfcheck.secret_key(settings(SECRET_KEY="change-me-" + "x7#Qp" * 12)).passed
    assert not selfcheck.secret_key(settings(SECRET_KEY="short-Key1")).passed
    assert selfcheck.secret_key(settings(SECRET_KEY="")).value == "not configured"


def test_tokens_must_expire():
    assert not selfcheck.token_expiry(settings(INSTALLED_APPS=["rest_framework.authtoken"])).passed
    knox = settings(INSTALLED_APPS=["knox"], REST_KNOX={"TOKEN_TTL": timedelta(hours=12)})
    assert selfcheck.token_expiry(knox).passed and selfcheck.token_expiry(knox).value == "12 h"
    assert not selfcheck.token_expiry(
        settings(INSTALLED_APPS=["knox"], REST_KNOX={"TOKEN_TTL": None})
    ).passed


def test_mfa_needs_the_library_its_middleware_and_the_setting():
    on = settings(
        INSTALLED_APPS=["django_otp"],
        MIDDLEWARE=["django_otp.middleware.OTPMiddleware"],
        MFA_ENABLED=True,
    )
    assert selfcheck.mfa_required(on).passed
    assert not selfcheck.mfa_required(settings(**{**vars(on), "MFA_ENABLED": False})).passed
    assert selfcheck.mfa_required(settings(MFA_ENABLED=True)).value == "not configured"


def test_csp_must_be_strict():
    strict = {
        "DIRECTIVES": {
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "frame-ancestors": ["'none'"],
            "script-src": ["'self'"],
        }
    }
    middleware = ["csp.middleware.CSPMiddleware"]
    assert selfcheck.csp(settings(MIDDLEWARE=middleware, CONTENT_SECURITY_POLICY=strict)).passed
    loose = {"DIRECTIVES": {**strict["DIRECTIVES"], "script-src": ["'self'", "'unsafe-inline'"]}}
    assert not selfcheck.csp(settings(MIDDLEWARE=middleware, CONTENT_SECURITY_POLICY=loose)).passed
    assert not selfcheck.csp(
        settings(CONTENT_SECURITY_POLICY=strict)
    ).passed  # no middleware, no header


def test_settings_of_the_other_security_parts_are_read_when_present():
    assert selfcheck.login_banner(settings()).value == "not configured"
    assert selfcheck.login_banner(
        settings(LOGIN_BANNER_TEXT="Restricted system. Use is monitored.")
    ).passed
    assert not selfcheck.dormant_accounts(settings(ACCOUNT_DORMANT_DAYS=365)).passed
    assert selfcheck.dormant_accounts(settings(ACCOUNT_DORMANT_DAYS=90)).passed
    assert not selfcheck.audit_retention(settings(AUDIT_RETENTION_DAYS=30)).passed
    assert selfcheck.audit_retention(settings(AUDIT_RETENTION_DAYS=365)).passed
    throttled = settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": {"login": "30/min"}})
    assert (
        selfcheck.login_throttled(throttled).passed
        and not selfcheck.login_throttled(settings()).passed
    )


def test_session_timeouts():
    assert selfcheck.session_idle_timeout(settings(SESSION_IDLE_TIMEOUT_MINUTES=30)).passed
    assert not selfcheck.session_idle_timeout(settings(SESSION_IDLE_TIMEOUT_MINUTES=240)).passed
    assert selfcheck.session_absolute_lifetime(settings(SESSION_COOKIE_AGE=12 * 3600)).passed
    assert not selfcheck.session_absolute_lifetime(
        settings(SESSION_COOKIE_AGE=14 * 24 * 3600)
    ).passed


@pytest.mark.django_db
def test_audit_trigger_is_found_in_pg_trigger():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE selfcheck_probe (id integer)")
    assert selfcheck.audit_trigger(connection, table="selfcheck_probe").value == "no trigger"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION selfcheck_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'append-only'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER selfcheck_refuse_update BEFORE UPDATE ON selfcheck_probe "
            "FOR EACH ROW EXECUTE FUNCTION selfcheck_refuse()"
        )
    assert not selfcheck.audit_trigger(
        connection, table="selfcheck_probe"
    ).passed  # DELETE still allowed
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER selfcheck_refuse_delete BEFORE DELETE ON selfcheck_probe "
            "FOR EACH ROW EXECUTE FUNCTION selfcheck_refuse()"
        )
    result = selfcheck.audit_trigger(connection, table="selfcheck_probe")
    assert result.passed and result.value == "selfcheck_refuse_delete, selfcheck_refuse_update"
