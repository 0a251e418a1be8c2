"""python manage.py seed_mission_history [--weeks N] [--effect -0.2] [--seed N] — past weeks of
planned, served and evaluated missions on the demo city, for the oversight pages."""

from django.core.management.base import BaseCommand, CommandError

from demo.generator import MISSION_EFFECT_DEFAULT
from demo.history import HISTORY_WEEKS_DEFAULT, seed_mission_history
from demo.seed import demo_is_seeded
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = "Plan and serve the demo city's past shifts (controls included), with an optional true mission effect."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=HISTORY_WEEKS_DEFAULT)
        parser.add_argument(
            "--effect",
            type=float,
            default=MISSION_EFFECT_DEFAULT,
            help="True effect of a mission on its box during the shift (-0.2 = 20 %% fewer; 0 = none).",
        )
        parser.add_argument(
            "--seed", type=int, default=7, help="The demo city's seed (as seed_demo)."
        )

    def handle(self, *args, **opts):
        if not demo_is_seeded():
            raise CommandError(
                "Seed the demo city first: python manage.py seed_demo && python manage.py build_grid"
            )
        with progress_bar("Mission history") as progress:
            counts = seed_mission_history(
                weeks=opts["weeks"], effect=opts["effect"], seed=opts["seed"], progress=progress
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['shifts']} shifts planned and served: {counts['missions']} missions;"
                f" {counts['incidents_removed']} incidents removed by the true mission effect."
            )
        )
