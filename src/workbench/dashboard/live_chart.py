"""A chart widget the dashboard redraws in place.

``LiveChart`` holds one plotly figure (its JSON: data, layout, config). Setting
``figure`` again updates the chart already on the page with ``Plotly.react`` instead of
replacing it, which is what keeps a move of the budget slider quick (docs/dashboard.md).
The browser side (``live_chart.js``, beside this file) draws with the plotly.js the
page already has, so it needs no download and works without internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

FRONT_END = Path(__file__).with_name("live_chart.js")


class LiveChart(anywidget.AnyWidget):
    """One chart. ``figure`` is a plotly figure as JSON ({} draws nothing)."""

    _esm = FRONT_END.read_text(encoding="utf-8")
    figure = traitlets.Dict().tag(sync=True)

    def show(self, spec: dict[str, Any] | None) -> None:
        """Draw ``spec`` (None: clear the chart)."""
        self.figure = {} if spec is None else spec
