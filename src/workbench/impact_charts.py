"""Charts of the impact stage, each readable by a minister in ten seconds.

Every chart takes an ``ImpactResult`` and returns a ``plotly.graph_objects.Figure``:
plain-words title, the data period in the subtitle, units on the axes, 95% intervals
as error bars, and groups suppressed by disclosure control drawn as a light hatched
grey bar labelled "suppressed to protect respondents" (never left out). Colours
are the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

from workbench import chart_style, vocab
from workbench.chart_style import BLUE, GREEN, ORANGE, SKY, VERMILLION
from workbench.disclosure import SUPPRESSED_TEXT
from workbench.formatting import (
    format_month,
    format_number,
    format_pct,
    format_percent,
    format_usd,
)
from workbench.i18n import N_, _
from workbench.impact import ImpactResult

BLACK = "#000000"
SUPPRESSED_GREY = "#BBBBBB"
BAND_COLOURS = {"micro": SKY, "small": BLUE, "medium": ORANGE, "large": VERMILLION, "all": BLACK}

CONTROL_LABELS = {
    "incident_plan": N_("Incident response plan"),
    "backups": N_("Backups"),
    "staff_training": N_("Staff training"),
    "mfa": N_("Multi-factor authentication"),
    "cyber_insurance": N_("Cyber insurance"),
}
ATTACK_LABELS = {
    "phishing": N_("Phishing"),
    "impersonation": N_("Impersonation of the organisation"),
    "malware": N_("Malware"),
    "ransomware": N_("Ransomware"),
    "ddos": N_("Denial of service"),
    "account_takeover": N_("Account takeover"),
    "unauthorised_access": N_("Unauthorised access"),
    "online_fraud": N_("Online fraud"),
}
CATEGORY_LABELS = {
    "abusive-content": N_("Abusive content"),
    "malicious-code": N_("Malicious code"),
    "information-gathering": N_("Information gathering"),
    "intrusion-attempts": N_("Intrusion attempts"),
    "intrusions": N_("Intrusions"),
    "availability": N_("Availability (e.g. denial of service)"),
    "information-content-security": N_("Information content security"),
    "fraud": N_("Fraud"),
    "vulnerable": N_("Vulnerable systems"),
    "other": N_("Other"),
}


# A bar shorter than this (per cent of the axis) cannot hold its value inside; the
# value is written just past the end of its interval instead.
INSIDE_LABEL_MIN = 12.0
INTERVAL_WORDS = N_("black lines = 95% interval")
CAUTION_MARK = "*"
CAUTION_WORDS = N_("* = imprecise, use with caution")


def _interval_words(frame: pd.DataFrame) -> str:
    """The interval legend, with the caution mark's meaning when a bar carries it."""
    cautious = "reliability" in frame and (frame["reliability"] == "caution").any()
    return f"{_(INTERVAL_WORDS)}; {_(CAUTION_WORDS)}" if cautious else _(INTERVAL_WORDS)


def _group_label(dimension: str, group: str) -> str:
    if group == "all":
        return _("All sizes")
    if dimension == "sector":
        return vocab.sector_words(group)
    if dimension == "size_band":
        staff = vocab.SIZE_BAND_STAFF.get(group)
        words = _(vocab.SIZE_BAND_WORDS.get(group, group.capitalize()))
        return f"{words} ({_(staff)})" if staff else group
    return group.replace("_", " ").capitalize()


def _layout(
    fig: go.Figure,
    result: ImpactResult,
    title: str,
    subtitle: str,
    *,
    x_title: str,
    y_title: str,
    height: int = 460,
) -> go.Figure:
    # The place and period stay on one line: a reader must never have to piece a date
    # together across a line break.
    place = chart_style.plotly_text(f"{result.country_name}, {result.period_label}")
    lines = chart_style.wrap_with_tail(chart_style.plotly_text(subtitle), place)
    title_block, top = chart_style.title_layout(chart_style.plotly_text(title), lines)
    fig.update_layout(
        title=title_block,
        xaxis_title=x_title,
        yaxis_title=y_title,
        template=chart_style.TEMPLATE,
        height=height + top - 90 + 40,
        # The legend sits at the foot of the chart, a fixed distance below the axis
        # title: placed relative to the plot it would run into it on a short chart.
        margin={"l": 10, "r": 20, "t": top, "b": 100},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        font={"size": 13},
    )
    return fig


