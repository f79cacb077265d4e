"""Numbers and money as the pages print them: the one place every report, chart,
index and dashboard card formats a figure.

Pages round to what a reader takes in at a glance; the exact amounts stay in
summary.json. Every function here is pure and imports nothing of the workbench, so
the methods, the charts and the pages can all use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# What a figure that could not be worked out reads as in sentences and tables.
NOT_AVAILABLE = "not available"
# What a missing figure reads as in a compact table cell (the index of countries).
DASH = "–"

_WORD_SCALES = ((1e9, "billion"), (1e6, "million"))
_SHORT_SCALES = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))
_ROUND_MULTIPLES = (1.0, 2.0, 2.5, 5.0, 10.0)


def format_usd(value: float | None) -> str:
    """USD in words a minister reads at a glance: 'USD 29.5 million', 'USD 1.2 billion',
    'USD 850,000'; 'not available' for None, NaN or an infinite value."""
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    for size, word in _WORD_SCALES:
        if abs(value) >= size:
            return f"USD {value / size:,.1f} {word}"
    return f"USD {value:,.0f}"


def format_usd_short(value: float, digits: int = 2) -> str:
    """A money amount short enough for an axis tick or a bar: 'USD 850k', 'USD 1.5m',
    'USD 1.25bn' (at most ``digits`` decimals, trailing zeros dropped); '' when the
    value is not finite."""
    if not math.isfinite(value):
        return ""
    for scale, suffix in _SHORT_SCALES:
        if abs(value) >= scale:
            number = f"{value / scale:,.{digits}f}"
            number = number.rstrip("0").rstrip(".") if "." in number else number
            return f"USD {number}{suffix}"
    return f"USD {value:,.0f}"


def format_usd_millions(value: float | None) -> str:
    """Dollars in millions, or billions from a billion on, for a compact table cell:
    '$149.8m', '$0.3m', '$1.25bn'; '–' for None."""
    if value is None:
        return DASH
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.2f}bn"
    return f"${value / 1e6:,.1f}m"


def format_pct(value: float | None, digits: int = 1, missing: str = NOT_AVAILABLE) -> str:
    """A share (0.405) as a percentage with ``digits`` decimals ('40.5%'); ``missing``
    for None."""
    return missing if value is None else f"{100 * value:.{digits}f}%"


def format_count(value: float | None) -> str:
    """A count with thousands separators, rounded to a whole number ('12,346');
    'not available' for None."""
    return NOT_AVAILABLE if value is None else f"{value:,.0f}"


def format_range(low: float | None, high: float | None,
                 fmt: Callable[[float | None], str]) -> str:
    """'<low> to <high>', each formatted by ``fmt``; '' unless both ends are known."""
    return "" if low is None or high is None else f"{fmt(low)} to {fmt(high)}"


def nice_step(raw: float) -> float:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) at least ``raw``.

    A ``raw`` a rounding error above a round step (0.1 + 0.2 for 0.3) gets that step.

    Raises:
        ValueError: ``raw`` is not a positive finite number.
    """
    if not raw > 0 or not math.isfinite(raw):
        raise ValueError("the step must be a positive number")
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in _ROUND_MULTIPLES:
        if multiple * power >= raw * (1 - 1e-12):
            return multiple * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def tick_step(span: float, count: int = 5) -> float:
    """A round step giving about ``count`` ticks over ``span``; 1.0 for a span that is
    not a positive finite number."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    return nice_step(span / max(count, 1))
