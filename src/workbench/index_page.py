"""``index.html`` of a batch folder: every country, its status and headline figures,
a link to its report and a Commonwealth comparison chart. Reads offline: plotly.js
is the batch's shared copy next to the page (or embedded), nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from workbench import __version__
from workbench.chart_style import number_separators, plotly_text, plotly_texts
from workbench.formatting import (
    DASH,
    format_number,
    format_pct,
    format_period,
    format_timestamp,
    format_usd_millions,
)
from workbench.framework import Framework, load_framework
from workbench.i18n import N_, _, current_language, ngettext
from workbench.page_html import synthetic_banner_html
from workbench.summary_types import Summary

# Okabe-Ito colours (colour-blind safe); a stale country's bars are grey and hatched.
CURRENT_COLOUR = "#0072B2"
STALE_COLOUR = "#999999"
ERROR_BAR_COLOUR = "#333333"

# How each status reads to a minister, and its badge colours (text, background).
STATUS_LABELS = {
    "ok": (N_("up to date"), "#0b5d1e", "#dff3e4"),
    "skipped-unchanged": (N_("up to date (unchanged)"), "#0b5d1e", "#dff3e4"),
    "partial": (N_("PARTIAL"), "#5c4300", "#fff3cd"),
    "stale": (N_("STALE"), "#7a4a00", "#fff0c2"),
    "failed": (N_("FAILED"), "#8a1c14", "#fbe3e1"),
    "running": (N_("running"), "#0b3954", "#e3edf5"),
    "queued": (N_("queued"), "#0b3954", "#e3edf5"),
}


@dataclass(frozen=True)
class IndexRow:
    """One country line of the index: what the manifest and its summary.json say."""

    country: str
    name: str
    status: str
    report_href: str | None
    last_good_run: str | None
    synthetic: bool
    period: str | None
    error: str | None
    figures: dict[str, float | None]
    # Partial: what the report lacks and why; stale or failed: further unusable inputs.
    reasons: tuple[str, ...] = ()
    # Figures flagged "use with caution" (imprecise): keys of ``figures``.
    cautions: tuple[str, ...] = ()
    framework: str | None = None  # the title of the framework the scores are on
    brief_href: str | None = None  # "<CC>/brief.pdf" when the country's brief is on disk


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def headline_figures(summary: Summary | None) -> dict[str, float | None]:
    """The figures the index compares, read from a summary.json (None when absent).

    Returns:
        ``prevalence``, ``prevalence_low``, ``prevalence_high`` (shares 0-1),
        ``annual_cost_usd``, ``annual_cost_low_usd``, ``annual_cost_high_usd`` (its 95%
        interval),
        ``overall_score`` (0-100), ``plan_cost_usd``. A skipped stage gives None.
    """
    summary = summary or {}

    def block(name: str) -> Mapping[str, Any]:
        value = summary.get(name)
        return value if isinstance(value, Mapping) and "skipped" not in value else {}

    impact, gaps, case = block("impact"), block("gaps"), block("business_case")
    prevalence = impact.get("prevalence") if isinstance(impact.get("prevalence"), Mapping) else {}
    cost = impact.get("annual_cost_usd") if isinstance(impact.get("annual_cost_usd"), Mapping) else {}
    return {
        "prevalence": _number(prevalence.get("estimate")),
        "prevalence_low": _number(prevalence.get("ci_low")),
        "prevalence_high": _number(prevalence.get("ci_high")),
        "annual_cost_usd": _number(cost.get("estimate")),
        "annual_cost_low_usd": _number(cost.get("ci_low")),
        "annual_cost_high_usd": _number(cost.get("ci_high")),
        "overall_score": _number(gaps.get("overall_score")),
        "plan_cost_usd": _number(case.get("total_cost_usd")),
    }


def period_label(summary: Summary | None) -> str | None:
    """'1 Jan 2025 to 31 Dec 2025' from summary.json's ``period`` (None if absent)."""
    period = (summary or {}).get("period")
    if not isinstance(period, Mapping):
        return None
    try:
        start = dt.date.fromisoformat(str(period.get("start")))
        end = dt.date.fromisoformat(str(period.get("end")))
    except ValueError:
        return None
    return format_period(start, end)


def _share(value: float | None) -> str:
    return format_pct(value, digits=0, missing=DASH)


def _with_range(value: float | None, low: float | None, high: float | None,
                fmt: Callable[[float | None], str], fmt_range: Callable[[float, float], str]) -> str:
    """The formatted value, followed by its range in brackets when all three are known."""
    text = fmt(value)
    if value is not None and low is not None and high is not None:
        text += f" ({fmt_range(low, high)})"
    return text


