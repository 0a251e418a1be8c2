"""python manage.py import_streets FILE --name-field F [--srid EPSG]"""

from django.core.management.base import BaseCommand, CommandError

from agency.boundary_files import BoundaryFileError
from geo.street_services import import_streets


class Command(BaseCommand):
    help = (
        "Replace the agency's streets with a street centreline file (GeoJSON or zipped Shapefile, any CRS)"
        " and name every grid cell after its nearest intersection; all features or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--name-field",
            required=True,
            help="Field holding the street name, e.g. LINEAR_NAME_FULL.",
        )
        parser.add_argument(
            "--srid", type=int, help="EPSG code when the file lacks or misstates it."
        )

    def handle(self, *args, **opts):
        try:
            result = import_streets(
                path=opts["file"], name_field=opts["name_field"], srid=opts["srid"]
            )
        except BoundaryFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"streets: {result.segments} segments, {result.names} names ({result.unnamed} unnamed);"
                f" {result.labelled_cells} grid cells labelled"
            )
        )
