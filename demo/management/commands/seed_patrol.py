"""python manage.py seed_patrol [--days 2] [--seed 7] — the demo city's units, roster and AVL
positions for the last days (through the AVL write path), each shift measured into minutes per box."""

from django.core.management.base import BaseCommand, CommandError

from demo.patrol import PATROL_DAYS_DEFAULT, seed_patrol
from demo.seed import demo_is_seeded
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = "Simulate the demo city's patrol units (roster and AVL positions) and measure exposure."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=PATROL_DAYS_DEFAULT)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **opts):
        if not demo_is_seeded():
            raise CommandError(
                "Seed the demo city first: python manage.py seed_demo && python manage.py build_grid"
            )
        with progress_bar("Patrol units") as progress:
            counts = seed_patrol(days=opts["days"], seed=opts["seed"], progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['units']} units over {counts['shifts']} shifts: {counts['positions']}"
                f" positions stored, {counts['box_rows']} unit-box-shift rows measured."
            )
        )