def _message(result: ImpactResult, title: str, message: str) -> go.Figure:
    """A figure that says in words why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(
        text=chart_style.plotly_text(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
        font={"size": 16},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, result, title, "", x_title="", y_title="", height=300)


def _share_bar(
    frame: pd.DataFrame,
    labels: list[str],
    *,
    name: str,
    colour: str,
    horizontal: bool,
    suppressed_text: str,
    full: float = 100.0,
) -> list[go.Bar | go.Scatter]:
    """Bars of shares (0-1 in ``frame``, drawn in %) with 95% error bars, and their values.

    Suppressed rows become a full-length light hatched grey bar saying so. A value is
    written inside its bar; a bar too short for it gets it just past its interval (a
    text-only trace in the bar's own group, so grouped bars keep their labels).
    """
    suppressed = frame["suppressed"].to_numpy(dtype=bool)
    estimate = frame["estimate"].to_numpy(dtype="float64") * 100
    high = frame["ci_high"].to_numpy(dtype="float64") * 100
    plus = high - estimate
    minus = estimate - frame["ci_low"].to_numpy(dtype="float64") * 100
    values = np.where(suppressed, full, estimate)
    cautious = (frame["reliability"] == "caution").to_numpy(dtype=bool) if "reliability" in frame \
        else np.zeros(len(frame), dtype=bool)
    value_text = np.array(
        [f"{format_percent(v, 0)}{CAUTION_MARK if c else ''}" if np.isfinite(v) else _("no answers")
         for v, c in zip(estimate, cautious)], dtype=object
    )
    inside = suppressed | (np.isfinite(estimate) & (estimate >= INSIDE_LABEL_MIN))
    text = np.where(suppressed, suppressed_text, np.where(inside, value_text, ""))
    hover_value = np.where(
        suppressed,
        suppressed_text,
        [
            _("{estimate} (95% interval {low} to {high})").format(
                estimate=format_percent(e), low=format_percent(e - m), high=format_percent(e + p))
            + (_("; imprecise, use with caution") if c else "")
            if np.isfinite(e)
            else _("no answers")
            for e, m, p, c in zip(estimate, minus, plus, cautious)
        ],
    )
    custom = np.column_stack([hover_value, frame["n"].astype("int64").to_numpy()])
    error = {
        "type": "data",
        "array": np.where(suppressed, 0.0, np.nan_to_num(plus)),
        "arrayminus": np.where(suppressed, 0.0, np.nan_to_num(minus)),
        "visible": True,
        "color": "#333333",
        "thickness": 1.5,
    }
    common = {
        "name": name,
        "offsetgroup": name,
        "legendgroup": name,
        # The legend shows the entry below: plotly would draw this trace's legend
        # swatch like its first bar, which may be a suppressed grey one.
        "showlegend": False,
        "text": text,
        "textposition": "inside",
        "insidetextanchor": "start",
        "textangle": 0,
        "customdata": custom,
        "hovertemplate": "%{customdata[0]}<br>respondents: %{customdata[1]}<extra>"
        + chart_style.plotly_text(name)
        + "</extra>",
        "marker": {
            "color": np.where(suppressed, SUPPRESSED_GREY, colour).tolist(),
            "opacity": np.where(suppressed, 0.45, 1.0).tolist(),
        },
    }
    if suppressed.any():
        # Only then: plotly.js warns in the browser's console about every bar of a
        # trace with per-bar colours and a per-bar pattern, even where it draws none.
        common["marker"]["pattern"] = {"shape": np.where(suppressed, "/", "").tolist()}
    if horizontal:
        bar = go.Bar(x=values, y=labels, orientation="h", error_x=error, **common)
    else:
        bar = go.Bar(x=labels, y=values, error_y=error, **common)
    # Values of the short bars, just past the end of their interval.
    outside = ~inside & np.isfinite(estimate)
    where = np.where(np.isfinite(high), np.maximum(high, estimate), estimate) + 1.0
    positions = np.where(outside, where, np.nan)
    words = np.where(outside, value_text, "")
    shared = {
        "mode": "text", "text": words, "offsetgroup": name, "showlegend": False,
        "hoverinfo": "skip", "textfont": {"color": "#333333"}, "cliponaxis": False,
    }
    if horizontal:
        label = go.Scatter(x=positions, y=labels, orientation="h", textposition="middle right",
                           **shared)
    else:
        label = go.Scatter(x=labels, y=positions, orientation="v", textposition="top center",
                           **shared)
    legend = go.Bar(
        x=[None], y=[None], orientation="h" if horizontal else "v", name=name,
        offsetgroup=name, legendgroup=name, marker={"color": colour}, hoverinfo="skip",
    )
    return [bar, label, legend]


def _suppressed_legend(result: ImpactResult, horizontal: bool, group: str) -> go.Bar:
    """A legend entry explaining the hatched grey bars (in ``group``'s slot, so that it
    takes no room among grouped bars; plotly lists a bar trace only if it has a point)."""
    return go.Bar(
        x=[None], y=[None], orientation="h" if horizontal else "v", offsetgroup=group,
        name=_(SUPPRESSED_TEXT[0].upper() + SUPPRESSED_TEXT[1:]),
        marker={"color": SUPPRESSED_GREY, "opacity": 0.45, "pattern": {"shape": "/"}},
        showlegend=True, hoverinfo="skip",
    )


def prevalence_by_group_chart(result: ImpactResult, dimension: str = "sector") -> go.Figure:
    """Share of organisations breached in each sector or size band, with 95% intervals.

    Args:
        result: the impact assessment.
        dimension: ``"sector"`` or ``"size_band"``.
    """
    if dimension not in ("sector", "size_band"):
        raise ValueError("dimension must be 'sector' or 'size_band'")
    title = (_("Share of organisations breached, by sector") if dimension == "sector"
             else _("Share of organisations breached, by size of organisation"))
    frame = result.groups[result.groups["dimension"] == dimension]
    if frame.empty:
        return _message(result, title, _("No survey groups to show."))
    if dimension == "sector":
        # Largest first, suppressed groups last: the eye goes to the worst-hit sectors.
        frame = frame.assign(_key=frame["estimate"].fillna(-1)).sort_values("_key", kind="stable")
    else:
        frame = frame.iloc[::-1]
    labels = [f"{_group_label(dimension, g)} (n={n})" for g, n in zip(frame["group"], frame["n"])]
    name = _("Breached in the period")
    fig = go.Figure(
        _share_bar(
            frame, labels, name=name, colour=BLUE, horizontal=True,
            suppressed_text=_(SUPPRESSED_TEXT),
        )
    )
    if frame["suppressed"].any():
        fig.add_trace(_suppressed_legend(result, horizontal=True, group=name))
    national = result.summary["prevalence"]["estimate"]
    if national is not None:
        # The line is named in the legend: a label at its top would sit on the subtitle.
        fig.add_vline(x=100 * national, line_dash="dash", line_color=VERMILLION)
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="lines", line={"color": VERMILLION, "dash": "dash"},
            name=_("All organisations: {share}").format(share=format_pct(national, 0)),
            hoverinfo="skip",
        ))
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    fig.update_layout(showlegend=True)
    return _layout(
        fig, result, title,
        _("Weighted survey estimate, {intervals}, n = respondents").format(
            intervals=_interval_words(frame)),
        x_title=_("Organisations that identified a breach or attack (%)"), y_title="",
        height=max(380, 34 * len(frame) + 210),
    )


def attack_mix_chart(result: ImpactResult) -> go.Figure:
    """Share of breached organisations that experienced each kind of attack."""
    title = _("What kinds of attack breached organisations faced")
    frame = result.attack_mix.assign(_key=result.attack_mix["estimate"].fillna(-1)).sort_values(
        "_key", kind="stable"
    )
    if int(frame["n"].max() if len(frame) else 0) == 0:
        return _message(result, title, _("No breached respondents answered about kinds of attack."))
    labels = [_(ATTACK_LABELS.get(k, k)) for k in frame["attack"]]
    name = _("Experienced it")
    fig = go.Figure(
        _share_bar(
            frame, labels, name=name, colour=ORANGE, horizontal=True,
            suppressed_text=_(SUPPRESSED_TEXT),
        )
    )
    if frame["suppressed"].any():
        fig.add_trace(_suppressed_legend(result, horizontal=True, group=name))
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    return _layout(
        fig, result, title,
        _("Share of breached organisations (weighted), {intervals}; "
          "one breach can involve several kinds").format(intervals=_interval_words(frame)),
        x_title=_("Breached organisations that experienced it (%)"), y_title="",
    )


EXCEEDANCE_POINTS = 201


def annual_cost_exceedance_chart(result: ImpactResult) -> go.Figure:
    """How sure we are about the annual cost: the chance it is at least each amount,
    from its design-based estimate, standard error and degrees of freedom (the t
    distribution its 95% interval rests on)."""
    title = _("Annual cost of cybercrime to organisations: how sure are we?")
    cost = result.summary["annual_cost_usd"]
    df = result.summary.get("degrees_of_freedom")
    if cost["estimate"] is None or cost["se"] is None or not df:
        return _message(
            result, title,
            "The annual cost cannot be estimated: too few breached respondents reported a cost.",
        )
    estimate, se = float(cost["estimate"]), float(cost["se"])
    spread = stats.t.ppf(0.999, df) * se
    amounts = np.linspace(max(0.0, estimate - spread), estimate + spread, EXCEEDANCE_POINTS)
    exceed = 100.0 * stats.t.sf((amounts - estimate) / se, df) if se > 0 else np.where(
        amounts <= estimate, 100.0, 0.0)
    fig = go.Figure(
        go.Scatter(
            x=amounts, y=exceed, mode="lines", line={"color": BLUE, "width": 3},
            name=_("Chance the annual cost is at least this amount"),
            hovertemplate=_("USD %{x:,.0f}<br>chance at least this: %{y:.0f}%<extra></extra>"),
        )
    )
    marks = [
        ("ci_low", _("95% interval, low end"), SKY, "dot", "right"),
        ("ci_high", _("95% interval, high end"), VERMILLION, "dot", "left"),
    ]
    for key, words, colour, dash, anchor in marks:
        if cost[key] is not None:
            fig.add_vline(x=cost[key], line_color=colour, line_dash=dash)
            fig.add_annotation(
                x=cost[key], y=1.0, xref="x", yref="paper", xanchor=anchor, yanchor="top",
                text=f"{words}: {format_usd(cost[key])}", showarrow=False,
                xshift=3 if anchor == "left" else -3,
                font={"color": colour if colour != SKY else BLUE}, bgcolor="rgba(255,255,255,0.8)",
            )
    fig.add_trace(
        go.Scatter(
            x=[estimate], y=[50], mode="markers",
            marker={
                "symbol": "diamond", "size": 12, "color": ORANGE,
                "line": {"color": BLACK, "width": 1},
            },
            name=_("Estimate: {amount}").format(amount=format_usd(estimate)),
            hovertemplate=_("estimate USD %{x:,.0f}<extra></extra>"),
        )
    )
    # Headroom above 100% keeps the interval labels off the top of the curve.
    fig.update_yaxes(range=[0, 118], tickvals=[0, 20, 40, 60, 80, 100],
                     ticktext=["0%", "20%", "40%", "60%", "80%", "100%"])
    # Own money ticks: plotly's SI suffixes would write a billion as "G".
    tickvals, ticktext = chart_style.usd_ticks(float(amounts[0]), float(amounts[-1]), count=4)
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext)
    caution = _("; use with caution (imprecise)") if cost.get("reliability") == "caution" else ""
    return _layout(
        fig, result, title,
        _("Chance that the annual cost is at least each amount, from the survey's design-based "
          "standard error; a floor (only the most disruptive breach is costed)") + caution,
        x_title=_("Annual cost (USD)"), y_title=_("Chance the cost is at least this (%)"),
    )


def dark_figure_chart(result: ImpactResult) -> go.Figure:
    """Incidents reported to the CERT or police against breaches the survey estimates."""
    reported = result.summary["reported_incidents"]
    estimated = result.summary["estimated_breaches"]
    ratio = result.summary["underreporting_ratio"]
    title = (
        _("About {ratio} breaches for every incident reported to the CERT or police").format(
            ratio=format_number(ratio))
        if ratio is not None and ratio >= 1.5
        else _("Breaches reported to the CERT or police against breaches that happened")
    )
    if reported is None:
        return _message(result, title, _("No incidents file: reported incidents are not known."))
    withheld = result.summary["incidents"].get("dark_figure_withheld") if result.summary["incidents"] else None
    if withheld:
        return _message(result, title, _("Withheld: no incident is a national CERT or police record "
                                         "of an organisation in the period (see the incidents left out)."))
    if estimated is None:
        return _message(result, title, _("Breaches cannot be estimated from the survey."))
    row = result.dark_figure.set_index("measure").loc["estimated_breaches"]
    plus = row["ci_high"] - estimated if np.isfinite(row["ci_high"]) else 0.0
    minus = estimated - row["ci_low"] if np.isfinite(row["ci_low"]) else 0.0
    fig = go.Figure(
        [
            go.Bar(
                x=[_("Reported to the CERT or police")], y=[reported],
                name=_("Reported incidents (records)"),
                marker_color=SKY, text=[format_number(reported)], textposition="outside",
                cliponaxis=False,
                hovertemplate=_("%{y:,.0f} incidents reported<extra></extra>"),
            ),
            go.Bar(
                x=[_("Estimated from the survey")], y=[estimated],
                name=_("Breaches estimated from the survey (black line = 95% interval)"),
                # Inside the bar: above it, the number would sit on the interval line.
                marker_color=VERMILLION, text=[format_number(estimated)], textposition="inside",
                insidetextanchor="middle", textfont={"color": "white", "size": 15},
                error_y={
                    "type": "data", "array": [plus], "arrayminus": [minus], "color": "#333333",
                },
                hovertemplate=_("%{y:,.0f} breaches estimated<extra></extra>"),
            ),
        ]
    )
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return _layout(
        fig, result, title,
        _("Businesses and public bodies; reported = national CERT or police records in the period "
          "(news and other sources left out), estimated = weighted survey"),
        x_title="", y_title=_("Number in the period"),
    )


def _month_label(month: str) -> str:
    return format_month(pd.Period(month, freq="M").start_time.date())


def incidents_by_month_chart(result: ImpactResult) -> go.Figure:
    """Incidents reported by businesses and public bodies in each month of the period."""
    title = _("Incidents reported by businesses and public bodies, by month")
    if result.incidents is None:
        return _message(result, title, _("No incidents file."))
    frame = result.incidents.by_month
    fig = go.Figure(
        go.Bar(
            x=[_month_label(m) for m in frame["month"]], y=frame["incidents"], marker_color=BLUE,
            name=_("Incidents reported"), hovertemplate=_("%{x}: %{y:,} incidents<extra></extra>"),
        )
    )
    fig.update_yaxes(rangemode="tozero")
    return _layout(
        fig, result, title,
        _("Records of the national CERT or police, {count} in total").format(
            count=format_number(result.incidents.reported)),
        x_title=_("Month reported"), y_title=_("Incidents (number)"),
    )


def incidents_by_category_chart(result: ImpactResult) -> go.Figure:
    """Incidents reported by businesses and public bodies, by incident category."""
    title = _("What was reported: incidents by category")
    if result.incidents is None:
        return _message(result, title, _("No incidents file."))
    frame = result.incidents.by_category
    frame = frame[frame["incidents"] > 0].sort_values("incidents", kind="stable")
    if frame.empty:
        return _message(result, title, _("No incidents of businesses or public bodies in the period."))
    fig = go.Figure(
        go.Bar(
            x=frame["incidents"], y=[_(CATEGORY_LABELS.get(c, c)) for c in frame["category"]],
            orientation="h", marker_color=GREEN, name=_("Incidents reported"),
            text=frame["incidents"], textposition="auto",
            hovertemplate=_("%{y}: %{x:,} incidents<extra></extra>"),
        )
    )
    return _layout(
        fig, result, title,
        _("Businesses and public bodies; categories of the Reference Security Incident Taxonomy"),
        x_title=_("Incidents (number)"), y_title="",
    )


def controls_prevalence_chart(result: ImpactResult) -> go.Figure:
    """Breach prevalence among organisations with and without each control."""
    title = _("Share breached, with and without each security control")
    frame = result.controls_prevalence
    fig = go.Figure()
    # Horizontal grouped bars stack the first trace at the bottom of each group, so
    # "without" goes first: "has the control" is then on top and first in the legend.
    series = (("without", ORANGE, _("Does not have it")), ("with", GREEN, _("Has the control")))
    for status, colour, words in series:
        part = frame[frame["status"] == status].iloc[::-1]
        labels = [_(CONTROL_LABELS.get(c, c)) for c in part["control"]]
        fig.add_traces(
            _share_bar(
                part, labels, name=words, colour=colour, horizontal=True,
                suppressed_text=_(SUPPRESSED_TEXT),
            )
        )
    if frame["suppressed"].any():
        fig.add_trace(_suppressed_legend(result, horizontal=True, group=series[0][2]))
    fig.update_layout(barmode="group", scattermode="group", legend_traceorder="reversed")
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    return _layout(
        fig, result, title,
        _("Weighted survey, {intervals}; an association, not proof the control works "
          "(larger organisations have more controls and also detect more breaches)").format(
            intervals=_interval_words(frame)),
        x_title=_("Organisations that identified a breach or attack (%)"), y_title="", height=540,
    )


def controls_in_place_chart(result: ImpactResult) -> go.Figure:
    """Share of organisations with each control in place, by size band.

    Drawn horizontally: five sizes side by side under each control leave vertical bars
    too narrow for their values.
    """
    title = _("Which security controls organisations have, by size")
    frame = result.controls_by_band
    fig = go.Figure()
    bands = [b for b in (*vocab.SIZE_BANDS, "all") if b in set(frame["size_band"])]
    # Horizontal grouped bars draw the first trace at the bottom of each group: add the
    # bands largest first so that each group reads micro to large, then all sizes.
    for band in reversed(bands):
        part = frame[frame["size_band"] == band].iloc[::-1]
        labels = [_(CONTROL_LABELS.get(c, c)) for c in part["control"]]
        fig.add_traces(
            _share_bar(
                part, labels, name=_group_label("size_band", band),
                colour=BAND_COLOURS.get(band, BLUE),
                horizontal=True, suppressed_text=_("suppressed"),
            )
        )
    if frame["suppressed"].any():
        first = _group_label("size_band", bands[-1]) if bands else ""
        fig.add_trace(_suppressed_legend(result, horizontal=True, group=first))
    fig.update_layout(barmode="group", scattermode="group", bargap=0.2,
                      legend_traceorder="reversed", uniformtext={"minsize": 11, "mode": "show"})
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    rows = len(set(frame["control"])) * max(len(bands), 1)
    return _layout(
        fig, result, title,
        _("Share of organisations with the control (weighted), {intervals}").format(
            intervals=_interval_words(frame)),
        x_title=_("Organisations with the control (%)"), y_title="",
        height=max(520, 22 * rows + 260),
    )
