"""A box's forecast for one shift as a mission carries it: preventable harm, drivers, top crime type
and reasons (reason data, forecasting/engine/reasons.py), each naming its crime type. Shared by
planning and by analyst additions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as Date

from agency.models import CrimeType, MissionPolicy, Shift
from forecasting.models import CellForecast
from forecasting.selectors import current_run
from geo.models import GridCell

REASONS_PER_MISSION = 5


@dataclass(frozen=True)
class BoxForecast:
    """What the shift's current forecast says about one box."""

    score: float  # preventable harm: Σ severity weight × patrol efficacy × expected count
    drivers: list[dict] = field(default_factory=list)  # largest contribution first
    primary: CrimeType | None = None
    reasons: list[dict] = field(default_factory=list)


def box_forecasts(*, date: Date, shift: Shift, cells: list[GridCell]) -> dict[int, BoxForecast]:
    """Per cell pk, the box's forecast for the shift; {} when the shift has no forecast yet."""
    run = current_run(date=date, shift=shift)
    if run is None or not cells:
        return {}
    crime_types = {ct.pk: ct for ct in CrimeType.objects.filter(enabled=True)}
    parts: dict[int, list[tuple[float, CrimeType, list[dict]]]] = defaultdict(list)
    rows = CellForecast.objects.filter(run=run, cell__in=[c.pk for c in cells]).values_list(
        "cell_id", "crime_type_id", "expected_count", "reasons"
    )
    for cell_pk, type_pk, count, reasons in rows:
        ct = crime_types.get(type_pk)
        if ct is not None:
            harm = max(0.0, float(count)) * ct.severity_weight * ct.patrol_efficacy
            parts[cell_pk].append((harm, ct, list(reasons or [])))
    return {cell_pk: _box(found) for cell_pk, found in parts.items()}


def merge_reasons(parts: list[tuple[float, str, list[dict]]]) -> list[dict]:
    """The reasons of the crime types that weigh most in the box, each naming its crime type,
    without repeats.

    `parts`: (harm of the type in the box, crime type code, the forecast's reasons for that type).
    """
    out: list[dict] = []
    for _, code, reasons in sorted(parts, key=lambda p: -p[0]):
        for reason in reasons:
            labelled = {**reason, "crime_type": reason.get("crime_type") or code}
            if labelled not in out:
                out.append(labelled)
    return out[:REASONS_PER_MISSION]


def _box(parts: list[tuple[float, CrimeType, list[dict]]]) -> BoxForecast:
    total = sum(harm for harm, _, _ in parts)
    if total <= 0:
        return BoxForecast(score=0.0)
    ranked = sorted(parts, key=lambda p: (-p[0], p[1].code))
    drivers = [
        {"crime_type": ct.code, "share": round(harm / total, 4), "contribution": harm}
        for harm, ct, _ in ranked
        if harm > 0
    ]
    reasons = merge_reasons([(harm, ct.code, reasons) for harm, ct, reasons in ranked])
    return BoxForecast(score=total, drivers=drivers, primary=ranked[0][1], reasons=reasons)


def dose_minutes(primary: CrimeType | None, policy: MissionPolicy) -> int:
    """The dose of a mission: its top crime type's own dose, else the policy's."""
    if primary is not None and primary.dose_minutes:
        return int(primary.dose_minutes)
    return int(policy.dose_minutes)
