"""Read the engine's file inputs: boundary GeoJSON (union + districts) and risk-terrain point layers.
Also the one-call orchestration used by the `backtest` management command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

if TYPE_CHECKING:  # imported where used, so reading files loads only what it needs
    from .backtest import BacktestResult
    from .events import EventTable
    from .features import FeatureContext
    from .mission_capture import MissionSetup

DISTRICT_NAME_PROPERTIES = ("DIV", "district", "DISTRICT", "name", "NAME", "Name")
LON_COLUMNS = ("lon", "longitude", "LONGITUDE", "x", "X")
LAT_COLUMNS = ("lat", "latitude", "LATITUDE", "y", "Y")
FORECAST_COLUMNS = (
    "shift_start",
    "shift_end",
    "crime_type",
    "cell_id",
    "center_lat",
    "center_lon",
    "expected_count",
)
MISSION_COLUMNS = ("shift_start", "beat", "cell_id", "model")
CENTRE_DECIMALS = (
    6  # 1e-6 degree is about 0.11 m: boxes drawn from the file land where the grid has them
)
COUNT_FORMAT = "%.6g\n"  # six significant digits of the expected count, ending its row


def read_boundary(path: str | Path) -> tuple[object, list, list[str]]:
    """(union of polygon features, district polygons, district names) from a GeoJSON file."""
    data = json.loads(Path(path).read_text())
    features = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    polys, names = [], []
    for i, feat in enumerate(features):
        geom = feat.get("geometry") if feat.get("type") == "Feature" else feat
        if not geom or geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polys.append(shapely.make_valid(shape(geom)))
        props = feat.get("properties") or {}
        names.append(
            next(
                (str(props[k]) for k in DISTRICT_NAME_PROPERTIES if props.get(k) not in (None, "")),
                str(i),
            )
        )
    if not polys:
        from .grid import GridError

        raise GridError(f"{path}: no Polygon or MultiPolygon features")
    return shapely.union_all(polys), polys, names


def read_layer(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) arrays of a point layer CSV with lon/lat (or longitude/latitude) columns."""
    df = pd.read_csv(path, low_memory=False)
    lon = next((c for c in LON_COLUMNS if c in df.columns), None)
    lat = next((c for c in LAT_COLUMNS if c in df.columns), None)
    if lon is None or lat is None:
        raise ValueError(f"{path}: needs lon/lat columns")
    return pd.to_numeric(df[lon], errors="coerce").to_numpy(float), pd.to_numeric(
        df[lat], errors="coerce"
    ).to_numpy(float)


def load_context(
    events_path: str | Path,
    boundary_path: str | Path,
    *,
    end_date: dt.date,
    cell_size: float = 250.0,
    shift_starts: Sequence[dt.time] = (dt.time(6), dt.time(14), dt.time(22)),
    tz: str = "UTC",
    layers: dict | None = None,
    country: str | None = None,
    subdivision: str | None = None,
) -> tuple[FeatureContext, EventTable]:
    """Grid + events + history + feature context from files, history running to `end_date`."""
    from .events import read_events_csv
    from .features import FeatureContext
    from .grid import build_grid
    from .history import build_history

    boundary, districts, names = read_boundary(boundary_path)
    grid = build_grid(boundary, cell_size=cell_size, districts=districts, district_names=names)
    events = read_events_csv(events_path, tz)
    first = pd.Timestamp(int(events.frame["start_ns"].min()), tz="UTC").tz_convert(tz).date()
    history = build_history(
        events, grid, start_date=first, end_date=end_date, shift_starts=list(shift_starts), tz=tz
    )
    layer_arrays = {name: read_layer(p) for name, p in (layers or {}).items()}
    return FeatureContext(
        history, layers=layer_arrays, country=country, subdivision=subdivision
    ), events


