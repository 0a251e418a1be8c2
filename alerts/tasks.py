from celery import shared_task

from . import services


@shared_task
def scan_for_alerts() -> list[int]:
    """Hourly: counts of the last window against the forecast, and near-repeat series; new alerts
    are delivered in the app and by e-mail. Quick, so no job row; each alert is in the audit log."""
    return [alert.pk for alert in services.scan()]
