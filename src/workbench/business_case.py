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
- objective = sum over pairs of w(pair) * sum over t of max{r(pair, i): i chosen and
  in effect in year t}, w = criticality * indicator weight * pillar weight.

The plan comes from a mixed-integer linear programme solved with HiGHS
(``scipy.optimize.milp``) to within 0.5% of the optimum. The "max" is modelled
exactly by level indicators: max_i r(pair, i) in year t equals the number of
levels l = 1..5 for which some chosen intervention with r(pair, i) >= l is in
effect, so each (pair, level) needs one continuous variable bounded by the sum of
the in-effect variables of the interventions reaching that level. (pair, level)
rows that name the same set of interventions are merged, weights added, which
keeps the model small (a few hundred rows for a country of 60 entities).

Every figure published is recomputed from the plan itself by ``evaluate_plan``.
"""

from __future__ import annotations

import graphlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from workbench.crosswalk import split_ids
from workbench.formatting import (
    format_number,
    format_pct,
    format_usd,
    format_years,
    not_available,
)
from workbench.i18n import N_, _, current_language
from workbench.summary_types import BusinessCaseSummary

# The plan is optimal to within this share of the objective (docs/methods.md §3).
OPTIMALITY_GAP = 0.005
# HiGHS' stopping gap is set a little tighter than the promise so that the small
# cost tie-break added to the objective can never eat into it.
_SOLVER_GAP = 0.004
DEFAULT_TIME_LIMIT_SECONDS = 30.0
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

_INTERVENTION_COLUMNS = (
    "intervention_id", "name", "pillar", "indicators", "applies_to", "raises_to",
    "capex_usd", "opex_usd_per_year", "duration_months", "requires", "loss_reduction",
)
_PAIR_COLUMNS = (
    "entity_id", "entity_type", "criticality", "indicator_id", "indicator_weight",
    "pillar_weight", "level", "target", "gap", "assessed",
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PlanEvaluation:
    """What a plan (intervention -> start year) costs and buys, recomputed from scratch.

    Attributes:
        objective: priority-weighted gap-closure-years (docs/methods.md §3).
        spend_by_year_usd: spending in years 1..H.
        total_cost_usd: the sum of ``spend_by_year_usd``.
        plan: one row per chosen intervention: intervention_id, name, pillar,
            start_year, end_year, entities, capex_usd (total), opex_usd (total over
            the horizon), cost_usd, loss_reduction.
        spending: long table year, intervention_id, pillar, kind (build/run), usd.
        gap_closure: per year: year, closed (weighted closure in effect),
            closure_share (of the total weighted gap), open_pairs (assessed pairs
            still short of target).
        avoided_loss: per year: year, risk_reduction R(t), avoided_loss_usd (NaN
            without an annual cost).
        avoided_loss_usd: sum of the yearly avoided losses (None without a cost).
        rosi: (avoided_loss_usd - total_cost_usd) / total_cost_usd (None without a
            cost or when nothing is spent).
        violations: every broken rule (budget, prerequisite, horizon, n_i = 0,
            unknown id); empty for a feasible plan.
    """

    objective: float
    spend_by_year_usd: list[float]
    total_cost_usd: float
    plan: pd.DataFrame
    spending: pd.DataFrame
    gap_closure: pd.DataFrame
    avoided_loss: pd.DataFrame
    avoided_loss_usd: float | None
    rosi: float | None
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


# --------------------------------------------------------------------------- preparation


def duration_years(duration_months: Iterable[int]) -> np.ndarray:
    """d = ceil(duration_months / 12), at least 1."""
    months = np.asarray(list(duration_months), dtype=float)
    return np.maximum(1, np.ceil(months / 12.0)).astype(int)


@dataclass(frozen=True)
class _Prepared:
    """The catalogue and the assessed pairs as arrays, shared by solver and evaluator."""

    catalogue: pd.DataFrame  # interventions with columns d, n, position
    ids: list[str]
    d: np.ndarray  # years per intervention
    n: np.ndarray  # entities with some closure
    capex_total: np.ndarray  # capex_usd * n
    opex_total: np.ndarray  # opex_usd_per_year * n
    loss_reduction: np.ndarray
    requires: list[list[int]]  # prerequisite positions (catalogue ids only)
    unknown_requires: list[list[str]]
    closure: np.ndarray  # [pairs, interventions] r(pair, i)
    pair_weight: np.ndarray  # w(pair) per assessed pair
    pair_gap: np.ndarray  # gap per assessed pair
    duplicate_ids: list[str]
    # assessed pairs each intervention reaches (its indicators, for the entities it applies to)
    reach: np.ndarray


def _prepare(pairs: pd.DataFrame, interventions: pd.DataFrame) -> _Prepared:
    missing = [c for c in _INTERVENTION_COLUMNS if c not in interventions.columns]
    if missing:
        raise ValueError(f"interventions lack columns: {', '.join(missing)}")
    missing = [c for c in _PAIR_COLUMNS if c not in pairs.columns]
    if missing:
        raise ValueError(f"pairs lack columns: {', '.join(missing)}")

    catalogue = interventions.reset_index(drop=True).copy()
    catalogue["intervention_id"] = catalogue["intervention_id"].astype(str).str.strip()
    ids = catalogue["intervention_id"].tolist()
    duplicate_ids = sorted(set(catalogue["intervention_id"][catalogue["intervention_id"].duplicated()]))
    position = {iid: k for k, iid in enumerate(ids)}

    assessed = pairs[
        pairs["assessed"].fillna(False).astype(bool).to_numpy()
        & pairs["level"].notna().to_numpy()
        & pairs["target"].notna().to_numpy()
    ].reset_index(drop=True)
    level = assessed["level"].astype("float64").to_numpy()
    target = assessed["target"].astype("float64").to_numpy()
    weight = np.nan_to_num(
        assessed["criticality"].astype("float64").to_numpy()
        * assessed["indicator_weight"].astype("float64").to_numpy()
        * assessed["pillar_weight"].astype("float64").to_numpy()
    )
    gap = np.maximum(0.0, target - level)

    # One row per (intervention, indicator), joined to the pairs it can lift.
    links = pd.DataFrame({
        "position": np.arange(len(catalogue)),
        "indicator_id": catalogue["indicators"].map(split_ids),
        "applies_to": catalogue["applies_to"].astype(str).str.strip().str.lower(),
        "raises_to": catalogue["raises_to"].astype("float64").fillna(0.0),
    }).explode("indicator_id").dropna(subset=["indicator_id"])
    pair_keys = pd.DataFrame({
        "pair": np.arange(len(assessed)),
        "indicator_id": assessed["indicator_id"].astype(str).to_numpy(),
        "entity_type": assessed["entity_type"].astype(str).to_numpy(),
    })
    joined = pair_keys.merge(links, on="indicator_id", how="inner")
    joined = joined[(joined["applies_to"] == "all") | (joined["applies_to"] == joined["entity_type"])]
    pair_index = joined["pair"].to_numpy(dtype=int)
    r = np.maximum(
        0.0,
        np.minimum(joined["raises_to"].to_numpy(), target[pair_index]) - level[pair_index],
    )
    closure = np.zeros((len(assessed), len(catalogue)))
    # An intervention naming an indicator twice lifts it once: keep the larger value.
    np.maximum.at(closure, (pair_index, joined["position"].to_numpy(dtype=int)), r)

    reach = np.bincount(joined["position"].to_numpy(dtype=int), minlength=len(catalogue))
    entity_codes = pd.factorize(assessed["entity_id"])[0]
    lifted = closure > 0
    n = np.array([
        len(np.unique(entity_codes[lifted[:, k]])) for k in range(len(catalogue))
    ], dtype=int) if len(catalogue) else np.zeros(0, dtype=int)

    requires_ids = catalogue["requires"].map(split_ids).tolist()
    requires = [[position[j] for j in reqs if j in position] for reqs in requires_ids]
    unknown = [[j for j in reqs if j not in position] for reqs in requires_ids]

    d = duration_years(catalogue["duration_months"].astype("float64").fillna(12))
    capex = catalogue["capex_usd"].astype("float64").fillna(0.0).to_numpy()
    opex = catalogue["opex_usd_per_year"].astype("float64").fillna(0.0).to_numpy()
    catalogue["d"] = d
    catalogue["n"] = n
    return _Prepared(
        catalogue=catalogue,
        ids=ids,
        d=d,
        n=n,
        capex_total=capex * n,
        opex_total=opex * n,
        loss_reduction=catalogue["loss_reduction"].astype("float64").fillna(0.0).clip(0, 1).to_numpy(),
        requires=requires,
        unknown_requires=unknown,
        closure=closure,
        pair_weight=weight,
        pair_gap=gap,
        duplicate_ids=duplicate_ids,
        reach=reach,
    )


def _spend_matrix(prep: _Prepared, starts: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(build, run) spending [interventions, years] for start years (0 = not chosen)."""
    years = np.arange(1, horizon + 1)[None, :]
    chosen = (starts > 0)[:, None]
    s = starts[:, None]
    ends = s + prep.d[:, None] - 1
    running = chosen & (years >= s) & (years <= ends)
    in_effect = chosen & (years > ends)
    build = np.where(running, (prep.capex_total / prep.d)[:, None], 0.0)
    run = np.where(in_effect, prep.opex_total[:, None], 0.0)
    return build, run


