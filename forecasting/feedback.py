"""The model card's feedback-loop section, measured: which incidents training left out (officer-
initiated, by type) and how many training targets came from boxes patrolled at the time."""

from __future__ import annotations

import numpy as np
from django.db.models import Count

from ingest.models import Incident


def feedback_loop_section(inputs, code: str, *, data_start, data_end, fit_bin: int) -> str:
    """Markdown appended to the model card of `code`, trained on incidents up to `fit_bin`."""
    excluded = dict(
        Incident.objects.filter(
            officer_initiated=True,
            crime_type__count_officer_initiated=False,
            occurred_from__gte=data_start,
            occurred_from__lt=data_end,
        )
        .values_list("crime_type__name")
        .annotate(n=Count("pk"))
        .order_by("crime_type__name")
    )
    share = patrolled_target_share(inputs.ctx, code, fit_bin=fit_bin)
    weight = inputs.ctx.patrolled_row_weight
    lines = ["", "## Feedback-loop guard (measured)", ""]
    if excluded:
        lines.append(
            "Officer-initiated incidents left out of the training targets (they record where officers were):"
        )
        lines += [f"- {name}: {n}" for name, n in excluded.items()]
    else:
        lines.append("No officer-initiated incident was left out of the training targets.")
    lines.append("")
    lines.append(
        f"Share of this type's training targets that occurred in a box while it was patrolled on a mission: "
        f"{100 * share:.1f} %."
        if share is not None
        else "No training target of this type yet."
    )
    lines.append(
        f"Training rows in patrolled boxes were weighted {weight:g} (setting FORECAST_PATROLLED_ROW_WEIGHT; "
        "1 = counted like any other row)."
    )
    return "\n".join(lines) + "\n"


def patrolled_target_share(ctx, code: str, *, fit_bin: int) -> float | None:
    """Incident weight of `code` up to `fit_bin` in (box, shift) cells with patrol minutes, over all."""
    h = ctx.history
    if code not in h.categories:
        return None
    m = h.mask(code) & (h.bin <= fit_bin)
    total = float(h.weight[m].sum())
    if total <= 0:
        return None
    if ctx.exposure is None:
        return 0.0
    patrolled = ctx.exposure[h.cell[m], h.bin[m]] > 0
    return float(np.sum(h.weight[m][patrolled]) / total)
