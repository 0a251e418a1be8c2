"""What the bench scripts that serve the app share: the production settings' environment for a run
on this machine, the run's own database (created if missing), and its section of bench/RESULTS.md
written over. No Django here."""

from __future__ import annotations

import secrets
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "RESULTS.md"


def production_env(*, database_url: str, broker_url: str) -> dict:
    """Production settings on 127.0.0.1 (no TLS redirect), a fresh secret key, quiet logs; every
    simulated client comes from 127.0.0.1, so the token throttle is lifted."""
    return {
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.prod",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_TOKEN_THROTTLE_RATE": "100000/min",
        "LOG_LEVEL": "WARNING",
    }


def create_database(url: str) -> None:
    """The database named at the end of `url` (postgis://…/name), created if it does not exist."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.replace("postgis://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def write_section(section: str, report: str) -> None:
    """Put `report` at the top of `section` ("## …") in bench/RESULTS.md, adding the section at
    the end if it is not there; earlier runs stay below."""
    text = RESULTS.read_text()
    if section not in text:
        text = text.rstrip("\n") + f"\n\n{section}\n"
    head, _, tail = text.partition(section + "\n")
    RESULTS.write_text(f"{head}{section}\n\n{report}\n{tail}")
