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
