"""Presentation helpers the chart modules share: palette, the house template, escaped
text, wrapped subtitles and money axes.

Plotly neither wraps a long subtitle (it runs off the right edge of the chart) nor
formats money the way a minister reads it (its SI suffixes write a billion as "G"),
so the charts wrap their subtitles here and label money axes with their own ticks.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Iterable

import plotly.graph_objects as go
import plotly.io as pio

from workbench.formatting import format_usd_short, tick_step
from workbench.i18n import current_language

# Okabe-Ito palette: colour-blind safe.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"

# The house template: plotly's "plotly_white", keeping only the trace types and
# sub-plot kinds the workbench draws. The charts look exactly the same, but each
# carries about 4 KB less JSON and is built faster (plotly copies the whole template
# into every figure), which counts when the dashboard redraws charts live. The
# dashboard's own plotly.js (plotly_bundle.py) holds these trace types and no others.
TEMPLATE = "workbench_white"
TRACE_TYPES = ("bar", "heatmap", "scatter", "scatterpolar", "table")
_UNUSED_LAYOUT = ("geo", "scene", "ternary", "mapbox", "map")


def _house_template() -> go.layout.Template:
    base = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in base["layout"].items() if k not in _UNUSED_LAYOUT}
    data = {k: v for k, v in base["data"].items() if k in TRACE_TYPES}
    return go.layout.Template(layout=layout, data=data)


pio.templates[TEMPLATE] = _house_template()


def plotly_text(value: object) -> str:
    """Text from the inputs (a country's name, an organisation, an indicator, evidence)
    made safe for any plotly title, label, tick, legend or hover text.

    Plotly renders a subset of HTML in all of them (``<a href>`` becomes a live link,
    ``<b>``, ``<br>`` ... take effect), so ``<``, ``>`` and ``&`` are escaped and the
    text shows as written. None and NaN give "".
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def number_separators() -> dict[str, str]:
    """plotly's ``separators`` for the page's language (decimal mark, then thousands
    separator), for hover and tick numbers plotly formats itself: none in English
    (plotly's own '.,'), ', ' in French ('1 234,5')."""
    return {} if current_language() == "en" else {"separators": ", "}


def plotly_texts(values: Iterable[object]) -> list[str]:
    """:func:`plotly_text` of each value."""
    return [plotly_text(v) for v in values]


# A subtitle line longer than this runs off a chart about 700 pixels wide (a report
# page on a narrow screen) at plotly's subtitle font size (about 6.4 pixels a character).
SUBTITLE_WIDTH = 100
_DATE = re.compile(r"\b(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\b")
# Heights, in pixels, of what sits above the plot: the space over the title, one title
# line, one subtitle line and the gap between the subtitle and the plot.
TITLE_PAD_PX = 16
TITLE_LINE_PX = 24
SUBTITLE_LINE_PX = 17
PLOT_GAP_PX = 26


def wrap_lines(text: str, width: int = SUBTITLE_WIDTH) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters.

    A word longer than ``width`` stays whole on its own line (an address or a
    name must not be cut). An empty text gives no lines.
    """
    if not text:
        return []
    # A date ("1 Jan 2025") is never split across lines: its spaces become non-breaking.
    text = _DATE.sub(lambda m: "\u00a0".join(m.groups()), text)
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)


def wrap(text: str, width: int = SUBTITLE_WIDTH) -> str:
    """``text`` wrapped with plotly line breaks (``<br>``); escape it before wrapping."""
    return "<br>".join(wrap_lines(text, width))


def wrap_with_tail(text: str, tail: str, width: int = SUBTITLE_WIDTH,
                   separator: str = " · ") -> list[str]:
    """``text`` wrapped, then ``tail`` (a place and period, say) kept whole: after the
    last line when it fits there, else on a line of its own."""
    lines = wrap_lines(text, width)
    if not tail:
        return lines
    if lines and len(lines[-1]) + len(separator) + len(tail) <= width:
        return [*lines[:-1], lines[-1] + separator + tail]
    return [*lines, tail]


def title_layout(title: str, subtitle: str | list[str], *, x: float = 0.01) -> tuple[dict, int]:
    """A plotly title (escaped ``title`` with ``<br>`` breaks over the escaped ``subtitle``,
    wrapped here unless given as ready lines) pinned to the top of the chart, and the
    top margin that keeps the plot below every line of it.

    Returns:
        (title, top): the layout's ``title`` and ``margin.t`` in pixels.
    """
    lines = list(subtitle) if isinstance(subtitle, list) else wrap_lines(subtitle)
    title_lines = title.count("<br>") + 1
    top = TITLE_PAD_PX + TITLE_LINE_PX * title_lines + SUBTITLE_LINE_PX * len(lines) + PLOT_GAP_PX
    block = {
        "text": title, "subtitle": {"text": "<br>".join(lines)},
        "x": x, "xanchor": "left", "xref": "container",
        # Plotly anchors a title of several lines by its first line, so the padding
        # grows by the extra lines to keep the first one inside the chart.
        "y": 1, "yanchor": "top", "yref": "container",
        "pad": {"t": TITLE_PAD_PX + TITLE_LINE_PX * (title_lines - 1)},
    }
    return block, top


def usd_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], list[str]]:
    """Round tick positions from ``low`` to ``high`` and their money labels.

    Returns:
        (positions, labels): positions are multiples of a round step inside
        [low, high]; labels read 'USD 900m', 'USD 1.1bn'.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return [], []
    if high < low:
        low, high = high, low
    if high == low:
        return [low], [format_usd_short(low)]
    step = tick_step(high - low, count)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    # Multiples of the step, rounded so that 0.1 + 0.2 never prints as 0.30000000000000004.
    positions = [round(k * step, 6) for k in range(first, last + 1)]
    return positions, [format_usd_short(p) for p in positions]
