"""python manage.py train_models [--crime-types a,b] [--weeks N] [--seed S] [--if-missing]

--if-missing also retrains a type whose promoted model this engine cannot read (an older format)."""

from django.core.management.base import BaseCommand, CommandError

from forecasting.selectors import types_needing_training
from forecasting.training import TrainingError, resolve_crime_types, train_models
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Back-test every candidate model per crime type on the most recent weeks, fit the best on all"
        " data and promote it (in this process; the Train button queues one worker task per type)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--crime-types", help="Comma-separated codes or names (default: all enabled)."
        )
        parser.add_argument(
            "--weeks", type=int, help="Weeks of walk-forward back-test (default: setting)."
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Only types without a promoted model this engine can read (none yet, or one saved by an"
            " older version in a format it no longer reads).",
        )

    def handle(self, *args, **opts):
        codes = [c.strip() for c in (opts["crime_types"] or "").split(",") if c.strip()] or None
        try:
            if opts["if_missing"]:
                needs = types_needing_training(resolve_crime_types(codes))
                if not needs:
                    self.stdout.write(
                        "Every crime type has a promoted model this engine can read; nothing to train."
                    )
                    return
                for need in needs:
                    self.stdout.write(f"{need.name}: {need.reason} (training it now).")
                codes = [need.code for need in needs]
            with progress_bar("Training") as progress:
                versions = train_models(
                    crime_types=codes, weeks=opts["weeks"], seed=opts["seed"], progress=progress
                )
        except TrainingError as exc:
            raise CommandError(str(exc)) from exc
        for v in versions:
            pai = v.metrics["models"][v.algorithm]["pai"]
            self.stdout.write(
                self.style.SUCCESS(
                    f"{v.crime_type.name}: promoted {v.algorithm} (version {v.pk}, PAI@5% {pai['5%'] or 0:.2f},"
                    f" PAI@1% {pai['1%'] or 0:.2f})"
                )
            )
