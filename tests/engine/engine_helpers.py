"""Shared helpers of the engine tests: constants and a tiny synthetic city (no Django)."""

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TORONTO = ROOT.parent / "shared" / "data" / "toronto"
TZ = "America/Toronto"
SHIFTS = [dt.time(6), dt.time(14), dt.time(22)]
# A 2 km x 2 km square near Toronto (lon/lat), i.e. 8 x 8 cells of 250 m, give or take the edges.
SQUARE = shapely.box(-79.40, 43.65, -79.3752, 43.668)


def synthetic_events(n=3000, seed=1, start="2019-01-01", days=800, hot=(-79.395, 43.655)):
    """Events concentrated around a hot spot plus uniform noise, two categories, hourly local times."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    hours = rng.integers(0, days * 24, n)
    times = t0 + pd.to_timedelta(hours, unit="h")
    hot_share = rng.random(n) < 0.5
    lon = np.where(hot_share, hot[0] + rng.normal(0, 0.002, n), rng.uniform(-79.40, -79.3752, n))
    lat = np.where(hot_share, hot[1] + rng.normal(0, 0.0015, n), rng.uniform(43.65, 43.668, n))
    cat = np.where(rng.random(n) < 0.6, "Assault", "Robbery")
    return pd.DataFrame(
        {
            "id": [f"E{i}" for i in range(n)],
            "occurred_at": times.strftime("%Y-%m-%dT%H:%M"),
            "latitude": lat,
            "longitude": lon,
            "category": cat,
        }
    )


def synthetic_history(events: pd.DataFrame):
    """The square's history of `events` over the engine tests' span (2019-01-01 to 2021-03-15)."""
    from forecasting.engine.events import prepare_events
    from forecasting.engine.grid import build_grid
    from forecasting.engine.history import build_history

    return build_history(
        prepare_events(events, TZ),
        build_grid(SQUARE),
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2021, 3, 15),
        shift_starts=SHIFTS,
        tz=TZ,
    )
