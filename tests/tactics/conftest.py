"""The missions fixtures (grid, crime types, forecasts, tactics, officers) serve tactics tests too."""

from tests.missions.conftest import (  # noqa: F401
    api,
    beat_officer,
    crime_types,
    forecast,
    grid,
    now_window,
    policy,
    tactics,
)