def prevalence_text(figures: Mapping[str, float | None]) -> str:
    """'40% (36–45%)': the estimate and its 95% interval."""
    return _with_range(figures.get("prevalence"), figures.get("prevalence_low"),
                       figures.get("prevalence_high"), _share,
                       lambda low, high: f"{format_number(100 * low)}–{format_pct(high, 0)}")


def cautions(summary: Summary | None) -> tuple[str, ...]:
    """The headline figures the summary flags as imprecise (``reliability: caution``)."""
    impact = (summary or {}).get("impact")
    if not isinstance(impact, Mapping) or "skipped" in impact:
        return ()
    return tuple(key for key in ("prevalence", "annual_cost_usd")
                 if isinstance(impact.get(key), Mapping) and impact[key].get("reliability") == "caution")


def framework_title(summary: Summary | None) -> str | None:
    """The title of the framework the country's scores are on (None without scores)."""
    gaps = (summary or {}).get("gaps")
    if not isinstance(gaps, Mapping) or "skipped" in gaps:
        return None
    title = gaps.get("framework_title") or gaps.get("framework")
    if current_language() != "en" and gaps.get("framework") == _shipped_framework().id \
            and title == _shipped_framework().title:
        return _shipped_framework().local_title  # summary.json keeps the English title
    return str(title) if title else None


@functools.cache
def _shipped_framework() -> Framework:
    return load_framework(None)


CAUTION_MARK = "*"
CAUTION_NOTE = N_("* imprecise: too few respondents behind the figure for a firm estimate; "
                  "use with caution")


def annual_cost_text(figures: Mapping[str, float | None]) -> str:
    """'$149.8m ($110.4m–$189.2m)': the estimate and its 95% interval."""
    return _with_range(figures.get("annual_cost_usd"), figures.get("annual_cost_low_usd"),
                       figures.get("annual_cost_high_usd"), format_usd_millions,
                       lambda low, high: f"{format_usd_millions(low)}–{format_usd_millions(high)}")


def score_text(value: float | None) -> str:
    return DASH if value is None else f"{format_number(value)} / 100"


def _bar_trace(rows: Sequence[IndexRow], key: str, stale: bool, *, low: str | None = None,
               high: str | None = None, scale: float = 1.0, show_legend: bool = False,
               hover_unit: str = "") -> go.Bar:
    chosen = [r for r in rows if (r.status == "stale") == stale]
    values = [r.figures.get(key) for r in chosen]
    x = [None if v is None else v * scale for v in values]
    error = None
    if low and high:
        plus = [None if v is None or r.figures.get(high) is None else (r.figures[high] - v) * scale
                for r, v in zip(chosen, values)]
        minus = [None if v is None or r.figures.get(low) is None else (v - r.figures[low]) * scale
                 for r, v in zip(chosen, values)]
        error = dict(type="data", symmetric=False, array=plus, arrayminus=minus,
                     color=ERROR_BAR_COLOUR, thickness=1.5, width=4)
    return go.Bar(
        x=x, y=plotly_texts(r.name for r in chosen), orientation="h", error_x=error,
        marker=dict(color=STALE_COLOUR if stale else CURRENT_COLOUR,
                    pattern=dict(shape="/" if stale else "")),
        name=_("stale: figures of the last good report") if stale else _("up to date"),
        legendgroup="stale" if stale else "current", showlegend=show_legend,
        hovertemplate=f"%{{y}}: %{{x:,.1f}}{hover_unit}<extra></extra>",
    )