def run_backtest_files(
    *,
    events: str,
    boundary: str,
    test_start: dt.date,
    test_days: int,
    out: str,
    cell_size: float = 250.0,
    shift_starts: Sequence[dt.time] = (dt.time(6), dt.time(14), dt.time(22)),
    tz: str = "UTC",
    crime_types: list[str] | None = None,
    models: Sequence[str] | None = None,
    layers: dict | None = None,
    country: str | None = None,
    subdivision: str | None = None,
    progress: bool = True,
    seed: int = 0,
    type_weights: dict[str, float] | None = None,
    select_days: int = 0,
) -> dict:
    """Back-test from files; writes OUT/metrics.json, OUT/forecasts.csv (promoted model, all cells)
    and OUT/missions.csv (the boxes the planner drew per shift and beat, per source). The boundary's
    districts are the beats; `type_weights`: severity × efficacy per type for the missions (default 1).
    `select_days`: the models are promoted on what their missions capture over that many days before
    the test period (a back-test of its own), so the test period scores a choice made without it;
    0 promotes on the test period itself."""
    from tqdm import tqdm

    from .backtest import REFIT_DAYS, BacktestConfig, best_naive_ratio, run_backtest
    from .baselines import DEFAULT_MODELS
    from .mission_capture import MissionSetup, beats_of_grid
    from .model_card import model_card

    t_start = time.perf_counter()
    end_date = test_start + dt.timedelta(days=test_days)
    ctx, ev = load_context(
        events,
        boundary,
        end_date=end_date + dt.timedelta(days=1),
        cell_size=cell_size,
        shift_starts=shift_starts,
        tz=tz,
        layers=layers,
        country=country,
        subdivision=subdivision,
    )
    incidents, heaped = len(ev.frame), ev.heaped
    del ev  # the parsed file is not needed again: its memory goes to the back-test
    h = ctx.history
    cats = list(crime_types) if crime_types else list(h.categories)
    unknown = [c for c in cats if c not in h.categories]
    if unknown:
        raise ValueError(
            f"crime types not in the events: {', '.join(unknown)}; present: {', '.join(h.categories)}"
        )
    config = BacktestConfig(test_start, test_days, cats, tuple(models or DEFAULT_MODELS), seed=seed)
    periods = -(-test_days // REFIT_DAYS) + -(-select_days // REFIT_DAYS)
    bar = tqdm(
        total=periods * len(config.models), desc="backtest", unit="fit", disable=not progress
    )
    beat, beat_names, beats_from = beats_of_grid(h.grid)
    setup = MissionSetup(beat, beat_names, beats_from, type_weight=dict(type_weights or {}))
    selection = None
    if select_days > 0:
        earlier = dataclasses.replace(
            config, test_start=test_start - dt.timedelta(days=select_days), test_days=select_days
        )
        selection = run_backtest(
            ctx, earlier, progress=bar.update, keep_predictions="promoted", missions=setup
        )
    result = run_backtest(
        ctx,
        config,
        progress=bar.update,
        keep_predictions="promoted",
        missions=setup,
        promoted=selection.promoted if selection else None,
    )
    bar.close()

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "models": result.metrics,
        "promoted": result.promoted,
        "report": result.report,
        "ratio_vs_best_naive": {
            a: best_naive_ratio(result.metrics, result.promoted, a) for a in ("1%", "5%")
        },
        "refit_days": REFIT_DAYS,
        "test_start": test_start.isoformat(),
        "test_days": test_days,
        "timezone": tz,
        "cells": len(h.grid),
        "seconds_total": round(time.perf_counter() - t_start, 2),
        "missions": result.missions,
        "promotion": _promotion_record(result, selection, select_days),
        "model_card": model_card(result, ctx, incidents, heaped),
    }
    (out_dir / "metrics.json").write_text(json.dumps(payload, indent=2, default=_json_default))
    write_forecasts(out_dir / "forecasts.csv", result, ctx)
    write_missions(out_dir / "missions.csv", result, ctx, setup)
    return payload


def _promotion_record(
    result: BacktestResult, selection: BacktestResult | None, select_days: int
) -> dict:
    if selection is None:
        return {**result.promotion, "chosen_on": "the test period"}
    return {
        **selection.promotion,
        "chosen_on": f"the {select_days} days before the test period",
        "selection_missions": selection.missions,
        "pai_leaders_on_test_period": result.promotion["pai_leaders"],
    }


def write_missions(
    path: str | Path, result: BacktestResult, ctx: FeatureContext, setup: MissionSetup
) -> None:
    """One row per drawn box: shift_start (local, with offset), beat, cell_id, model (the source the
    planner was fed: `model` for the promoted forecasts, a naive count, or `uniform`)."""
    h = ctx.history
    starts = h.bins["start_local"].iloc[result.targets].map(lambda t: t.isoformat()).to_numpy()
    cell_ids = h.grid.cell_ids
    with open(path, "w", newline="") as fh:
        fh.write(",".join(MISSION_COLUMNS) + "\n")
        for source, drawn in result.drawn.items():
            cells, shifts = np.nonzero(drawn)
            order = np.lexsort((cells, shifts))
            fh.writelines(
                f"{starts[j]},{_csv_field(setup.beat_names[setup.beat[c]])},{cell_ids[c]},{source}\n"
                for c, j in zip(cells[order], shifts[order], strict=True)
            )


def write_forecasts(path: str | Path, result: BacktestResult, ctx: FeatureContext) -> None:
    """One row per cell x test shift x crime type for the promoted model, local times with offset.
    Centres carry CENTRE_DECIMALS decimals (about 0.1 m) so a reader rebuilds the grid where it is.
    Rows are formatted as strings directly: pandas' CSV writer took minutes for the ~10^7 rows."""
    h = ctx.history
    grid = h.grid
    bins = h.bins.iloc[result.targets]
    starts = bins["start_local"].map(lambda t: t.isoformat()).to_numpy()
    ends = bins["end_local"].map(lambda t: t.isoformat()).to_numpy()
    cells = [
        f"{cid},{lat:.{CENTRE_DECIMALS}f},{lon:.{CENTRE_DECIMALS}f},"
        for cid, lat, lon in zip(grid.cell_ids, grid.center_lat, grid.center_lon, strict=True)
    ]
    with open(path, "w", newline="") as fh:
        fh.write(",".join(FORECAST_COLUMNS) + "\n")
        for cat, model in result.promoted.items():
            pred = result.predictions[model][cat]
            name = _csv_field(cat)
            for j in range(
                len(result.targets)
            ):  # one block of all cells per shift keeps memory flat
                head = f"{starts[j]},{ends[j]},{name},"
                values = pred[:, j].tolist()
                rows = [
                    cell + COUNT_FORMAT % v for cell, v in zip(cells, values, strict=True)
                ]  # % is quicker than f-strings
                fh.write(head + head.join(rows))  # the head before every row


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text


def _json_default(o: object) -> object:
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    raise TypeError(type(o))