def _in_effect(prep: _Prepared, starts: np.ndarray, horizon: int) -> np.ndarray:
    """[interventions, years] True where s_i + d_i <= t."""
    years = np.arange(1, horizon + 1)[None, :]
    return (starts > 0)[:, None] & (starts[:, None] + prep.d[:, None] <= years)


def _objective_by_year(prep: _Prepared, starts: np.ndarray, horizon: int) -> np.ndarray:
    """Weighted closure in effect in each year: sum_p w_p * max_i r(p,i) [i in effect]."""
    effect = _in_effect(prep, starts, horizon)
    if prep.closure.size == 0:
        return np.zeros(horizon)
    best = (prep.closure[:, :, None] * effect[None, :, :]).max(axis=1)  # [pairs, years]
    return prep.pair_weight @ best


# --------------------------------------------------------------------------- evaluation


def evaluate_plan(
    pairs: pd.DataFrame,
    interventions: pd.DataFrame,
    plan: Mapping[str, int],
    *,
    horizon_years: int,
    budget_usd_per_year: float | None = None,
    annual_cost_usd: float | None = None,
) -> PlanEvaluation:
    """Recompute cost, objective and benefits of a plan from the method's definitions.

    Args:
        pairs: the assessment pairs (``workbench.gaps.assessment_pairs``).
        interventions: the catalogue (interventions.csv as loaded).
        plan: intervention_id -> start year (1..H).
        horizon_years: H.
        budget_usd_per_year: when given, years spending more are reported as violations.
        annual_cost_usd: the national annual cost of cybercrime (None: no money figures).

    Returns:
        The plan's evaluation; ``violations`` lists every rule it breaks.
    """
    prep = _prepare(pairs, interventions)
    return _evaluate(prep, dict(plan), horizon_years, budget_usd_per_year, annual_cost_usd)


