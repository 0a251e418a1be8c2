"""What the bench scripts that serve the app share: the production settings' environment for a run
on this machine, the run's own database (created if missing, migrated), and its section of
bench/RESULTS.md written over. Django is imported only when a function starts it."""

from __future__ import annotations

import os
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


def avl_database_url() -> str:
    """The AVL benches' database (AVL_BENCH_DATABASE_URL)."""
    return os.environ.get(
        "AVL_BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/missions_bench_avl"
    )


def avl_broker_url() -> str:
    return os.environ.get("AVL_BENCH_BROKER_URL", "redis://127.0.0.1:6379/9")


def test_settings_env(*, database_url: str, broker_url: str) -> dict:
    """The test settings on the bench's database, for benches that call the app in-process."""
    return {
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
    }


def start_django(env: dict) -> None:
    """This process on `env`: its database created if missing and migrated, Django set up."""
    os.environ.update(env)
    create_database(env["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def write_section(section: str, report: str) -> None:
    """Put `report` at the top of `section` ("## …") in bench/RESULTS.md, adding the section at
    the end if it is not there; earlier runs stay below."""
    text = RESULTS.read_text()
    if section not in text:
        text = text.rstrip("\n") + f"\n\n{section}\n"
    head, _, tail = text.partition(section + "\n")
    RESULTS.write_text(f"{head}{section}\n\n{report}\n{tail}")
