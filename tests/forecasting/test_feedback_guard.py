"""The feedback-loop guard, measured: the model card says which officer-initiated incidents were
left out and what share of the targets came from patrolled boxes; a setting down-weights the
training rows of patrolled boxes instead of leaving them out."""

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from forecasting import feedback, training
from forecasting.engine.models import GBMForecaster
from forecasting.inputs import load_inputs

from .conftest import FAST_MODELS, HISTORY_DAYS

pytestmark = pytest.mark.django_db


def test_the_model_card_records_excluded_incidents_and_patrolled_share(city):
    from ingest.models import Incident

    version = training.train_crime_type(
        crime_type="assault",
        weeks=2,
        now=timezone.now(),
        models=FAST_MODELS,
        history_days=HISTORY_DAYS,
    )
    card = version.model_card
    assert "## Feedback-loop guard (measured)" in card
    left_out = Incident.objects.filter(
        officer_initiated=True,
        crime_type__code="assault",
        occurred_from__gte=version.data_start,
        occurred_from__lt=version.data_end,
    ).count()
    assert left_out > 0 and f"- Assault: {left_out}" in card
    assert "in a box while it was patrolled on a mission: 0.0 %" in card  # no missions yet
    assert "weighted 1 (setting FORECAST_PATROLLED_ROW_WEIGHT" in card


def _inputs():
    today = timezone.localdate()
    return load_inputs(anchor=today, end=today + dt.timedelta(days=1), days=HISTORY_DAYS)


def test_the_patrolled_share_counts_targets_in_boxes_with_patrol_minutes(city):
    inputs = _inputs()
    h = inputs.ctx.history
    m = h.mask("assault")
    fit_bin = h.n_bins - 1
    assert feedback.patrolled_target_share(inputs.ctx, "assault", fit_bin=fit_bin) == 0.0
    # Patrol in the box and shift of the first assault piece: its targets there become "patrolled".
    exposure = np.zeros_like(inputs.ctx.exposure)
    cells, bins, weights = h.cell[m], h.bin[m], h.weight[m]
    exposure[cells[0], bins[0]] = 15.0
    inputs.ctx.exposure = exposure
    same = (cells == cells[0]) & (bins == bins[0])
    expected = weights[same].sum() / weights.sum()
    assert feedback.patrolled_target_share(inputs.ctx, "assault", fit_bin=fit_bin) == pytest.approx(
        expected
    )
    assert feedback.patrolled_target_share(inputs.ctx, "no-such-type", fit_bin=fit_bin) is None


def test_patrolled_rows_are_down_weighted_when_the_setting_says_so(city, settings):
    settings.FORECAST_PATROLLED_ROW_WEIGHT = 0.25
    inputs = _inputs()
    ctx = inputs.ctx
    assert ctx.patrolled_row_weight == 0.25
    ctx.exposure = np.ones_like(ctx.exposure)  # every box patrolled every shift
    refit = ctx.history.n_bins - 1
    weighted = GBMForecaster(seed=3)
    weighted.fit(ctx, ["assault"], refit)
    ctx.patrolled_row_weight = 1.0  # positive control: the same rows at full weight
    plain = GBMForecaster(seed=3)
    plain.fit(ctx, ["assault"], refit)
    for key, block in weighted._blocks.items():
        assert np.allclose(block.weight, 0.25 * plain._blocks[key].weight)
    ctx.exposure = np.zeros_like(ctx.exposure)  # nothing patrolled: nothing down-weighted
    ctx.patrolled_row_weight = 0.25
    unpatrolled = GBMForecaster(seed=3)
    unpatrolled.fit(ctx, ["assault"], refit)
    for key, block in unpatrolled._blocks.items():
        assert np.allclose(block.weight, plain._blocks[key].weight)
