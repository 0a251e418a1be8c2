"""The model card's comparison with the best naive count, with and without counts back-tested."""

import pytest

from forecasting.engine.model_card import _gain_text, versus_best_count


def _metrics(**pai_at_1):
    return {name: {"X": {"pai": {"1%": v, "5%": v / 2}}} for name, v in pai_at_1.items()}


def test_gain_over_the_best_naive_count_at_1_and_5_percent():
    per = versus_best_count(_metrics(gbm=12.0, naive_28d=8.0, naive_365d=10.0), {"X": "gbm"})["X"]
    assert per["1%"]["best_count"] == "naive_365d"
    assert per["1%"]["gain"] == pytest.approx(0.2) and per["5%"]["gain"] == pytest.approx(0.2)
    assert "beats the best count (naive_365d, PAI 10.00) by 20.0% (PAI 12.00)" in _gain_text(
        "1%", per["1%"]
    )
    trailing = versus_best_count(_metrics(gbm=9.0, naive_365d=10.0), {"X": "gbm"})["X"]["1%"]
    assert "trails the best count" in _gain_text("1%", trailing)


def test_without_a_naive_count_the_card_says_so_instead_of_failing():
    per = versus_best_count(_metrics(gbm=12.0, kde=8.0), {"X": "kde"})["X"]
    assert per["1%"]["gain"] is None
    assert "no naive count" in _gain_text("1%", per["1%"])


def test_the_calibration_table_is_the_promoted_models_deciles_and_renders():
    import numpy as np

    from forecasting.engine.metrics import calibration_by_decile
    from forecasting.engine.model_card import calibration_table, to_markdown

    # Forecasts 0..99 (one per cell-shift); observed twice the forecast in the top half.
    pred = np.arange(100, dtype=float).reshape(10, 10)
    obs = np.where(pred >= 50, 2 * pred, pred)
    metrics = {
        "gbm": {"X": {"calibration": calibration_by_decile(pred, obs)}},
        "kde": {"X": {"calibration": calibration_by_decile(pred, pred)}},
    }
    table = calibration_table(metrics, {"X": "gbm"})["X"]
    assert [r["expected"] for r in table] == [4.5 + 10 * i for i in range(10)]
    assert [r["observed"] for r in table[:5]] == [4.5 + 10 * i for i in range(5)]
    assert table[9]["observed"] == 2 * 94.5
    card = {
        "data_window": {},
        "training": {},
        "features": [],
        "metrics": {},
        "promoted": {"X": "gbm"},
        "calibration": {"X": table},
        "missions": ["The boxes drawn for missions saw a crime in 4.1% of shifts."],
        "intended_use": "",
        "known_limits": [],
        "feedback_loop": "",
    }
    text = to_markdown(card)
    assert "| 10 | 94.5000 | 189.0000 |" in text
    assert "## What the missions capture\n\nThe boxes drawn for missions saw a crime" in text


def test_the_card_shows_calibration_before_and_after_and_a_type_that_fell_back_to_a_count():
    import numpy as np

    from forecasting.engine.metrics import calibration_by_decile
    from forecasting.engine.model_card import calibration_table, promotion_text, to_markdown

    observed = np.arange(100, dtype=float).reshape(10, 10)
    metrics = {
        "gbm": {
            "X": {
                "calibration_before": calibration_by_decile(2 * observed, observed),
                "calibration": calibration_by_decile(observed, observed),
            }
        },
        "naive_365d": {"Y": {"calibration": calibration_by_decile(observed, observed)}},
    }
    promoted = {"X": "gbm", "Y": "naive_365d"}
    before = calibration_table(metrics, promoted, key="calibration_before")
    assert set(before) == {"X"}  # the count has no calibration to show
    promotion = {
        "by": "harm-weighted capture of the drawn missions",
        "pai_leaders": {"X": "gbm", "Y": "gbm"},
    }
    card = {
        "data_window": {},
        "training": {},
        "features": [],
        "metrics": {},
        "promoted": promoted,
        "promotion": promotion_text(promotion, promoted),
        "calibration": calibration_table(metrics, promoted),
        "calibration_before": before,
        "calibration_map": {"X": {"intercept": float(np.log(0.5)), "slope": 1.0}},
        "intended_use": "",
        "known_limits": [],
        "feedback_loop": "",
    }
    text = to_markdown(card)
    assert "| 10 | 189.0000 | 94.5000 | 94.5000 | 94.5000 |" in text  # twice too high, then right
    assert "X: forecasts are calibrated as observed ≈ 0.5 × expected^1.000" in text
    assert "Y: the PAI leader (gbm) did not capture more with the missions than the count" in text
    assert "X: the PAI leader" not in text  # control: the type that kept its leader says nothing
    assert "Chosen by harm-weighted capture of the drawn missions." in text
