"""python manage.py import_boundaries FILE --level district|beat --name-field F"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agency.boundary_files import BoundaryFileError
from agency.services import BEAT, DISTRICT, import_boundaries


class Command(BaseCommand):
    help = "Import districts or beats from a GeoJSON or (zipped) Shapefile; all features or none."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--level", choices=[DISTRICT, BEAT], required=True)
        parser.add_argument("--name-field", required=True, help="Field holding the name.")
        parser.add_argument("--code-field", help="Field holding a short code (default: the name).")
        parser.add_argument("--district-field", help="For beats: field naming the district code.")
        parser.add_argument(
            "--srid", type=int, help="EPSG code when the file lacks or misstates it."
        )

    def handle(self, *args, **opts):
        try:
            result = import_boundaries(
                path=opts["file"],
                level=opts["level"],
                name_field=opts["name_field"],
                code_field=opts["code_field"],
                district_field=opts["district_field"],
                srid=opts["srid"],
            )
        except BoundaryFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.level}s: {result.created} created, {result.updated} updated"
                f" ({', '.join(result.codes)})"
            )
        )
        if result.simplified:
            self.stdout.write(
                f"Simplified to at most {settings.GEOMETRY_MAX_VERTICES:,} vertices"
                f" (GEOMETRY_MAX_VERTICES): {', '.join(result.simplified)}"
            )