def _evaluate(
    prep: _Prepared,
    plan: dict[str, int],
    horizon: int,
    budget: float | None,
    annual_cost: float | None,
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
    build, run = _spend_matrix(prep, valid_starts, horizon)
    spend = build.sum(axis=0) + run.sum(axis=0)
    if budget is not None:
        for t in np.flatnonzero(spend > budget * (1 + _BUDGET_TOLERANCE) + 1e-6):
            violations.append(
                f"year {t + 1}: spending {spend[t]:,.0f} USD exceeds the budget of {budget:,.0f} USD"
            )

    closed = _objective_by_year(prep, valid_starts, horizon)
    objective = float(closed.sum())
    total_weighted_gap = float(prep.pair_weight @ prep.pair_gap)
    effect = _in_effect(prep, valid_starts, horizon)
    if prep.closure.size:
        best = (prep.closure[:, :, None] * effect[None, :, :]).max(axis=1)
        open_pairs = ((prep.pair_gap[:, None] - best) > 0).sum(axis=0)
    else:
        open_pairs = np.zeros(horizon, dtype=int)
    gap_closure = pd.DataFrame({
        "year": np.arange(1, horizon + 1),
        "closed": closed,
        "closure_share": closed / total_weighted_gap if total_weighted_gap > 0 else np.zeros(horizon),
        "open_pairs": open_pairs.astype(int),
    })

    # Interventions in effect combine as R(t) = 1 - prod(1 - lr_i).
    risk_reduction = 1.0 - np.prod(np.where(effect, 1.0 - prep.loss_reduction[:, None], 1.0), axis=0)
    total_cost = float(spend.sum())
    if annual_cost is None:
        avoided_by_year = np.full(horizon, np.nan)
        avoided_total, rosi = None, None
    else:
        avoided_by_year = float(annual_cost) * risk_reduction
        avoided_total = float(avoided_by_year.sum())
        rosi = (avoided_total - total_cost) / total_cost if total_cost > 0 else None
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
        spend_by_year_usd=[float(v) for v in spend],
        total_cost_usd=total_cost,
        plan=plan_frame,
        spending=spending,
        gap_closure=gap_closure,
        avoided_loss=avoided_loss,
        avoided_loss_usd=avoided_total,
        rosi=rosi,
        violations=violations,
    )


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


