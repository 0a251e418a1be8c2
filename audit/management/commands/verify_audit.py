"""Check the audit log's hash chain; exit 1 naming the first changed or missing event."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_chain


class Command(BaseCommand):
    help = "Walk the audit hash chain and report the first changed or missing event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-hash",
            default="",
            help="A head hash recorded earlier (off-box); it must still be in the chain.",
        )

    def handle(self, *args, **options):
        report = verify_chain(expect_hash=options["expect_hash"])
        if not report.ok:
            raise CommandError(
                f"Audit chain broken after {report.checked} events: {report.problem}."
            )
        self.stdout.write(
            f"Audit chain intact: {report.checked} events, head {report.head_hash or '(empty)'}."
        )
