"""Check the audit log's hash chain, and the heads written down in AUDIT_ANCHOR_FILE; exit 1
naming the first changed or missing event. --anchor writes the head down after a clean check."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.anchors import read_anchors, write_head_anchor
from audit.verification import check_anchors, verify_chain


class Command(BaseCommand):
    help = "Walk the audit hash chain and report the first changed or missing event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-hash",
            default="",
            help="A head hash recorded earlier (off-box); it must still be in the chain.",
        )
        parser.add_argument(
            "--anchors",
            default="",
            help="Heads written down earlier (default AUDIT_ANCHOR_FILE; a syslog copy reads too).",
        )
        parser.add_argument(
            "--anchor", action="store_true", help="Write the head down once the check passed."
        )

    def handle(self, *args, **options):
        report = verify_chain(expect_hash=options["expect_hash"])
        if not report.ok:
            raise CommandError(
                f"Audit chain broken after {report.checked} events: {report.problem}."
            )
        anchors = read_anchors(options["anchors"] or settings.AUDIT_ANCHOR_FILE)
        rewritten = check_anchors(anchors)
        if rewritten is not None:
            raise CommandError(f"Audit log does not match its anchors: {rewritten.problem}.")
        if options["anchor"]:
            write_head_anchor()
        self.stdout.write(
            f"Audit chain intact: {report.checked} events, head {report.head_hash or '(empty)'};"
            f" {len(anchors)} anchored head(s) match."
        )
