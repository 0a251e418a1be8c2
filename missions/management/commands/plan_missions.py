"""python manage.py plan_missions [--date YYYY-MM-DD|today] (--shift NAME|ID | --all-shifts | --due)"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from agency.models import Shift
from agency.selectors import UnknownShift, local_today, shift_named
from missions import services
from missions.models import MissionPlan


class Command(BaseCommand):
    help = (
        "Plan (or re-plan) a shift's missions from its current forecast; started missions are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", default="today", help="Local date the shift starts on (default: today)."
        )
        parser.add_argument("--shift", help="Shift name or id.")
        parser.add_argument("--all-shifts", action="store_true", help="Every shift of the date.")
        parser.add_argument(
            "--skip-missing",
            action="store_true",
            help="Skip shifts without a forecast instead of failing.",
        )
        parser.add_argument(
            "--due",
            action="store_true",
            help="What the scheduler does: plan every shift under way or about to start that has a"
            " forecast and no plan yet.",
        )

    def handle(self, *args, **opts):
        if opts["due"]:
            for plan in services.plan_due_shifts():
                self._report(plan.date, plan.shift, plan)
            return
        day = _date(opts["date"])
        if opts["all_shifts"] == bool(opts["shift"]):
            raise CommandError("Give --shift NAME, --all-shifts or --due.")
        shifts = list(Shift.objects.all()) if opts["all_shifts"] else [_shift(opts["shift"])]
        for shift in shifts:
            try:
                plan = services.plan_missions(
                    date=day, shift=shift, trigger=MissionPlan.Trigger.COMMAND
                )
            except services.NoForecast as exc:
                if opts["skip_missing"]:
                    self.stdout.write(self.style.WARNING(str(exc)))
                    continue
                raise CommandError(str(exc)) from None
            self._report(day, shift, plan)

    def _report(self, day, shift, plan) -> None:
        missions = plan.missions.not_cancelled()
        self.stdout.write(
            self.style.SUCCESS(
                f"{day} {shift.name}: {missions.count()} missions in {missions.values('beat').distinct().count()}"
                f" beats, {plan.controls.count()} control boxes (plan #{plan.pk}, seed {plan.seed_hex[:12]})"
            )
        )


def _date(value: str) -> dt.date:
    if value == "today":
        return local_today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD or 'today', not {value!r}.") from None


def _shift(value: str) -> Shift:
    try:
        return shift_named(value)
    except UnknownShift as exc:
        raise CommandError(str(exc)) from None
