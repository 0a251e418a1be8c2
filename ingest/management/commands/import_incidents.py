"""python manage.py import_incidents PATH --source NAME [--mapping PRESET|FILE] [--strict]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingest import services
from ingest.mapping import MappingError, preset_names
from ingest.models import ImportRun
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Import incidents from a CSV, GeoJSON or zipped Shapefile into a source. Exit status 0 when"
        " the run completed (even with rejected rows), 1 when it failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", required=True, help="Source name; created if new.")
        parser.add_argument(
            "--mapping",
            help=f"Preset ({', '.join(preset_names())}) or a YAML/JSON mapping file."
            " Default: the source's mapping, or canonical for a new source.",
        )
        parser.add_argument("--strict", action="store_true", help="All rows or none.")

    def handle(self, *args, **opts):
        path = Path(opts["path"])
        try:
            source, mapping = services.resolve_source(
                name=opts["source"], mapping_spec=opts["mapping"]
            )
        except MappingError as exc:
            raise CommandError(str(exc)) from exc
        for warning in mapping.warnings:
            self.stderr.write(self.style.WARNING(f"Mapping: {warning}"))
        with progress_bar(f"Import {path.name}") as bar:
            run = services.import_incidents_file(
                path=path, source=source, mapping=mapping, strict=opts["strict"], progress=bar
            )
        self._print(run)
        if run.status != ImportRun.Status.SUCCEEDED:
            raise CommandError(f"Import failed: {run.message}")

    def _print(self, run: ImportRun) -> None:
        self.stdout.write(
            f"created {run.created}\nupdated {run.updated}\nunchanged {run.unchanged}\n"
            f"rejected {run.rejected}\nunmapped {run.unmapped}"
        )
        for reason, count in (run.details.get("rejected_by_reason") or {}).items():
            self.stdout.write(f"  rejected, {reason}: {count}")
        codes = run.details.get("unmapped_codes") or {}
        if codes:
            self.stdout.write(
                "  unmapped codes: " + ", ".join(f"{c} ({n})" for c, n in codes.items())
            )
        style = self.style.SUCCESS if run.status == ImportRun.Status.SUCCEEDED else self.style.ERROR
        self.stdout.write(style(f"Run {run.pk} {run.status}: {run.message}"))
