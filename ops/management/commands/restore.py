"""Restore a backup made by `backup` into a new, empty database (DATABASE_URL), copy its media back
and compare every table's row count and the audit head with the manifest; exit 1 on a difference."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, compare, read_manifest, restore


class Command(BaseCommand):
    help = "Restore a backup into a new database and check it against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup's folder (with manifest.json).")
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="Restore nothing: compare the configured database with the manifest.",
        )
        parser.add_argument(
            "--no-privileges",
            action="store_true",
            help="Skip GRANTs (a cluster without the original roles, e.g. a drill machine).",
        )

    def handle(self, *args, **options):
        source = Path(options["source"])
        try:
            if options["check_only"]:
                result = compare(read_manifest(source))
            else:
                result = restore(source, privileges=not options["no_privileges"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not result.ok:
            raise CommandError(
                f"The restored database differs from the backup: {result.describe()}."
            )
        manifest = read_manifest(source)
        self.stdout.write(
            f"Restored and checked: {len(manifest['tables'])} tables with the manifest's row counts,"
            f" audit head {manifest['audit']['head_hash'] or '(empty)'}."
        )
