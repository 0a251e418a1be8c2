"""python manage.py backtest --events EVENTS.csv --boundary BOUNDARY.geojson --test-start YYYY-MM-DD
--test-days N --out DIR [...] — walk-forward back-test on files alone (no database access)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from forecasting.engine.baselines import DEFAULT_MODELS
from forecasting.engine.events import EventsError
from forecasting.engine.files import run_backtest_files
from forecasting.engine.grid import GridError
from forecasting.engine.shifts import parse_shift_starts


class Command(BaseCommand):
    help = (
        "Back-test every forecaster on an EVENTS.csv (id,occurred_at,latitude,longitude,category; local "
        "ISO 8601 times) inside a boundary GeoJSON; writes DIR/metrics.json and DIR/forecasts.csv. "
        "Naive times are read in --timezone, which defaults to UTC because no offset can be guessed."
    )
    requires_system_checks: list = []  # runs on files alone, like the engine it wraps

    def add_arguments(self, parser):
        parser.add_argument("--events", required=True, help="EVENTS.csv path")
        parser.add_argument(
            "--boundary", required=True, help="GeoJSON; polygon features are districts"
        )
        parser.add_argument(
            "--test-start", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD"
        )
        parser.add_argument("--test-days", required=True, type=int)
        parser.add_argument("--out", required=True, help="output directory")
        parser.add_argument("--cell-size", type=float, default=250.0, help="metres (default 250)")
        parser.add_argument(
            "--shift-starts",
            default="06:00,14:00,22:00",
            help="local wall-clock starts; 06:00/10h,14:00/10h,22:00/10h for shifts of given hours (may overlap)",
        )
        parser.add_argument(
            "--timezone", default="UTC", help="Area/City of the naive times (default UTC)"
        )
        parser.add_argument(
            "--crime-types", default=None, help="comma-separated categories (default: all)"
        )
        parser.add_argument(
            "--models", default=None, help=f"comma-separated (default: {','.join(DEFAULT_MODELS)})"
        )
        parser.add_argument(
            "--layers", nargs="*", default=[], metavar="NAME=PATH.csv", help="risk-terrain points"
        )
        parser.add_argument(
            "--country", default=None, help="holiday calendar country code, e.g. CA"
        )
        parser.add_argument(
            "--subdivision", default=None, help="holiday calendar subdivision, e.g. ON"
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--type-weights",
            default=None,
            metavar="TYPE=W,…",
            help="severity weight × patrol efficacy per crime type for the mission draw (default 1 each)",
        )

        parser.add_argument(
            "--select-days",
            type=int,
            default=0,
            help="promote on the missions' capture over this many days before the test period "
            "(default 0: on the test period itself)",
        )

    def handle(self, *args, **opts):
        if opts["test_days"] < 1:
            raise CommandError("--test-days must be at least 1")
        if opts["select_days"] < 0:
            raise CommandError("--select-days must be 0 or more")
        try:
            layers = dict(_pair(item) for item in opts["layers"])
            payload = run_backtest_files(
                events=opts["events"],
                boundary=opts["boundary"],
                test_start=opts["test_start"],
                test_days=opts["test_days"],
                out=opts["out"],
                cell_size=opts["cell_size"],
                shift_starts=parse_shift_starts(opts["shift_starts"]),
                tz=opts["timezone"],
                crime_types=_split(opts["crime_types"]),
                models=_split(opts["models"]),
                layers=layers,
                country=opts["country"],
                subdivision=opts["subdivision"],
                progress=True,  # tqdm writes to stderr
                seed=opts["seed"],
                type_weights=dict(_weight(item) for item in _split(opts["type_weights"]) or []),
                select_days=opts["select_days"],
            )
        except (GridError, EventsError, ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(payload["report"])
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {opts['out']}/metrics.json, forecasts.csv and missions.csv")
        )


def _split(text):
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def _weight(item: str):
    name, _, value = item.partition("=")
    try:
        weight = float(value)
    except ValueError:
        weight = -1.0
    if not name or not weight >= 0:
        raise CommandError(f"--type-weights takes TYPE=NUMBER (>= 0), got {item!r}")
    return name, weight


def _pair(item: str):
    name, sep, path = item.partition("=")
    if not sep or not name or not path:
        raise CommandError(f"--layers takes NAME=PATH.csv, got {item!r}")
    return name, path
