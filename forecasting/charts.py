"""Server-rendered SVG charts of back-test metrics: hit rate vs area, PAI by crime type,
calibration. Plain strings (labels escaped), no JavaScript and no CDN."""

from __future__ import annotations

import math
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 460, 300
MARGIN = {"left": 52, "right": 150, "top": 16, "bottom": 40}
PALETTE = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
)
PROMOTED_STROKE = 3.5
OTHER_STROKE = 1.4


def model_colours(names) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(names))}


def hit_rate_chart(metrics: dict) -> SafeString:
    """Hit rate (share of incidents caught) vs share of area flagged, one line per model."""
    fractions = metrics.get("curve_fractions") or []
    models = metrics.get("models", {})
    if not fractions or not models:
        return mark_safe("")  # noqa: S308 - empty string
    colours = model_colours(models)
    x_max = max(fractions) * 100
    y_max = max(
        [max((v or 0) for v in m.get("curve", {}).get("hit_rate", [0])) for m in models.values()]
        + [0.05]
    )
    y_max = min(1.0, _nice(y_max))
    sx, sy = _scales(x_max, y_max)
    parts = _axes(sx, sy, x_max, y_max, "% of cells flagged", "hit rate", pct_y=True)
    promoted = metrics.get("promoted")
    legend = []
    for name in sorted(models, key=lambda n: (n == promoted, n)):
        hr = models[name].get("curve", {}).get("hit_rate", [])
        pts = [(sx(f * 100), sy(v or 0.0)) for f, v in zip(fractions, hr, strict=False)]
        width = PROMOTED_STROKE if name == promoted else OTHER_STROKE
        parts.append(
            f'<polyline fill="none" stroke="{colours[name]}" stroke-width="{width}" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}"><title>{escape(name)}</title></polyline>'
        )
        legend.append((name + (" (promoted)" if name == promoted else ""), colours[name]))
    parts += _legend(legend)
    return _svg(parts, "Hit rate against the share of cells flagged, per model")


def pai_by_type_chart(rows: list[dict], area: str = "5%") -> SafeString:
    """Grouped bars: per crime type, the PAI of every model at `area`; rows = [{name, metrics}]."""
    rows = [r for r in rows if r["metrics"].get("models")]
    if not rows:
        return mark_safe("")  # noqa: S308 - empty string
    names = sorted({m for r in rows for m in r["metrics"]["models"]})
    colours = model_colours(names)
    values = [
        [(r["metrics"]["models"].get(n, {}).get("pai", {}).get(area) or 0.0) for n in names]
        for r in rows
    ]
    y_max = _nice(max(max(v) for v in values) or 1.0)
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    group_w = plot_w / len(rows)
    bar_w = group_w * 0.8 / len(names)

    def sy(v):
        return MARGIN["top"] + plot_h * (1 - v / y_max)

    parts = [_y_axis(sy, y_max, f"PAI at {area} of cells")]
    for g, (row, vals) in enumerate(zip(rows, values, strict=True)):
        x0 = MARGIN["left"] + g * group_w + group_w * 0.1
        promoted = row["metrics"].get("promoted")
        for k, (name, v) in enumerate(zip(names, vals, strict=True)):
            outline = ' stroke="#000" stroke-width="1.5"' if name == promoted else ""
            parts.append(
                f'<rect x="{x0 + k * bar_w:.1f}" y="{sy(v):.1f}" width="{bar_w * 0.9:.1f}" '
                f'height="{max(sy(0) - sy(v), 0):.1f}" fill="{colours[name]}"{outline}>'
                f"<title>{escape(row['name'])} · {escape(name)}: PAI {v:.2f}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{HEIGHT - MARGIN["bottom"] + 14}" '
            f'text-anchor="middle" font-size="10">{escape(_short(row["name"], max(4, int(group_w / 6.5))))}'
            f"<title>{escape(row['name'])}</title></text>"
        )
    parts.append(_line(MARGIN["left"], sy(0), WIDTH - MARGIN["right"], sy(0)))
    parts += _legend([(n, colours[n]) for n in names])
    return _svg(parts, f"PAI at {area} of cells by crime type and model (outlined: promoted)")


