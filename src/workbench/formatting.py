"""Numbers, money and dates as the pages print them: the one place every report,
chart, index and dashboard card formats a figure.

Pages round to what a reader takes in at a glance; the exact amounts stay in
summary.json. Every function here is pure and follows the language the page is being
written in (:func:`workbench.i18n.current_language`): English as '1,234.5', '12.3%',
'1 Jan 2025'; French, with Babel's rules for the language (CLDR), as '1 234,5',
'12,3 %', '1 janv. 2025' and money as '12,3 millions USD'.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal

from workbench.i18n import _, current_language, ngettext

# What a figure that could not be worked out reads as in sentences and tables (the
# English text; :func:`not_available` gives it in the page's language).
NOT_AVAILABLE = "not available"
# What a missing figure reads as in a compact table cell (the index of countries).
DASH = "–"

_WORD_SCALES = ((1e9, "billion"), (1e6, "million"))
_SHORT_SCALES = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))
# French short scales: CLDR's 'k', 'M' and 'Md' (milliard), set apart by a space.
_SHORT_SCALES_FR = ((1e9, "Md"), (1e6, "M"), (1e3, "k"))
_ROUND_MULTIPLES = (1.0, 2.0, 2.5, 5.0, 10.0)
# The space French sets between a number and its unit or per cent sign: CLDR's
# narrow no-break space, so that '12,3 %' never breaks across two lines.
_UNIT_SPACE = "\u202f"


def _english() -> bool:
    return current_language() == "en"


def not_available() -> str:
    """What a figure that could not be worked out reads as, in the page's language."""
    return _(NOT_AVAILABLE)


def format_number(value: float, digits: int = 0) -> str:
    """A number with thousands separators and exactly ``digits`` decimals:
    '12,345.6' in English, '12 345,6' in French."""
    if _english():
        return f"{value:,.{digits}f}"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=current_language())


def _french_words(value: float, size: float) -> str:
    """'29,5 millions USD', '1,0 million USD', '1,2 milliard USD'."""
    scaled = value / size
    number = format_number(scaled, 1)
    if size >= 1e9:
        word = "milliard" if abs(round(scaled, 1)) < 2 else "milliards"
    else:
        word = "million" if abs(round(scaled, 1)) < 2 else "millions"
    return f"{number} {word} USD"


def format_usd(value: float | None) -> str:
    """USD in words a minister reads at a glance: 'USD 29.5 million', 'USD 1.2 billion',
    'USD 850,000' ('29,5 millions USD', '850 000 USD' in French); 'not available' for
    None, NaN or an infinite value."""
    if value is None or not math.isfinite(value):
        return not_available()
    for size, word in _WORD_SCALES:
        if abs(value) >= size:
            if _english():
                return f"USD {value / size:,.1f} {word}"
            return _french_words(value, size)
    return f"USD {value:,.0f}" if _english() else f"{format_number(value)} USD"


def _trimmed(value: float, digits: int) -> str:
    """``value`` with at most ``digits`` decimals, trailing zeros dropped."""
    if _english():
        number = f"{value:,.{digits}f}"
        return number.rstrip("0").rstrip(".") if "." in number else number
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=current_language())


def format_usd_short(value: float, digits: int = 2) -> str:
    """A money amount short enough for an axis tick or a bar: 'USD 850k', 'USD 1.5m',
    'USD 1.25bn' ('850 k USD', '1,5 M USD', '1,25 Md USD' in French; at most
    ``digits`` decimals, trailing zeros dropped); '' when the value is not finite."""
    if not math.isfinite(value):
        return ""
    scales = _SHORT_SCALES if _english() else _SHORT_SCALES_FR
    for scale, suffix in scales:
        if abs(value) >= scale:
            number = _trimmed(value / scale, digits)
            return f"USD {number}{suffix}" if _english() else f"{number} {suffix} USD"
    return f"USD {value:,.0f}" if _english() else f"{format_number(value)} USD"


def format_usd_millions(value: float | None) -> str:
    """Dollars in millions, or billions from a billion on, for a compact table cell:
    '$149.8m', '$0.3m', '$1.25bn' ('149,8 M$', '1,25 Md$' in French); '–' for None."""
    if value is None:
        return DASH
    if abs(value) >= 1e9:
        if _english():
            return f"${value / 1e9:,.2f}bn"
        return f"{format_number(value / 1e9, 2)} Md$"
    if _english():
        return f"${value / 1e6:,.1f}m"
    return f"{format_number(value / 1e6, 1)} M$"


def format_pct(value: float | None, digits: int = 1, missing: str | None = None) -> str:
    """A share (0.405) as a percentage with ``digits`` decimals ('40.5%'; '40,5 %' in
    French); ``missing`` for None ('not available' unless given)."""
    if value is None:
        return not_available() if missing is None else missing
    if _english():
        return f"{100 * value:.{digits}f}%"
    return f"{format_number(100 * value, digits)}{_UNIT_SPACE}%"


def format_percent(value: float, digits: int = 1) -> str:
    """A number that is already a percentage (0.123 for 0.123%) with ``digits``
    decimals: '0.123%' ('0,123 %' in French)."""
    if _english():
        return f"{value:.{digits}f}%"
    return f"{format_number(value, digits)}{_UNIT_SPACE}%"


def format_count(value: float | None) -> str:
    """A count with thousands separators, rounded to a whole number ('12,346';
    '12 346' in French); 'not available' for None."""
    return not_available() if value is None else format_number(value)


def format_range(low: float | None, high: float | None,
                 fmt: Callable[[float | None], str]) -> str:
    """'<low> to <high>' ('<low> à <high>'), each formatted by ``fmt``; '' unless both
    ends are known."""
    if low is None or high is None:
        return ""
    return _("{low} to {high}").format(low=fmt(low), high=fmt(high))


def format_date(day: dt.date) -> str:
    """A day as a reader writes it: '1 Jan 2025' ('1 janv. 2025' in French)."""
    if _english():
        return f"{day:%-d %b %Y}"
    return babel_format_date(day, "d MMM y", locale=current_language())


def format_month(day: dt.date) -> str:
    """A month: 'Jan 2025' ('janv. 2025' in French)."""
    if _english():
        return f"{day:%b %Y}"
    return babel_format_date(day, "MMM y", locale=current_language())


def format_period(start: dt.date, end: dt.date) -> str:
    """A data period: '1 Jan 2025 to 31 Dec 2025' ('du 1 janv. 2025 au 31 déc. 2025')."""
    return _("{start} to {end}").format(start=format_date(start),
                                                  end=format_date(end))


def format_timestamp(moment: dt.datetime) -> str:
    """When a page was generated, in UTC: '02 Dec 2026 03:15 UTC'
    ('2 déc. 2026 03:15 UTC' in French)."""
    if _english():
        return moment.strftime("%d %b %Y %H:%M UTC")
    return babel_format_datetime(moment, "d MMM y HH:mm", tzinfo=dt.UTC,
                                 locale=current_language()) + " UTC"


def format_years(count: int) -> str:
    """'1 year', '5 years' ('1 an', '5 ans')."""
    return ngettext("{count} year", "{count} years", count).format(count=count)


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
