"""The roadmap's model: the catalogue and the assessed pairs as arrays, and the
mixed-integer linear programme that chooses the plan (docs/methods.md §3).

``prepare`` turns the pairs and the catalogue into arrays (closure r(pair, i), the
value v(pair) of each assessed pair, entities n_i, costs, prerequisites); ``solve``
builds and solves the MILP with HiGHS (``scipy.optimize.milp``). The max over
interventions of r(pair, i) in year t is modelled exactly by level indicators: it
equals the number of levels l = 1, 2, ... for which some chosen intervention with
r(pair, i) >= l is in effect, so each (pair, level) needs one continuous variable
bounded by the sum of the in-effect variables of the interventions reaching that level.
(pair, level) rows that name the same set of interventions are merged, their values
added, which keeps the model small (a few hundred rows for a country of 60 entities).
``business_case`` screens the catalogue, calls these and explains the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from workbench.crosswalk import split_ids
from workbench.framework import DEFAULT_LEVELS, Levels
from workbench.score_value import assessed_overall_score, pair_values

# HiGHS' stopping gap is set a little tighter than the promised 0.5% so that the small
# cost tie-break added to the objective can never eat into it.
SOLVER_GAP = 0.004

INTERVENTION_COLUMNS = (
    "intervention_id", "name", "pillar", "indicators", "applies_to", "raises_to",
    "capex_usd", "opex_usd_per_year", "duration_months", "requires", "loss_reduction",
)
# Optional: the plausible range of loss_reduction, for the uncertainty on the money.
LOSS_RANGE_COLUMNS = ("loss_reduction_low", "loss_reduction_high")
PAIR_COLUMNS = (
    "entity_id", "entity_type", "criticality", "indicator_id", "indicator_weight",
    "pillar_weight", "level", "target", "gap", "assessed",
)


# --------------------------------------------------------------------------- preparation


def duration_years(duration_months: Iterable[int]) -> np.ndarray:
    """d = ceil(duration_months / 12), at least 1."""
    months = np.asarray(list(duration_months), dtype=float)
    return np.maximum(1, np.ceil(months / 12.0)).astype(int)


@dataclass(frozen=True)
class Prepared:
    """The catalogue and the assessed pairs as arrays, shared by solver and evaluator."""

    catalogue: pd.DataFrame  # interventions with columns d, n, position
    ids: list[str]
    d: np.ndarray  # years per intervention
    n: np.ndarray  # entities with some closure
    capex_total: np.ndarray  # capex_usd * n
    opex_total: np.ndarray  # opex_usd_per_year * n
    loss_reduction: np.ndarray
    loss_reduction_low: np.ndarray  # NaN: no range given (the share is fixed)
    loss_reduction_high: np.ndarray
    requires: list[list[int]]  # prerequisite positions (catalogue ids only)
    unknown_requires: list[list[str]]
    closure: np.ndarray  # [pairs, interventions] r(pair, i)
    pair_weight: np.ndarray  # v(pair): overall-score points per level, per assessed pair
    pair_gap: np.ndarray  # gap per assessed pair
    score_today: float | None  # overall score of the assessed pairs, before the coverage rule
    duplicate_ids: list[str]
    # assessed pairs each intervention reaches (its indicators, for the entities it applies to)
    reach: np.ndarray


def prepare(pairs: pd.DataFrame, interventions: pd.DataFrame,
             levels: Levels = DEFAULT_LEVELS) -> Prepared:
    missing = [c for c in INTERVENTION_COLUMNS if c not in interventions.columns]
    if missing:
        raise ValueError(f"interventions lack columns: {', '.join(missing)}")
    missing = [c for c in PAIR_COLUMNS if c not in pairs.columns]
    if missing:
        raise ValueError(f"pairs lack columns: {', '.join(missing)}")

    catalogue = interventions.reset_index(drop=True).copy()
    catalogue["intervention_id"] = catalogue["intervention_id"].astype(str).str.strip()
    ids = catalogue["intervention_id"].tolist()
    duplicate_ids = sorted(set(catalogue["intervention_id"][catalogue["intervention_id"].duplicated()]))
    position = {iid: k for k, iid in enumerate(ids)}

    values = pair_values(pairs, levels)
    keep = (pairs["assessed"].fillna(False).astype(bool).to_numpy()
            & pairs["level"].notna().to_numpy() & pairs["target"].notna().to_numpy())
    assessed = pairs[keep].reset_index(drop=True)
    level = assessed["level"].astype("float64").to_numpy()
    target = assessed["target"].astype("float64").to_numpy()
    weight = np.nan_to_num(values[keep].to_numpy(dtype="float64"))
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
    point = catalogue["loss_reduction"].astype("float64").fillna(0.0).clip(0, 1).to_numpy()
    ends = [catalogue[c].astype("float64").clip(0, 1).to_numpy() if c in catalogue.columns
            else np.full(len(catalogue), np.nan) for c in LOSS_RANGE_COLUMNS]
    return Prepared(
        catalogue=catalogue,
        ids=ids,
        d=d,
        n=n,
        capex_total=capex * n,
        opex_total=opex * n,
        loss_reduction=point,
        loss_reduction_low=ends[0],
        loss_reduction_high=ends[1],
        requires=requires,
        unknown_requires=unknown,
        closure=closure,
        pair_weight=weight,
        pair_gap=gap,
        score_today=assessed_overall_score(pairs, levels, values),
        duplicate_ids=duplicate_ids,
        reach=reach,
    )


def spend_matrix(prep: Prepared, starts: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
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


def in_effect(prep: Prepared, starts: np.ndarray, horizon: int) -> np.ndarray:
    """[interventions, years] True where s_i + d_i <= t."""
    years = np.arange(1, horizon + 1)[None, :]
    return (starts > 0)[:, None] & (starts[:, None] + prep.d[:, None] <= years)


def objective_by_year(prep: Prepared, starts: np.ndarray, horizon: int) -> np.ndarray:
    """Weighted closure in effect in each year: sum_p w_p * max_i r(p,i) [i in effect]."""
    effect = in_effect(prep, starts, horizon)
    if prep.closure.size == 0:
        return np.zeros(horizon)
    best = (prep.closure[:, :, None] * effect[None, :, :]).max(axis=1)  # [pairs, years]
    return prep.pair_weight @ best


# --------------------------------------------------------------------------- the MILP


def unique_level_sets(prep: Prepared, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge (pair, level) rows naming the same set of interventions.

    Returns (membership [sets, len(columns)] bool, weight per set). The max over
    interventions of r(pair, i) is the count of levels l reached, so row (pair, l)
    is satisfied by any in-effect intervention in {i : r(pair, i) >= l}.
    """
    closure = prep.closure[:, columns]
    if closure.size == 0:
        return np.zeros((0, len(columns)), dtype=bool), np.zeros(0)
    levels = np.arange(1, int(closure.max()) + 1)
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
class Solution:
    starts: np.ndarray
    status: str
    mip_gap: float | None
    message: str


