"""Server-rendered SVG charts of the oversight figures: shares of patrol vs crime vs area, weekly
concentration, forecast capture, and rate ratios with their intervals (a forest plot on a log scale).
Plain strings with escaped labels; colours come from classes in static/css/oversight.css."""

from __future__ import annotations

import math
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 560
ROW_H = 16  # one bar
LABEL_W = 120
RIGHT_PAD = 60
SHARE_SERIES = (
    ("minute_share", "patrol minutes"),
    ("crime_share", "incidents"),
    ("area_share", "area"),
)
RATIO_RANGE = (0.25, 4.0)  # the forest plot's axis; intervals beyond it are clipped with an arrow


def share_bars(rows: list[dict], series=SHARE_SERIES, title="Shares per area") -> SafeString:
    """Per row (district or beat): a bar for each share in `series`, 0–100 %."""
    if not rows:
        return mark_safe("")  # noqa: S308 - empty string
    group_h = ROW_H * len(series) + 10
    height = group_h * len(rows) + 40
    plot_w = WIDTH - LABEL_W - RIGHT_PAD
    peak = max([r[key] or 0 for r in rows for key, _ in series] + [0.01])
    scale = plot_w / _nice(peak)
    parts = []
    for g, row in enumerate(rows):
        y0 = 10 + g * group_h
        parts.append(
            f'<text class="label" x="{LABEL_W - 6}" y="{y0 + group_h / 2:.1f}" text-anchor="end">'
            f"{escape(row['name'])}</text>"
        )
        for k, (key, label) in enumerate(series):
            value = row[key] or 0.0
            y = y0 + k * ROW_H
            parts.append(
                f'<rect class="series-{k}" x="{LABEL_W}" y="{y}" width="{value * scale:.1f}" height="{ROW_H - 3}">'
                f"<title>{escape(row['name'])}: {value:.1%} of {label}</title></rect>"
                f'<text class="value" x="{LABEL_W + value * scale + 4:.1f}" y="{y + ROW_H - 5}">{value:.0%}</text>'
            )
    parts += _legend([label for _, label in series], height - 14)
    return _svg(parts, height, title)


def weekly_line(
    weekly: list[dict], key: str = "gini_minutes", title: str = "Gini of mission minutes per week"
) -> SafeString:
    """One point per week, 0–1 scale."""
    if len(weekly) < 1:
        return mark_safe("")  # noqa: S308 - empty string
    height, top, bottom = 200, 12, 36
    plot_w, plot_h = WIDTH - LABEL_W - RIGHT_PAD, height - top - bottom
    step = plot_w / max(len(weekly) - 1, 1)

    def y(v):
        return top + plot_h * (1 - v)

    points = [(LABEL_W + i * step, y(w[key] or 0.0)) for i, w in enumerate(weekly)]
    parts = [
        f'<line class="axis" x1="{LABEL_W}" y1="{y(t):.1f}" x2="{LABEL_W + plot_w}" y2="{y(t):.1f}"/>'
        f'<text class="label" x="{LABEL_W - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.1f}</text>'
        for t in (0, 0.5, 1)
    ]
    parts.append(
        f'<polyline class="line" points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in points)}"/>'
    )
    for (px, py), w in zip(points, weekly, strict=True):
        parts.append(
            f'<circle class="dot" cx="{px:.1f}" cy="{py:.1f}" r="3">'
            f"<title>week of {w['week_start']}: {w[key]}</title></circle>"
        )
    for i in sorted({0, len(weekly) - 1}):
        parts.append(
            f'<text class="label" x="{points[i][0]:.1f}" y="{height - 14}" text-anchor="middle">'
            f"{weekly[i]['week_start']}</text>"
        )
    return _svg(parts, height, title)


def capture_bars(
    capture: dict, title: str = "Share of incidents in the forecast's top boxes"
) -> SafeString:
    rows = [
        {"name": name, "share": row["share"]} for name, row in capture.get("districts", {}).items()
    ]
    return share_bars(
        rows,
        series=(("share", f"incidents in the top {capture.get('top_share', 0):.0%} of boxes"),),
        title=title,
    )


def forest(
    types: list[dict], window: str = "during", title: str = "Rate ratio, mission vs control boxes"
) -> SafeString:
    """Each crime type's rate ratio as a dot with its 95 % interval, on a log scale; 1 = no effect."""
    rows = [t for t in types if t[window]["rate_ratio"] is not None]
    if not rows:
        return mark_safe("")  # noqa: S308 - empty string
    height = ROW_H * 2 * len(rows) + 44
    plot_w = WIDTH - LABEL_W - RIGHT_PAD
    lo_log, hi_log = (math.log(v) for v in RATIO_RANGE)

    def x(v):
        v = min(max(v, RATIO_RANGE[0]), RATIO_RANGE[1])
        return LABEL_W + plot_w * (math.log(v) - lo_log) / (hi_log - lo_log)

    parts = [
        f'<line class="axis" x1="{x(t):.1f}" y1="6" x2="{x(t):.1f}" y2="{height - 30}"/>'
        f'<text class="label" x="{x(t):.1f}" y="{height - 16}" text-anchor="middle">{t:g}</text>'
        for t in (0.25, 0.5, 1, 2, 4)
    ]
    parts.append(
        f'<line class="no-effect" x1="{x(1):.1f}" y1="6" x2="{x(1):.1f}" y2="{height - 30}"/>'
    )
    for i, t in enumerate(rows):
        r = t[window]
        y = 14 + i * 2 * ROW_H
        low = r["low"] if r["low"] is not None else RATIO_RANGE[0]
        high = r["high"] if r["high"] is not None else RATIO_RANGE[1]
        kind = "clear" if (r["enough_data"] and (high < 1 or low > 1)) else "unclear"
        interval = f"{low:.2f}–{high:.2f}" if r["high"] is not None else f"above {low:.2f}"
        parts.append(
            f'<text class="label" x="{LABEL_W - 6}" y="{y + 4}" text-anchor="end">{escape(t["name"])}</text>'
            f'<line class="interval {kind}" x1="{x(low):.1f}" y1="{y}" x2="{x(high):.1f}" y2="{y}"/>'
            f'<circle class="estimate {kind}" cx="{x(max(r["rate_ratio"], 1e-6)):.1f}" cy="{y}" r="4">'
            f"<title>{escape(t['name'])}: {r['rate_ratio']:.2f} ({interval}), {r['verdict']}</title></circle>"
        )
    return _svg(parts, height, title)


