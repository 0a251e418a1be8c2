"""Model card of a back-tested forecasting run: data window, features, metrics, intended use, limits.
Returned as a dict (stored with the model version) and renderable as Markdown."""

from __future__ import annotations

import math

from .backtest import NAIVE_PREFIX, PROMOTION_AREAS, REFIT_DAYS, BacktestResult
from .features import FeatureContext
from .mission_capture import plain_words
from .models import CALIBRATION_DAYS, TRAIN_DAYS

INTENDED_USE = (
    "Ranking 250 m cells by expected incidents per shift so that patrol missions can be planned and "
    "metered. Not for decisions about individuals, not evidence of crime at a place, not a measure of "
    "how much crime an area has beyond what is recorded."
)
CARD_AREAS = ("1%", "5%")  # the gains over counting the card states
KNOWN_LIMITS = [
    "Learns recorded incidents, which reflect reporting and past police attention, not all crime.",
    "Locations in public data are snapped to intersections; cells smaller than ~250 m are not meaningful.",
    "Times heaped at defaults (00:00, 12:00) are partly spread over the local day; the share is estimated.",
    "Rare types (few hundred incidents a year) give noisy per-shift rankings; read PAI with its event count.",
]
FEEDBACK_NOTE = (
    "Patrols sent by this forecast find and record more incidents in the chosen cells, which can raise "
    "their forecast further. Guards: officer-initiated incidents can be excluded, patrol exposure is a "
    "feature, missions are sampled (not top-k) and control cells are held back for evaluation."
)


def model_card(
    result: BacktestResult,
    ctx: FeatureContext,
    incidents: int | None = None,
    heaped: dict | None = None,
) -> dict:
    """`incidents`: how many the history was built from; `heaped`: the EventTable's heaped clock times."""
    h = ctx.history
    bins = h.bins
    t = result.targets
    card = {
        "data_window": {
            "history_start": str(bins["date"].iloc[0]),
            "test_start": str(bins["date"].iloc[t[0]]),
            "test_end": str(bins["date"].iloc[t[-1]]),
            "incidents": incidents,
            "categories": list(result.config.categories),
        },
        "training": {
            "refit_every_days": REFIT_DAYS,
            "gbm_train_days": TRAIN_DAYS,
            "calibration_days": CALIBRATION_DAYS,
            "calibration": "per type, observed ≈ e^a · expected^b fitted on those held-out days "
            "(GBM), so that types summed into the missions' harm share one scale",
            "walk_forward": "each shift forecast from incidents known before its start",
        },
        "features": _feature_summary(ctx),
        "grid": {"cells": len(h.grid), "cell_size_m": h.grid.cell_size, "epsg": h.grid.epsg},
        "metrics": {
            m: {
                c: {
                    "pai": v["pai"],
                    "hit_rate": v["hit_rate"],
                    "pei": v["pei"],
                    "log_score": v["log_score"],
                }
                for c, v in per.items()
            }
            for m, per in result.metrics.items()
        },
        "promoted": result.promoted,
        "promotion": promotion_text(result.promotion, result.promoted),
        "versus_best_count": versus_best_count(result.metrics, result.promoted),
        "calibration": calibration_table(result.metrics, result.promoted),
        "calibration_before": calibration_table(
            result.metrics, result.promoted, key="calibration_before"
        ),
        "intended_use": INTENDED_USE,
        "known_limits": KNOWN_LIMITS,
        "feedback_loop": FEEDBACK_NOTE,
    }
    if result.missions:
        card["missions"] = plain_words(result.missions)
    if heaped:
        card["heaped_times"] = {
            c: {f"{m // 60:02d}:{m % 60:02d}": round(s, 3) for m, s in v.items()}
            for c, v in heaped.items()
        }
    return card


def versus_best_count(metrics: dict, promoted: dict) -> dict:
    """Per type and area share: the promoted model's PAI, the best naive count's and the gain over it."""
    out = {}
    for cat, best in promoted.items():
        per = {}
        for area in CARD_AREAS:
            naive = max(
                ((metrics[n][cat]["pai"][area], n) for n in metrics if n.startswith(NAIVE_PREFIX)),
                default=(None, None),
            )
            pai = metrics[best][cat]["pai"][area]
            per[area] = {
                "pai": pai,
                "best_count": naive[1],
                "best_count_pai": naive[0],
                "gain": pai / naive[0] - 1.0 if naive[0] else None,
            }
        out[cat] = per
    return out


def calibration_table(metrics: dict, promoted: dict, key: str = "calibration") -> dict:
    """Per type, the promoted model's expected vs observed mean count per decile of its forecast
    (`key` "calibration_before": of its forecast before calibration; types without one are left out)."""
    return {
        cat: [
            {k: row[k] for k in ("decile", "expected", "observed")}
            for row in metrics[best][cat][key]
        ]
        for cat, best in promoted.items()
        if key in metrics[best][cat]
    }


