"""report.html: one self-contained page per country, built from the executed notebooks.

The page shows what the notebooks displayed (markdown, tables, charts), never their
code. Charts arrive as plotly's MIME bundle and are drawn by one copy of plotly.js
embedded in the page (or, for a batch, one shared copy next to the pages), so the
page reads offline: no request leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mistune
import nbformat
import plotly.io as pio
from plotly.offline import get_plotlyjs

from workbench import __version__
from workbench.chart_style import number_separators
from workbench.formatting import format_timestamp
from workbench.i18n import _, current_language, translate_markdown
from workbench.key_findings import KEY_FINDINGS_CSS, key_findings, key_findings_html
from workbench.page_html import synthetic_banner_html

PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLOTLY_JS_NAME = "plotly.min.js"
# Chart toolbar without the plotly logo and without anything that calls out.
_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

_markdown = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])


@dataclass(frozen=True)
class Section:
    """One stage of the report: its notebook, or the reason it was skipped or failed."""

    stage: str
    title: str
    notebook: Path | None = None
    skipped: str | None = None
    failed: str | None = None


# The report reads from what a minister asks first to what an analyst checks last:
# the findings, their working, and the data quality and method notes at the end.
REPORT_ORDER = ("impact", "gaps", "business_case", "data_quality")


def stage_title(stage: str) -> str:
    """A stage's heading in the page's language."""
    titles = {  # spelled out so that the catalogue's extraction finds each one
        "data_quality": _("Data quality"),
        "impact": _("Impact of cybercrime"),
        "gaps": _("Capability gaps"),
        "business_case": _("Business case and roadmap"),
    }
    return titles.get(stage, stage)


def _output_html(output: dict) -> str:
    """One cell output as HTML, preferring the richest safe representation."""
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stderr":
            return ""  # warnings belong to the executed notebook, not the minister's page
        return f"<pre class='wb-stream'>{html.escape(output.get('text', ''))}</pre>"
    if kind == "error":
        words = html.escape(_("This part could not be computed:"))
        return (f"<div class='wb-error'>{words} "
                f"{html.escape(output.get('ename', 'error'))}</div>")
    data = output.get("data", {})
    if output.get("metadata", {}).get("text/html", {}).get("workbench", {}).get("role") == "page-header":
        return ""  # the report has one header for every stage
    if PLOTLY_MIME in data:
        figure = data[PLOTLY_MIME]
        if isinstance(figure, str):
            figure = json.loads(figure)
        figure = {**figure, "layout": {**figure.get("layout", {}), **number_separators()}}
        return "<div class='wb-chart'>" + pio.to_html(
            figure, include_plotlyjs=False, full_html=False, config=_PLOTLY_CONFIG,
            default_width="100%",
        ) + "</div>"
    if "text/html" in data:
        text = data["text/html"]
        return "".join(text) if isinstance(text, list) else text
    if "text/markdown" in data:
        return _markdown(data["text/markdown"])
    if "image/png" in data:
        alt = html.escape(_("chart"))
        return f"<img alt='{alt}' src='data:image/png;base64,{data['image/png']}'>"
    if "text/plain" in data:
        return f"<pre>{html.escape(data['text/plain'])}</pre>"
    return ""


def _is_parameters(cell: dict) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return "parameters" in tags or "injected-parameters" in tags


def notebook_body(path: Path) -> str:
    """The displayed content of an executed notebook: markdown and outputs, no code."""
    notebook = nbformat.read(path, as_version=4)
    parts = []
    title_dropped = False
    for cell in notebook.cells:
        if _is_parameters(cell):
            continue
        if cell.cell_type == "markdown":
            source = translate_markdown(cell.source)
            if not title_dropped and source.lstrip().startswith("# "):
                # The notebook's own title; the report's section heading says it.
                source = source.lstrip().split("\n", 1)[1] if "\n" in source.strip() else ""
                title_dropped = True
            parts.append(_markdown(source))
        elif cell.cell_type == "code":
            parts.extend(_output_html(o) for o in cell.get("outputs", []))
    return "\n".join(p for p in parts if p)


def _skip_html(section: Section) -> str:
    if section.failed:
        failed = html.escape(_("This stage failed."))
        return (f"<div class='wb-skip wb-failed'><strong>{failed}"
                f"</strong> {html.escape(section.failed)}</div>")
    not_run = html.escape(_("This stage was not run."))
    return (f"<div class='wb-skip'><strong>{not_run}"
            f"</strong> {html.escape(section.skipped or '')}</div>")


def partial_notice_html(sections: Sequence[Section]) -> str:
    """The notice at the top of a partial report: which stages were not run, and why."""
    skipped = [s for s in sections if s.skipped and not s.failed]
    if not skipped:
        return ""
    items = "".join(f"<li><a href='#{html.escape(s.stage)}'>{html.escape(s.title)}</a>: "
                    f"{html.escape(s.skipped or '')}</li>" for s in skipped)
    heading = html.escape(_("Partial report."))
    text = html.escape(_("These parts were not run, each for the reason given; the rest of "
                         "the report is complete."))
    return (f"<div class='wb-partial' role='note'><strong>{heading}</strong> "
            f"{text}<ul>{items}</ul></div>")


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;
background:#f6f7f9;line-height:1.45}
header.wb-head{background:#0b3954;color:#fff;padding:18px 28px}
header.wb-head h1{margin:0 0 4px 0;font-size:1.6em}
header.wb-head p{margin:2px 0;opacity:.9}
nav.wb-toc{padding:8px 28px;background:#e8eef2;font-size:.95em}
nav.wb-toc a{margin-right:18px;color:#0b3954}
main{padding:8px 28px 40px 28px;max-width:1200px}
section.wb-section{background:#fff;border-radius:6px;padding:8px 20px 16px;margin:18px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
table{border-collapse:collapse;margin:8px 0;font-size:.92em}
th,td{border-bottom:1px solid #dde3e8;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f3f5}
.wb-skip{background:#eef1f4;border-left:4px solid #6c7a89;padding:10px 14px;margin:10px 0}
.wb-failed{border-left-color:#b3261e;background:#fbeaea}
.wb-partial{background:#fff3cd;border-left:4px solid #b58105;padding:10px 28px;margin:0}
.wb-partial ul{margin:4px 0 0 0}
.wb-error{color:#b3261e}
footer{padding:16px 28px;color:#555;font-size:.85em}
pre{white-space:pre-wrap}
/* On a page of synthetic data every section heading says so too, so that no part of
   the page (a screenshot of one chart, a printed page) reads as real figures. */
body:has(.wb-synthetic) section.wb-section>h2::after{content:"__SYNTHETIC_DATA__";
font-size:.55em;font-weight:600;vertical-align:middle;margin-left:12px;padding:2px 8px;
background:#fff3cd;border:1px solid #b58105;color:#5c4300;border-radius:3px}
/* A long table (every check with its evidence) scrolls inside its own box, headings in
   view, instead of stretching the page; a wide one scrolls sideways on a narrow screen. */
table.wb-table{display:block;max-width:100%;max-height:36em;overflow:auto}
table.wb-table th{position:sticky;top:0;z-index:1}
.wb-chart{max-width:100%;overflow:hidden}
@media print{
  table.wb-table{display:table;max-height:none;overflow:visible}
  section.wb-section{break-inside:auto;box-shadow:none}
  .wb-chart{break-inside:avoid}
}
"""