def value_bars(
    rows: list[dict], series: tuple, title: str, unit: str = "min", limit: int = 30
) -> SafeString:
    """Per row (beat, unit…): a bar for each value in `series` ((key, label), …), on one scale."""
    rows = rows[:limit]
    if not rows:
        return mark_safe("")  # noqa: S308 - empty string
    group_h = ROW_H * len(series) + 10
    height = group_h * len(rows) + 40
    plot_w = WIDTH - LABEL_W - RIGHT_PAD
    peak = max([r[key] or 0 for r in rows for key, _ in series] + [1.0])
    scale = plot_w / peak
    parts = []
    for g, row in enumerate(rows):
        y0 = 10 + g * group_h
        parts.append(
            f'<text class="label" x="{LABEL_W - 6}" y="{y0 + group_h / 2:.1f}" text-anchor="end">'
            f"{escape(str(row['name']))}</text>"
        )
        for k, (key, label) in enumerate(series):
            value = float(row[key] or 0.0)
            y = y0 + k * ROW_H
            parts.append(
                f'<rect class="series-{k}" x="{LABEL_W}" y="{y}" width="{value * scale:.1f}" height="{ROW_H - 3}">'
                f"<title>{escape(str(row['name']))}: {value:,.0f} {unit} {escape(label)}</title></rect>"
                f'<text class="value" x="{LABEL_W + value * scale + 4:.1f}" y="{y + ROW_H - 5}">{value:,.0f}</text>'
            )
    parts += _legend([label for _, label in series], height - 14)
    return _svg(parts, height, title)


def weekly_lines(weeks: list[dict], series: tuple, title: str) -> SafeString:
    """One line per (key, label) of `series` over the weeks (blank values are skipped)."""
    values = [w[k] for w in weeks for k, _ in series if w[k] is not None]
    if not values:
        return mark_safe("")  # noqa: S308 - empty string
    height, top, bottom = 220, 12, 50
    plot_w, plot_h = WIDTH - LABEL_W - RIGHT_PAD, height - top - bottom
    step = plot_w / max(len(weeks) - 1, 1)
    peak = max(max(values), 1e-9) * 1.1

    def y(v):
        return top + plot_h * (1 - v / peak)

    parts = [
        f'<line class="axis" x1="{LABEL_W}" y1="{y(t):.1f}" x2="{LABEL_W + plot_w}" y2="{y(t):.1f}"/>'
        f'<text class="label" x="{LABEL_W - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.1f}</text>'
        for t in (0, peak / 2, peak)
    ]
    for k, (key, label) in enumerate(series):
        points = [
            (LABEL_W + i * step, y(w[key])) for i, w in enumerate(weeks) if w[key] is not None
        ]
        parts.append(
            f'<polyline class="line series-line-{k}" points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in points)}"/>'
        )
        for (px, py), w in zip(points, [w for w in weeks if w[key] is not None], strict=True):
            parts.append(
                f'<circle class="dot series-{k}" cx="{px:.1f}" cy="{py:.1f}" r="3">'
                f"<title>{escape(label)}, week of {w['week_start']}: {w[key]}</title></circle>"
            )
    for i in sorted({0, len(weeks) - 1}):
        parts.append(
            f'<text class="label" x="{LABEL_W + i * step:.1f}" y="{height - 30}" text-anchor="middle">'
            f"{weeks[i]['week_start']}</text>"
        )
    parts += _legend([label for _, label in series], height - 10)
    return _svg(parts, height, title)


# --- helpers ---------------------------------------------------------------------------------------


def _legend(labels: list[str], y: float) -> list[str]:
    parts, x = [], LABEL_W
    for k, label in enumerate(labels):
        parts.append(
            f'<rect class="series-{k}" x="{x}" y="{y - 9}" width="10" height="10"/>'
            f'<text class="label" x="{x + 14}" y="{y}">{escape(label)}</text>'
        )
        x += 24 + 7 * len(label)
    return parts


def _svg(parts: list[str], height: float, title: str) -> SafeString:
    body = "".join(parts)
    return mark_safe(  # noqa: S308 - every label above is escaped
        f'<svg class="oversight-chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _nice(value: float) -> float:
    """A round axis maximum at or above `value`."""
    for step in (0.05, 0.1, 0.2, 0.25, 0.5, 1.0):
        if value <= step:
            return step
    return math.ceil(value)