def promotion_text(promotion: dict, promoted: dict) -> list[str]:
    """How the promoted models were chosen, in sentences; a type that fell back to a count says so."""
    leaders = promotion.get("pai_leaders", {})
    lines = [f"Chosen by {promotion.get('by', 'PAI')}."]
    for cat, name in promoted.items():
        if leaders.get(cat, name) != name:
            lines.append(
                f"{cat}: the PAI leader ({leaders[cat]}) did not capture more with the missions "
                f"than the count, so {cat} is forecast by the count ({name})."
            )
    return lines


def to_markdown(card: dict) -> str:
    lines = ["# Model card", "", "## Data window"]
    lines += [f"- {k}: {v}" for k, v in card["data_window"].items()]
    lines += ["", "## Training"] + [f"- {k}: {v}" for k, v in card["training"].items()]
    lines += ["", "## Features"] + [f"- {f}" for f in card["features"]]
    lines += [
        "",
        "## Metrics (PAI at 1 / 2 / 5 % of cells)",
        "",
        "| model | type | PAI 1% | PAI 2% | PAI 5% |",
        "|---|---|---|---|---|",
    ]
    for m, per in card["metrics"].items():
        for c, v in per.items():
            lines.append(
                f"| {m} | {c} | {v['pai']['1%']:.2f} | {v['pai']['2%']:.2f} | {v['pai']['5%']:.2f} |"
            )
    lines += ["", f"Promoted: {card['promoted']}"]
    lines += card.get(
        "promotion",
        [
            f"Chosen by mean PAI at {' and '.join(PROMOTION_AREAS)} of cells, where missions are drawn."
        ],
    )
    lines += ["", "## Against the best naive count", ""]
    for cat, per in card.get("versus_best_count", {}).items():
        lines.append(f"- {cat}: " + "; ".join(_gain_text(area, v) for area, v in per.items()))
    if card.get("missions"):
        lines += ["", "## What the missions capture", ""] + card["missions"]
    if card.get("calibration_map"):
        lines += ["", "## Calibration of the stored forecasts", ""]
    for cat, fitted in card.get("calibration_map", {}).items():
        lines.append(
            f"- {cat}: forecasts are calibrated as observed ≈ {math.exp(fitted['intercept']):.3g}"
            f" × expected^{fitted['slope']:.3f} (fitted on the last {CALIBRATION_DAYS} days held out)"
        )
    for cat, rows in card.get("calibration", {}).items():
        before = card.get("calibration_before", {}).get(cat)
        lines += [
            "",
            f"## Calibration: {cat} (mean count per cell and shift, by decile of the forecast)",
            "",
        ]
        if before:
            lines += [
                "| decile | before calibration: expected | observed | calibrated: expected | observed |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| {r['decile']} | {b['expected']:.4f} | {b['observed']:.4f} | "
                f"{r['expected']:.4f} | {r['observed']:.4f} |"
                for b, r in zip(before, rows, strict=False)
            ]
        else:
            lines += ["| decile | expected | observed |", "|---|---|---|"]
            lines += [
                f"| {r['decile']} | {r['expected']:.4f} | {r['observed']:.4f} |" for r in rows
            ]
    lines += ["", "## Intended use", card["intended_use"], "", "## Known limits"]
    lines += [f"- {x}" for x in card["known_limits"]]
    lines += ["", "## Feedback loop", card["feedback_loop"], ""]
    return "\n".join(lines)


def _gain_text(area: str, v: dict) -> str:
    if v["gain"] is None:
        return f"at {area} of cells no naive count was back-tested or none scored"
    verb = "beats" if v["gain"] >= 0 else "trails"
    return (
        f"at {area} of cells it {verb} the best count ({v['best_count']}, PAI {v['best_count_pai']:.2f}) "
        f"by {abs(v['gain']):.1%} (PAI {v['pai']:.2f})"
    )


def _feature_summary(ctx: FeatureContext) -> list[str]:
    out = [
        "recent counts of the type and of all types (last shift, 1, 7, 28, 91, 365 days)",
        "neighbourhood sums at radii of 1 and 3 cells",
        "long-run rate per cell, and per cell in the same shift of the day",
        "same shift and weekday over the past 8 and 52 weeks",
        "near-repeat exponential decay sums (half-lives 1, 7, 30 days; 7-day one also spatially smoothed)",
        "calendar: shift, weekday, month, public holiday"
        + (f" ({ctx.country})" if ctx.country else " (none)"),
        "GBM offset: smoothed long-run/last-year rate of the cell and its 7x7 neighbourhood (blend chosen by "
        "likelihood on the training rows); the trees learn a multiplicative correction",
    ]
    if ctx.layers:
        out.append("risk terrain (distance, density): " + ", ".join(sorted(ctx.layers)))
    if ctx.exposure is not None:
        out.append("patrol exposure (7 and 28 days)")
    if ctx.event_load is not None:
        out.append("planned events' expected attendance nearby")
    return out