def solve(
    prep: Prepared,
    eligible: np.ndarray,
    earliest: np.ndarray,
    budget: float,
    horizon: int,
    time_limit: float,
    forced: int | None = None,
) -> Solution:
    """The MILP; ``forced``: an intervention that must be in the plan (what-if)."""
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

    membership, set_weight = unique_level_sets(prep, cols)
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
    lower.append(np.where(cols == forced, 1.0, -np.inf))
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
        options={"mip_rel_gap": SOLVER_GAP, "time_limit": time_limit, "presolve": True},
    )
    starts = np.zeros(len(prep.ids), dtype=int)
    if result.x is None:
        return Solution(starts, "failed", None, f"the solver found no plan ({result.message})")
    picked = np.flatnonzero(result.x[:nx] > 0.5)
    starts[var_int[picked]] = var_start[picked]
    gap = float(result.mip_gap) if result.mip_gap is not None else None
    status = "optimal" if result.status == 0 else "stopped_early"
    return Solution(starts, status, gap, str(result.message))


def prune(prep: Prepared, starts: np.ndarray, horizon: int) -> np.ndarray:
    """Drop chosen interventions that add nothing to the objective and that no other
    chosen intervention requires (most expensive first); spending only falls."""
    starts = starts.copy()
    base = objective_by_year(prep, starts, horizon).sum()
    total = prep.capex_total + prep.opex_total * horizon
    for k in sorted(np.flatnonzero(starts > 0), key=lambda k: -total[k]):
        needed = any(starts[i] > 0 and k in prep.requires[i] for i in range(len(starts)))
        if needed:
            continue
        trial = starts.copy()
        trial[k] = 0
        if objective_by_year(prep, trial, horizon).sum() >= base - 1e-9 * max(1.0, abs(base)):
            starts = trial
    return starts
