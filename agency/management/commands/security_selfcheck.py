"""Print each security control the live settings decide (CJIS / ASVS id, setting, PASS or FAIL with
the value found), as evidence for the agency's audit; --strict exits non-zero on any FAIL."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from missions_site.selfcheck import run_checks


class Command(BaseCommand):
    help = "Check the live settings against the CJIS / ASVS controls they decide."

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict", action="store_true", help="Exit with an error when any control fails."
        )

    def handle(self, *args, strict=False, **options):
        results = run_checks(settings, connection)
        for result in results:
            style = self.style.SUCCESS if result.passed else self.style.ERROR
            self.stdout.write(style(result.line()))
        failed = sum(not r.passed for r in results)
        self.stdout.write(
            f"{len(results) - failed} passed, {failed} failed. What settings cannot show: docs/security.md."
        )
        if strict and failed:
            raise CommandError(f"{failed} control(s) failed.")
