"""Charts of the business case, each readable by a minister in ten seconds.

Every chart takes a ``Roadmap`` (or the budget curve) and returns a
``plotly.graph_objects.Figure`` with a plain-words title, a subtitle naming the
budget, horizon and data period, and units on the axes (USD, years). Colours are
the Okabe-Ito colour-blind-safe palette, one per pillar.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench import chart_style
from workbench.business_case import Roadmap
from workbench.business_case_tables import intervention_names
from workbench.formatting import (
    format_number,
    format_usd,
    format_usd_short,
)
from workbench.i18n import _

# Okabe-Ito palette (colour-blind safe), one colour per pillar of the shipped framework;
# other frameworks' pillars take the other colours in turn.
PILLAR_COLOURS: dict[str, str] = {
    "legal": "#0072B2",
    "technical": "#E69F00",
    "organizational": "#009E73",
    "capacity": "#CC79A7",
    "cooperation": "#56B4E9",
}
OTHER_COLOURS = ("#D55E00", "#F0E442", "#000000")
GREY = "#999999"
BUDGET_COLOUR = "#D55E00"
# Room below the plot for the tick labels, the axis title and a one-line legend.
LEGEND_ROOM_PX = 100
LINE_COLOUR = "#0072B2"


def pillar_colour(pillar: str, order: list[str] | None = None) -> str:
    if pillar in PILLAR_COLOURS:
        return PILLAR_COLOURS[pillar]
    others = sorted(set(order or [pillar]) - set(PILLAR_COLOURS))
    return OTHER_COLOURS[others.index(pillar) % len(OTHER_COLOURS)] if pillar in others else GREY


def _subtitle(roadmap: Roadmap, period_label: str | None) -> str:
    text = _("Budget {amount} a year, {years}-year horizon").format(
        amount=format_usd(roadmap.budget_usd_per_year), years=roadmap.horizon_years)
    if period_label:
        text += " · " + _("gaps as assessed, data period {period}").format(period=period_label)
    return text


def _layout(fig: go.Figure, title: str, subtitle: str, *, extra_top: int = 0,
            **kwargs) -> go.Figure:
    """Title, wrapped subtitle and house style; ``extra_top`` pixels more above the plot
    (room for subplot titles)."""
    title_block, top = chart_style.title_layout(chart_style.plotly_text(title), chart_style.plotly_text(subtitle))
    height = kwargs.pop("height", 450)
    fig.update_layout(
        title=title_block,
        template=chart_style.TEMPLATE,
        font={"size": 13},
        # The legend sits at the foot of the chart, below the axis title, at a fixed
        # distance in pixels: placed relative to the plot it would run into the axis
        # title on a short chart.
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        margin={"t": top + extra_top, "l": 10, "r": 10, "b": LEGEND_ROOM_PX},
        height=height + top + extra_top - 90 + LEGEND_ROOM_PX,
        **kwargs,
    )
    return fig


def _money_axis(
    fig: go.Figure, high: float, *, axis: str = "y", low: float = 0.0, **kwargs: object
) -> None:
    """Money ticks a minister reads ('USD 4m', 'USD 1.2bn') from ``low`` to ``high``."""
    tickvals, ticktext = chart_style.usd_ticks(low, high)
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    update(tickmode="array", tickvals=tickvals, ticktext=ticktext, **kwargs)


def _wrapped_label(name: str, code: str, width: int = 44) -> str:
    """An intervention's name on at most two lines, then its code (escaped, <br> breaks)."""
    lines = chart_style.wrap_lines(name, width) or [""]
    if len(lines) > 2:
        lines = [lines[0], _short(" ".join(lines[1:]), width)]
    lines[-1] = f"{lines[-1]} ({code})"
    return "<br>".join(chart_style.plotly_text(line) for line in lines)