def _screen(prep: _Prepared, budget: float, horizon: int) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[str, str]]]:
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
            where = {"national": "the country as a whole", "government": "government bodies",
                     "cni_operator": "CNI operators"}.get(applies, "any organisation")
            reasons[k] = (REASON_NOT_ASSESSED, f"it applies to {where}, and none of the indicators "
                          "it lifts is assessed there in this framework")
            continue
        if prep.n[k] == 0:
            reasons[k] = (REASON_NO_GAP, "every entity it applies to is already at the level it "
                          "brings (or at target), or was not assessed")
            continue
        if prep.unknown_requires[k]:
            reasons[k] = (REASON_INVALID, "requires " + ", ".join(prep.unknown_requires[k])
                          + ", not in the catalogue")
            continue
        if prep.d[k] >= horizon:
            reasons[k] = (REASON_HORIZON, f"takes {prep.d[k]} years; it would be in effect for no "
                          f"year of a {horizon}-year horizon")
            continue
        build_peak = prep.capex_total[k] / prep.d[k]
        if build_peak > budget or prep.opex_total[k] > budget:
            which = (f"building it costs {build_peak:,.0f} USD a year" if build_peak > budget
                     else f"running it costs {prep.opex_total[k]:,.0f} USD a year")
            reasons[k] = (REASON_OVER_BUDGET, f"{which} for {prep.n[k]} entities, more than the "
                          f"budget of {budget:,.0f} USD a year")
            continue
        blocking = [j for j in prep.requires[k] if prep.n[j] > 0 and not eligible[j]]
        if blocking:
            j = blocking[0]
            why, _detail = reasons[j]
            reason = REASON_HORIZON if why == REASON_HORIZON else REASON_PREREQUISITE
            reasons[k] = (reason, f"requires {prep.ids[j]}, which cannot be done ({why})")
            continue
        start = max([earliest[j] + prep.d[j] for j in prep.requires[k] if prep.n[j] > 0], default=1)
        earliest[k] = start
        if start + prep.d[k] > horizon:
            reasons[k] = (REASON_HORIZON, f"after its prerequisites it can start in year {start} at "
                          f"the earliest and would be in effect for no year of the horizon")
            continue
        eligible[k] = True
    return eligible, earliest, reasons


# --------------------------------------------------------------------------- the MILP


