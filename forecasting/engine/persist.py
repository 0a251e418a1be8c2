"""Save a fitted forecaster of one crime type as bytes and load it back onto a new history.
Only the fitted state is kept (no history, no cached training rows); the bytes' SHA-256 is checked."""

from __future__ import annotations

import copy
import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

import joblib
import numpy as np

from .features import FeatureContext
from .models import Forecaster

FORMAT_VERSION = (
    3  # 3: LightGBM boosters alone (2 added ranking blends, 1 held scikit-learn models)
)
# Attributes that hold the training data rather than the fitted model: never saved.
TRANSIENT_ATTRIBUTES = ("ctx", "_blocks", "_feature_order", "_shared_memo")
# Attributes of fitted state keyed by crime type (GBM models, KDE bandwidths, SEPP parameters).
PER_TYPE_ATTRIBUTES = (
    "models",
    "scale",
    "calibration",
    "offset",
    "feature_names",
    "importance",
    "bandwidth",
    "params",
)


class ArtifactError(ValueError):
    """The artifact is missing, altered or of an unknown format."""


def dumps(forecaster: Forecaster, *, category: str, cell_ids: Iterable[str]) -> bytes:
    """The forecaster's fitted state for `category` as bytes (joblib, compressed)."""
    state = copy.copy(forecaster)
    for name in TRANSIENT_ATTRIBUTES:
        if name in vars(state):
            delattr(state, name)
    for name in PER_TYPE_ATTRIBUTES:
        table = getattr(state, name, None)
        if isinstance(table, dict):
            setattr(state, name, {k: v for k, v in table.items() if k == category})
    payload = {
        "format": FORMAT_VERSION,
        "category": category,
        "algorithm": getattr(forecaster, "name", type(forecaster).__name__),
        "cell_ids": [str(c) for c in cell_ids],
        "forecaster": state,
    }
    buffer = io.BytesIO()
    joblib.dump(payload, buffer, compress=3)
    return buffer.getvalue()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(
    path: str | Path,
    *,
    expected_sha256: str | None,
    ctx: FeatureContext,
    cell_ids: Iterable[str],
) -> tuple[Forecaster, str]:
    """`loads` of a file (the benchmarks and file-only tools keep artifacts as files)."""
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"model file {path} is missing")
    return loads(
        path.read_bytes(),
        expected_sha256=expected_sha256,
        ctx=ctx,
        cell_ids=cell_ids,
        name=f"model file {path}",
    )


def loads(
    data: bytes,
    *,
    expected_sha256: str | None,
    ctx: FeatureContext | None,
    cell_ids: Iterable[str],
    name: str = "the model",
) -> tuple[Forecaster, str]:
    """(forecaster ready to predict on `ctx`, category). Refuses bytes whose hash differs:
    artifacts are pickles, and a pickle is only loaded when it is the one training wrote."""
    if expected_sha256 and sha256_of(data) != expected_sha256:
        raise ArtifactError(f"{name} does not match its recorded SHA-256")
    try:
        payload = joblib.load(io.BytesIO(data))  # noqa: S301 - integrity checked above
    except (AttributeError, ModuleNotFoundError) as exc:  # classes of an older engine: retrain
        raise ArtifactError(
            f"{name} was written by an older engine ({exc}); retrain the type"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        found = payload.get("format") if isinstance(payload, dict) else None
        raise ArtifactError(
            f"{name} has format {found}, this engine reads {FORMAT_VERSION}; retrain the type"
        )
    forecaster = payload["forecaster"]
    _realign_cells(forecaster, payload["cell_ids"], [str(c) for c in cell_ids])
    forecaster.ctx = ctx
    return forecaster, payload["category"]


def _realign_cells(forecaster: Forecaster, saved_ids: list[str], current_ids: list[str]) -> None:
    """Per-cell fitted arrays (e.g. the SEPP background rate) follow their cells when the grid
    was rebuilt between training and forecasting; new cells get the mean."""
    if saved_ids == current_ids:
        return
    position = {cid: i for i, cid in enumerate(saved_ids)}
    index = np.array([position.get(cid, -1) for cid in current_ids], dtype=np.int64)
    params = getattr(forecaster, "params", None)
    if not isinstance(params, dict):
        return
    for cat, value in params.items():
        if (
            isinstance(value, tuple)
            and value
            and isinstance(value[0], np.ndarray)
            and len(value[0]) == len(saved_ids)
        ):
            old = value[0]
            new = np.where(
                index >= 0, old[np.clip(index, 0, None)], old.mean() if len(old) else 0.0
            )
            params[cat] = (new, *value[1:])
