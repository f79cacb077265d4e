"""HTML every page of the workbench shares: the report, the batch index, the stage
notebooks and the dashboard. Plain strings, so a page gets them without the loader,
the stages or plotly."""

from __future__ import annotations

import html

from workbench.i18n import _


def synthetic_banner_html() -> str:
    """The banner over every page built from synthetic data (``synthetic: true`` in
    the profile), so that no made-up figure is read as a real country's."""
    words = html.escape(_("SYNTHETIC DATA: these figures are made up for demonstration. "
                          "They describe no real country."))
    return (
        '<div class="wb-synthetic" role="note" style="background:#fff3cd;border:2px solid #b58105;'
        f'color:#5c4300;padding:10px 14px;margin:8px 0;font-size:1.05em;font-weight:600">{words}</div>'
    )
