"""Charts of the gap analysis (plotly), each readable in ten seconds by a minister.

Scores are on 0-100, levels on the framework's scale. Free text (entity names, evidence) is
HTML-escaped before it reaches plotly, whose text renderer interprets tags.
Colours come from the Okabe-Ito palette and the colour-blind-safe sequential
scale YlOrRd; "not assessed" is always grey with a "?" so it never reads as a gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench import chart_style, gaps
from workbench.chart_style import BLUE, ORANGE, PURPLE, SKY, VERMILLION, plotly_text, plotly_texts
from workbench.formatting import format_pct
from workbench.i18n import N_, _

GREY = "#BBBBBB"
DARK_GREY = "#555555"
GAP_SCALE = "YlOrRd"
FONT = dict(family="Arial, sans-serif", size=13)
TEMPLATE = chart_style.TEMPLATE
ENTITY_TYPE_WORDS = {
    "national": N_("national"), "government": N_("government"), "cni_operator": N_("CNI operator"),
}
# NIST CSF 2.0 lists its functions in this order (govern first); alphabetical order
# would scatter them.
NIST_ORDER = ("GV", "ID", "PR", "DE", "RS", "RC")


def _title(text: str, subtitle: str) -> dict:
    """Escaped title and subtitle; a newline in ``text`` becomes a line break and a
    long subtitle is wrapped (plotly would let it run off the chart)."""
    return chart_style.title_layout(plotly_text(text).replace("\n", "<br>"), plotly_text(subtitle), x=0.02)[0]


def _top(text: str, subtitle: str) -> int:
    """Top margin that keeps the plot below the title of ``_title(text, subtitle)``."""
    return chart_style.title_layout(plotly_text(text).replace("\n", "<br>"), plotly_text(subtitle))[1]


def _subtitle(result: gaps.GapResult, extra: str = "") -> str:
    parts = [result.framework_title, result.assessed_period]
    if extra:
        parts.append(extra)
    return "; ".join(p for p in parts if p)


def pillar_radar(result: gaps.GapResult) -> go.Figure:
    """Current score against target score for each pillar (0-100).

    A pillar with no assessed indicator has no score; it is named in the subtitle
    rather than drawn as zero.
    """
    table = result.pillar_scores
    labels = plotly_texts(table["pillar_title"].tolist())
    closed = labels + labels[:1]

    def loop(values: pd.Series) -> list[float | None]:
        vals = [None if pd.isna(v) else round(float(v), 1) for v in values]
        return vals + vals[:1]

    unscored = table.loc[table["score"].isna(), "pillar_title"].tolist()
    note = (_("not yet assessed: ") + ", ".join(unscored)) if unscored else ""
    fig = go.Figure()
    fig.add_trace(go.Scatterpolar(
        r=loop(table["target_score"]), theta=closed, name=_("Target score"), mode="lines+markers",
        line=dict(color=ORANGE, dash="dash", width=2), marker=dict(symbol="diamond", size=8),
        hovertemplate=_("%{theta}<br>target %{r:.1f} of 100<extra></extra>"),
    ))
    fig.add_trace(go.Scatterpolar(
        r=loop(table["score"]), theta=closed, name=_("Current score"), mode="lines+markers",
        fill="toself", fillcolor="rgba(0,114,178,0.25)", line=dict(color=BLUE, width=3),
        marker=dict(size=8), connectgaps=False,
        hovertemplate=_("%{theta}<br>current %{r:.1f} of 100<extra></extra>"),
    ))
    title = _("Capability by pillar:\nwhere we are and where we aim to be (score 0-100)")
    spokes = max(len(labels), 1)
    fig.update_layout(
        title=_title(title, _subtitle(result, note)),
        # First pillar at the top, clockwise; the score scale runs between two spokes
        # so that its numbers do not sit on a pillar's points.
        polar=dict(
            angularaxis=dict(rotation=90, direction="clockwise"),
            radialaxis=dict(range=[0, 100], tickvals=[0, 25, 50, 75, 100], angle=90 - 180 / spokes,
                            tickangle=90 - 180 / spokes, tickfont=dict(size=11, color=DARK_GREY)),
        ),
        template=TEMPLATE, legend=dict(orientation="h", y=-0.08, x=0.5, xanchor="center"),
        font=FONT, height=560, margin=dict(t=_top(title, _subtitle(result, note)) + 30),
    )
    return fig


def gap_heatmap(result: gaps.GapResult) -> go.Figure:
    """Entities (rows) by indicators (columns), coloured by gap in levels.

    Grey cells with "?" are not assessed; blank cells do not apply (national
    indicators are assessed for the country as a whole only).
    """
    pairs = result.pairs
    entity_order = pairs.drop_duplicates("entity_id")[["entity_id", "entity_name", "entity_type"]]
    indicator_order = pairs.drop_duplicates("indicator_id")["indicator_id"].tolist()
    grid = pairs.pivot(index="entity_id", columns="indicator_id", values="gap").reindex(
        index=entity_order["entity_id"], columns=indicator_order)
    z = grid.astype("float64").to_numpy()
    assessed = pairs.pivot(index="entity_id", columns="indicator_id", values="assessed").reindex(
        index=entity_order["entity_id"], columns=indicator_order)
    unassessed = assessed.eq(False).to_numpy()

    def cell_text(column: str, fmt) -> np.ndarray:
        wide = pairs.pivot(index="entity_id", columns="indicator_id", values=column).reindex(
            index=entity_order["entity_id"], columns=indicator_order)
        return np.vectorize(fmt, otypes=[object])(wide.to_numpy(dtype=object))

    names = entity_order["entity_name"].tolist()
    # The national row's name already says "national level"; others carry their type.
    row_labels = plotly_texts([
        n if t == "national" else f"{n} ({_(ENTITY_TYPE_WORDS.get(t, t.replace('_', ' ')))})"
        for n, t in zip(names, entity_order["entity_type"])
    ])
    hover_level = cell_text("level", lambda v: _("not assessed") if v is None or pd.isna(v)
                            else str(int(v)))
    hover_target = cell_text("target", lambda v: "" if v is None or pd.isna(v) else str(int(v)))
    hover_evidence = cell_text(
        "evidence", lambda v: plotly_text(str(v)[:160]) if isinstance(v, str) and v else _("none recorded"))
    titles = dict(zip(pairs["indicator_id"], pairs["indicator_title"]))
    hover_title = np.tile(np.array([plotly_text(titles[i]) for i in indicator_order], dtype=object),
                          (len(row_labels), 1))
    custom = np.dstack([hover_level, hover_target, hover_evidence, hover_title])
    col_labels = plotly_texts(indicator_order)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=z, x=col_labels, y=row_labels, zmin=0, zmax=5, colorscale=GAP_SCALE, xgap=1, ygap=1,
        colorbar=dict(title=dict(text=_("gap<br>(levels)")),
                      tickvals=list(range(result.levels.max - result.levels.min + 1))),
        customdata=custom, name=_("gap"), hoverongaps=False,
        hovertemplate=_("%{y}<br>%{x} %{customdata[3]}<br>level %{customdata[0]} of 5, "
                        "target %{customdata[1]}<br>gap %{z} levels<br>evidence: %{customdata[2]}"
                        "<extra></extra>"),
    ))
    grey = np.where(unassessed, 1.0, np.nan)
    fig.add_trace(go.Heatmap(
        z=grey, x=col_labels, y=row_labels, colorscale=[[0, GREY], [1, GREY]], showscale=False,
        xgap=1, ygap=1, text=np.where(unassessed, "?", ""), texttemplate="%{text}",
        textfont=dict(color=DARK_GREY), name=_("not assessed"), customdata=custom, hoverongaps=False,
        hovertemplate=_("%{y}<br>%{x} %{customdata[3]}<br>not assessed (target %{customdata[1]})<extra></extra>"),
    ))
    # Indicator codes start with their pillar; say which, since the codes alone mean
    # nothing to a reader (indicator titles ride in the hover label).
    prefixes = dict.fromkeys(str(i).split("-")[0] for i in indicator_order)
    prefix = pairs["indicator_id"].astype("str").str.split("-").str[0]
    pillar_of = dict(zip(prefix, pairs["pillar_id"]))
    pillars = result.pillar_scores
    pillar_title = dict(zip(pillars["pillar_id"], pillars["pillar_title"]))
    codes = "; ".join(
        f"{p} = {pillar_title.get(pillar_of.get(p), pillar_of.get(p, p))}" for p in prefixes)
    widest = result.levels.max - result.levels.min
    title = _("Capability gaps by organisation and indicator\n(gap = levels below target, "
              "0-{widest})").format(widest=widest)
    subtitle = _subtitle(result, _("grey ? = not assessed; blank = does not apply; ") + codes)
    fig.update_layout(
        title=_title(title, subtitle),
        xaxis=dict(title=dict(text=_("indicator (hover over a cell for its name)")), side="bottom",
                   tickangle=-45),
        yaxis=dict(autorange="reversed", title=dict(text="")),
        font=FONT, height=max(360, 150 + 26 * len(row_labels)),
        margin=dict(t=_top(title, subtitle), l=10), plot_bgcolor="white",
    )
    return fig


def coverage_chart(result: gaps.GapResult) -> go.Figure:
    """How many of the expected checks were assessed, per pillar (stacked bars)."""
    table = result.pillar_scores
    labels = plotly_texts(table["pillar_title"].tolist())
    missing = table["expected"] - table["assessed"]
    pct = (100 * table["coverage"]).round(0)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=table["assessed"], orientation="h", name=_("assessed"), marker_color=BLUE,
        hovertemplate=_("%{y}: %{x} checks assessed<extra></extra>"),
    ))
    fig.add_trace(go.Bar(
        y=labels, x=missing, orientation="h", name=_("not assessed"), marker_color=GREY,
        marker_pattern_shape="/", hovertemplate=_("%{y}: %{x} checks not assessed<extra></extra>"),
    ))
    # The share assessed goes past the end of each bar: inside, a short bar (a pillar
    # with few checks) would squeeze it into an unreadable sliver.
    fig.add_trace(go.Scatter(
        y=labels, x=table["expected"], mode="text", showlegend=False, hoverinfo="skip",
        text=["  " + _("{share} assessed ({assessed} of {expected})").format(
                  share=format_pct(p / 100, 0), assessed=a, expected=e)
              if pd.notna(p) else "  " + _("nothing expected")
              for p, a, e in zip(pct, table["assessed"], table["expected"])],
        textposition="middle right", cliponaxis=False,
    ))
    total = result.summary["expected_pairs"]
    share = result.summary["coverage"]
    headline = (_("{share} of {total} expected checks").format(
        share=format_pct(share, 0), total=total) if share is not None else _("no checks expected"))
    title = _("How much has been assessed: {headline}").format(headline=headline)
    subtitle = _subtitle(result, _("a check = one organisation on one indicator"))
    most = float(table["expected"].max()) if len(table) else 1.0
    fig.update_layout(
        barmode="stack", template=TEMPLATE,
        title=_title(title, subtitle),
        xaxis=dict(title=dict(text=_("number of checks (organisation x indicator)")),
                   range=[0, 1.3 * max(most, 1.0)]),
        yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", y=-0.25, traceorder="normal"),
        font=FONT, height=400, margin=dict(t=_top(title, subtitle)),
    )
    return fig


def crosswalk_chart(result: gaps.GapResult, scheme: str = "cmm") -> go.Figure:
    """The same scores re-expressed by CMM dimension or NIST CSF function (0-100)."""
    table = result.crosswalk.loc[result.crosswalk["scheme"] == scheme]
    if scheme == "nist_csf":
        rank = {code: i for i, code in enumerate(NIST_ORDER)}
        table = table.sort_values("group", key=lambda g: g.map(lambda c: rank.get(c, len(rank))),
                                  kind="stable")
    labels = plotly_texts([f"{g} {_(t)}" if t != g else g
                           for g, t in zip(table["group"], table["group_title"])])
    scored = table["score"].notna()
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=table["score"].fillna(0), orientation="h", name=_("current score"), marker_color=BLUE,
        text=[f"{v:.0f}" if ok else _("not assessed")
              for v, ok in zip(table["score"].fillna(0), scored)],
        textposition="outside", hovertemplate=_("%{y}: %{x:.1f} of 100<extra></extra>"),
    ))
    fig.add_trace(go.Scatter(
        y=labels, x=table["target_score"], mode="markers", name=_("target score"),
        marker=dict(symbol="line-ns-open", size=22, color=ORANGE, line=dict(width=3, color=ORANGE)),
        hovertemplate=_("%{y}: target %{x:.1f} of 100<extra></extra>"),
    ))
    scheme_title = (table["scheme_title"].iloc[0] if len(table)
                    else gaps.CROSSWALK_SCHEMES.get(scheme, scheme))
    title = _("The same scores by {scheme} (score 0-100)").format(scheme=_(scheme_title))
    subtitle = _subtitle(result, _("re-expressed through the framework's crosswalk") if len(table)
                         else _("{framework} maps none of its indicators to it: nothing to show")
                         .format(framework=result.framework_title))
    fig.update_layout(
        title=_title(title, subtitle), template=TEMPLATE,
        xaxis=dict(range=[0, 110], title=dict(text=_("score 0-100"))),
        yaxis=dict(autorange="reversed"), legend=dict(orientation="h", y=-0.2),
        font=FONT, height=220 + 40 * max(len(table), 1), margin=dict(t=_top(title, subtitle)),
    )
    return fig


def peer_chart(peers: pd.DataFrame, subtitle: str = "") -> go.Figure:
    """The workbench overall score beside Commonwealth peers' ITU GCI 2020 scores.

    The workbench bar is hatched and coloured apart; the title states that the
    two are different instruments.
    """
    ordered = peers.iloc[::-1]  # plotly draws the first category at the bottom
    is_workbench = ordered["instrument"] == gaps.WORKBENCH_INSTRUMENT
    group = np.select(
        [is_workbench, ordered["is_country"], ordered["same_region"] & ordered["similar_income"],
         ordered["same_region"]],
        [N_("this assessment"), N_("ITU GCI 2020: this country"),
         N_("ITU GCI 2020: same region and similar income"), N_("ITU GCI 2020: same region")],
        default=N_("ITU GCI 2020: similar income"),
    )
    colours = {
        "this assessment": VERMILLION,
        "ITU GCI 2020: this country": ORANGE,
        "ITU GCI 2020: same region and similar income": BLUE,
        "ITU GCI 2020: same region": SKY,
        "ITU GCI 2020: similar income": PURPLE,
    }
    this_assessment = _("this assessment")
    labels = [f"{plotly_text(n)} - {this_assessment}" if w else plotly_text(n)
              for n, w in zip(ordered["name"], is_workbench)]
    fig = go.Figure()
    for name, colour in colours.items():
        mask = group == name
        if not mask.any():
            continue
        fig.add_trace(go.Bar(
            y=[label for label, m in zip(labels, mask) if m], x=ordered.loc[mask, "score"], orientation="h",
            name=_(name), marker_color=colour,
            marker_pattern_shape="x" if name == "this assessment" else "",
            text=[f"{v:.0f}" if pd.notna(v) else _("no score") for v in ordered.loc[mask, "score"]],
            textposition="outside", hovertemplate=_("%{y}: %{x:.1f} of 100<extra></extra>"),
        ))
    title = _("Different instruments, not the same scale:\nthis assessment's score "
              "beside Commonwealth peers' ITU GCI 2020 scores (0-100)")
    subtitle = subtitle or _("similar income = GDP per capita between half and twice this "
                             "country's")
    fig.update_layout(
        title=_title(title, subtitle), template=TEMPLATE,
        xaxis=dict(range=[0, 110], title=dict(text=_("score 0-100 (each on its own instrument)"))),
        yaxis=dict(categoryorder="array", categoryarray=labels),
        legend=dict(orientation="h", y=-0.15), font=FONT, barmode="overlay",
        height=240 + 24 * len(labels), margin=dict(t=_top(title, subtitle)),
    )
    return fig
