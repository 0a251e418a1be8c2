"""Print the access matrix (route × role) as Markdown, or --write it into docs/security.md."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from missions_site.access_doc import matrix_markdown, replace_in

DOC = Path(settings.BASE_DIR) / "docs" / "security.md"


class Command(BaseCommand):
    help = "The access matrix of missions_site/access.py as the Markdown table of docs/security.md."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Regenerate the table in {DOC}.")

    def handle(self, *args, write=False, **options):
        if write:
            DOC.write_text(replace_in(DOC.read_text()))
            self.stdout.write(f"Wrote the access matrix into {DOC}.")
        else:
            self.stdout.write(matrix_markdown())
