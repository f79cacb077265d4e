"""The dashboard notebook's own words (its title, what the page is, how to read the
figures) in the page's language.

Voilà shows a notebook's markdown cells as they are written, in English; the page's
template leaves them out (templates/workbench/index.html.j2) and the page shows them
here instead, translated piece by piece through the message catalogue, which takes
them from the notebook (``workbench.i18n_catalogue``). The notebook stays their one
source, and an analyst opening it in JupyterLab reads them where they are.

The notebook is read as the JSON it is, not with nbformat: nbformat brings jsonschema,
whose import took about 3 s of processor time in every page's kernel (it builds a URI
grammar), a kernel the visitor may be waiting for.
"""

from __future__ import annotations

import json
from pathlib import Path

import mistune

from workbench import paths
from workbench.i18n import translate_markdown


def notebook_guide(notebook: Path | None = None) -> tuple[str, str]:
    """(what opens the page, what closes it) as HTML: the notebook's first markdown
    cell, and the markdown cells after its first code cell, in the page's language.
    Empty strings when the notebook cannot be read (the page then goes without)."""
    path = notebook or paths.NOTEBOOKS_DIR / paths.DASHBOARD_NOTEBOOK
    try:
        cells = [(str(c["cell_type"]), _source(c.get("source", "")))
                 for c in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "", ""
    first_code = next((i for i, (kind, _) in enumerate(cells) if kind == "code"), len(cells))
    top = [source for kind, source in cells[:first_code] if kind == "markdown"]
    bottom = [source for kind, source in cells[first_code:] if kind == "markdown"]
    return _html(top), _html(bottom)


def _source(source: str | list[str]) -> str:
    """A cell's source: the notebook format stores it as one string or as its lines."""
    return source if isinstance(source, str) else "".join(source)


def _html(sources: list[str]) -> str:
    if not sources:
        return ""
    # The notebook is the project's own text (no reader input): its markdown is
    # rendered as written, translated.
    body = "".join(str(mistune.html(translate_markdown(source))) for source in sources)
    return f'<div class="wb-guide">{body}</div>'
