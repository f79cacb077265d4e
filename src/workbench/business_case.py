"""Business case: the best budget-feasible multi-year roadmap of interventions.

Implements the business-case method (docs/methods.md, section 3; docs/business-case.md)
exactly:

- years are numbered 1..H; intervention i takes d_i = ceil(duration_months / 12)
  years, runs s_i .. s_i + d_i - 1 and is in effect from year s_i + d_i on;
- closure r(pair, i) = max(0, min(raises_to_i, target) - level) on assessed pairs;
  n_i = entities with some r > 0; an intervention with n_i = 0 is never chosen and,
  as a prerequisite, is already in place;
- spending: capex_usd * n_i spread evenly over the running years, then
  opex_usd_per_year * n_i every year after completion up to H; every year <= budget;
- objective (overall-score-point-years) = sum over pairs of v(pair) * sum over t of
  max{r(pair, i): i chosen and in effect in year t}, v = the overall-score points one
  level on the pair adds (``score_value.pair_values``, docs/methods.md §2), so a law
  lifting one national indicator and a programme lifting forty organisations are
  weighed in the same unit: what each adds to the country's score;
- score_by_year = today's overall score (of whatever was assessed, before the coverage
  rule), then today's + sum v * max r in effect in each year 1..H.

The plan comes from a mixed-integer linear programme solved with HiGHS to within 0.5%
of the optimum (``roadmap_model``).

Every figure published is recomputed from the plan itself by ``evaluate_plan``; the
uncertainty on the money is in ``business_case_money``, the tables a page shows in
``business_case_tables``.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench import business_case_money as money
from workbench.crosswalk import split_ids
from workbench.formatting import format_number
from workbench.framework import DEFAULT_LEVELS, Levels
from workbench.i18n import N_, _
from workbench.roadmap_model import (
    Prepared,
    in_effect,
    objective_by_year,
    prepare,
    prune,
    solve,
    spend_matrix,
)
from workbench.summary_types import BusinessCaseSummary

# The plan is optimal to within this share of the objective (docs/methods.md §3).
OPTIMALITY_GAP = 0.005
DEFAULT_TIME_LIMIT_SECONDS = 30.0
# Each "what if it were in" re-solve of the explanations stops after this long.
EXPLAIN_TIME_LIMIT_SECONDS = 5.0
# Relative slack when checking a recomputed plan against the budget: HiGHS works to
# a feasibility tolerance of about 1e-7 of the (scaled) right-hand side.
_BUDGET_TOLERANCE = 1e-6

BUDGET_FACTORS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)

# Reasons an intervention is not in the plan (the `reason` column of `not_chosen`).
# English in the summary; translated where a page shows them.
REASON_NO_GAP = N_("no gap left")
REASON_NOT_ASSESSED = N_("nothing assessed where it applies")
REASON_OVER_BUDGET = N_("over budget")
REASON_PREREQUISITE = N_("prerequisite not affordable")
REASON_CYCLE = N_("prerequisite cyclic")
REASON_HORIZON = N_("does not fit in the horizon")
REASON_NOT_WORTH = N_("not worth it at this budget")
REASON_INVALID = N_("invalid catalogue entry")

MONEY_UNAVAILABLE = (
    "unavailable: there is no estimate of the annual cost of cybercrime (the impact stage "
    "was skipped or its estimate rests on too few respondents), so avoided losses and ROSI "
    "are not computed"
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PlanEvaluation:
    """What a plan (intervention -> start year) costs and buys, recomputed from scratch.

    Attributes:
        objective: overall-score-point-years (docs/methods.md §3).
        score_by_year: today's overall score, then years 1..H (None when nothing is
            assessed).
        spend_by_year_usd: spending in years 1..H.
        total_cost_usd: the sum of ``spend_by_year_usd``.
        plan: one row per chosen intervention: intervention_id, name, pillar,
            start_year, end_year, entities, capex_usd (total), opex_usd (total over
            the horizon), cost_usd, loss_reduction.
        spending: long table year, intervention_id, pillar, kind (build/run), usd.
        gap_closure: per year: year, closed (score points the interventions in effect
            add), score (the overall score reached), closure_share (of the points
            closing every gap would add), open_pairs (assessed pairs still short of
            target).
        avoided_loss: per year: year, risk_reduction R(t), avoided_loss_usd (NaN
            without an annual cost).
        avoided_loss_usd: sum of the yearly avoided losses (None without a cost).
        rosi: (avoided_loss_usd - total_cost_usd) / total_cost_usd (None without a
            cost or when nothing is spent).
        money_ranges: the Monte Carlo 90% ranges of the money figures (None without
            a cost).
        violations: every broken rule (budget, prerequisite, horizon, n_i = 0,
            unknown id); empty for a feasible plan.
    """

    objective: float
    score_by_year: list[float] | None
    spend_by_year_usd: list[float]
    total_cost_usd: float
    plan: pd.DataFrame
    spending: pd.DataFrame
    gap_closure: pd.DataFrame
    avoided_loss: pd.DataFrame
    avoided_loss_usd: float | None
    rosi: float | None
    money_ranges: money.MoneyRanges | None
    violations: list[str]

    @property
    def feasible(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Roadmap:
    """The chosen roadmap and everything needed to explain it.

    Attributes:
        status: ``optimal`` (within 0.5% of the best plan), ``stopped_early`` (the
            time limit was hit; ``mip_gap`` says how far from proven optimal),
            ``empty`` (nothing can be done: no gap, budget or horizon too small) or
            ``infeasible`` (the inputs contradict themselves, e.g. a prerequisite
            cycle).
        message: one plain sentence on the outcome.
        summary: the ``business_case`` block of summary.json.
        evaluation: the plan recomputed by ``evaluate_plan``.
        not_chosen: intervention_id, name, pillar, reason, detail for every
            intervention not in the plan.
        interventions: the catalogue with d (years) and n (entities) per intervention.
        mip_gap: the solver's final relative gap (None when no MILP was solved).
        levels: the framework's level scale the scores are on.
        annual_cost_se_usd: the standard error of ``annual_cost_usd``.
    """

    status: str
    message: str
    summary: BusinessCaseSummary
    evaluation: PlanEvaluation
    not_chosen: pd.DataFrame
    interventions: pd.DataFrame
    budget_usd_per_year: float
    horizon_years: int
    annual_cost_usd: float | None
    mip_gap: float | None = None
    levels: Levels = DEFAULT_LEVELS
    annual_cost_se_usd: float | None = None

    @property
    def score_today(self) -> float | None:
        """Today's overall score (of whatever was assessed, before the coverage rule)."""
        path = self.summary["score_by_year"]
        return None if path is None else path[0]

    @property
    def plan(self) -> pd.DataFrame:
        return self.evaluation.plan

    @property
    def spending(self) -> pd.DataFrame:
        return self.evaluation.spending

    @property
    def gap_closure(self) -> pd.DataFrame:
        return self.evaluation.gap_closure

    @property
    def avoided_loss(self) -> pd.DataFrame:
        return self.evaluation.avoided_loss


