"""The business case's tables and sentences, as the report and the dashboard show them.

Every sentence a page shows about the roadmap is built here, from the roadmap's own
figures (``business_case``), so that the report, the dashboard and the brief say the
same thing. Score points are overall-score points (0-100 scale); money is in USD.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench import business_case_money as money
from workbench.business_case import REASON_NO_GAP, REASON_NOT_ASSESSED, REASON_NOT_WORTH, Roadmap
from workbench.formatting import NOT_AVAILABLE, format_usd

# The pages' words, in one place.
WORDS = {
    "no_score": "not available: nothing has been assessed",
    "score_path": "from {today:.1f} today to {final:.1f} by year {years}",
    "points_gained": "{points:+.1f} points by year {years}",
    "rosi_unavailable": "not available: no estimate of the annual cost of cybercrime",
    "rosi_gain": "each USD 1 spent avoids USD {back:,.2f} of losses (a net gain of USD {net:,.2f})",
    "rosi_loss": "each USD 1 spent avoids USD {back:,.2f} of losses (a net loss of USD {net:,.2f})",
    "range": "{value} ({words} {low} to {high})",
    "pays_for_itself": "{chance}: in {share:.0f}% of {draws:,} simulations the losses avoided "
                       "exceed the cost",
    "already_lifted": "the chosen interventions already lift its gaps as far by the final year",
    "displaces": "to fit it in, the best plan would drop {gone} and add {with_obj:,.1f} "
                 "score-point-years instead of {obj:,.1f} (score by year {years}: "
                 "{with_score:.1f} instead of {score:.1f})",
    "displaces_no_score": "to fit it in, the best plan would drop {gone}",
    "fits_later": "it fits beside the plan only if started later, which adds no more "
                  "({with_obj:,.1f} score-point-years against {obj:,.1f})",
    "cannot_fit": "the budget and horizon do not allow it alongside any better plan",
    "nothing_to_close": "nothing to close",
    "never_in_effect": "never in effect",
}


def _pillar_words(pillars: pd.Series, pillar_titles: Mapping[str, str] | None) -> pd.Series:
    """The framework's pillar titles (ids, capitalised, when none are given)."""
    ids = pillars.astype("str")
    return ids.map(lambda p: (pillar_titles or {}).get(p) or p.capitalize()).astype("str")


def score_path_words(roadmap: Roadmap) -> str:
    """'from 38.2 today to 61.0 by year 5' (the overall score the plan reaches)."""
    path = roadmap.summary["score_by_year"]
    if path is None:
        return WORDS["no_score"]
    return WORDS["score_path"].format(today=path[0], final=path[-1], years=len(path) - 1)


def chance_pays_words(roadmap: Roadmap) -> str:
    """The chance the plan pays for itself, in words a minister reads."""
    interval = roadmap.summary["rosi_interval"]
    if interval is None:
        return NOT_AVAILABLE
    share = interval["p_positive"]
    return WORDS["pays_for_itself"].format(chance=money.chance_words(share).capitalize(),
                                           share=100 * share, draws=money.DRAWS)


def _with_range(value: str, interval: Mapping[str, float] | None, form: str = "{:.2f}") -> str:
    if interval is None:
        return value
    low = format_usd(interval["p05"]) if form == "usd" else form.format(interval["p05"])
    high = format_usd(interval["p95"]) if form == "usd" else form.format(interval["p95"])
    return WORDS["range"].format(value=value, words=money.RANGE_WORDS, low=low, high=high)


def rosi_words(rosi: float | None) -> str:
    """What a ROSI means in money: 0.88 -> 'each USD 1 spent avoids USD 1.88 of losses'."""
    if rosi is None or not math.isfinite(rosi):
        return WORDS["rosi_unavailable"]
    key = "rosi_gain" if rosi >= 0 else "rosi_loss"
    return WORDS[key].format(back=1 + rosi, net=abs(rosi))


