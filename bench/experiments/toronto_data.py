"""The Toronto data as the experiments read it: the engine's context (incidents, divisions, the
points of interest as risk-terrain layers, Ontario's holidays) up to the end of a window."""

from __future__ import annotations

import datetime as dt

from backtest_toronto import DATA, TZ

from forecasting.engine.files import load_context


def toronto_context(window: dt.date, days: int):
    """The context holding every incident up to the day after the window's last."""
    layers = {p.stem.replace("toronto_", ""): p for p in sorted((DATA / "pois").glob("*.csv"))}
    ctx, _ = load_context(
        DATA / "incidents.csv.gz",
        DATA / "divisions.geojson",
        end_date=window + dt.timedelta(days=days + 1),
        tz=TZ,
        layers=layers,
        country="CA",
        subdivision="ON",
    )
    return ctx