# --------------------------------------------------------------------------- evaluation


def evaluate_plan(
    pairs: pd.DataFrame,
    interventions: pd.DataFrame,
    plan: Mapping[str, int],
    *,
    horizon_years: int,
    budget_usd_per_year: float | None = None,
    annual_cost_usd: float | None = None,
    annual_cost_se_usd: float | None = None,
    levels: Levels = DEFAULT_LEVELS,
) -> PlanEvaluation:
    """Recompute cost, objective, score path and benefits of a plan from the method's
    definitions.

    Args:
        pairs: the assessment pairs (``workbench.gaps.assessment_pairs``).
        interventions: the catalogue (interventions.csv as loaded).
        plan: intervention_id -> start year (1..H).
        horizon_years: H.
        budget_usd_per_year: when given, years spending more are reported as violations.
        annual_cost_usd: the national annual cost of cybercrime (None: no money figures).
        annual_cost_se_usd: its standard error, for the ranges of the money figures.
        levels: the framework's level scale (the value of a pair depends on it).

    Returns:
        The plan's evaluation; ``violations`` lists every rule it breaks.
    """
    prep = prepare(pairs, interventions, levels)
    return _evaluate(prep, dict(plan), horizon_years, budget_usd_per_year, annual_cost_usd,
                     annual_cost_se_usd)