def _empty(fig: go.Figure, text: str) -> go.Figure:
    fig.add_annotation(text=chart_style.plotly_text(text), showarrow=False, xref="paper", yref="paper",
                       x=0.5, y=0.5, font={"size": 14, "color": "#444444"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _year_axis(fig: go.Figure, horizon: int, **kwargs) -> None:
    fig.update_xaxes(
        tickmode="array", tickvals=list(range(1, horizon + 1)),
        ticktext=[_("Year {number}").format(number=t) for t in range(1, horizon + 1)], **kwargs,
    )


def _short(name: str, limit: int = 48) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _pillar_name(pillar: str, pillar_titles: Mapping[str, str] | None) -> str:
    """The framework's title of a pillar (its id, capitalised, when none is given)."""
    return chart_style.plotly_text((pillar_titles or {}).get(pillar) or pillar.capitalize())


def roadmap_gantt(roadmap: Roadmap, *, period_label: str | None = None,
                  pillar_titles: Mapping[str, str] | None = None) -> go.Figure:
    """What is built when (solid bars) and in effect after (light bars), by pillar."""
    fig = go.Figure()
    title = _("The roadmap: what is done in which year")
    subtitle = _subtitle(roadmap, period_label) + " · " + _("solid = being built, light = in effect")
    plan = roadmap.plan
    horizon = roadmap.horizon_years
    if plan.empty:
        _layout(fig, title, _subtitle(roadmap, period_label))
        return _empty(fig, _("No intervention in the plan.") + " " + roadmap.message)
    plan = plan.sort_values(["start_year", "pillar", "intervention_id"], ascending=[False, True, True])
    plan = plan.assign(name=intervention_names(plan["intervention_id"], plan["name"],
                                               roadmap.interventions))
    labels = [_wrapped_label(str(n), str(i)) for n, i in zip(plan["name"], plan["intervention_id"])]
    pillars = list(dict.fromkeys(roadmap.interventions["pillar"].astype(str)))
    plan = plan.assign(label=labels, pillar=plan["pillar"].astype(str))
    # Two bar traces per pillar (built, in effect), not two per intervention: the same
    # bars, drawn far faster, which matters when the dashboard redraws the chart live.
    for pillar in dict.fromkeys(plan["pillar"]):
        rows = plan[plan["pillar"] == pillar]
        colour = pillar_colour(pillar, pillars)
        hover = [
            chart_style.plotly_text(str(row.name)) + "<br>" + _(
                "built in years {start}-{end}<br>{entities} entities<br>"
                "cost over the horizon {cost}").format(
                    start=row.start_year, end=row.end_year, entities=row.entities,
                    cost=format_usd(row.cost_usd))
            for row in rows.itertuples(index=False)
        ]
        # Year t spans [t - 0.5, t + 0.5] on the axis.
        fig.add_trace(go.Bar(
            y=rows["label"].tolist(), x=(rows["end_year"] - rows["start_year"] + 1).tolist(),
            base=(rows["start_year"] - 0.5).tolist(), orientation="h", marker={"color": colour},
            name=_pillar_name(pillar, pillar_titles), legendgroup=pillar, showlegend=True,
            hovertext=hover, hovertemplate=_("%{hovertext}<extra></extra>"),
        ))
        after = rows[rows["end_year"] < horizon]
        if not after.empty:
            fig.add_trace(go.Bar(
                y=after["label"].tolist(), x=(horizon - after["end_year"]).tolist(),
                base=(after["end_year"] + 0.5).tolist(), orientation="h",
                marker={"color": colour, "opacity": 0.3}, name=_("In effect"), legendgroup=pillar,
                showlegend=False, customdata=(after["end_year"] + 1).tolist(),
                hovertemplate=_("in effect from year %{customdata}<extra></extra>"),
            ))
    _year_axis(fig, horizon, range=[0.5, horizon + 0.5], title=_("Year of the roadmap"))
    # Rows in the plan's order (latest start at the foot), not grouped by trace.
    fig.update_yaxes(title=None, automargin=True, categoryorder="array", categoryarray=labels)
    rows = sum(label.count("<br>") + 1 for label in labels)
    return _layout(fig, title, subtitle, barmode="overlay", bargap=0.25,
                   height=max(340, 130 + 17 * rows + 12 * len(plan)), legend_title_text=_("Pillar"))


def spend_chart(roadmap: Roadmap, *, period_label: str | None = None,
                pillar_titles: Mapping[str, str] | None = None) -> go.Figure:
    """Spending each year by pillar, against the yearly budget line."""
    fig = go.Figure()
    horizon = roadmap.horizon_years
    years = np.arange(1, horizon + 1)
    spending = roadmap.spending
    pillars = list(dict.fromkeys(roadmap.interventions["pillar"].astype(str)))
    if not spending.empty:
        by = spending.groupby(["pillar", "year"], as_index=False)["usd"].sum()
        for pillar in [p for p in pillars if p in set(by["pillar"])]:
            values = by[by["pillar"] == pillar].set_index("year")["usd"].reindex(years, fill_value=0.0)
            fig.add_trace(go.Bar(
                x=years, y=values.to_numpy(), name=_pillar_name(pillar, pillar_titles),
                marker={"color": pillar_colour(pillar, pillars)},
                hovertemplate=_("Year %{x}: USD %{y:,.0f}") + "<extra>"
                + chart_style.plotly_text(pillar) + "</extra>",
            ))
    fig.add_trace(go.Scatter(
        x=[0.5, horizon + 0.5], y=[roadmap.budget_usd_per_year] * 2, mode="lines",
        name=_("Budget per year"), line={"color": BUDGET_COLOUR, "dash": "dash", "width": 2},
        hovertemplate=_("Budget: USD %{y:,.0f}<extra></extra>"),
    ))
    # The budget line says what it is where it is drawn, not only in the legend.
    fig.add_annotation(
        x=horizon + 0.5, y=roadmap.budget_usd_per_year, xanchor="right", yanchor="bottom",
        text=chart_style.plotly_text(_("budget {amount} a year").format(
            amount=format_usd(roadmap.budget_usd_per_year))),
        showarrow=False, font={"color": BUDGET_COLOUR},
    )
    _year_axis(fig, horizon, range=[0.5, horizon + 0.5], title=_("Year of the roadmap"))
    yearly = spending.groupby("year")["usd"].sum().max() if not spending.empty else 0.0
    top = 1.12 * max(float(yearly), float(roadmap.budget_usd_per_year), 1.0)
    _money_axis(fig, top, title=_("Spending (USD per year)"), range=[0, top])
    total = roadmap.summary["total_cost_usd"]
    return _layout(fig, _("Spending each year stays within the budget (total {amount})").format(
                       amount=format_usd(total)),
                   _subtitle(roadmap, period_label) + " · "
                   + _("building cost while built, running cost every year after"),
                   barmode="stack", legend_title_text=_("Pillar"))


def score_path_chart(roadmap: Roadmap, *, period_label: str | None = None) -> go.Figure:
    """The overall capability score today and in each year of the plan (0-100)."""
    path = roadmap.summary["score_by_year"]
    fig = go.Figure()
    title = _("The overall capability score the plan reaches")
    subtitle = _subtitle(roadmap, period_label) + " · " + _("score of what was assessed, 0-100")
    horizon = roadmap.horizon_years
    if path is None:
        _layout(fig, title, subtitle)
        return _empty(fig, _("Not available: nothing has been assessed, so there is no score."))
    years = list(range(0, horizon + 1))
    fig.add_trace(go.Scatter(
        x=years, y=path, mode="lines+markers+text", name=_("Overall score"),
        line={"color": LINE_COLOUR, "width": 3},
        text=[format_number(v, 1) for v in path], textposition="top center", cliponaxis=False,
        customdata=[v - path[0] for v in path],
        hovertemplate=_("%{x}: score %{y:.1f} (+%{customdata:.1f} points)<extra></extra>"),
    ))
    fig.update_xaxes(tickmode="array", tickvals=years,
                     ticktext=[_("Today"), *[_("Year {number}").format(number=t) for t in years[1:]]],
                     range=[-0.5, horizon + 0.5], title=_("Year of the roadmap"))
    top = min(100.0, max(path) + 10.0)
    fig.update_yaxes(title=_("Overall capability score (0-100)"),
                     range=[max(0.0, min(path) - 10.0), top])
    return _layout(fig, _("The overall score: from {today} today to {final} by year {year}").format(
                       today=format_number(path[0], 1), final=format_number(path[-1], 1),
                       year=horizon),
                   subtitle + " · " + _("each level gained counts by what it adds to the "
                                        "country's own score"), showlegend=False)


def avoided_loss_chart(
    roadmap: Roadmap,
    *,
    period_label: str | None = None,
    annual_cost_interval_usd: tuple[float, float] | None = None,
) -> go.Figure:
    """Cybercrime losses avoided each year (USD), with the annual-cost interval as error bars
    when given (avoided losses scale with the annual cost)."""
    fig = go.Figure()
    horizon = roadmap.horizon_years
    title = _("Cybercrime losses avoided each year")
    subtitle = _subtitle(roadmap, period_label)
    if roadmap.annual_cost_usd is None:
        _layout(fig, title, subtitle)
        return _empty(fig, _("Not available: there is no estimate of the annual cost of "
                             "cybercrime (the impact stage was skipped or had too few "
                             "respondents)."))
    loss = roadmap.avoided_loss
    error_y = None
    if annual_cost_interval_usd is not None:
        low, high = annual_cost_interval_usd
        error_y = {"type": "data", "symmetric": False,
                   "array": (loss["risk_reduction"] * high - loss["avoided_loss_usd"]).to_numpy(),
                   "arrayminus": (loss["avoided_loss_usd"] - loss["risk_reduction"] * low).to_numpy(),
                   "color": "#444444"}
        subtitle += " · " + _("bars: 90% range of the annual cost estimate")
    fig.add_trace(go.Bar(
        x=loss["year"], y=loss["avoided_loss_usd"], name=_("Losses avoided"),
        marker={"color": "#009E73"}, error_y=error_y,
        # Values inside the bars: above them they would sit on the interval lines.
        text=[format_usd_short(v, 1) if v > 0 else "" for v in loss["avoided_loss_usd"]],
        textposition="inside", insidetextanchor="end", textangle=0,
        customdata=100 * loss["risk_reduction"],
        hovertemplate=_("Year %{x}: USD %{y:,.0f} avoided (%{customdata:.1f}% of the annual "
                        "cost)<extra></extra>"),
    ))
    _year_axis(fig, horizon, range=[0.5, horizon + 0.5], title=_("Year of the roadmap"))
    high = loss["avoided_loss_usd"].max() if len(loss) else 0.0
    if error_y is not None and len(loss):
        high = float((loss["avoided_loss_usd"] + error_y["array"]).max())
    top = 1.08 * max(float(high), 1.0)
    _money_axis(fig, top, title=_("Losses avoided (USD per year)"), range=[0, top])
    total = roadmap.summary["avoided_loss_usd"]
    interval = roadmap.summary["avoided_loss_usd_interval"]
    if interval is not None:
        subtitle += " · " + _("over the horizon, 90% range {low} to {high}").format(
            low=format_usd(interval["p05"]), high=format_usd(interval["p95"]))
    return _layout(fig, _("{title}: {amount} over {years} years").format(
                       title=title, amount=format_usd(total), years=horizon),
                   subtitle + " · " + _("annual cost of cybercrime {amount} (a floor)").format(
                       amount=format_usd(roadmap.annual_cost_usd)), showlegend=False)


def budget_curve_chart(
    curve: pd.DataFrame,
    *,
    budget_usd_per_year: float,
    horizon_years: int,
    period_label: str | None = None,
) -> go.Figure:
    """Score points gained (and the score reached) and ROSI, with its 90% range, of the
    best plan from half to double the budget."""
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.12,
        subplot_titles=(_("Score points gained by year {year}").format(year=horizon_years),
                        _("Return on security investment (ROSI), 90% range")),
    )
    x = curve["budget_usd_per_year"]
    fig.add_trace(go.Scatter(
        x=x, y=curve["points_gained"], mode="lines+markers+text", name=_("Score points gained"),
        line={"color": LINE_COLOUR, "width": 3}, customdata=curve["score_final"],
        text=[format_number(v, 1) for v in curve["score_final"]], textposition="top center",
        cliponaxis=False,
        hovertemplate=_("Budget USD %{x:,.0f} a year: +%{y:.1f} points, score %{customdata:.1f} "
                        "by year {year}<extra></extra>").replace("{year}", str(horizon_years)),
    ), row=1, col=1)
    rosi = curve["rosi"]
    if rosi.notna().any():
        ranged = curve["rosi_p05"].notna()
        fig.add_trace(go.Scatter(
            x=x, y=rosi, mode="lines+markers", name=_("ROSI"),
            line={"color": "#009E73", "width": 3},
            error_y=None if not ranged.any() else {
                "type": "data", "symmetric": False, "color": "#444444",
                "array": (curve["rosi_p95"] - rosi).to_numpy(),
                "arrayminus": (rosi - curve["rosi_p05"]).to_numpy()},
            hovertemplate=_("Budget USD %{x:,.0f} a year: ROSI %{y:.2f}<extra></extra>"),
        ), row=1, col=2)
        fig.add_hline(y=0, line={"color": GREY, "width": 1}, row=1, col=2)
    else:
        fig.add_annotation(text=_("ROSI not available:<br>no annual cost estimate"),
                           showarrow=False, xref="x2 domain", yref="y2 domain", x=0.5, y=0.5)
    for col in (1, 2):
        fig.add_vline(x=budget_usd_per_year, line={"color": BUDGET_COLOUR, "dash": "dash"},
                      row=1, col=col)
    low, high = float(x.min()), float(x.max())
    pad = 0.05 * (high - low) if high > low else 0.5 * max(high, 1.0)
    _money_axis(fig, high + pad, axis="x", low=low - pad, title=_("Budget (USD per year)"),
                range=[low - pad, high + pad])
    gained = curve["points_gained"].max()
    fig.update_yaxes(title=_("Score points gained (labels: score reached)"), rangemode="tozero",
                     range=[0, 1.2 * gained if gained > 0 else 1.0], row=1, col=1)
    fig.update_yaxes(title=_("ROSI (USD back per USD spent, net)"), row=1, col=2)
    subtitle = _("Best plan re-solved at each budget, {years}-year horizon; dashed line = "
                 "today's budget of {amount} a year").format(
                     years=horizon_years, amount=format_usd(budget_usd_per_year))
    if period_label:
        subtitle += " · " + _("data period {period}").format(period=period_label)
    # Subplot titles sit just above the plots: push the plots down so they clear the subtitle.
    return _layout(fig, _("What half to double the budget would buy"), subtitle, showlegend=False,
                   extra_top=24)
