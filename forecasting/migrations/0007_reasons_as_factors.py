"""Reasons become data: each stored sentence of a cell forecast is parsed once, here, into a factor
(forecasting/engine/reasons.py says what each holds). A sentence of no known shape is kept as free
text, so nothing is lost. Already-converted reasons pass through, so the step can run again; going
back leaves the data as it is (ADR 0021).

`reason_data` is also used by the missions migration that converts missions' reasons.
"""

import re

from django.db import migrations, models

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WINDOW = {"24 hours": "24h", "7": "7d", "28": "28d", "28 days": "28d"}
ANALYST_PREFIXES = ("Added by analyst:", "Added by an analyst:")
RECENT = re.compile(r"^(\d+) .+ in this box in the last (24 hours|28 days)$")
BUSY = re.compile(r"^busy area: (\d+) incidents of all types within (\d+) m in the last 28 days$")
NEARBY = re.compile(r"^(\d+) .+ within (\d+) m in the last (7|28) days$")
HOT_SPOT = re.compile(r"^long-term hot spot: top ([\d.]+) % of cells over the last year$")
SAME_SHIFT = re.compile(
    rf"^({'|'.join(WEEKDAYS)}) (.+) pattern: (\d+) .+ here on \1 \2s over the last year$"
)
NEAR_LAYER = re.compile(r"^near (.+) \((\d+) m\)$")
LAYER_IN_BOX = re.compile(r"^(.+) in this box$")
BEAT_TOP = re.compile(
    r"^among the highest expected harm in beat (.+) this shift; no single factor stands out$",
    re.IGNORECASE,
)
BATCH = 2000


def reason_data(sentence, names: dict, default_code=None) -> dict:
    """The reason as data. `names` maps crime type names to codes, to read a leading "Name: "."""
    if not isinstance(sentence, str):
        return sentence  # already data
    words = sentence.strip()
    for prefix in ANALYST_PREFIXES:
        if words.startswith(prefix):
            return {"kind": "note", "text": words[len(prefix) :].strip()}
    code, body = default_code, words
    for name in sorted(names, key=len, reverse=True):
        if words.lower().startswith(f"{name.lower()}:"):
            code, body = names[name], words[len(name) + 1 :].strip()
            break
    found = _factor(body)
    if found is None:
        return {"kind": "text", "crime_type": code, "text": body if code else words}
    name, value, window, extra = found
    return {
        "kind": "factor",
        "factor": name,
        "crime_type": code,
        "value": value,
        "window": window,
        **extra,
    }


def _factor(body: str):
    if body == "public holiday":
        return "public_holiday", None, None, {}
    if m := RECENT.match(body):
        return "recent_count", int(m[1]), WINDOW[m[2]], {}
    if m := BUSY.match(body):
        return "busy_area", int(m[1]), "28d", {"radius_m": int(m[2])}
    if m := NEARBY.match(body):
        return "nearby_count", int(m[1]), WINDOW[m[3]], {"radius_m": int(m[2])}
    if m := HOT_SPOT.match(body):
        return "long_term_hot_spot", float(m[1]), "1y", {}
    if m := SAME_SHIFT.match(body):
        return "same_shift", int(m[3]), "1y", {"weekday": WEEKDAYS.index(m[1]), "shift": m[2]}
    if m := BEAT_TOP.match(body):
        return "beat_top", None, None, {"beat": m[1]}
    if m := NEAR_LAYER.match(body):
        return "risk_layer", int(m[2]), None, {"layer": m[1], "in_box": False}
    if m := LAYER_IN_BOX.match(body):
        return "risk_layer", None, None, {"layer": m[1], "in_box": True}
    return None


def names_to_codes(apps) -> dict:
    return dict(apps.get_model("agency", "CrimeType").objects.values_list("name", "code"))


def convert(apps, schema_editor):
    CellForecast = apps.get_model("forecasting", "CellForecast")
    codes = dict(apps.get_model("agency", "CrimeType").objects.values_list("pk", "code"))
    names = names_to_codes(apps)
    rows = CellForecast.objects.only("pk", "crime_type_id", "reasons").order_by("pk")
    changed = []
    for row in rows.iterator(chunk_size=BATCH):
        if not any(isinstance(r, str) for r in row.reasons or ()):
            continue
        row.reasons = [reason_data(r, names, codes.get(row.crime_type_id)) for r in row.reasons]
        changed.append(row)
        if len(changed) >= BATCH:
            CellForecast.objects.bulk_update(changed, ["reasons"])
            changed = []
    CellForecast.objects.bulk_update(changed, ["reasons"])


class Migration(migrations.Migration):
    dependencies = [
        ("forecasting", "0006_grid_and_streets_move_to_geo"),
        ("agency", "0001_initial"),
    ]
    operations = [
        migrations.AlterField(
            model_name="cellforecast",
            name="reasons",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Top factors as data (forecasting/engine/reasons.py), e.g. "
                '[{"kind": "factor", "factor": "nearby_count", "value": 4, "window": "7d", …}].',
            ),
        ),
        migrations.RunPython(convert, migrations.RunPython.noop),
    ]