def _evaluate(
    prep: Prepared,
    plan: dict[str, int],
    horizon: int,
    budget: float | None,
    annual_cost: float | None,
    annual_cost_se: float | None = None,
) -> PlanEvaluation:
    position = {iid: k for k, iid in enumerate(prep.ids)}
    violations = [f"{iid}: not in the catalogue" for iid in plan if iid not in position]
    starts = np.zeros(len(prep.ids), dtype=int)
    for iid, start in plan.items():
        if iid in position:
            starts[position[iid]] = int(start)

    chosen = np.flatnonzero(starts > 0)
    for k in np.flatnonzero(starts < 0):
        violations.append(f"{prep.ids[k]}: start year {starts[k]} is before year 1")
    ends = starts + prep.d - 1
    for k in chosen:
        iid = prep.ids[k]
        if ends[k] > horizon:
            violations.append(f"{iid}: ends in year {ends[k]}, after the horizon of {horizon} years")
        if prep.n[k] == 0:
            violations.append(f"{iid}: has no gap to close (n = 0) and cannot be chosen")
        for j in prep.requires[k]:
            if prep.n[j] == 0:
                continue  # already in place
            if starts[j] <= 0:
                violations.append(f"{iid}: requires {prep.ids[j]}, which is not in the plan")
            elif starts[j] + prep.d[j] > starts[k]:
                violations.append(
                    f"{iid}: starts in year {starts[k]} before its prerequisite "
                    f"{prep.ids[j]} is complete (end of year {ends[j]})"
                )
        for j in prep.unknown_requires[k]:
            violations.append(f"{iid}: requires {j}, which is not in the catalogue")

    valid_starts = np.where(starts > 0, starts, 0)
    build, run = spend_matrix(prep, valid_starts, horizon)
    spend = build.sum(axis=0) + run.sum(axis=0)
    if budget is not None:
        for t in np.flatnonzero(spend > budget * (1 + _BUDGET_TOLERANCE) + 1e-6):
            violations.append(
                f"year {t + 1}: spending {spend[t]:,.0f} USD exceeds the budget of {budget:,.0f} USD"
            )

    closed = objective_by_year(prep, valid_starts, horizon)
    objective = float(closed.sum())
    total_weighted_gap = float(prep.pair_weight @ prep.pair_gap)
    effect = in_effect(prep, valid_starts, horizon)
    if prep.closure.size:
        best = (prep.closure[:, :, None] * effect[None, :, :]).max(axis=1)
        open_pairs = ((prep.pair_gap[:, None] - best) > 0).sum(axis=0)
    else:
        open_pairs = np.zeros(horizon, dtype=int)
    score_path = (None if prep.score_today is None
                  else [prep.score_today, *(prep.score_today + closed).tolist()])
    gap_closure = pd.DataFrame({
        "year": np.arange(1, horizon + 1),
        "closed": closed,
        "score": np.nan if score_path is None else np.asarray(score_path[1:]),
        "closure_share": closed / total_weighted_gap if total_weighted_gap > 0 else np.zeros(horizon),
        "open_pairs": open_pairs.astype(int),
    })

    # Interventions in effect combine as R(t) = 1 - prod(1 - lr_i).
    risk_reduction = 1.0 - np.prod(np.where(effect, 1.0 - prep.loss_reduction[:, None], 1.0), axis=0)
    total_cost = float(spend.sum())
    ranges = None
    if annual_cost is None:
        avoided_by_year = np.full(horizon, np.nan)
        avoided_total, rosi = None, None
    else:
        avoided_by_year = float(annual_cost) * risk_reduction
        avoided_total = float(avoided_by_year.sum())
        rosi = (avoided_total - total_cost) / total_cost if total_cost > 0 else None
        ranges = money.money_ranges(
            effect[chosen], prep.loss_reduction[chosen], prep.loss_reduction_low[chosen],
            prep.loss_reduction_high[chosen], annual_cost_usd=float(annual_cost),
            annual_cost_se_usd=annual_cost_se, total_cost_usd=total_cost)
    avoided_loss = pd.DataFrame({
        "year": np.arange(1, horizon + 1),
        "risk_reduction": risk_reduction,
        "avoided_loss_usd": avoided_by_year,
    })

    cat = prep.catalogue
    plan_frame = pd.DataFrame({
        "intervention_id": [prep.ids[k] for k in chosen],
        "name": cat["name"].to_numpy()[chosen],
        "pillar": cat["pillar"].to_numpy()[chosen],
        "start_year": starts[chosen].astype(int),
        "end_year": ends[chosen].astype(int),
        "entities": prep.n[chosen].astype(int),
        "capex_usd": build[chosen].sum(axis=1),
        "opex_usd": run[chosen].sum(axis=1),
        "cost_usd": build[chosen].sum(axis=1) + run[chosen].sum(axis=1),
        "loss_reduction": prep.loss_reduction[chosen],
        "loss_reduction_low": prep.loss_reduction_low[chosen],
        "loss_reduction_high": prep.loss_reduction_high[chosen],
        "points": _marginal_points(prep, valid_starts, horizon, chosen),
    }).sort_values(["start_year", "intervention_id"], kind="stable").reset_index(drop=True)

    years = np.arange(1, horizon + 1)
    spending = pd.concat([
        pd.DataFrame({
            "year": np.tile(years, len(chosen)),
            "intervention_id": np.repeat([prep.ids[k] for k in chosen], horizon),
            "pillar": np.repeat(cat["pillar"].to_numpy()[chosen], horizon),
            "kind": kind,
            "usd": matrix[chosen].ravel(),
        })
        for kind, matrix in (("build", build), ("run", run))
    ], ignore_index=True)
    spending = spending[spending["usd"] > 0].reset_index(drop=True)

    return PlanEvaluation(
        objective=objective,
        score_by_year=score_path,
        spend_by_year_usd=[float(v) for v in spend],
        total_cost_usd=total_cost,
        plan=plan_frame,
        spending=spending,
        gap_closure=gap_closure,
        avoided_loss=avoided_loss,
        avoided_loss_usd=avoided_total,
        rosi=rosi,
        money_ranges=ranges,
        violations=violations,
    )


