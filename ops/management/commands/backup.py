"""Back up the database, the media folder and a manifest (row counts, audit head) into a new
folder: docs/deploy.md, "Backups"."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a backup (database dump, media, manifest) into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="A new (or empty) folder for this backup.")
        parser.add_argument(
            "--exclude-table-data",
            action="append",
            default=[],
            metavar="TABLE",
            help="Leave a table's rows out (PostgreSQL); a restore of it fails the drill.",
        )

    def handle(self, *args, **options):
        try:
            manifest = backup(
                Path(options["destination"]),
                exclude_table_data=tuple(options["exclude_table_data"]),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows} rows),"
            f" {manifest['audit']['events']} audit events"
            f" (head {manifest['audit']['head_hash'] or '(empty)'}),"
            f" {len(manifest['files'])} files into {options['destination']}."
        )
