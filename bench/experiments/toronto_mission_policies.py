"""Mission capture on one Toronto window under another planner policy than the back-test's default:
the GBM and the 365-day count walked forward, and every division's missions drawn per shift with
`missions.planner.plan` (not part of run_all).

Run: .venv/bin/python bench/experiments/toronto_mission_policies.py 2021-07-01 [--policy top2]
`top2`: the outside check's draw — the top 2 boxes per division and shift (temperature 0), every
type weighing 1, no dosage lowering or consecutive-shift limit. `default`: the back-test's policy
with bench/backtest_toronto.py's harm weights.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from backtest_toronto import TYPE_WEIGHTS, TYPES  # noqa: E402
from toronto_data import toronto_context  # noqa: E402

from forecasting.engine.backtest import BacktestConfig, run_backtest  # noqa: E402
from forecasting.engine.mission_capture import MissionSetup, beats_of_grid  # noqa: E402
from missions.planner import PlanningPolicy  # noqa: E402

NO_LIMIT = 10**6


def setup_for(policy: str, grid) -> MissionSetup:
    beats = beats_of_grid(grid)
    if policy == "top2":
        top2 = PlanningPolicy(
            missions_per_beat=2,
            temperature=0.0,
            dose_score_factor=1.0,
            max_consecutive_shifts=NO_LIMIT,
        )
        return MissionSetup(*beats, policy=top2, dosage_memory_days=0)
    return MissionSetup(*beats, type_weight=TYPE_WEIGHTS)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("window", type=dt.date.fromisoformat)
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--policy", choices=("top2", "default"), default="top2")
    ap.add_argument("--out", default=None, help="write the missions summary (JSON) here")
    args = ap.parse_args()
    ctx = toronto_context(args.window, args.days)
    result = run_backtest(
        ctx,
        BacktestConfig(args.window, args.days, TYPES, ("gbm", "naive_365d")),
        keep_predictions="promoted",
        missions=setup_for(args.policy, ctx.history.grid),
    )
    m = result.missions or {}
    for source, s in m["sources"].items():
        print(
            f"{source:11s} capture {s['capture']:.2%} ({s['capture_90'][0]:.2%}–{s['capture_90'][1]:.2%})"
            f"  hit rate {s['hit_rate']:.2%}  base rate {s['base_rate']:.2%}"
        )
    for key, r in m["model_over_best_naive"].items():
        print(
            f"model ÷ {m['best_naive']}, {key}: {r['ratio']:.3f} ({r['ratio_90'][0]:.3f}–{r['ratio_90'][1]:.3f})"
        )
    if args.out:
        Path(args.out).write_text(json.dumps(m, indent=1))


if __name__ == "__main__":
    main()