def _final_points(prep: Prepared, starts: np.ndarray, horizon: int) -> float:
    """Score points the plan's interventions in effect add by the final year."""
    return float(objective_by_year(prep, starts, horizon)[-1]) if horizon >= 1 else 0.0


def _marginal_points(prep: Prepared, starts: np.ndarray, horizon: int,
                     chosen: np.ndarray) -> np.ndarray:
    """For each chosen intervention, the score points by the final year it adds on top
    of the rest of the plan (what the score would lose without it)."""
    whole = _final_points(prep, starts, horizon)
    out = np.zeros(len(chosen))
    for position, k in enumerate(chosen):
        without = starts.copy()
        without[k] = 0
        out[position] = whole - _final_points(prep, without, horizon)
    return out


# --------------------------------------------------------------------------- screening


def find_prerequisite_cycle(interventions: pd.DataFrame) -> list[str] | None:
    """A prerequisite cycle of the catalogue as ``[a, b, ..., a]``, or None."""
    graph = {
        str(iid).strip(): [j for j in split_ids(reqs)]
        for iid, reqs in zip(interventions["intervention_id"], interventions["requires"])
    }
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        # graphlib names the cycle in dependency order ending where it started;
        # reversed it reads "a requires b requires ... requires a".
        return list(reversed(exc.args[1]))
    return None


