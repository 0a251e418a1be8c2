"""python manage.py forecast_shift [--date YYYY-MM-DD] [--shift NAME | --all-shifts] [--if-missing]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from agency.models import Shift
from agency.selectors import UnknownShift, current_or_next_shift_window, local_today, shift_named
from forecasting.forecasts import ForecastError, forecast_shift
from forecasting.selectors import current_run
from jobs.progress import progress_bar


class Command(BaseCommand):
    help = "Forecast one shift for every crime type with a promoted model (default: the current or next shift)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, help="Local date the shift starts on."
        )
        parser.add_argument("--shift", help="Shift name, e.g. Night.")
        parser.add_argument("--all-shifts", action="store_true", help="Every shift of the date.")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Skip shifts that already have a complete forecast.",
        )

    def handle(self, *args, **opts):
        try:
            window = current_or_next_shift_window()
            if window is None:
                raise CommandError("No shifts are configured.")
            day, shifts = window.date, [window.shift]
            if opts["all_shifts"]:  # every shift of the local date, as plan_missions --date today
                shifts = list(Shift.objects.all())
                day = local_today()
            elif opts["shift"]:
                shifts = [shift_named(opts["shift"])]
            day = opts["date"] or day
            for shift in shifts:
                if opts["if_missing"] and current_run(date=day, shift=shift) is not None:
                    self.stdout.write(f"{day} {shift.name} already has a forecast.")
                    continue
                with progress_bar(f"Forecasting {day} {shift.name}") as progress:
                    run = forecast_shift(date=day, shift=shift, progress=progress)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Forecast run {run.pk}: {day} {shift.name} ({run.starts_at:%Y-%m-%d %H:%M} UTC),"
                        f" {run.cell_forecasts.count()} cell forecasts for"
                        f" {run.model_versions.count()} crime type(s)"
                    )
                )
        except (ForecastError, UnknownShift) as exc:
            raise CommandError(str(exc)) from exc
