"""Walk-forward back-test on the real Toronto data, run and scored as an outsider would: the
`manage.py backtest` command (timed whole, peak memory of its process) writes forecasts.csv, and the
outside scorer (`shared/tools/score_forecasts.py`, or its port `bench/outside_score.py` when the tool
is absent) ranks cells per shift and compares PAI with naive 7/28/91/365-day counts.

Run: .venv/bin/python bench/backtest_toronto.py [--windows 2021-07-01,2019-07-01] [--days 91] [--out DIR]
[--select-days N] (promote on the missions' capture over N days before each window; 0: the window)
(default DIR: var/bench/toronto, one folder per window with metrics.json and forecasts.csv)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import outside_score  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "toronto"
SCORER = ROOT.parent / "shared" / "tools" / "score_forecasts.py"
TYPES = ["Assault", "Break and Enter", "Auto Theft", "Robbery"]
# Severity weight × patrol efficacy per type for the mission draw: plan_toronto.py's illustrative
# weights (not a recommendation), so the missions are weighted as that bench plans them.
TYPE_WEIGHTS = {
    "Assault": 1.0 * 0.2,
    "Break and Enter": 0.6 * 0.3,
    "Auto Theft": 0.4 * 0.3,
    "Robbery": 1.5 * 0.4,
}
TZ = "America/Toronto"
COVERAGE_KEYS = ("pai@1%", "pai@2%", "pai@5%", "pai@10%")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", default="2021-07-01,2019-07-01")
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--models", default=None, help="comma-separated (default: all of the engine's)")
    ap.add_argument(
        "--out",
        default=str(ROOT / "var" / "bench" / "toronto"),
        help="back-test output folders go here",
    )
    ap.add_argument("--json", default=None, help="write the scores, times and memory here")
    ap.add_argument("--select-days", type=int, default=0, help="see manage.py backtest")
    args = ap.parse_args()
    results = {}
    windows = args.windows.split(",")
    # Every back-test before any scoring: a child forked from a parent that holds a scored 11.6 M-row
    # file starts with the parent's resident size, and its peak RSS would report that.
    runs = {
        window: run_backtest_command(
            window, args.days, Path(args.out) / window, args.models, args.select_days
        )
        for window in windows
    }
    for window, run in runs.items():
        out = Path(args.out) / window
        scored = score(out / "forecasts.csv")
        metrics = json.loads((out / "metrics.json").read_text())
        results[window] = {
            **run,
            "promoted": metrics["promoted"],
            "scored": scored,
            "ratios": outside_score.mean_ratios(scored),
            "intervals": intervals(out / "forecasts.csv"),
            "missions": metrics["missions"],
            "promotion": metrics["promotion"],
        }
        print_window(window, args.days, results[window])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def run_backtest_command(
    window: str, days: int, out: Path, models: str | None, select_days: int = 0
) -> dict:
    """`manage.py backtest` in its own process: wall time, peak RSS (kB → GB) and machine load."""
    layers = [
        f"{p.stem.replace('toronto_', '')}={p}" for p in sorted((DATA / "pois").glob("*.csv"))
    ]
    cmd = [
        sys.executable,
        "manage.py",
        "backtest",
        "--events",
        str(DATA / "incidents.csv.gz"),
        "--boundary",
        str(DATA / "divisions.geojson"),
        "--test-start",
        window,
        "--test-days",
        str(days),
        "--out",
        str(out),
        "--timezone",
        TZ,
        "--crime-types",
        ",".join(TYPES),
        "--country",
        "CA",
        "--subdivision",
        "ON",
        "--type-weights",
        ",".join(f"{t}={w:g}" for t, w in TYPE_WEIGHTS.items()),
        "--layers",
        *layers,
    ]
    if models:
        cmd += ["--models", models]
    if select_days:
        cmd += ["--select-days", str(select_days)]
    load_before = os.getloadavg()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"backtest failed ({status}): {' '.join(cmd)}")
    return {
        "seconds": round(seconds, 1),
        "peak_gb": round(usage.ru_maxrss / 1e6, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "command": " ".join(cmd[1:]),
    }


def score(forecasts: Path) -> dict:
    """The outside scorer's JSON (the tool itself when present, otherwise the port in this folder)."""
    if SCORER.exists():
        text = subprocess.run(
            [
                sys.executable,
                str(SCORER),
                str(DATA / "incidents.csv.gz"),
                str(forecasts),
                "--tz",
                TZ,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(text)
    return outside_score.score_csv(DATA / "incidents.csv.gz", forecasts, TZ)


def intervals(forecasts: Path) -> dict:
    """90 % bootstrap intervals of each ratio (days resampled), from the port, which keeps hits per shift."""
    return outside_score.ratio_intervals(
        outside_score.score_csv(DATA / "incidents.csv.gz", forecasts, TZ)
    )


def print_window(window: str, days: int, r: dict) -> None:
    print(
        f"\n=== {window} + {days} d: {r['seconds']} s wall, {r['cpu_s']} s CPU, peak RSS {r['peak_gb']} GB, "
        f"load {r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}"
    )
    print(
        f"{'type':16s} {'promoted':10s} "
        + " ".join(f"{k:>8s}" for k in COVERAGE_KEYS)
        + "   (model ÷ best naive)"
    )
    for cat in TYPES:
        ratio = r["scored"]["types"][cat]["model_over_best_naive"]
        print(
            f"{cat:16s} {r['promoted'][cat]:10s} "
            + " ".join(f"{ratio[k]:8.3f}" for k in COVERAGE_KEYS)
        )
        ci = r["intervals"][cat]
        print(
            f"{'  90 % interval':27s} "
            + " ".join(f"{ci[k][0]:.2f}–{ci[k][1]:.2f}".rjust(8) for k in COVERAGE_KEYS)
        )
    print(f"{'mean':27s} " + " ".join(f"{r['ratios'][k]['mean']:8.3f}" for k in COVERAGE_KEYS))
    print_missions(r["missions"])
    print_promotion(r["promotion"])


def print_promotion(p: dict) -> None:
    """How the promoted models were chosen: each trial's capture over the selection shifts."""
    print(f"\nPromotion by {p['by']}, on {p['chosen_on']}; PAI leaders {p['pai_leaders']}")
    for trial in p.get("trials", []):
        capture = ", ".join(f"{k} {v:.2%}" for k, v in trial["capture"].items() if v is not None)
        print(f"  {'kept' if trial['kept'] else 'not kept'}: {trial['promoted']} — {capture}")


def print_missions(m: dict) -> None:
    """What the boxes the planner drew captured, as the Markdown table of RESULTS.md."""
    print(f"\nMissions: {m['beats']} {m['beats_from']}, {m['shifts']} shifts, policy {m['policy']}")
    print("\n".join(missions_table(m)))


def missions_table(m: dict) -> list[str]:
    """Per source: harm-weighted capture, hit rate and base rate with their 90 % intervals, then
    capture per type; the last rows give model ÷ best naive capture."""
    types = list(next(iter(m["sources"].values()))["types"])
    lines = [
        "| source | boxes a shift | capture, harm-weighted | hit rate | base rate (random box, same beat) | "
        + " | ".join(f"capture {t}" for t in types)
        + " |",
        "|---" * (5 + len(types)) + "|",
    ]
    for source, s in m["sources"].items():
        lines.append(
            f"| {source} | {s['boxes_per_shift']:.0f} | {_with_interval(s['capture'], s['capture_90'])} | "
            f"{_with_interval(s['hit_rate'], s['hit_rate_90'])} | "
            f"{_with_interval(s['base_rate'], s['base_rate_90'])} | "
            + " | ".join(
                _with_interval(s["types"][t]["capture"], s["types"][t]["capture_90"]) for t in types
            )
            + " |"
        )
    ratio = m.get("model_over_best_naive", {})
    if ratio:
        cells = [
            f"{ratio[k]['ratio']:.3f} ({ratio[k]['ratio_90'][0]:.3f}–{ratio[k]['ratio_90'][1]:.3f})"
            for k in ["harm_weighted", *types]
        ]
        lines.append(
            f"| **model ÷ {m['best_naive']}** | | **{cells[0]}** | | | "
            + " | ".join(cells[1:])
            + " |"
        )
    return lines


def _with_interval(x: float, ci: list[float]) -> str:
    return f"{x:.2%} ({ci[0]:.2%}–{ci[1]:.2%})"


if __name__ == "__main__":
    main()
