"""What every stage notebook does the same way: open a country, show its banner,
publish its summary block. Notebooks call these so that no logic is copied between them.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.io as pio

from workbench import paths, stages
from workbench.countries import country_folder
from workbench.i18n import N_, _, ngettext, set_language
from workbench.loading import CountryData, load_country, set_aside_table
from workbench.page_html import synthetic_banner_html
from workbench.summary_types import StageBlock


def setup_display() -> None:
    """Charts travel as plotly's own MIME bundle: JupyterLab and Voilà draw it, and
    the report builder turns it into offline HTML (the default renderer under
    papermill would leave nothing the exported page can draw)."""
    pio.renderers.default = "plotly_mimetype"


def open_country(country: str, data_root: str, stage: str | None = None,
                 language: str = "") -> CountryData:
    """Validate the code, then load ``<data_root>/<country>`` (relative roots are
    taken from the project root): the tables ``stage`` reads, or every table.

    The rest of the notebook is written in ``language``, or when it is empty in the
    language of the country's profile (English without a usable profile)."""
    setup_display()
    set_language(language or None)  # the profile is read in the language asked for
    tables = None if stage is None else stages.tables_for(stage)
    data = load_country(country_folder(paths.resolve(data_root), country), tables=tables)
    if not language and data.profile is not None:
        set_language(data.profile.language)
    return data


def publish(out_dir: str, stage: str, block: StageBlock) -> None:
    """Write the stage's summary.json block to ``<out_dir>/stages/<stage>.json``.

    ``out_dir`` empty (an analyst exploring in JupyterLab) writes nothing. Returns
    nothing on purpose: as a cell's last expression, a returned path would be shown
    on the report page (the staging folder, with the process id and host name).
    """
    if not out_dir:
        return
    target = Path(out_dir) / paths.STAGES_SUBDIR / f"{stage}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(block, indent=2, allow_nan=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    raise TypeError(f"cannot publish {type(value).__name__}")


# Display metadata marking the page header a notebook shows on its own; the report
# page has one header for all stages and leaves these out.
PAGE_HEADER_ROLE = {"workbench": {"role": "page-header"}}


class HTML:
    """Minimal displayable HTML (IPython's needs an IPython kernel to import cleanly)."""

    def __init__(self, markup: str, metadata: dict | None = None) -> None:
        self.markup = markup
        self.metadata = metadata

    def _repr_html_(self) -> str | tuple[str, dict]:
        return (self.markup, self.metadata) if self.metadata else self.markup


def country_header(country: CountryData, stage_title: str) -> HTML:
    """The heading every stage page starts with: country, stage, period, and the
    synthetic-data banner when the profile says so."""
    profile = country.profile
    name = html.escape(profile.name if profile else country.code)
    period = profile.period_label if profile else _("period unknown")
    parts = [f"<h2>{name}: {html.escape(_(stage_title))}</h2>",
             "<p>{}</p>".format(html.escape(
                 _("Data period: {period}. Money in US dollars (USD).").format(period=period)))]
    if profile is not None and profile.synthetic:
        parts.insert(0, synthetic_banner_html())
    return HTML("\n".join(parts), metadata=PAGE_HEADER_ROLE)


# Column titles of the data-quality tables (workbench.loading), written in English
# there and translated here, where a page shows them.
TABLE_WORDS = (N_("file"), N_("status"), N_("rows"), N_("valid"), N_("quarantined"),
               N_("problem"), N_("column"), N_("rule"))


def table_html(frame: pd.DataFrame, *, caption: str = "", max_rows: int = 50) -> HTML:
    """A table with every cell escaped (free text may hold markup); column titles in
    the page's language where the catalogue has them."""
    shown = frame.head(max_rows).rename(columns=lambda c: _(c) if isinstance(c, str) else c)
    more = len(frame) - len(shown)
    body = shown.to_html(index=False, escape=True, na_rep="", border=0, classes="wb-table")
    cap = f"<p><strong>{html.escape(_(caption))}</strong></p>" if caption else ""
    tail = ("<p>{}</p>".format(html.escape(
        ngettext("... and {count} more row.", "... and {count} more rows.", more)
        .format(count=more))) if more > 0 else "")
    return HTML(cap + body + tail)


def paragraphs_html(*texts: str | list[str]) -> HTML:
    """Sentences the workbench wrote from the figures, one paragraph each (escaped)."""
    flat = [t for text in texts for t in ([text] if isinstance(text, str) else text)]
    return HTML("".join(f"<p>{html.escape(t)}</p>" for t in flat if t))


def set_aside_html(country: CountryData) -> HTML:
    """How many rows of each file were set aside, by column and rule: counts only.

    The rows themselves hold respondents' answers and never appear on a page that is
    shared; ``workbench run`` writes them to the analyst-only folder beside the
    report folder (``<out>.private/<CC>/quarantine/``, see docs/operations.md).
    """
    counts = set_aside_table(country)
    if counts.empty:
        return HTML("<p>{}</p>".format(html.escape(
            _("No rows were set aside: every row of every file passed its checks."))))
    return table_html(
        counts, caption=N_("Rows set aside, by file, column and rule"),
        max_rows=len(counts),
    )