def comparison_chart(rows: Sequence[IndexRow]) -> go.Figure | None:
    """Commonwealth comparison of the countries' headline figures, one panel each.

    Bars show the estimate; whiskers its 95% interval. A stale country's bars are grey and
    hatched; a figure a country does not have is marked "not available".
    Returns None when no country has any figure.
    """
    shown = [r for r in rows if any(v is not None for v in r.figures.values())]
    if not shown:
        return None
    panels = [
        ("prevalence", "prevalence_low", "prevalence_high", 100.0,
         _("Businesses breached (%)"), "%"),
        ("annual_cost_usd", "annual_cost_low_usd", "annual_cost_high_usd", 1e-6,
         _("Annual cost (USD million)"), " " + _("USD m")),
        ("overall_score", None, None, 1.0, _("Overall maturity score (0–100)"), " / 100"),
        ("plan_cost_usd", None, None, 1e-6, _("Roadmap cost (USD million)"), " " + _("USD m")),
    ]
    figure = make_subplots(rows=1, cols=len(panels), shared_yaxes=True,
                           horizontal_spacing=0.04,
                           subplot_titles=[title for *_rest, title, _unit in panels])
    any_stale = any(r.status == "stale" for r in shown)
    for column, (key, low, high, scale, title, unit) in enumerate(panels, start=1):
        for stale in (False, True):
            if stale and not any_stale:
                continue
            figure.add_trace(_bar_trace(shown, key, stale, low=low, high=high, scale=scale,
                                        show_legend=column == 1, hover_unit=unit),
                             row=1, col=column)
        for row in shown:
            if row.figures.get(key) is None:
                figure.add_annotation(x=0, y=plotly_text(row.name), text=_("not available"), showarrow=False,
                                      xanchor="left", font=dict(color="#555555", size=11),
                                      row=1, col=column)
        figure.update_xaxes(title_text=title, rangemode="tozero", row=1, col=column)
    periods = sorted({r.period for r in shown if r.period})
    period_text = (_("data period {period}").format(period=plotly_text(periods[0]))
                   if len(periods) == 1
                   else _("data periods differ by country (see the table)") if periods
                   else _("data period unknown"))
    synthetic = any(r.synthetic for r in shown)
    title = ((_("SYNTHETIC DATA") + " – ") if synthetic else "") + _(
        "Commonwealth comparison: headline figures")
    subtitle = _("Latest good report of each country, {period}. Bars: estimate; whiskers: 95% "
                 "interval (breached) or 5th–95th percentile (cost).").format(period=period_text)
    figure.update_layout(
        title=dict(text=f"{title}<br><sup>{subtitle}</sup>"),
        **number_separators(),
        barmode="overlay", height=max(340, 150 + 36 * len(shown)) + (40 if any_stale else 0),
        margin=dict(l=10, r=10, t=110, b=110 if any_stale else 60),
        showlegend=any_stale,
        legend=dict(orientation="h", yanchor="top", y=-0.18 if len(shown) > 6 else -0.3),
        plot_bgcolor="#ffffff",
        font=dict(family="system-ui, Arial, sans-serif"),
    )
    figure.update_yaxes(autorange="reversed", gridcolor="#eeeeee", categoryorder="array",
                        categoryarray=plotly_texts(r.name for r in shown))
    figure.update_xaxes(gridcolor="#eeeeee", zerolinecolor="#999999")
    return figure


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;
background:#f6f7f9;line-height:1.45}
header{background:#0b3954;color:#fff;padding:18px 28px}header h1{margin:0 0 4px 0;font-size:1.6em}
header p{margin:2px 0;opacity:.9}main{padding:8px 28px 40px;max-width:1300px}
section{background:#fff;border-radius:6px;padding:8px 20px 16px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
table{border-collapse:collapse;font-size:.93em}th,td{padding:6px 10px;border-bottom:1px solid #dde3e8;
text-align:left;vertical-align:top}th{background:#f0f3f5}td.num{text-align:right;white-space:nowrap}
.wb-status{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:.9em}
.wb-why{color:#555;font-size:.85em}footer{padding:16px 28px;color:#555;font-size:.85em}
"""


def _when(stamp: str | None) -> str:
    """'2026-11-23 02:00 UTC' from an ISO time stamp (as written, when not one)."""
    if not stamp:
        return DASH
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")  # ISO-like: read the same in every language


def _status_badge(status: str) -> str:
    label, colour, background = STATUS_LABELS.get(status, (status, "#333333", "#eeeeee"))
    return (f"<span class='wb-status wb-status-{html.escape(status)}' "
            f"style='color:{colour};background:{background}'>{html.escape(_(label))}</span>")


def _row_html(row: IndexRow) -> str:
    name = html.escape(row.name)
    link = (f"<a href='{html.escape(row.report_href)}'>{name}</a>" if row.report_href
            else "{} <span class='wb-why'>{}</span>".format(name, html.escape(_("(no report yet)"))))
    if row.brief_href:
        brief_words = html.escape(_("brief (PDF)"))
        link += (f" <span class='wb-why'>&middot; <a class='wb-brief' "
                 f"href='{html.escape(row.brief_href)}'>{brief_words}</a></span>")
    synthetic = " <em>{}</em>".format(html.escape(_("(synthetic data)"))) if row.synthetic else ""
    why = ""
    if row.status in ("stale", "failed") and row.error:
        why = f"<div class='wb-why'>{html.escape(row.error)}</div>"
    why += "".join(f"<div class='wb-why'>{html.escape(reason)}</div>" for reason in row.reasons)
    if row.status == "stale":
        why += "<div class='wb-why'>{}</div>".format(html.escape(_(
            "The figures shown are from the last good report; they do not reflect the latest "
            "data.")))
    figures = row.figures
    return (
        f"<tr id='{html.escape(row.country)}'><td>{link}{synthetic}<br>"
        f"<span class='wb-why'>{html.escape(row.country)}"
        f"{' · ' + html.escape(row.period) if row.period else ''}</span></td>"
        f"<td>{_status_badge(row.status)}{why}</td>"
        f"<td class='num'>{html.escape(_when(row.last_good_run))}</td>"
        f"<td class='num'>{prevalence_text(figures)}{_mark(row, 'prevalence')}</td>"
        f"<td class='num'>{annual_cost_text(figures)}{_mark(row, 'annual_cost_usd')}</td>"
        f"<td class='num'>{score_text(figures.get('overall_score'))}{_framework_line(row)}</td>"
        f"<td class='num'>{format_usd_millions(figures.get('plan_cost_usd'))}</td></tr>"
    )


def _mark(row: IndexRow, key: str) -> str:
    return f" {CAUTION_MARK}" if key in row.cautions else ""


def _framework_line(row: IndexRow) -> str:
    """Under the score, the framework it is on: scores on different frameworks differ."""
    if row.framework is None or row.figures.get("overall_score") is None:
        return ""
    return f"<br><span class='wb-why'>{html.escape(row.framework)}</span>"


def render_index(rows: Sequence[IndexRow], *, plotly_js: str = "embed",
                 generated_at: dt.datetime | None = None, batch_note: str = "",
                 other_languages: Mapping[str, str] | None = None) -> str:
    """The whole index page as HTML, in the page's language.

    ``plotly_js``: "embed" puts plotly.js inside the page; any other value is the
    relative path of the batch's shared copy (e.g. "plotly.min.js").
    ``other_languages``: the same index in other languages, name -> relative link
    (e.g. {"Français": "index.fr.html"}), linked from the header.
    """
    languages_html = "".join(
        f" &middot; <a style='color:#fff' href='{html.escape(href)}'>{html.escape(name)}</a>"
        for name, href in (other_languages or {}).items())
    generated = format_timestamp(generated_at or dt.datetime.now(dt.UTC))
    figure = comparison_chart(rows)
    caution_note = (f"<p class='wb-why'>{html.escape(_(CAUTION_NOTE))}</p>"
                    if any(r.cautions for r in rows) else "")
    if figure is None:
        chart = "<p>{}</p>".format(html.escape(_("No country has published figures yet.")))
        script = ""
    else:
        chart = pio.to_html(figure, include_plotlyjs=False, full_html=False,
                            config={"displaylogo": False, "responsive": True},
                            default_width="100%")
        script = (f"<script type='text/javascript'>{get_plotlyjs()}</script>"
                  if plotly_js == "embed"
                  else f"<script type='text/javascript' src='{html.escape(plotly_js)}'></script>")
    synthetic = any(r.synthetic for r in rows)
    banner = synthetic_banner_html() if synthetic else ""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    tally = ", ".join(f"{n} {_(STATUS_LABELS.get(s, (s,))[0])}" for s, n in sorted(counts.items()))
    title = html.escape(_("Cybercrime impact and capability gap reports"))
    countries = html.escape(
        ngettext("{count} country: {tally}. Money in US dollars (USD).",
                 "{count} countries: {tally}. Money in US dollars (USD).", len(rows))
        .format(count=len(rows), tally=tally))
    made = html.escape(_("Generated {generated} · workbench {version}").format(
        generated=generated, version=__version__) + batch_note)
    headings = "".join(f"<th>{html.escape(h)}</th>" for h in (
        _("Country"), _("Status"), _("Last good run"),
        _("Businesses breached in the period (95% interval)"), _("Annual cost (95% interval)"),
        _("Overall maturity score (framework)"), _("Roadmap cost")))
    statuses = html.escape(_(
        "PARTIAL: some parts of the report were not run because input files they need are "
        "absent; the report says which. STALE: the latest run failed or was interrupted; the "
        "report linked is the last good one and does not reflect the latest data. FAILED: no "
        "report could be produced yet."))
    countries_heading = html.escape(_("Countries"))
    comparison_heading = html.escape(_("Commonwealth comparison"))
    footer = html.escape(_("Each country's figures come from its summary.json, next to its "
                           "report."))
    return f"""<!DOCTYPE html>
<html lang="{current_language()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{_CSS}</style>
{script}
</head><body>
<header><h1>{title}</h1>
<p>{countries}</p>
<p>{made}{languages_html}</p></header>
{banner}
<main>
<section><h2>{countries_heading}</h2>
<table><thead><tr>{headings}</tr></thead>
<tbody>{''.join(_row_html(r) for r in rows)}</tbody></table>
<p class='wb-why'>{statuses}</p>
{caution_note}
</section>
<section><h2>{comparison_heading}</h2>{chart}</section>
</main>
<footer>{footer}</footer>
</body></html>
"""