def plan_table(roadmap: Roadmap, pillar_titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The plan for display: who does what, when, at what cost (USD), and what each adds
    to the overall score by the final year (on top of the rest of the plan) per USD
    million it costs."""
    plan = roadmap.plan
    years = np.where(
        plan["start_year"] == plan["end_year"],
        plan["start_year"].astype(str),
        plan["start_year"].astype(str) + "-" + plan["end_year"].astype(str),
    )
    per_million = plan["points"] / (plan["cost_usd"] / 1e6).where(plan["cost_usd"] > 0)
    horizon = roadmap.horizon_years
    return pd.DataFrame({
        "Intervention": plan["intervention_id"],
        "What": plan["name"],
        "Pillar": _pillar_words(plan["pillar"], pillar_titles),
        "Built in year(s)": years,
        "Entities": plan["entities"],
        "Cost over the horizon (USD)": plan["cost_usd"].map("{:,.0f}".format),
        f"Adds to the score by year {horizon} (points)": plan["points"].map("{:.2f}".format),
        "Score points per USD million": per_million.map(
            lambda v: NOT_AVAILABLE if pd.isna(v) else f"{v:.2f}"),
        "Loss reduction": plan["loss_reduction"].map("{:.1%}".format),
    })


def _left_out_words(row: pd.Series, roadmap: Roadmap) -> str:
    """Why one intervention is left out, in the new unit: what it would displace, or
    the rule that keeps it out."""
    if row["reason"] != REASON_NOT_WORTH:
        return str(row["detail"])
    if not row["points"] > 1e-9:
        return WORDS["already_lifted"]
    years = roadmap.horizon_years
    path = roadmap.summary["score_by_year"]
    if row["displaced"] and row["displaced"] != "nothing":
        if path is None or pd.isna(row["score_final_with"]):
            return WORDS["displaces_no_score"].format(gone=row["displaced"])
        return WORDS["displaces"].format(
            gone=row["displaced"], with_obj=row["objective_with"], obj=roadmap.summary["objective"],
            years=years, with_score=row["score_final_with"], score=path[-1])
    if row["displaced"] == "nothing" and not pd.isna(row["objective_with"]):
        return WORDS["fits_later"].format(with_obj=row["objective_with"],
                                          obj=roadmap.summary["objective"])
    return WORDS["cannot_fit"]


def not_chosen_table(roadmap: Roadmap, pillar_titles: Mapping[str, str] | None = None,
                     explanation: pd.DataFrame | None = None) -> pd.DataFrame:
    """The interventions left out, each with the plain reason; with ``explanation``
    (``business_case.explain_left_out``), also what each would add to the score and
    cost, and what it would displace."""
    frame = roadmap.not_chosen
    table = pd.DataFrame({
        "Intervention": frame["intervention_id"],
        "What": frame["name"],
        "Pillar": _pillar_words(frame["pillar"], pillar_titles),
        "Why not": frame["reason"],
    })
    if explanation is None or frame.empty:
        return table.assign(Detail=frame["detail"])
    rows = frame.merge(explanation.drop(columns=["reason"]), on="intervention_id", how="left")
    years = roadmap.horizon_years
    idle = rows["reason"].isin([REASON_NO_GAP, REASON_NOT_ASSESSED]).to_numpy()
    points = rows["points"].map(lambda v: WORDS["never_in_effect"] if pd.isna(v) else f"{v:.2f}")
    cost = rows["cost_usd"].map("{:,.0f}".format)
    table[f"Would add by year {years} (score points)"] = np.where(
        idle, WORDS["nothing_to_close"], points.to_numpy())
    table["Would cost over the horizon (USD)"] = np.where(idle, "", cost.to_numpy())
    table["Detail"] = [_left_out_words(r, roadmap) for _, r in rows.iterrows()]
    return table


def headline_figures(roadmap: Roadmap, *, catalogue_source: str | None = None) -> pd.DataFrame:
    """The roadmap in a few lines a minister reads first (figure, value)."""
    s = roadmap.summary
    usd = format_usd
    path = s["score_by_year"]
    years = s["horizon_years"]
    rows = [
        ("Outcome", roadmap.message),
        ("Budget per year", usd(s["budget_usd_per_year"])),
        ("Horizon", f"{years} years"),
        ("Interventions in the plan", f"{len(s['plan'])} of {len(roadmap.interventions)}"),
        ("Total cost over the horizon", usd(s["total_cost_usd"])),
        ("Overall capability score", score_path_words(roadmap)),
        ("Score points gained", NOT_AVAILABLE if path is None else
         WORDS["points_gained"].format(points=path[-1] - path[0], years=years)),
        ("Score-point-years (what the plan maximises)", f"{s['objective']:,.1f}"),
        ("Annual cost of cybercrime used (a floor)", usd(roadmap.annual_cost_usd)),
        ("Losses avoided over the horizon",
         _with_range(usd(s["avoided_loss_usd"]), s["avoided_loss_usd_interval"], "usd")),
        ("Return on security investment (ROSI)",
         NOT_AVAILABLE if s["rosi"] is None else _with_range(f"{s['rosi']:.2f}", s["rosi_interval"])),
        ("Chance the plan pays for itself", chance_pays_words(roadmap)),
        ("ROSI in words", rosi_words(s["rosi"])),
    ]
    if catalogue_source is not None:
        rows.append(("Intervention catalogue", catalogue_source))
    return pd.DataFrame(rows, columns=["Figure", "Value"])
