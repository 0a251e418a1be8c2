"""Why a box: reasons as data, and the one place they are put into words.

A reason is a small JSON-ready dict, stored on forecasts and missions and rendered only when shown,
so the wording can change (or be translated) without touching stored rows:

- ``{"kind": "factor", "factor": …, "crime_type": code, "value": …, "window": …, …}``: a factor of
  the forecast (`FACTORS` below: what it is and its extra fields);
- ``{"kind": "note", "text": …}``: an analyst's note on a mission they added;
- ``{"kind": "text", "crime_type": code or None, "text": …}``: free text (the demo's history, or an
  old sentence the conversion could not read).

Pure Python; docs/adr/0021-reasons-actions-schedules-as-data.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FACTOR, NOTE, TEXT = "factor", "note", "text"
KINDS = (FACTOR, NOTE, TEXT)
# factor -> what it says (its value, and fields beyond crime_type/value/window)
FACTORS = {
    "recent_count": "incidents of the type in the box (value) within the window",
    "nearby_count": "incidents of the type within radius_m of the box (value) within the window",
    "long_term_hot_spot": "the box is in the top `value` % of cells over the window",
    "same_shift": "incidents of the type here on the same weekday and shift (weekday 0 = "
    "Monday, shift) over the window",
    "busy_area": "incidents of all types within radius_m (value) within the window",
    "risk_layer": "a risk-terrain layer (layer) value metres away; in_box when inside the box",
    "public_holiday": "the shift falls on a public holiday",
    "beat_top": "no factor stands out city-wide; the box is among the riskiest of its beat (beat)",
}
WINDOWS = {
    "24h": "in the last 24 hours",
    "7d": "in the last 7 days",
    "28d": "in the last 28 days",
    "1y": "over the last year",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ANALYST_NOTE = "Added by analyst: {text}"


def factor(
    name: str,
    crime_type: str | None,
    value: float | None = None,
    window: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    if name not in FACTORS:
        raise ValueError(f"Unknown reason factor {name!r}.")
    if window is not None and window not in WINDOWS:
        raise ValueError(f"Unknown reason window {window!r}.")
    return {
        "kind": FACTOR,
        "factor": name,
        "crime_type": crime_type,
        "value": value,
        "window": window,
        **extra,
    }


def note(text: str) -> dict:
    return {"kind": NOTE, "text": text}


def free_text(words: str, crime_type: str | None = None) -> dict:
    return {"kind": TEXT, "crime_type": crime_type, "text": words}


def reason_text(
    reason: Mapping, type_names: Mapping[str, str], *, with_crime_type: bool = True
) -> str:
    """The reason in words. `type_names` maps crime type codes to names; with `with_crime_type`
    the words are led by the type's name ("Assault: 12 assaults in this box …")."""
    kind = reason.get("kind")
    if kind == NOTE:
        return ANALYST_NOTE.format(text=reason["text"])
    code = reason.get("crime_type")
    name = type_names.get(code, code) if code else None
    if kind == TEXT:
        words = reason["text"]
    elif kind == FACTOR:
        words = _factor_words(reason, name)
    else:
        raise ValueError(f"Unknown reason kind {kind!r}.")
    if reason.get("factor") == "beat_top" and not name:
        return words[0].upper() + words[1:]
    return f"{name}: {words}" if name and with_crime_type else words


def reason_texts(
    reasons: Iterable[Mapping] | None,
    type_names: Mapping[str, str],
    *,
    with_crime_type: bool = True,
) -> list[str]:
    return [reason_text(r, type_names, with_crime_type=with_crime_type) for r in reasons or ()]


def pluralize(name: str) -> str:
    """'Break and Enter' -> 'break and enters', 'Theft from Vehicle' -> 'thefts from vehicle'."""
    words = name.strip().lower()
    for joint in (" from ", " of ", " with "):
        if joint in words:
            head, tail = words.split(joint, 1)
            return f"{pluralize(head)}{joint}{tail}"
    parts = words.split(" ")
    parts[-1] = _plural_word(parts[-1])
    return " ".join(parts)


def _factor_words(reason: Mapping, name: str | None) -> str:
    kind, value = reason["factor"], reason.get("value")
    window = WINDOWS.get(str(reason.get("window")), "")
    if kind == "recent_count":
        return f"{_n(value)} {_noun(name, value)} in this box {window}"
    if kind == "nearby_count":
        return f"{_n(value)} {_noun(name, value)} within {reason['radius_m']} m {window}"
    if kind == "long_term_hot_spot":
        top = float(value or 0.0)
        said = f"{top:.0f}" if top >= 1 else f"{top:.1f}"
        return f"long-term hot spot: top {said} % of cells {window}"
    if kind == "same_shift":
        phrase = f"{WEEKDAYS[int(reason['weekday']) % 7]} {str(reason['shift']).lower()}"
        return f"{phrase} pattern: {_n(value)} {_noun(name, value)} here on {phrase}s {window}"
    if kind == "busy_area":
        return (
            f"busy area: {_n(value)} incidents of all types within {reason['radius_m']} m {window}"
        )
    if kind == "risk_layer":
        if reason.get("in_box"):
            return f"{reason['layer']} in this box"
        return f"near {reason['layer']} ({value} m)"
    if kind == "public_holiday":
        return "public holiday"
    if kind == "beat_top":
        return (
            f"among the highest expected harm in beat {reason['beat']} this shift;"
            " no single factor stands out"
        )
    raise ValueError(f"Unknown reason factor {kind!r}.")


def _noun(name: str | None, value: Any) -> str:
    name = name or "incident"
    return name.lower() if _whole(value) == 1 else pluralize(name)


def _n(value: Any) -> str:
    """Counts can be fractional (uncertain times are spread over shifts): say them whole."""
    return str(max(1, _whole(value)))


def _whole(value: Any) -> int:
    return int(round(float(value)))


def _plural_word(word: str) -> str:
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"