def _screen(prep: Prepared, budget: float, horizon: int) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[str, str]]]:
    """Which interventions can enter the model, their earliest start, and why not.

    Dropped interventions can never add to the objective: one that cannot be in
    effect before the horizon ends lifts nothing inside it (and cannot be a useful
    prerequisite either, since its dependants would end even later).
    """
    m = len(prep.ids)
    eligible = np.zeros(m, dtype=bool)
    earliest = np.ones(m, dtype=int)
    reasons: dict[int, tuple[str, str]] = {}
    graph = {k: prep.requires[k] for k in range(m)}
    for k in graphlib.TopologicalSorter(graph).static_order():
        if prep.reach[k] == 0:
            applies = str(prep.catalogue["applies_to"].iloc[k]).strip().lower()
            where = {"national": N_("the country as a whole"),
                     "government": N_("government bodies"),
                     "cni_operator": N_("CNI operators")}.get(applies, N_("any organisation"))
            reasons[k] = (REASON_NOT_ASSESSED, _(
                "it applies to {where}, and none of the indicators it lifts is assessed there "
                "in this framework").format(where=_(where)))
            continue
        if prep.n[k] == 0:
            reasons[k] = (REASON_NO_GAP, N_("every entity it applies to is already at the level "
                                            "it brings (or at target), or was not assessed"))
            continue
        if prep.unknown_requires[k]:
            reasons[k] = (REASON_INVALID, _("requires {ids}, not in the catalogue").format(
                ids=", ".join(prep.unknown_requires[k])))
            continue
        if prep.d[k] >= horizon:
            reasons[k] = (REASON_HORIZON, _(
                "takes {years} years; it would be in effect for no year of a {horizon}-year "
                "horizon").format(years=prep.d[k], horizon=horizon))
            continue
        build_peak = prep.capex_total[k] / prep.d[k]
        if build_peak > budget or prep.opex_total[k] > budget:
            which = (_("building it costs {amount} USD a year").format(
                         amount=format_number(build_peak)) if build_peak > budget
                     else _("running it costs {amount} USD a year").format(
                         amount=format_number(prep.opex_total[k])))
            reasons[k] = (REASON_OVER_BUDGET, _(
                "{which} for {count} entities, more than the budget of {budget} USD a year").format(
                which=which, count=prep.n[k], budget=format_number(budget)))
            continue
        blocking = [j for j in prep.requires[k] if prep.n[j] > 0 and not eligible[j]]
        if blocking:
            j = blocking[0]
            why, _detail = reasons[j]
            reason = REASON_HORIZON if why == REASON_HORIZON else REASON_PREREQUISITE
            reasons[k] = (reason, _("requires {id}, which cannot be done ({why})").format(
                id=prep.ids[j], why=_(why)))
            continue
        start = max([earliest[j] + prep.d[j] for j in prep.requires[k] if prep.n[j] > 0], default=1)
        earliest[k] = start
        if start + prep.d[k] > horizon:
            reasons[k] = (REASON_HORIZON, _(
                "after its prerequisites it can start in year {start} at the earliest and would "
                "be in effect for no year of the horizon").format(start=start))
            continue
        eligible[k] = True
    return eligible, earliest, reasons


# --------------------------------------------------------------------------- public


