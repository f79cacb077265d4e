"""The dashboard notebook's own words (its title, what the page is, how to read the
figures) in the page's language.

Voilà shows a notebook's markdown cells as they are written, in English; the page's
template leaves them out (templates/workbench/index.html.j2) and the page shows them
here instead, translated piece by piece through the message catalogue, which takes
them from the notebook (``workbench.i18n_catalogue``). The notebook stays their one
source, and an analyst opening it in JupyterLab reads them where they are.
"""

from __future__ import annotations

from pathlib import Path

import mistune
import nbformat

from workbench import paths
from workbench.i18n import translate_markdown
from workbench.i18n_catalogue import DASHBOARD_NOTEBOOK


def notebook_guide(notebook: Path | None = None) -> tuple[str, str]:
    """(what opens the page, what closes it) as HTML: the notebook's first markdown
    cell, and the markdown cells after its first code cell, in the page's language.
    Empty strings when the notebook cannot be read (the page then goes without)."""
    path = notebook or paths.NOTEBOOKS_DIR / DASHBOARD_NOTEBOOK
    try:
        cells = nbformat.read(path, as_version=4).cells
    except (OSError, ValueError):
        return "", ""
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    top = [c.source for c in cells[:first_code] if c.cell_type == "markdown"]
    bottom = [c.source for c in cells[first_code:] if c.cell_type == "markdown"]
    return _html(top), _html(bottom)


def _html(sources: list[str]) -> str:
    if not sources:
        return ""
    # The notebook is the project's own text (no reader input): its markdown is
    # rendered as written, translated.
    body = "".join(str(mistune.html(translate_markdown(source))) for source in sources)
    return f'<div class="wb-guide">{body}</div>'