def _unique_level_sets(prep: _Prepared, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge (pair, level) rows naming the same set of interventions.

    Returns (membership [sets, len(columns)] bool, weight per set). The max over
    interventions of r(pair, i) is the count of levels l reached, so row (pair, l)
    is satisfied by any in-effect intervention in {i : r(pair, i) >= l}.
    """
    closure = prep.closure[:, columns]
    if closure.size == 0:
        return np.zeros((0, len(columns)), dtype=bool), np.zeros(0)
    levels = np.arange(1, 6)
    reach = closure[:, None, :] >= levels[None, :, None]  # [pairs, levels, interventions]
    reach = reach.reshape(-1, len(columns))
    weights = np.repeat(prep.pair_weight, len(levels))
    keep = reach.any(axis=1) & (weights > 0)
    reach, weights = reach[keep], weights[keep]
    if reach.shape[0] == 0:
        return np.zeros((0, len(columns)), dtype=bool), np.zeros(0)
    packed = np.packbits(reach, axis=1)
    unique, inverse = np.unique(packed, axis=0, return_inverse=True)
    set_weight = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique))
    membership = np.unpackbits(unique, axis=1, count=len(columns)).astype(bool)
    return membership, set_weight


@dataclass(frozen=True)
class _Solution:
    starts: np.ndarray
    status: str
    mip_gap: float | None
    message: str


def _solve(
    prep: _Prepared,
    eligible: np.ndarray,
    earliest: np.ndarray,
    budget: float,
    horizon: int,
    time_limit: float,
) -> _Solution:
    cols = np.flatnonzero(eligible)
    # Decision x[i, s] = 1 when intervention i starts in year s; s only up to
    # H - d_i so that it is in effect for at least one year.
    var_int, var_start = [], []
    for k in cols:
        for s in range(earliest[k], horizon - prep.d[k] + 1):
            var_int.append(k)
            var_start.append(s)
    var_int = np.array(var_int, dtype=int)
    var_start = np.array(var_start, dtype=int)
    nx = len(var_int)
    years = np.arange(1, horizon + 1)
    d = prep.d[var_int]

    # Spending of each start option in each year.
    running = (years[None, :] >= var_start[:, None]) & (years[None, :] <= (var_start + d - 1)[:, None])
    effect = years[None, :] >= (var_start + d)[:, None]  # [x, years]
    spend = (np.where(running, (prep.capex_total[var_int] / d)[:, None], 0.0)
             + np.where(effect, prep.opex_total[var_int][:, None], 0.0))
    scale = budget if budget > 0 else 1.0

    membership, set_weight = _unique_level_sets(prep, cols)
    n_sets = len(set_weight)
    eff_years = years[years >= 2]  # nothing can be in effect in year 1
    nz = n_sets * len(eff_years)

    # Objective: maximise sum_S W_S * sum_t z[S, t]; a tie-break too small to trade
    # against any closure prefers the cheaper of equally good plans.
    min_weight = float(set_weight.min()) if n_sets else 1.0
    total = spend.sum(axis=1)
    tie = 1e-4 * min_weight * total / max(total.sum(), 1.0)
    c = np.concatenate([tie, -np.repeat(set_weight, len(eff_years))])

    rows = []
    lower, upper = [], []
    # (1) at most one start per intervention.
    col_of = {k: p for p, k in enumerate(cols)}
    one = sparse.csr_matrix(
        (np.ones(nx), (np.array([col_of[k] for k in var_int], dtype=int), np.arange(nx))),
        shape=(len(cols), nx + nz),
    )
    rows.append(one)
    lower.append(np.full(len(cols), -np.inf))
    upper.append(np.ones(len(cols)))
    # (2) budget each year (scaled to the budget for conditioning).
    rows.append(sparse.hstack([sparse.csr_matrix(spend.T / scale), sparse.csr_matrix((horizon, nz))]))
    lower.append(np.full(horizon, -np.inf))
    upper.append(np.full(horizon, budget / scale))
    # (3) z[S, t] <= sum of x[i, s] with i in S and s + d_i <= t.
    if nz:
        member_x = membership[:, [col_of[k] for k in var_int]].astype(float)  # [sets, x]
        blocks = []
        for t in eff_years:
            blocks.append(sparse.csr_matrix(-member_x * effect[:, t - 1][None, :]))
        link = sparse.vstack(blocks)  # rows ordered (t, S)
        # z ordered (S, t) in c; reorder rows to match.
        order = np.arange(nz).reshape(len(eff_years), n_sets).T.ravel()
        link = link[order]
        rows.append(sparse.hstack([link, sparse.identity(nz, format="csr")]))
        lower.append(np.full(nz, -np.inf))
        upper.append(np.zeros(nz))
    # (4) prerequisites: x[i, s] <= sum of x[j, s'] with s' + d_j <= s.
    pre_rows, pre_cols, pre_vals = [], [], []
    r = 0
    for v in range(nx):
        k = var_int[v]
        for j in prep.requires[k]:
            if prep.n[j] == 0:
                continue  # already in place
            ok = np.flatnonzero((var_int == j) & (var_start + prep.d[j] <= var_start[v]))
            pre_rows.extend([r] * (1 + len(ok)))
            pre_cols.extend([v, *ok.tolist()])
            pre_vals.extend([1.0] + [-1.0] * len(ok))
            r += 1
    if r:
        rows.append(sparse.csr_matrix((pre_vals, (pre_rows, pre_cols)), shape=(r, nx + nz)))
        lower.append(np.full(r, -np.inf))
        upper.append(np.zeros(r))

    constraints = LinearConstraint(sparse.vstack(rows, format="csr"),
                                   np.concatenate(lower), np.concatenate(upper))
    integrality = np.concatenate([np.ones(nx), np.zeros(nz)])
    result = milp(
        c,
        integrality=integrality,
        bounds=Bounds(np.zeros(nx + nz), np.ones(nx + nz)),
        constraints=constraints,
        options={"mip_rel_gap": _SOLVER_GAP, "time_limit": time_limit, "presolve": True},
    )
    starts = np.zeros(len(prep.ids), dtype=int)
    if result.x is None:
        return _Solution(starts, "failed", None, f"the solver found no plan ({result.message})")
    picked = np.flatnonzero(result.x[:nx] > 0.5)
    starts[var_int[picked]] = var_start[picked]
    gap = float(result.mip_gap) if result.mip_gap is not None else None
    status = "optimal" if result.status == 0 else "stopped_early"
    return _Solution(starts, status, gap, str(result.message))


def _prune(prep: _Prepared, starts: np.ndarray, horizon: int) -> np.ndarray:
    """Drop chosen interventions that add nothing to the objective and that no other
    chosen intervention requires (most expensive first); spending only falls."""
    starts = starts.copy()
    base = _objective_by_year(prep, starts, horizon).sum()
    total = prep.capex_total + prep.opex_total * horizon
    for k in sorted(np.flatnonzero(starts > 0), key=lambda k: -total[k]):
        needed = any(starts[i] > 0 and k in prep.requires[i] for i in range(len(starts)))
        if needed:
            continue
        trial = starts.copy()
        trial[k] = 0
        if _objective_by_year(prep, trial, horizon).sum() >= base - 1e-9 * max(1.0, abs(base)):
            starts = trial
    return starts


# --------------------------------------------------------------------------- public


def plan_roadmap(
    pairs: pd.DataFrame,
    interventions: pd.DataFrame,
    *,
    budget_usd_per_year: float,
    horizon_years: int,
    annual_cost_usd: float | None = None,
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
    prep = _prepare(pairs, interventions)
    empty_starts: dict[str, int] = {}

    def finish(status: str, message: str, starts: dict[str, int], reasons: dict[int, tuple[str, str]],
               mip_gap: float | None = None) -> Roadmap:
        evaluation = _evaluate(prep, starts, max(horizon, 1), budget, cost)
        not_chosen = _not_chosen_frame(prep, starts, reasons)
        return Roadmap(
            status=status, message=message,
            summary=_summary(evaluation, budget, horizon, cost, status, message),
            evaluation=evaluation, not_chosen=not_chosen,
            interventions=prep.catalogue, budget_usd_per_year=budget,
            horizon_years=horizon, annual_cost_usd=cost, mip_gap=mip_gap,
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

    solution = _solve(prep, eligible, earliest, budget, horizon, time_limit_seconds)
    if solution.status == "failed":
        return finish("infeasible", "No plan: " + solution.message, empty_starts, reasons)
    starts = _prune(prep, solution.starts, horizon)
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


def _not_worth_detail(prep: _Prepared, starts: np.ndarray, k: int, horizon: int) -> str:
    effect = _in_effect(prep, starts, horizon)
    best = (prep.closure[:, :, None] * effect[None, :, :]).max(axis=1)[:, -1] if prep.closure.size else 0
    if np.all(prep.closure[:, k] <= best):
        return "the chosen interventions already lift its gaps as far by the final year"
    return "the budget buys more gap closure when spent on the chosen interventions"


def _empty_message(prep: _Prepared, reasons: dict[int, tuple[str, str]], budget: float, horizon: int) -> str:
    counts = pd.Series([why for why, _detail in reasons.values()]).value_counts()
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


def _not_chosen_frame(prep: _Prepared, plan: Mapping[str, int], reasons: dict[int, tuple[str, str]]) -> pd.DataFrame:
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
        "total_cost_usd": evaluation.total_cost_usd,
        "avoided_loss_usd": evaluation.avoided_loss_usd,
        "rosi": evaluation.rosi,
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
    factors: Iterable[float] = BUDGET_FACTORS,
) -> pd.DataFrame:
    """Re-solve the roadmap at multiples of the budget.

    Returns:
        One row per factor: factor, budget_usd_per_year, objective, total_cost_usd,
        avoided_loss_usd, rosi (NaN where unavailable), interventions (count), status.
    """
    rows = []
    for factor in factors:
        roadmap = plan_roadmap(
            pairs, interventions,
            budget_usd_per_year=float(budget_usd_per_year) * float(factor),
            horizon_years=horizon_years, annual_cost_usd=annual_cost_usd,
        )
        s = roadmap.summary
        rows.append({
            "factor": float(factor),
            "budget_usd_per_year": s["budget_usd_per_year"],
            "objective": s["objective"],
            "total_cost_usd": s["total_cost_usd"],
            "avoided_loss_usd": np.nan if s["avoided_loss_usd"] is None else s["avoided_loss_usd"],
            "rosi": np.nan if s["rosi"] is None else s["rosi"],
            "interventions": len(s["plan"]),
            "status": roadmap.status,
        })
    return pd.DataFrame(rows)


def _pillar_words(pillars: pd.Series, pillar_titles: Mapping[str, str] | None) -> pd.Series:
    """The framework's pillar titles (ids, capitalised, when none are given)."""
    ids = pillars.astype("str")
    return ids.map(lambda p: (pillar_titles or {}).get(p) or p.capitalize()).astype("str")


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


def plan_table(roadmap: Roadmap, pillar_titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The plan for display: who does what, when, at what cost (USD)."""
    plan = roadmap.plan
    years = np.where(
        plan["start_year"] == plan["end_year"],
        plan["start_year"].astype(str),
        plan["start_year"].astype(str) + "-" + plan["end_year"].astype(str),
    )
    return pd.DataFrame({
        _("Intervention"): plan["intervention_id"],
        _("What"): intervention_names(plan["intervention_id"], plan["name"],
                                      roadmap.interventions),
        _("Pillar"): _pillar_words(plan["pillar"], pillar_titles),
        _("Built in year(s)"): years,
        _("Entities"): plan["entities"],
        _("Cost over the horizon (USD)"): plan["cost_usd"].map(format_number),
        _("Loss reduction"): plan["loss_reduction"].map(
            "{:.1%}".format if current_language() == "en" else format_pct),
    })


def not_chosen_table(roadmap: Roadmap, pillar_titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The interventions left out, each with the plain reason."""
    frame = roadmap.not_chosen
    return pd.DataFrame({
        _("Intervention"): frame["intervention_id"],
        _("What"): intervention_names(frame["intervention_id"], frame["name"],
                                      roadmap.interventions),
        _("Pillar"): _pillar_words(frame["pillar"], pillar_titles),
        _("Why not"): frame["reason"].map(_),
        _("Detail"): frame["detail"],
    })


def _rosi_words(rosi: float | None) -> str:
    """What a ROSI means in money: 0.88 -> 'each USD 1 spent avoids USD 1.88 of losses'."""
    if rosi is None or not math.isfinite(rosi):
        return _("not available: no estimate of the annual cost of cybercrime")
    net = (_("a net gain of USD {amount}") if rosi >= 0 else _("a net loss of USD {amount}")
           ).format(amount=format_number(abs(rosi), 2))
    return _("each USD 1 spent avoids USD {amount} of losses ({net})").format(
        amount=format_number(1 + rosi, 2), net=net)


def headline_figures(roadmap: Roadmap, *, catalogue_source: str | None = None) -> pd.DataFrame:
    """The roadmap in a few lines a minister reads first (figure, value)."""
    s = roadmap.summary
    closure = roadmap.gap_closure["closure_share"]
    final_share = float(closure.iloc[-1]) if len(closure) else 0.0
    usd = format_usd

    rows = [
        (_("Outcome"), roadmap.message),
        (_("Budget per year"), usd(s["budget_usd_per_year"])),
        (_("Horizon"), format_years(s["horizon_years"])),
        (_("Interventions in the plan"), _("{chosen} of {total}").format(
            chosen=len(s["plan"]), total=len(roadmap.interventions))),
        (_("Total cost over the horizon"), usd(s["total_cost_usd"])),
        (_("Weighted gap closed by the final year"), format_pct(final_share)),
        (_("Gap closure (priority-weighted level-years)"), format_number(s["objective"], 1)),
        (_("Annual cost of cybercrime used (a floor)"), usd(roadmap.annual_cost_usd)),
        (_("Losses avoided over the horizon"), usd(s["avoided_loss_usd"])),
        (_("Return on security investment (ROSI)"),
         not_available() if s["rosi"] is None else format_number(s["rosi"], 2)),
        (_("ROSI in words"), _rosi_words(s["rosi"])),
    ]
    if catalogue_source is not None:
        rows.append((_("Intervention catalogue"), catalogue_source))
    return pd.DataFrame(rows, columns=[_("Figure"), _("Value")])
