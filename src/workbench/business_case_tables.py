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
from workbench.formatting import (
    format_number,
    format_pct,
    format_usd,
    format_years,
    not_available,
)
from workbench.i18n import _, current_language


def _words() -> dict[str, str]:
    """The pages' words, in one place, in the page's language (spelled out so that the
    catalogue's extraction finds each one)."""
    return {
        "no_score": _("not available: nothing has been assessed"),
        "score_path": _("from {today} today to {final} by year {years}"),
        "points_gained": _("{points} points by year {years}"),
        "rosi_unavailable": _("not available: no estimate of the annual cost of cybercrime"),
        "rosi_gain": _("each USD 1 spent avoids USD {back} of losses (a net gain of USD {net})"),
        "rosi_loss": _("each USD 1 spent avoids USD {back} of losses (a net loss of USD {net})"),
        "range": _("{value} ({words} {low} to {high})"),
        "pays_for_itself": _("{chance}: in {share} of {draws} simulations the losses avoided "
                             "exceed the cost"),
        "already_lifted": _("the chosen interventions already lift its gaps as far by the "
                            "final year"),
        "displaces": _("to fit it in, the best plan would drop {gone} and add {with_obj} "
                       "score-point-years instead of {obj} (score by year {years}: "
                       "{with_score} instead of {score})"),
        "displaces_no_score": _("to fit it in, the best plan would drop {gone}"),
        "fits_later": _("it fits beside the plan only if started later, which adds no more "
                        "({with_obj} score-point-years against {obj})"),
        "cannot_fit": _("the budget and horizon do not allow it alongside any better plan"),
        "nothing_to_close": _("nothing to close"),
        "never_in_effect": _("never in effect"),
        "outcome": _("{chosen} of {total} interventions fit a budget of {budget} a year over "
                     "{years}."),
    }


def intervention_names(ids: pd.Series, names: pd.Series,
                       interventions: pd.DataFrame) -> pd.Series:
    """The interventions' names in the page's language: the catalogue's ``name_<lang>``
    column (``name_fr``) where it gives one, else the name as it is (English)."""
    column = f"name_{current_language()}"
    if column not in interventions.columns or current_language() == "en":
        return names.astype("str")
    local = dict(zip(interventions["intervention_id"].astype("str"),
                     interventions[column].astype("str")))
    return pd.Series([local.get(i) if local.get(i) not in (None, "", "nan", "<NA>", "None") else n
                      for i, n in zip(ids.astype("str"), names.astype("str"))],
                     index=names.index, dtype="str")


def outcome_words(roadmap: Roadmap) -> str:
    """The outcome in one sentence, in the page's language."""
    s = roadmap.summary
    if not s["plan"]:
        return _(roadmap.message)
    words = _words()["outcome"].format(
        chosen=len(s["plan"]), total=len(roadmap.interventions),
        budget=format_usd(s["budget_usd_per_year"]), years=format_years(s["horizon_years"]))
    if roadmap.status == "stopped_early":
        words += " " + _("The solver stopped at its time limit; the plan is within {share} of "
                         "the best possible.").format(share=format_pct(roadmap.mip_gap or 0))
    return words


def _pillar_words(pillars: pd.Series, pillar_titles: Mapping[str, str] | None) -> pd.Series:
    """The framework's pillar titles (ids, capitalised, when none are given)."""
    ids = pillars.astype("str")
    return ids.map(lambda p: (pillar_titles or {}).get(p) or p.capitalize()).astype("str")


def score_path_words(roadmap: Roadmap) -> str:
    """'from 38.2 today to 61.0 by year 5' (the overall score the plan reaches)."""
    path = roadmap.summary["score_by_year"]
    words = _words()
    if path is None:
        return words["no_score"]
    return words["score_path"].format(today=format_number(path[0], 1),
                                      final=format_number(path[-1], 1),
                                       years=len(path) - 1)


def chance_pays_words(roadmap: Roadmap) -> str:
    """The chance the plan pays for itself, in words a minister reads."""
    interval = roadmap.summary["rosi_interval"]
    if interval is None:
        return not_available()
    share = interval["p_positive"]
    return _words()["pays_for_itself"].format(
        chance=money.chance_words(share).capitalize(), share=money.chance_share_words(share),
        draws=format_number(money.DRAWS))


def _with_range(value: str, interval: Mapping[str, float] | None, form: str = "number") -> str:
    if interval is None:
        return value
    low = format_usd(interval["p05"]) if form == "usd" else format_number(interval["p05"], 2)
    high = format_usd(interval["p95"]) if form == "usd" else format_number(interval["p95"], 2)
    return _words()["range"].format(value=value, words=_(money.RANGE_WORDS), low=low, high=high)