def calibration_chart(metrics: dict) -> SafeString:
    """Mean expected vs mean observed per decile of expected count, promoted model and best naive."""
    models = metrics.get("models", {})
    promoted = metrics.get("promoted")
    if promoted not in models:
        return mark_safe("")  # noqa: S308 - empty string
    shown = [promoted] + [n for n in sorted(models) if n.startswith("naive_") and n != promoted][:1]
    colours = model_colours(models)
    deciles = {n: models[n].get("calibration", []) for n in shown}
    top = max([max((d["expected"], d["observed"])) for n in shown for d in deciles[n]] + [1e-6])
    top = _nice(top)
    sx, sy = _scales(top, top)
    parts = _axes(sx, sy, top, top, "expected per cell-shift", "observed per cell-shift", digits=3)
    parts.append(
        f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(top):.1f}" y2="{sy(top):.1f}" '
        'stroke="#999" stroke-dasharray="4 3"/>'
    )
    legend = []
    for name in shown:
        pts = [(sx(d["expected"]), sy(d["observed"])) for d in deciles[name]]
        parts.append(
            f'<polyline fill="none" stroke="{colours[name]}" stroke-width="1.5" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}"/>'
        )
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colours[name]}"><title>{escape(name)} decile '
            f"{d['decile']}: expected {d['expected']:.4f}, observed {d['observed']:.4f}</title></circle>"
            for (x, y), d in zip(pts, deciles[name], strict=True)
        ]
        legend.append((name + (" (promoted)" if name == promoted else ""), colours[name]))
    parts += _legend(legend + [("perfect calibration", "#999")])
    return _svg(parts, "Calibration: observed against expected incidents per cell-shift, by decile")


# ---- drawing helpers ---------------------------------------------------------------------------


def _scales(x_max, y_max):
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]

    def sx(v):
        return MARGIN["left"] + plot_w * v / x_max

    def sy(v):
        return MARGIN["top"] + plot_h * (1 - v / y_max)

    return sx, sy


def _axes(sx, sy, x_max, y_max, x_label, y_label, pct_y=False, digits=0) -> list[str]:
    parts = [_line(sx(0), sy(0), sx(x_max), sy(0)), _line(sx(0), sy(0), sx(0), sy(y_max))]
    for i in range(6):
        xv, yv = x_max * i / 5, y_max * i / 5
        parts.append(
            f'<text x="{sx(xv):.1f}" y="{sy(0) + 14:.1f}" text-anchor="middle" font-size="10">{_fmt(xv, digits)}</text>'
        )
        label = f"{yv:.0%}" if pct_y else _fmt(yv, digits)
        parts.append(
            f'<text x="{sx(0) - 5:.1f}" y="{sy(yv) + 3:.1f}" text-anchor="end" font-size="10">{label}</text>'
        )
        parts.append(
            f'<line x1="{sx(0):.1f}" y1="{sy(yv):.1f}" x2="{sx(x_max):.1f}" y2="{sy(yv):.1f}" stroke="#eee"/>'
        )
    parts.append(
        f'<text x="{(sx(0) + sx(x_max)) / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'font-size="11">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text transform="translate(12 {(sy(0) + sy(y_max)) / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-size="11">{escape(y_label)}</text>'
    )
    return parts


def _y_axis(sy, y_max, label) -> str:
    ticks = []
    for i in range(6):
        v = y_max * i / 5
        ticks.append(
            f'<text x="{MARGIN["left"] - 5}" y="{sy(v) + 3:.1f}" text-anchor="end" font-size="10">{v:.1f}</text>'
        )
        ticks.append(
            f'<line x1="{MARGIN["left"]}" y1="{sy(v):.1f}" x2="{WIDTH - MARGIN["right"]}" '
            f'y2="{sy(v):.1f}" stroke="#eee"/>'
        )
    ticks.append(
        f'<text transform="translate(12 {(sy(0) + sy(y_max)) / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-size="11">{escape(label)}</text>'
    )
    return "".join(ticks)


def _legend(items) -> list[str]:
    x = WIDTH - MARGIN["right"] + 10
    return [
        f'<rect x="{x}" y="{MARGIN["top"] + 16 * i}" width="10" height="10" fill="{colour}"/>'
        f'<text x="{x + 14}" y="{MARGIN["top"] + 16 * i + 9}" font-size="10">{escape(label)}</text>'
        for i, (label, colour) in enumerate(items)
    ]


def _svg(parts, title) -> SafeString:
    body = "".join(parts)
    return mark_safe(  # noqa: S308 - every label above is escaped, every number formatted
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
    )


def _line(x1, y1, x2, y2) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#333"/>'


def _nice(v: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    if v <= 0:
        return 1.0
    exp = math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if v <= m * 10**exp:
            return m * 10**exp
    return 10 ** (exp + 1)


def _fmt(v: float, digits: int) -> str:
    return f"{v:.{digits}f}" if digits else f"{v:g}"


def _short(name: str, limit: int = 14) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
