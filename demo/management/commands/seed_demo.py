"""python manage.py seed_demo [--seed N] [--password PW] [--if-empty]"""

from django.core.management.base import BaseCommand

from demo.seed import demo_is_seeded, seed_demo
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = "Build the synthetic demo city: districts, beats, layers, two years of incidents, users."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--password", help="Password of the demo users (default: generated).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if already seeded.")

    def handle(self, *args, **opts):
        if opts["if_empty"] and demo_is_seeded():
            self.stdout.write("The demo city is already there; nothing to do.")
            return
        with progress_bar("Seeding demo city") as progress:
            result = seed_demo(seed=opts["seed"], password=opts["password"], progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.agency}: {result.districts} districts, {result.beats} beats,"
                f" {result.incidents} incidents, layers {result.layers}"
            )
        )
        self.stdout.write(
            f"Users {', '.join(result.usernames)} — password: {result.password}"
            + ("" if opts["password"] else "  (generated; pass --password to choose one)")
        )