def rosi_words(rosi: float | None) -> str:
    """What a ROSI means in money: 0.88 -> 'each USD 1 spent avoids USD 1.88 of losses'."""
    if rosi is None or not math.isfinite(rosi):
        return _words()["rosi_unavailable"]
    key = "rosi_gain" if rosi >= 0 else "rosi_loss"
    return _words()[key].format(back=format_number(1 + rosi, 2), net=format_number(abs(rosi), 2))


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
        _("Intervention"): plan["intervention_id"],
        _("What"): intervention_names(plan["intervention_id"], plan["name"],
                                      roadmap.interventions),
        _("Pillar"): _pillar_words(plan["pillar"], pillar_titles),
        _("Built in year(s)"): years,
        _("Entities"): plan["entities"],
        _("Cost over the horizon (USD)"): plan["cost_usd"].map(lambda v: format_number(v, 0)),
        _("Adds to the score by year {year} (points)").format(year=horizon):
            plan["points"].map(lambda v: format_number(v, 2)),
        _("Score points per USD million"): per_million.map(
            lambda v: not_available() if pd.isna(v) else format_number(v, 2)),
        _("Loss reduction"): plan["loss_reduction"].map(format_pct),
    })


def _left_out_words(row: pd.Series, roadmap: Roadmap) -> str:
    """Why one intervention is left out, in the new unit: what it would displace, or
    the rule that keeps it out."""
    words = _words()
    if row["reason"] != REASON_NOT_WORTH:
        return _(str(row["detail"]))
    if not row["points"] > 1e-9:
        return words["already_lifted"]
    years = roadmap.horizon_years
    path = roadmap.summary["score_by_year"]
    if row["displaced"] and row["displaced"] != "nothing":
        if path is None or pd.isna(row["score_final_with"]):
            return words["displaces_no_score"].format(gone=row["displaced"])
        return words["displaces"].format(
            gone=row["displaced"], with_obj=format_number(row["objective_with"], 1),
            obj=format_number(roadmap.summary["objective"], 1), years=years,
            with_score=format_number(row["score_final_with"], 1), score=format_number(path[-1], 1))
    if row["displaced"] == "nothing" and not pd.isna(row["objective_with"]):
        return words["fits_later"].format(with_obj=format_number(row["objective_with"], 1),
                                          obj=format_number(roadmap.summary["objective"], 1))
    return words["cannot_fit"]


def not_chosen_table(roadmap: Roadmap, pillar_titles: Mapping[str, str] | None = None,
                     explanation: pd.DataFrame | None = None) -> pd.DataFrame:
    """The interventions left out, each with the plain reason; with ``explanation``
    (``business_case.explain_left_out``), also what each would add to the score and
    cost, and what it would displace."""
    frame = roadmap.not_chosen
    detail_column = _("Detail")
    table = pd.DataFrame({
        _("Intervention"): frame["intervention_id"],
        _("What"): intervention_names(frame["intervention_id"], frame["name"],
                                      roadmap.interventions),
        _("Pillar"): _pillar_words(frame["pillar"], pillar_titles),
        _("Why not"): frame["reason"].map(_),
    })
    if explanation is None or frame.empty:
        table[detail_column] = frame["detail"].map(lambda d: _(str(d)))
        return table
    rows = frame.merge(explanation.drop(columns=["reason"]), on="intervention_id", how="left")
    years = roadmap.horizon_years
    words = _words()
    idle = rows["reason"].isin([REASON_NO_GAP, REASON_NOT_ASSESSED]).to_numpy()
    points = rows["points"].map(lambda v: words["never_in_effect"] if pd.isna(v) else format_number(v, 2))
    cost = rows["cost_usd"].map(lambda v: format_number(v, 0))
    table[_("Would add by year {year} (score points)").format(year=years)] = np.where(
        idle, words["nothing_to_close"], points.to_numpy())
    table[_("Would cost over the horizon (USD)")] = np.where(idle, "", cost.to_numpy())
    table[detail_column] = [_left_out_words(r, roadmap) for _i, r in rows.iterrows()]
    return table


def headline_figures(roadmap: Roadmap, *, catalogue_source: str | None = None) -> pd.DataFrame:
    """The roadmap in a few lines a minister reads first (figure, value)."""
    s = roadmap.summary
    usd = format_usd
    path = s["score_by_year"]
    years = s["horizon_years"]
    words = _words()
    rows = [
        (_("Outcome"), outcome_words(roadmap)),
        (_("Budget per year"), usd(s["budget_usd_per_year"])),
        (_("Horizon"), format_years(years)),
        (_("Interventions in the plan"), _("{chosen} of {total}").format(
            chosen=len(s["plan"]), total=len(roadmap.interventions))),
        (_("Total cost over the horizon"), usd(s["total_cost_usd"])),
        (_("Overall capability score"), score_path_words(roadmap)),
        (_("Score points gained"), not_available() if path is None else
         words["points_gained"].format(points=("+" if path[-1] >= path[0] else "")
                                       + format_number(path[-1] - path[0], 1), years=years)),
        (_("Score-point-years (what the plan maximises)"), format_number(s["objective"], 1)),
        (_("Annual cost of cybercrime used (a floor)"), usd(roadmap.annual_cost_usd)),
        (_("Losses avoided over the horizon"),
         _with_range(usd(s["avoided_loss_usd"]), s["avoided_loss_usd_interval"], "usd")),
        (_("Return on security investment (ROSI)"),
         not_available() if s["rosi"] is None
         else _with_range(format_number(s["rosi"], 2), s["rosi_interval"])),
        (_("Chance the plan pays for itself"), chance_pays_words(roadmap)),
        (_("ROSI in words"), rosi_words(s["rosi"])),
    ]
    if catalogue_source is not None:
        rows.append((_("Intervention catalogue"), _(catalogue_source)))
    return pd.DataFrame(rows, columns=[_("Figure"), _("Value")])
