"""python manage.py build_grid [--cell-size 250]"""

from django.core.management.base import BaseCommand, CommandError

from forecasting.engine.grid import GridError
from forecasting.services import build_grid
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = "Build or rebuild the grid of cells over the jurisdiction (cell ids never change)."

    def add_arguments(self, parser):
        parser.add_argument("--cell-size", type=int, help="Metres (default: the agency's setting).")

    def handle(self, *args, **opts):
        try:
            with progress_bar("Building grid") as progress:
                result = build_grid(cell_size_m=opts["cell_size"], progress=progress)
        except GridError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.cells} cells of {result.cell_size_m} m in EPSG:{result.epsg}"
                f" ({result.created} new, {result.inactive} inactive kept for history)"
            )
        )
