"""python manage.py import_layer PATH --name NAME — a risk-terrain point layer (bars, stops, schools)."""

from django.core.management.base import BaseCommand, CommandError

from ingest.readers import FileFormatError
from ingest.services import import_layer


class Command(BaseCommand):
    help = (
        "Import a point layer (CSV with lat/lon, GeoJSON, zipped Shapefile); replaces its points."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--name", required=True, help="Layer name, e.g. bars or ttc-stops.")
        parser.add_argument("--description", default="")
        parser.add_argument("--name-field", help="Column holding each point's name.")
        parser.add_argument("--lat-field", help="Latitude column of a CSV (default: detected).")
        parser.add_argument("--lon-field", help="Longitude column of a CSV (default: detected).")

    def handle(self, *args, **opts):
        try:
            result = import_layer(
                path=opts["path"],
                name=opts["name"],
                description=opts["description"],
                name_field=opts["name_field"],
                lat_field=opts["lat_field"],
                lon_field=opts["lon_field"],
            )
        except (FileFormatError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Layer {result.layer.name}: {result.points} points, {result.skipped} skipped"
                " (no usable coordinates)."
            )
        )
