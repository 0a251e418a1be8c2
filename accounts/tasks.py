"""Nightly: disable dormant accounts and temporary accounts past their expiry (scheduled by migration)."""

from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.disable_dormant_accounts")
def disable_dormant_accounts() -> list[str]:
    return services.disable_dormant_accounts()
