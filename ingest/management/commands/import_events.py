"""python manage.py import_events PATH [--calendar NAME] [--timezone ZONE] — the event calendar."""

from django.core.management.base import BaseCommand, CommandError

from ingest.readers import FileFormatError
from ingest.services import import_calendar


class Command(BaseCommand):
    help = (
        "Import planned events from a CSV: name,start,end and latitude/longitude, location"
        " ('lat, lon') or district, and expected_attendance. All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--calendar", default="events", help="Calendar name (default: events).")
        parser.add_argument("--timezone", help="Zone of local times (default: the agency's).")

    def handle(self, *args, **opts):
        try:
            result = import_calendar(
                path=opts["path"], calendar=opts["calendar"], timezone=opts["timezone"]
            )
        except (FileFormatError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Calendar {result.calendar}: {result.created} created, {result.updated} updated."
            )
        )
