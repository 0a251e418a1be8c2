"""manage.py import_avl FILE [--measure]: import a CAD's file of vehicle positions (CSV or GeoJSON)
in chunks with a progress bar; refused rows are kept with their reasons; --measure then turns the
file's shifts into minutes per box (BoxExposure)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from patrol import services
from patrol.avl_import import AvlFileError, import_avl_file


class Command(BaseCommand):
    help = "Import vehicle positions (AVL) from a CSV or GeoJSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--chunk-rows", type=int, default=None)
        parser.add_argument(
            "--measure", action="store_true", help="Measure the minutes per box afterwards."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: Path, chunk_rows, measure, no_progress, **options):
        bar = tqdm(total=0, unit="B", unit_scale=True, disable=no_progress, desc=file.name)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = import_avl_file(file, chunk_rows=chunk_rows, progress=progress)
        except AvlFileError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(result.summary())
        if measure and result.first is not None:
            windows = services.shifts_between(start=result.first, end=result.last)
            rows = services.measure_exposure_windows(windows)
            self.stdout.write(f"Measured {len(windows)} shifts: {rows} (unit, box, shift) rows.")
