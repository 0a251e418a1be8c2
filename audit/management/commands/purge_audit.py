"""Remove audit events older than the retention period (AUDIT_RETENTION_DAYS, never under the floor)."""

from django.core.management.base import BaseCommand

from audit.retention import purge_expired


class Command(BaseCommand):
    help = "Remove audit events older than AUDIT_RETENTION_DAYS (at least 365); the purge is itself audited."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Retention in days (raised to the floor)."
        )

    def handle(self, *args, **options):
        event = purge_expired(retention_days=options["days"])
        self.stdout.write(
            f"Purged {event.after['purged']} audit events older than {event.after['retention_days']} days."
        )