def in_report_order(sections: Sequence[Section]) -> list[Section]:
    """The sections in :data:`REPORT_ORDER` (a stage it does not name comes before the
    data quality, in the order given)."""
    last = len(REPORT_ORDER) - 1
    rank = {stage: i for i, stage in enumerate(REPORT_ORDER)}
    return sorted(sections, key=lambda s: rank.get(s.stage, last - 0.5))


def render_report(
    *,
    country_name: str,
    country_code: str,
    period: str,
    synthetic: bool,
    sections: Sequence[Section],
    plotly_js: str = "embed",
    generated_at: dt.datetime | None = None,
    summary: Mapping[str, Any] | None = None,
) -> str:
    """The whole report page as HTML.

    ``plotly_js``: "embed" puts plotly.js inside the page (self-contained); any other
    value is a relative path of a shared copy next to the page (a batch folder).
    ``summary``: the run's summary.json; the page opens with its key findings.
    """
    sections = in_report_order(sections)
    findings = "" if summary is None else key_findings_html(key_findings(summary))
    generated = format_timestamp(generated_at or dt.datetime.now(dt.UTC))
    if plotly_js == "embed":
        script = f"<script type='text/javascript'>{get_plotlyjs()}</script>"
    else:
        script = f"<script type='text/javascript' src='{html.escape(plotly_js)}'></script>"
    toc = " ".join(
        ([f"<a href='#key-findings'>{html.escape(_('Key findings'))}</a>"] if findings else [])
        + [f"<a href='#{s.stage}'>{html.escape(s.title)}</a>" for s in sections]
    )
    body = []
    for section in sections:
        inner = (notebook_body(section.notebook)
                 if section.notebook and not (section.skipped or section.failed)
                 else _skip_html(section))
        body.append(f"<section class='wb-section' id='{section.stage}'>"
                    f"<h2>{html.escape(section.title)}</h2>{inner}</section>")
    banner = synthetic_banner_html() if synthetic else ""
    partial = partial_notice_html(sections)
    title = html.escape(_("{country}: cybercrime impact and capability gap report")
                        .format(country=country_name))
    period_line = html.escape(_("Data period: {period}. Money in US dollars (USD).")
                              .format(period=period))
    made = html.escape(_("Country code {code} · generated {generated} · workbench {version}")
                       .format(code=country_code, generated=generated, version=__version__))
    css = _CSS.replace("__SYNTHETIC_DATA__", _("synthetic data").replace('"', "'"))
    footer = html.escape(_(
        "Every figure on this page is reproducible by hand from the input files and the "
        "methods in the workbench's documentation (docs/methods.md); the published figures "
        "are in summary.json next to this page."))
    return f"""<!DOCTYPE html>
<html lang="{current_language()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}{KEY_FINDINGS_CSS}</style>
{script}
</head><body>
<header class="wb-head"><h1>{title}</h1>
<p>{period_line}</p>
<p>{made}</p>
</header>
{banner}
{partial}
<nav class="wb-toc">{toc}</nav>
<main>
{findings}
{''.join(body)}
</main>
<footer>{footer}</footer>
</body></html>
"""


def external_references(page: str) -> list[str]:
    """What a page would fetch from elsewhere: scripts, styles, images, frames, fonts.

    Plain links (``<a href>``) are not fetches and are allowed. The embedded plotly.js
    bundle is left out of the scan: its own strings name addresses it never calls for
    the charts the workbench draws.
    """
    import re

    scanned = page.replace(get_plotlyjs(), "")
    found = re.findall(
        r"""<(?:script|img|iframe|link|source|audio|video|embed)\b[^>]*?"""
        r"""(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""",
        scanned, flags=re.IGNORECASE,
    )
    found += re.findall(r"""url\(\s*["']?((?:https?:)?//[^)"']+)""", scanned)
    found += re.findall(r"""@import\s+(?:url\()?["']?((?:https?:)?//[^"')]+)""", scanned)
    return found


def section_list(stage_states: Iterable[tuple[str, Path | None, str | None, str | None]]) -> list[Section]:
    """Sections from (stage, executed notebook, skipped reason, failure) tuples."""
    return [
        Section(stage, stage_title(stage), notebook, skipped, failed)
        for stage, notebook, skipped, failed in stage_states
    ]
