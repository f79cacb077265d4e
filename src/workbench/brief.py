"""brief.pdf: the minister's brief, at most two A4 pages, printed offline.

The brief holds the key findings (:mod:`workbench.key_findings`), one chart of the
recommended plan over the years (what it spends each year, and the overall capability
score it reaches when summary.json carries the score path), and the data's period and
source, under the synthetic label when the data are made up.

It is a self-contained HTML page (plotly.js inside it) printed to PDF by Chromium in
headless mode, the browser the project already installs for its browser tests
(``make browser``). Chromium draws the chart exactly as the report does, lays the
page out on A4 with the page's own print styles, and embeds the fonts it used in the
PDF; nothing is fetched: the page names no address, and the browser is started with
its background networking off and a fresh profile in a temporary folder. One
Chromium process per country: a second or two (docs/outputs.md).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from workbench import __version__
from workbench.chart_style import BLUE, ORANGE, TEMPLATE, usd_ticks
from workbench.formatting import format_date, format_usd_short
from workbench.i18n import _, current_language
from workbench.key_findings import KEY_FINDINGS_CSS, Finding, key_findings, key_findings_html
from workbench.page_html import synthetic_banner_html

BRIEF_NAME = "brief.pdf"
# The browser that prints the brief: WORKBENCH_CHROMIUM names another one, or "off"
# for a machine that must print no briefs (the runs then say that none was printed).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "WORKBENCH_CHROMIUM"
CHROMIUM_OFF = "off"
# How long Chromium may take to print one brief before the run gives up on it.
PRINT_TIMEOUT_SECONDS = 120
# Virtual time the page gets to draw its chart before it is printed (no real wait:
# Chromium runs the page's timers fast-forward until they are done or this is spent).
VIRTUAL_TIME_BUDGET_MS = 10_000
_CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--disable-quic", "--mute-audio",
    "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
    f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
)


class BriefNotPrinted(Exception):
    """The brief could not be printed; the message says why in one line (in English,
    like every line the command prints for whoever runs it)."""


# --------------------------------------------------------------------------- the chart


def _numbers(values: Any) -> list[float | None]:
    out: list[float | None] = []
    for value in values or []:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        out.append(float(value) if ok else None)
    return out


def plan_chart(case: Mapping[str, Any] | None) -> go.Figure | None:
    """The plan over the years: spend per year (bars, USD) and, when summary.json has
    ``score_by_year``, the overall capability score from today to year H (line, right
    axis). None when there is no plan to draw (no business case, or nothing funded)."""
    if not isinstance(case, Mapping) or "skipped" in case or not case.get("plan"):
        return None
    spend = _numbers(case.get("spend_by_year_usd"))
    if not any(v for v in spend):
        return None
    years = list(range(1, len(spend) + 1))
    high = max(v for v in spend if v is not None)
    budget = case.get("budget_usd_per_year")
    if isinstance(budget, (int, float)) and budget > 0:
        high = max(high, float(budget))
    ticks, labels = usd_ticks(0.0, high)
    score = _numbers(case.get("score_by_year"))
    has_score = len(score) >= 2 and all(v is not None for v in score)
    figure = go.Figure()
    # Lighter bars under a score line, so that the line's labels read over them.
    figure.add_bar(x=years, y=spend, marker_color=BLUE, opacity=0.45 if has_score else 1.0,
                   name=_("spend in the year (USD, left)") if has_score else _("spend in the year (USD)"),
                   text=[labels_for(v) for v in spend], textposition="outside", cliponaxis=False)
    if has_score:
        figure.add_scatter(x=list(range(len(score))), y=score, yaxis="y2", mode="lines+markers+text",
                           name=_("overall capability score (0-100, right)"),
                           line=dict(color=ORANGE, width=3), marker=dict(size=8),
                           textfont=dict(color="#1b1b1b", size=13),
                           text=[f"{v:.0f}" for v in score if v is not None],
                           textposition="top center")
    figure.update_layout(
        template=TEMPLATE, width=680, height=300, margin=dict(l=70, r=60, t=20, b=70),
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=12),
        showlegend=True, legend=dict(orientation="h", x=0, y=-0.22),
        xaxis=dict(title=_("year of the plan (0 = today)") if has_score else _("year of the plan"),
                   tickmode="array", tickvals=list(range(0 if has_score else 1, len(spend) + 1)),
                   range=[-0.6 if has_score else 0.4, len(spend) + 0.6]),
        yaxis=dict(tickvals=ticks, ticktext=labels, range=[0, ticks[-1] * 1.12], rangemode="tozero"),
    )
    if has_score:
        figure.update_layout(yaxis2=dict(overlaying="y", side="right", range=[0, 105],
                                         showgrid=False, tickvals=[0, 25, 50, 75, 100]))
    return figure


def labels_for(value: float | None) -> str:
    """A bar's label: the year's spend, short ('USD 4.28m'); '' for no spend."""
    return format_usd_short(value) if value else ""


# --------------------------------------------------------------------------- the page


_CSS = """
@page{size:A4;margin:13mm 14mm}
*{box-sizing:border-box}
body{font-family:'DejaVu Sans',Arial,sans-serif;color:#1b1b1b;font-size:10pt;line-height:1.38;
margin:0}
header{border-bottom:3px solid #0b3954;margin-bottom:6px;padding-bottom:4px}
header h1{font-size:16pt;margin:0;color:#0b3954}
header p{margin:2px 0;color:#333}
.wb-synthetic{font-size:9.5pt!important;padding:6px 10px!important;margin:4px 0!important}
.wb-key{box-shadow:none;border-radius:0;margin:8px 0;padding:2px 0 2px 12px}
.wb-key h2{font-size:12.5pt}
.wb-key dl{gap:4px 14px}
.wb-key dt{white-space:nowrap}
figure{margin:6px 0;break-inside:avoid}
figure h2{font-size:12.5pt;color:#0b3954;margin:6px 0 2px 0}
figcaption{font-size:9pt;color:#333}
footer{font-size:8.5pt;color:#444;border-top:1px solid #ccc;margin-top:8px;padding-top:4px}
"""


def _chart_html(case: Mapping[str, Any] | None) -> str:
    figure = plan_chart(case)
    title = html.escape(_("The plan year by year"))
    if figure is None:
        return ""
    chart = pio.to_html(figure, include_plotlyjs=False, full_html=False,
                        config={"staticPlot": True, "displayModeBar": False})
    has_score = bool(case and case.get("score_by_year"))
    caption = (_("Bars: what the plan spends each year. Line: the overall capability score it "
                 "reaches, from today (year 0) to the end of the plan.") if has_score else
               _("Bars: what the plan spends each year."))
    return (f"<figure><h2>{title}</h2>{chart}<figcaption>{html.escape(caption)}"
            "</figcaption></figure>")


def render_brief(summary: Mapping[str, Any], findings: Sequence[Finding] | None = None,
                 *, generated_at: dt.datetime | None = None) -> str:
    """The brief as one self-contained HTML page (plotly.js inside), ready to print."""
    findings = key_findings(summary) if findings is None else findings
    name = html.escape(str(summary.get("name") or summary.get("country") or ""))
    generated = format_date((generated_at or dt.datetime.now(dt.UTC)).date())
    banner = synthetic_banner_html() if summary.get("synthetic") else ""
    case = summary.get("business_case")
    chart = _chart_html(case if isinstance(case, Mapping) else None)
    script = f"<script type='text/javascript'>{get_plotlyjs()}</script>" if chart else ""
    title = html.escape(_("{country}: cybercrime, capability gaps and the plan").format(
        country=summary.get("name") or summary.get("country") or ""))
    subtitle = html.escape(_("The minister's brief. The full figures, methods and data quality "
                             "are in the report and summary.json beside this brief."))
    footer = html.escape(_("Country code {code}; made {date} by workbench {version} from "
                           "summary.json.").format(code=summary.get("country", ""),
                                                   date=generated, version=__version__))
    return f"""<!DOCTYPE html>
<html lang="{current_language()}"><head><meta charset="utf-8">
<title>{name}</title>
<style>{KEY_FINDINGS_CSS}{_CSS}</style>
{script}
</head><body>
<header><h1>{title}</h1><p>{subtitle}</p></header>
{banner}
{key_findings_html(findings)}
{chart}
<footer>{footer}</footer>
</body></html>
"""


# --------------------------------------------------------------------------- printing


def find_chromium() -> str | None:
    """The Chromium that prints briefs: WORKBENCH_CHROMIUM, else the first on PATH;
    None when there is none, or when WORKBENCH_CHROMIUM is "off"."""
    named = os.environ.get(CHROMIUM_ENV)
    if named == CHROMIUM_OFF:
        return None
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    for candidate in CHROMIUM_NAMES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def print_pdf(page: str, target: Path, chromium: str | None = None) -> None:
    """Print an HTML page to ``target`` (a PDF) with headless Chromium, offline.

    Raises:
        BriefNotPrinted: no Chromium, or it failed, timed out or wrote no PDF.
    """
    browser = chromium or find_chromium()
    if browser is None and os.environ.get(CHROMIUM_ENV) == CHROMIUM_OFF:
        raise BriefNotPrinted(f"printing briefs is turned off ({CHROMIUM_ENV}={CHROMIUM_OFF})")
    if browser is None:
        raise BriefNotPrinted("Chromium is not installed (`make browser` installs it)")
    with tempfile.TemporaryDirectory(prefix="wb-brief-") as work:
        source = Path(work) / "brief.html"
        source.write_text(page, encoding="utf-8")
        printed = Path(work) / BRIEF_NAME
        command = [browser, *_CHROMIUM_ARGS, f"--user-data-dir={Path(work) / 'profile'}",
                   f"--print-to-pdf={printed}", source.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PRINT_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise BriefNotPrinted(
                f"Chromium did not print the brief within {PRINT_TIMEOUT_SECONDS} s") from None
        except OSError as exc:
            raise BriefNotPrinted(f"Chromium could not be started: {exc.strerror or exc}") from None
        if done.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            last = (done.stderr or "").strip().splitlines()
            raise BriefNotPrinted(f"Chromium did not print the brief (exit {done.returncode}): "
                                  f"{last[-1] if last else 'no message'}")
        shutil.move(printed, target)


def write_brief(summary: Mapping[str, Any], target: Path, chromium: str | None = None) -> None:
    """Write ``target`` (brief.pdf) from a summary.json; BriefNotPrinted says why not."""
    print_pdf(render_brief(summary), target, chromium)