def plan_roadmap(
    pairs: pd.DataFrame,
    interventions: pd.DataFrame,
    *,
    budget_usd_per_year: float,
    horizon_years: int,
    annual_cost_usd: float | None = None,
    annual_cost_se_usd: float | None = None,
    levels: Levels = DEFAULT_LEVELS,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
) -> Roadmap:
    """The best roadmap the budget allows over the horizon (docs/methods.md §3).

    Args:
        pairs: assessment pairs from ``workbench.gaps.assessment_pairs``.
        interventions: the catalogue (interventions.csv as loaded).
        budget_usd_per_year: the most that may be spent in any one year, USD.
        horizon_years: H, the number of years planned.
        annual_cost_usd: the estimated annual cost of cybercrime (USD), or None when
            the impact stage did not run; money benefits are then unavailable.
        annual_cost_se_usd: its design-based standard error (None: the annual cost is
            taken as certain in the ranges of the money figures).
        levels: the framework's level scale (the value of a pair depends on it).
        time_limit_seconds: stop the solver after this long and keep its best plan
            (``status`` then says ``stopped_early`` and ``mip_gap`` how close it is).

    Returns:
        A ``Roadmap``. Inputs that admit no plan (a prerequisite cycle, a budget too
        small for anything, a horizon shorter than every duration) give an empty
        plan and a message saying why; they never raise.
    """
    budget = float(budget_usd_per_year)
    horizon = int(horizon_years)
    cost = None if annual_cost_usd is None or not np.isfinite(annual_cost_usd) else float(annual_cost_usd)
    se = (float(annual_cost_se_usd) if annual_cost_se_usd is not None and np.isfinite(annual_cost_se_usd)
          else None)
    prep = prepare(pairs, interventions, levels)
    empty_starts: dict[str, int] = {}

    def finish(status: str, message: str, starts: dict[str, int], reasons: dict[int, tuple[str, str]],
               mip_gap: float | None = None) -> Roadmap:
        evaluation = _evaluate(prep, starts, max(horizon, 1), budget, cost, se)
        not_chosen = _not_chosen_frame(prep, starts, reasons)
        return Roadmap(
            status=status, message=message,
            summary=_summary(evaluation, budget, horizon, cost, status, message),
            evaluation=evaluation, not_chosen=not_chosen,
            interventions=prep.catalogue, budget_usd_per_year=budget,
            horizon_years=horizon, annual_cost_usd=cost, mip_gap=mip_gap,
            levels=levels, annual_cost_se_usd=se,
        )

    if horizon < 1 or not np.isfinite(budget) or budget < 0:
        reasons = {k: (REASON_INVALID, "the budget or horizon is not usable") for k in range(len(prep.ids))}
        return finish("infeasible", f"A budget of {budget} USD a year over {horizon} years cannot "
                      "be planned: the budget must be 0 or more and the horizon at least 1 year.",
                      empty_starts, reasons)
    if prep.duplicate_ids:
        reasons = {k: (REASON_INVALID, "intervention ids repeat in the catalogue") for k in range(len(prep.ids))}
        return finish("infeasible", "The catalogue repeats intervention ids: "
                      + ", ".join(prep.duplicate_ids) + ". Each id must be unique.", empty_starts, reasons)
    cycle = find_prerequisite_cycle(prep.catalogue)
    if cycle is not None:
        in_cycle = set(cycle)
        reasons = {
            k: (REASON_CYCLE, "part of the cycle " + " -> ".join(cycle)) if iid in in_cycle
            else (REASON_CYCLE, "no plan is made while the catalogue has a prerequisite cycle")
            for k, iid in enumerate(prep.ids)
        }
        return finish("infeasible", "No plan: the catalogue's prerequisites form a cycle ("
                      + " requires ".join(cycle) + "). Remove one of these requirements.",
                      empty_starts, reasons)

    eligible, earliest, reasons = _screen(prep, budget, horizon)
    if not eligible.any():
        return finish("empty", _empty_message(prep, reasons, budget, horizon), empty_starts, reasons)

    solution = solve(prep, eligible, earliest, budget, horizon, time_limit_seconds)
    if solution.status == "failed":
        return finish("infeasible", "No plan: " + solution.message, empty_starts, reasons)
    starts = prune(prep, solution.starts, horizon)
    plan = {prep.ids[k]: int(starts[k]) for k in np.flatnonzero(starts > 0)}
    for k in np.flatnonzero(eligible & (starts == 0)):
        reasons[k] = (REASON_NOT_WORTH, _not_worth_detail(prep, starts, k, horizon))
    chosen = len(plan)
    message = (
        f"{chosen} of {len(prep.ids)} interventions fit a budget of {budget:,.0f} USD a year over "
        f"{horizon} years."
    )
    if solution.status == "stopped_early":
        message += (f" The solver stopped at its time limit; the plan is within "
                    f"{100 * (solution.mip_gap or 0):.1f}% of the best possible.")
    return finish(solution.status, message, plan, reasons, solution.mip_gap)


def _not_worth_detail(prep: Prepared, starts: np.ndarray, k: int, horizon: int) -> str:
    effect = in_effect(prep, starts, horizon)
    best = (prep.closure[:, :, None] * effect[None, :, :]).max(axis=1)[:, -1] if prep.closure.size else 0
    if np.all(prep.closure[:, k] <= best):
        return N_("the chosen interventions already lift its gaps as far by the final year")
    return N_("the budget adds more to the overall score when spent on the chosen interventions")


