"""python manage.py train_models [--crime-types a,b] [--weeks N] [--seed S] [--if-missing]"""

from django.core.management.base import BaseCommand, CommandError

from forecasting.selectors import promoted_versions
from forecasting.training import TrainingError, resolve_crime_types, train_models
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Back-test every candidate model per crime type on the most recent weeks, fit the best on all"
        " data and promote it (in this process; the Train button queues one worker task per type)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--crime-types", help="Comma-separated codes or names (default: all enabled).")
        parser.add_argument("--weeks", type=int, help="Weeks of walk-forward back-test (default: setting).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--if-missing", action="store_true", help="Only types that have no promoted model yet."
        )

    def handle(self, *args, **opts):
        codes = [c.strip() for c in (opts["crime_types"] or "").split(",") if c.strip()] or None
        try:
            if opts["if_missing"]:
                trained = set(promoted_versions().values_list("crime_type__code", flat=True))
                codes = [c for c in resolve_crime_types(codes) if c not in trained]
                if not codes:
                    self.stdout.write("Every crime type has a promoted model; nothing to train.")
                    return
            with progress_bar("Training") as progress:
                versions = train_models(crime_types=codes, weeks=opts["weeks"], seed=opts["seed"], progress=progress)
        except TrainingError as exc:
            raise CommandError(str(exc)) from exc
        for v in versions:
            pai = v.metrics["models"][v.algorithm]["pai"]
            self.stdout.write(self.style.SUCCESS(
                f"{v.crime_type.name}: promoted {v.algorithm} (version {v.pk}, PAI@5% {pai['5%'] or 0:.2f},"
                f" PAI@1% {pai['1%'] or 0:.2f})"
            ))
