"""Chart widgets the dashboard redraws in place.

``LiveChart`` holds one plotly figure (its JSON: data, layout, config), ``LiveCharts``
a group of them sent in one message and redrawn in one go (the Roadmap tab's, which a
move of the budget slider redraws together). Setting the figures again updates the
charts already on the page with ``Plotly.react`` instead of replacing them, which is
what keeps a move of the budget slider quick (docs/dashboard.md).
The browser side (``live_chart.js``, beside this file) draws with the plotly.js the
page already has, so it needs no download and works without internet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets

FRONT_END = Path(__file__).with_name("live_chart.js")
# Plotly measures its text while it draws, and each measurement makes the browser lay
# out whatever has changed. Contained, a chart's changes are laid out and painted
# within its own box instead of across the whole page.
CHART_CSS = ".wb-live-chart { contain: layout paint; }"


class _ChartWidget(anywidget.AnyWidget):
    """What both chart widgets share: their front end and its style."""

    _esm = FRONT_END.read_text(encoding="utf-8")
    _css = CHART_CSS


class LiveChart(_ChartWidget):
    """One chart. ``figure`` is a plotly figure as JSON ({} draws nothing)."""

    figure = traitlets.Dict().tag(sync=True)

    def show(self, spec: dict[str, Any] | None) -> None:
        """Draw ``spec`` (None: clear the chart)."""
        self.figure = {} if spec is None else spec


class LiveCharts(_ChartWidget):
    """Charts shown together, one below the other: ``figures`` are plotly figures as
    JSON ({} draws nothing), each in a box with the CSS class of the same place in
    ``names``. They reach the page in one message and are redrawn in one go, so the
    browser lays the page out and paints it once for all of them."""

    figures = traitlets.List(traitlets.Dict()).tag(sync=True)
    names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # Figures shown under the same non-empty key keep the margins each chart has grown
    # to (live_chart.js): a redraw is drawn once, and its plot does not shift.
    steady = traitlets.Unicode("").tag(sync=True)

    def show(self, specs: Sequence[dict[str, Any] | None], steady: str = "") -> None:
        """Draw ``specs`` in order (None: clear that chart). ``steady``: what the page
        shows them for (a country and horizon); figures shown under the key of the
        ones before them start from their margins."""
        with self.hold_sync():
            self.steady = steady
            self.figures = [{} if spec is None else spec for spec in specs]