def _empty_message(prep: Prepared, reasons: dict[int, tuple[str, str]], budget: float, horizon: int) -> str:
    counts = pd.Series([why for why, _ in reasons.values()]).value_counts()
    if prep.closure.shape[0] == 0:
        return "No plan: no assessed (entity, indicator) pair, so there is no gap to close."
    if counts.get(REASON_NO_GAP, 0) + counts.get(REASON_NOT_ASSESSED, 0) == len(prep.ids):
        return "No plan: the catalogue has nothing to close; every gap it covers is already closed."
    live = prep.n > 0
    if live.any() and (prep.d[live] >= horizon).all():
        return (f"No plan: a horizon of {horizon} years is too short; every intervention with a gap "
                f"to close takes at least {int(prep.d[live].min())} years and would be in effect for "
                "no year of the horizon.")
    if counts.get(REASON_OVER_BUDGET, 0) and not counts.get(REASON_HORIZON, 0):
        cheapest = np.min(np.maximum(prep.capex_total[live] / prep.d[live], prep.opex_total[live]))
        return (f"No plan: a budget of {budget:,.0f} USD a year is too small for any intervention; "
                f"the cheapest needs {cheapest:,.0f} USD in its costliest year.")
    parts = ", ".join(f"{int(v)} {k}" for k, v in counts.items())
    return f"No plan: no intervention can be done within the budget and horizon ({parts})."


def _not_chosen_frame(prep: Prepared, plan: Mapping[str, int], reasons: dict[int, tuple[str, str]]) -> pd.DataFrame:
    rows = []
    for k, iid in enumerate(prep.ids):
        if iid in plan:
            continue
        why, detail = reasons.get(k, (REASON_NOT_WORTH, ""))
        rows.append({
            "intervention_id": iid,
            "name": prep.catalogue["name"].iloc[k],
            "pillar": prep.catalogue["pillar"].iloc[k],
            "reason": why,
            "detail": detail,
        })
    return pd.DataFrame(rows, columns=["intervention_id", "name", "pillar", "reason", "detail"])


def _summary(evaluation: PlanEvaluation, budget: float, horizon: int, cost: float | None,
             status: str, message: str) -> BusinessCaseSummary:
    ranges = evaluation.money_ranges
    block: BusinessCaseSummary = {
        "budget_usd_per_year": budget,
        "horizon_years": horizon,
        "plan": [
            {
                "intervention_id": str(iid),
                "start_year": int(start),
                "end_year": int(end),
                "entities": int(entities),
                "cost_usd": float(plan_cost),
            }
            for iid, start, end, entities, plan_cost in zip(
                evaluation.plan["intervention_id"].tolist(), evaluation.plan["start_year"].tolist(),
                evaluation.plan["end_year"].tolist(), evaluation.plan["entities"].tolist(),
                evaluation.plan["cost_usd"].tolist(),
            )
        ],
        "spend_by_year_usd": list(evaluation.spend_by_year_usd),
        "objective": evaluation.objective,
        "score_by_year": evaluation.score_by_year,
        "total_cost_usd": evaluation.total_cost_usd,
        "avoided_loss_usd": evaluation.avoided_loss_usd,
        "rosi": evaluation.rosi,
        "avoided_loss_usd_interval": (None if ranges is None else ranges.avoided_loss_usd),
        "rosi_interval": None if ranges is None else ranges.rosi,
        # Why the plan is what it is (an empty plan says why, in plain words).
        "status": status,
        "message": message,
    }
    if cost is None:
        block["money_benefits"] = MONEY_UNAVAILABLE
    return block


def budget_curve(
    pairs: pd.DataFrame,
    interventions: pd.DataFrame,
    *,
    budget_usd_per_year: float,
    horizon_years: int,
    annual_cost_usd: float | None,
    annual_cost_se_usd: float | None = None,
    levels: Levels = DEFAULT_LEVELS,
    factors: Iterable[float] = BUDGET_FACTORS,
) -> pd.DataFrame:
    """Re-solve the roadmap at multiples of the budget.

    Returns:
        One row per factor: factor, budget_usd_per_year, objective (score-point-years),
        score_today, score_final (the overall score reached by year H), points_gained
        (score_final - score_today), total_cost_usd, avoided_loss_usd, rosi, rosi_p05,
        rosi_p95, p_positive (NaN where unavailable), interventions (count), status.
    """
    rows = []
    for factor in factors:
        roadmap = plan_roadmap(
            pairs, interventions,
            budget_usd_per_year=float(budget_usd_per_year) * float(factor),
            horizon_years=horizon_years, annual_cost_usd=annual_cost_usd,
            annual_cost_se_usd=annual_cost_se_usd, levels=levels,
        )
        s = roadmap.summary
        path = s["score_by_year"] or [np.nan]
        interval = s["rosi_interval"] or {}
        rows.append({
            "factor": float(factor),
            "budget_usd_per_year": s["budget_usd_per_year"],
            "objective": s["objective"],
            "score_today": path[0],
            "score_final": path[-1],
            "points_gained": path[-1] - path[0],
            "total_cost_usd": s["total_cost_usd"],
            "avoided_loss_usd": np.nan if s["avoided_loss_usd"] is None else s["avoided_loss_usd"],
            "rosi": np.nan if s["rosi"] is None else s["rosi"],
            "rosi_p05": interval.get("p05", np.nan),
            "rosi_p95": interval.get("p95", np.nan),
            "p_positive": interval.get("p_positive", np.nan),
            "interventions": len(s["plan"]),
            "status": roadmap.status,
        })
    return pd.DataFrame(rows)


