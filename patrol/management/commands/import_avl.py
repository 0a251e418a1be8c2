"""manage.py import_avl FILE [FILE …] [--measure]: import a CAD's files of vehicle positions (CSV
or GeoJSON) one after another, in chunks with a progress bar; refused rows are kept with their
reasons; --measure turns each file's shifts into minutes per box (BoxExposure) once it is in. A
month split by day goes in one process (Django and its libraries start once, not once a day)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from patrol import services
from patrol.avl_import import AvlFileError, import_avl_file


class Command(BaseCommand):
    help = "Import vehicle positions (AVL) from CSV or GeoJSON files."

    def add_arguments(self, parser):
        parser.add_argument("files", type=Path, nargs="+", metavar="file")
        parser.add_argument("--chunk-rows", type=int, default=None)
        parser.add_argument(
            "--measure", action="store_true", help="Measure the minutes per box after each file."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, files: list[Path], chunk_rows, measure, no_progress, **options):
        for file in files:
            self._import(file, chunk_rows=chunk_rows, measure=measure, no_progress=no_progress)

    def _import(self, file: Path, *, chunk_rows, measure, no_progress) -> None:
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
        self.stdout.flush()
