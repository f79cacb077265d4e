"""The page's charts: the stage charts (``impact_charts``, ``gaps_charts``,
``roadmap_charts``, never redrawn here) as plain figure JSON for a ``LiveChart``, their
layout adjusted for the page, and the gap views of one pillar."""

from __future__ import annotations

import dataclasses
import json
import textwrap
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from workbench import chart_style, gaps, impact_charts, roadmap_charts
from workbench.business_case import Roadmap
from workbench.dashboard.view import CountryView
from workbench.gaps import GapResult
from workbench.i18n import _

# Not "responsive": that makes a chart fill its container, which has no height here.
CHART_CONFIG = {"displaylogo": False}
# Subtitles longer than this are wrapped; the room a legend at the foot needs (px).
SUBTITLE_CHARACTERS = 125
LEGEND_FOOT = 115
ALL_PILLARS = ""
# The Roadmap tab's charts (Gantt, score path, spending, losses avoided): their boxes'
# CSS classes, in order (what a reader's tools and the tests find), and their number.
ROADMAP_CHART_NAMES = ("wb-roadmap-gantt", "wb-roadmap-score", "wb-roadmap-spend",
                       "wb-roadmap-benefit")
ROADMAP_CHARTS = len(ROADMAP_CHART_NAMES)



def _wrapped(text: str, width: int) -> tuple[str, int]:
    """``text`` broken into lines of at most ``width`` characters with <br>, and the
    number of breaks (text already broken by its chart is left alone)."""
    if "<br>" in text or len(text) <= width:
        return text, text.count("<br>")
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(lines), len(lines) - 1


def tidy_layout(layout: Mapping[str, Any]) -> dict[str, Any]:
    """A stage chart's layout (plain dict) adjusted for the page; numbers and words
    untouched, the input left as it is.

    The page can be narrower than the report, so a long subtitle is wrapped instead of
    running off the edge, and a legend placed under the plot is moved to the foot of
    the figure, where it cannot sit on the x-axis title. Works on the dict, not on a
    plotly Figure: re-validating a figure would cost more than drawing it.
    """
    out = dict(layout)
    margin = dict(out.get("margin") or {})
    top = margin.get("t", 100)
    bottom = margin.get("b", 80)
    height = out.get("height", 450)
    title = dict(out.get("title") or {})
    subtitle = dict(title.get("subtitle") or {})
    if subtitle.get("text"):
        wrapped, breaks = _wrapped(subtitle["text"], SUBTITLE_CHARACTERS)
        if wrapped != subtitle["text"]:
            title["subtitle"] = {**subtitle, "text": wrapped}
            out["title"] = title
            top += 17 * breaks
            height += 17 * breaks
    legend = dict(out.get("legend") or {})
    below = legend.get("orientation") == "h" and (legend.get("y") is not None and legend["y"] < 0)
    if out.get("showlegend") is not False and below:
        out["legend"] = {**legend, "yref": "container", "y": 0.0, "yanchor": "bottom"}
        height += max(0, LEGEND_FOOT - bottom)
        bottom = max(bottom, LEGEND_FOOT)
    out["margin"] = {**margin, "t": top, "b": bottom}
    out["height"] = height
    return out


def figure_spec(figure: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON (data, layout, config) for a ``LiveChart``: drawn by
    the page's own plotly.js, nothing fetched online."""
    spec = json.loads(pio.to_json(figure, validate=False))
    spec["layout"] = {**tidy_layout(spec.get("layout", {})), **chart_style.number_separators()}
    spec["config"] = CHART_CONFIG
    return spec


def impact_figures(view: CountryView) -> list[go.Figure]:
    """The Impact tab's charts (the report's, in the report's order)."""
    if view.impact is None:
        return []
    result = view.impact
    return [
        impact_charts.prevalence_by_group_chart(result, "sector"),
        impact_charts.prevalence_by_group_chart(result, "size_band"),
        impact_charts.annual_cost_exceedance_chart(result),
        impact_charts.dark_figure_chart(result),
        impact_charts.attack_mix_chart(result),
    ]


def filter_pillar(result: GapResult, pillar_id: str) -> GapResult:
    """The gap views of one pillar (``ALL_PILLARS``: unchanged).

    Keeps the pairs of the pillar's indicators and ranks the largest gaps among them;
    the scores, which belong to the whole framework, are left as they are.
    """
    if pillar_id == ALL_PILLARS:
        return result
    known = set(result.pillar_scores["pillar_id"])
    if pillar_id not in known:
        raise ValueError(f"unknown pillar {pillar_id!r}")
    pairs = result.pairs.loc[result.pairs["pillar_id"] == pillar_id].reset_index(drop=True)
    return dataclasses.replace(result, pairs=pairs, top_gaps=gaps.rank_gaps(pairs, gaps.TOP_N))


def pillar_options(result: GapResult | None) -> list[tuple[str, str]]:
    """The pillar filter's choices: (label, pillar id), all pillars first."""
    options = [(_("All pillars"), ALL_PILLARS)]
    if result is not None:
        options += [(str(t), str(p)) for p, t in
                    zip(result.pillar_scores["pillar_id"], result.pillar_scores["pillar_title"])]
    return options


def roadmap_chart_builders(view: CountryView, roadmap: Roadmap | None) -> list[Callable[[], go.Figure]]:
    """The Roadmap tab's charts, each still to be built: the Gantt, the score path,
    spending and benefit (losses avoided). Built one at a time, so that the page can send one while the
    browser draws the one before."""
    if roadmap is None:
        return []
    interval = None
    if view.impact is not None:
        cost = view.impact.summary["annual_cost_usd"]
        if cost["ci_low"] is not None and cost["ci_high"] is not None:
            interval = (cost["ci_low"], cost["ci_high"])
    period = view.period_label
    titles = view.pillar_titles
    return [
        lambda: roadmap_charts.roadmap_gantt(roadmap, period_label=period, pillar_titles=titles),
        lambda: roadmap_charts.score_path_chart(roadmap, period_label=period),
        lambda: roadmap_charts.spend_chart(roadmap, period_label=period, pillar_titles=titles),
        lambda: roadmap_charts.avoided_loss_chart(roadmap, period_label=period,
                                                  annual_cost_interval_usd=interval),
    ]



def roadmap_chart_json(view: CountryView, roadmap: Roadmap | None, index: int) -> str | None:
    """Chart ``index`` of the Roadmap tab for a plan, as figure JSON text; None when
    there is no such chart (no plan). Kept as text: the charts of a few hundred plans
    take about 10 MB this way."""
    builders = roadmap_chart_builders(view, roadmap)
    if index >= len(builders):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return json.dumps(figure_spec(builders[index]()))