def explain_left_out(
    pairs: pd.DataFrame,
    interventions: pd.DataFrame,
    roadmap: Roadmap,
    *,
    time_limit_seconds: float = EXPLAIN_TIME_LIMIT_SECONDS,
) -> pd.DataFrame:
    """What each intervention left out would add, cost and displace.

    For every intervention not in the plan: ``points``, the overall-score points it
    would add by the final year on top of the plan, were it complete by then (NaN when
    it can never be in effect); ``cost_usd``, what it would cost over the horizon
    started as early as it can; and, for one left out as not worth it at this budget,
    the best plan that must include it (the MILP re-solved with it forced in):
    ``displaced`` (the interventions of the plan that would have to go),
    ``score_final_with`` (the score that plan reaches by the final year) and
    ``objective_with`` (its score-point-years, against the plan's ``objective``).

    Returns:
        Columns intervention_id, reason, points, cost_usd, displaced (ids joined by
        ", "), score_final_with, objective_with; one row per intervention left out.
    """
    horizon = roadmap.horizon_years
    prep = prepare(pairs, interventions, roadmap.levels)
    columns = ["intervention_id", "reason", "points", "cost_usd", "displaced",
               "score_final_with", "objective_with"]
    if horizon < 1 or prep.duplicate_ids or find_prerequisite_cycle(prep.catalogue) is not None:
        return pd.DataFrame(columns=columns)
    position = {iid: k for k, iid in enumerate(prep.ids)}
    starts = np.zeros(len(prep.ids), dtype=int)
    for row in roadmap.summary["plan"]:
        starts[position[row["intervention_id"]]] = row["start_year"]
    eligible, earliest, _ = _screen(prep, roadmap.budget_usd_per_year, horizon)
    effect = in_effect(prep, starts, horizon)
    best = ((prep.closure[:, :, None] * effect[None, :, :]).max(axis=1)[:, -1]
            if prep.closure.size else np.zeros(0))
    today = prep.score_today
    rows = []
    for reason in roadmap.not_chosen.itertuples(index=False):
        k = position[reason.intervention_id]
        in_effect_years = horizon - (earliest[k] + prep.d[k]) + 1
        points = (float(prep.pair_weight @ np.maximum(0.0, prep.closure[:, k] - best))
                  if prep.closure.size and in_effect_years >= 1 else np.nan)
        cost = float(prep.capex_total[k] + prep.opex_total[k] * max(0, in_effect_years))
        displaced, final_with, objective_with = "", np.nan, np.nan
        if reason.reason == REASON_NOT_WORTH and eligible[k]:
            solution = solve(prep, eligible, earliest, roadmap.budget_usd_per_year, horizon,
                              time_limit_seconds, forced=k)
            if solution.status != "failed":
                gone = [prep.ids[j] for j in np.flatnonzero((starts > 0) & (solution.starts == 0))]
                displaced = ", ".join(gone) if gone else "nothing"
                by_year = objective_by_year(prep, solution.starts, horizon)
                objective_with = float(by_year.sum())
                final_with = np.nan if today is None else today + float(by_year[-1])
        rows.append({"intervention_id": reason.intervention_id, "reason": reason.reason,
                     "points": points, "cost_usd": cost, "displaced": displaced,
                     "score_final_with": final_with, "objective_with": objective_with})
    return pd.DataFrame(rows, columns=columns)
