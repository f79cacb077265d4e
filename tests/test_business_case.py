"""Business case (docs/methods.md §3): the MILP roadmap against brute force, the
published figures against hand calculations, and the failure paths."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from workbench import business_case as bc
from workbench import business_case_tables as bt
from workbench import loading, paths
from workbench.crosswalk import Crosswalk
from workbench.framework import load_framework

# --------------------------------------------------------------------------- builders

PAIR_COLUMNS = [
    "entity_id", "entity_name", "entity_type", "sector", "criticality", "indicator_id",
    "indicator_title", "pillar_id", "scope", "indicator_weight", "pillar_weight", "level",
    "target", "gap", "priority", "evidence", "assessed",
]


# Indicators of the second pillar (all others are in pillar "p").
PILLAR_Q = {"C", "Q1"}


def make_pairs(rows: list[tuple]) -> pd.DataFrame:
    """rows: (entity_id, entity_type, criticality, indicator_id, indicator_weight,
    pillar_weight, level or None, target); indicators in PILLAR_Q are in pillar "q"."""
    records = []
    for entity_id, entity_type, crit, indicator_id, iw, pw, level, target in rows:
        assessed = level is not None
        gap = max(0, target - level) if assessed else None
        records.append({
            "entity_id": entity_id, "entity_name": entity_id, "entity_type": entity_type,
            "sector": None, "criticality": crit, "indicator_id": indicator_id,
            "indicator_title": indicator_id, "pillar_id": "q" if indicator_id in PILLAR_Q else "p",
            "scope": "national" if entity_type == "national" else "organisation",
            "indicator_weight": iw, "pillar_weight": pw,
            "level": level, "target": target, "gap": gap,
            "priority": (gap or 0) * crit * iw * pw, "evidence": None, "assessed": assessed,
        })
    frame = pd.DataFrame(records, columns=PAIR_COLUMNS)
    for col in ("criticality", "level", "target", "gap"):
        frame[col] = frame[col].astype("Int64")
    frame["assessed"] = frame["assessed"].astype(bool)
    return frame


def make_catalogue(rows: list[dict]) -> pd.DataFrame:
    defaults = {"name": "x", "pillar": "p", "applies_to": "all", "capex_usd": 0.0,
                "opex_usd_per_year": 0.0, "duration_months": 12, "requires": np.nan,
                "loss_reduction": 0.0}
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    frame["raises_to"] = frame["raises_to"].astype("Int64")
    frame["duration_months"] = frame["duration_months"].astype("Int64")
    return frame[[
        "intervention_id", "name", "pillar", "indicators", "applies_to", "raises_to",
        "capex_usd", "opex_usd_per_year", "duration_months", "requires", "loss_reduction",
    ]]


# --------------------------------------------------------------------------- brute force
# An independent, loop-by-loop reading of docs/methods.md §2-§3.


def hand_values(pairs: pd.DataFrame, lo: int = 0, hi: int = 5) -> list[float]:
    """v(pair) by the formula, loop by loop (0 for pairs not assessed)."""
    done = [r for r in pairs.itertuples(index=False) if r.assessed]
    pillar_w = {r.pillar_id: r.pillar_weight for r in done}
    ind_w = {r.indicator_id: (r.pillar_id, r.indicator_weight) for r in done}
    values = []
    for r in pairs.itertuples(index=False):
        if not r.assessed:
            values.append(0.0)
            continue
        pw = r.pillar_weight / sum(pillar_w.values())
        iw = r.indicator_weight / sum(w for p, w in ind_w.values() if p == r.pillar_id)
        crit = r.criticality / sum(o.criticality for o in done if o.indicator_id == r.indicator_id)
        values.append(100 / (hi - lo) * pw * iw * crit)
    return values


def _closures(pairs: pd.DataFrame, cat: pd.DataFrame) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for row in cat.itertuples(index=False):
        inds = [s.strip() for s in row.indicators.split(";")]
        per_pair = {}
        for p, pair in enumerate(pairs.itertuples(index=False)):
            if not pair.assessed or pair.indicator_id not in inds:
                continue
            if row.applies_to not in ("all", pair.entity_type):
                continue
            per_pair[p] = max(0, min(int(row.raises_to), int(pair.target)) - int(pair.level))
        out[row.intervention_id] = per_pair
    return out


def _entities(pairs, closures, iid) -> int:
    return len({pairs["entity_id"].iloc[p] for p, r in closures[iid].items() if r > 0})


def _requires(cat) -> dict[str, list[str]]:
    return {
        row.intervention_id: [] if not isinstance(row.requires, str)
        else [s.strip() for s in row.requires.split(";") if s.strip()]
        for row in cat.itertuples(index=False)
    }


def brute_force(pairs, cat, budget, horizon):
    """(best objective, best plan) over every feasible plan, by enumeration."""
    closures = _closures(pairs, cat)
    ids = list(cat["intervention_id"])
    n = {i: _entities(pairs, closures, i) for i in ids}
    d = {i: max(1, math.ceil(m / 12)) for i, m in zip(ids, cat["duration_months"])}
    capex = dict(zip(ids, cat["capex_usd"]))
    opex = dict(zip(ids, cat["opex_usd_per_year"]))
    req = _requires(cat)
    weights = hand_values(pairs)
    options = [[0] + (list(range(1, horizon - d[i] + 2)) if n[i] > 0 else []) for i in ids]
    best, best_plan = -1.0, None
    for combo in itertools.product(*options):
        plan = {i: s for i, s in zip(ids, combo) if s > 0}
        if not feasible(plan, n, d, capex, opex, req, budget, horizon):
            continue
        value = objective(plan, closures, weights, d, horizon, len(pairs))
        if value > best:
            best, best_plan = value, plan
    return best, best_plan


def feasible(plan, n, d, capex, opex, req, budget, horizon) -> bool:
    for i, s in plan.items():
        if n[i] == 0 or s + d[i] - 1 > horizon:
            return False
        for j in req[i]:
            if n[j] == 0:
                continue
            if j not in plan or plan[j] + d[j] > s:
                return False
    for t in range(1, horizon + 1):
        spend = 0.0
        for i, s in plan.items():
            if s <= t <= s + d[i] - 1:
                spend += capex[i] * n[i] / d[i]
            elif t >= s + d[i]:
                spend += opex[i] * n[i]
        if spend > budget * (1 + 1e-6):
            return False
    return True


def objective(plan, closures, weights, d, horizon, n_pairs) -> float:
    total = 0.0
    for p in range(n_pairs):
        for t in range(1, horizon + 1):
            best = 0
            for i, s in plan.items():
                if s + d[i] <= t:
                    best = max(best, closures[i].get(p, 0))
            total += weights[p] * best
    return total


def random_instance(rng: np.random.Generator):
    n_pairs = int(rng.integers(2, 5))  # 2-4 pairs
    indicators = ["A", "B", "C"]
    entity_pool = [("NATIONAL", "national", 5), ("G1", "government", 3), ("G2", "government", 2),
                   ("C1", "cni_operator", 4)]
    # One weight per indicator; A and B in pillar p (0.2), C in pillar q (0.6).
    ind_weight = {k: float(rng.choice([0.5, 1.0, 1.5])) for k in indicators}
    rows, seen = [], set()
    while len(rows) < n_pairs:
        entity = entity_pool[int(rng.integers(len(entity_pool)))]
        ind = indicators[int(rng.integers(len(indicators)))]
        if (entity[0], ind) in seen:
            continue
        seen.add((entity[0], ind))
        rows.append((entity[0], entity[1], entity[2], ind, ind_weight[ind],
                     0.6 if ind in PILLAR_Q else 0.2, int(rng.integers(0, 3)), int(rng.integers(2, 5))))
    pairs = make_pairs(rows)
    m = int(rng.integers(3, 7))
    cat_rows = []
    for k in range(m):
        inds = sorted(set(rng.choice(indicators, size=int(rng.integers(1, 3)))))
        earlier = [f"I{j}" for j in range(k) if rng.random() < 0.3]
        cat_rows.append({
            "intervention_id": f"I{k}",
            "indicators": ";".join(inds),
            "applies_to": str(rng.choice(["all", "national", "government", "cni_operator"])),
            "raises_to": int(rng.integers(1, 6)),
            "capex_usd": float(rng.integers(2, 13)) * 100.0,
            "opex_usd_per_year": float(rng.integers(0, 4)) * 50.0,
            "duration_months": int(rng.choice([6, 12, 18, 24])),
            "requires": ";".join(earlier) if earlier else np.nan,
            "loss_reduction": float(rng.uniform(0, 0.1)),
        })
    cat = make_catalogue(cat_rows)
    horizon = int(rng.integers(3, 5))
    budget = float(rng.integers(4, 12)) * 100.0
    return pairs, cat, budget, horizon


# --------------------------------------------------------------------------- optimality


@pytest.mark.parametrize("seed", range(20))
def test_milp_matches_brute_force_within_half_a_percent(seed):
    pairs, cat, budget, horizon = random_instance(np.random.default_rng(1000 + seed))
    best, _ = brute_force(pairs, cat, budget, horizon)
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=budget, horizon_years=horizon)

    closures = _closures(pairs, cat)
    ids = list(cat["intervention_id"])
    n = {i: _entities(pairs, closures, i) for i in ids}
    d = {i: max(1, math.ceil(m / 12)) for i, m in zip(ids, cat["duration_months"])}
    plan = {p["intervention_id"]: p["start_year"] for p in roadmap.summary["plan"]}
    assert feasible(plan, n, d, dict(zip(ids, cat["capex_usd"])),
                    dict(zip(ids, cat["opex_usd_per_year"])), _requires(cat), budget, horizon)
    weights = hand_values(pairs)
    value = objective(plan, closures, weights, d, horizon, len(pairs))
    assert value == pytest.approx(roadmap.summary["objective"], abs=1e-9)
    assert value >= (1 - bc.OPTIMALITY_GAP) * best - 1e-9
    assert value <= best + 1e-9
    # The score path: today's score (by the score identity), then the points in effect.
    today = sum(v * lv for v, lv in zip(weights, pairs["level"].fillna(0).astype(float)))
    path = roadmap.summary["score_by_year"]
    assert path[0] == pytest.approx(today, abs=1e-9)
    assert sum(p - path[0] for p in path[1:]) == pytest.approx(value, abs=1e-9)


def test_the_max_is_not_a_sum_two_interventions_on_one_gap():
    # One pair level 0 target 4; A raises to 2 (cheap), B to 4 (dearer). With money
    # for both, the pair counts 4 a year once B is in effect, never 2 + 4.
    pairs = make_pairs([("NATIONAL", "national", 5, "X", 1.0, 0.2, 0, 4)])
    cat = make_catalogue([
        {"intervention_id": "A", "indicators": "X", "raises_to": 2, "capex_usd": 10.0},
        {"intervention_id": "B", "indicators": "X", "raises_to": 4, "capex_usd": 20.0},
    ])
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=100.0, horizon_years=3)
    # v = 100 / 5 (the only pair); B in effect in years 2 and 3 -> 20 * 4 * 2 = 160.
    assert roadmap.summary["objective"] == pytest.approx(160.0)
    ids = [p["intervention_id"] for p in roadmap.summary["plan"]]
    assert ids == ["B"]  # A adds nothing once B is there; the cheaper plan is kept
    assert roadmap.not_chosen.set_index("intervention_id").loc["A", "reason"] == bc.REASON_NOT_WORTH


# --------------------------------------------------------------------------- recomputation


def small_case():
    pairs = make_pairs([
        # One pillar, two indicators of equal weight: v = 20 * 1/2 * criticality share.
        ("NATIONAL", "national", 5, "N1", 1.0, 0.2, 1, 4),   # v = 10
        ("G1", "government", 3, "O1", 1.0, 0.2, 0, 3),        # v = 10 * 3/5 = 6
        ("G2", "government", 2, "O1", 1.0, 0.2, 2, 3),        # v = 10 * 2/5 = 4
        ("G3", "government", 4, "O1", 1.0, 0.2, None, 3),     # not assessed
    ])
    cat = make_catalogue([
        {"intervention_id": "LAW", "indicators": "N1", "applies_to": "national", "raises_to": 3,
         "capex_usd": 300.0, "opex_usd_per_year": 50.0, "duration_months": 18,
         "loss_reduction": 0.1},
        {"intervention_id": "ORG", "indicators": "O1", "applies_to": "government", "raises_to": 3,
         "capex_usd": 40.0, "opex_usd_per_year": 10.0, "duration_months": 12,
         "requires": "LAW", "loss_reduction": 0.2},
    ])
    return pairs, cat


def test_evaluate_plan_by_hand():
    pairs, cat = small_case()
    ev = bc.evaluate_plan(pairs, cat, {"LAW": 1, "ORG": 3}, horizon_years=4,
                          budget_usd_per_year=1000.0, annual_cost_usd=1000.0)
    # LAW: n = 1, d = 2, 150 a year in years 1-2, opex 50 in 3-4.
    # ORG: n = 2 (G1 and G2 have closure; G3 unassessed), d = 1, capex 80 in year 3, opex 20 in 4.
    assert ev.spend_by_year_usd == pytest.approx([150.0, 150.0, 50.0 + 80.0, 50.0 + 20.0])
    assert ev.total_cost_usd == pytest.approx(500.0)
    # LAW in effect years 3, 4: 10 * (3 - 1) each; ORG in effect year 4: 6 * 3 + 4 * 1.
    assert ev.objective == pytest.approx(20 + 20 + 18 + 4)
    # Today: 10 * 1 + 6 * 0 + 4 * 2 = 18; then the points in effect each year.
    assert ev.score_by_year == pytest.approx([18.0, 18.0, 18.0, 38.0, 60.0])
    # R(3) = 0.1; R(4) = 1 - 0.9 * 0.8 = 0.28.
    assert ev.avoided_loss_usd == pytest.approx(1000 * (0.1 + 0.28))
    assert ev.rosi == pytest.approx((380.0 - 500.0) / 500.0)
    assert ev.violations == []
    assert ev.plan.set_index("intervention_id")["cost_usd"].to_dict() == pytest.approx(
        {"LAW": 400.0, "ORG": 100.0})


def test_evaluate_plan_reports_violations():
    pairs, cat = small_case()
    ev = bc.evaluate_plan(pairs, cat, {"ORG": 1}, horizon_years=4, budget_usd_per_year=50.0)
    assert any("requires LAW" in v for v in ev.violations)
    assert any("year 1" in v and "exceeds" in v for v in ev.violations)
    ev = bc.evaluate_plan(pairs, cat, {"LAW": 4}, horizon_years=4)
    assert any("after the horizon" in v for v in ev.violations)


def test_published_figures_recompute_from_the_plan():
    pairs, cat = small_case()
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=200.0, horizon_years=4,
                              annual_cost_usd=1000.0)
    s = roadmap.summary
    plan = {p["intervention_id"]: p["start_year"] for p in s["plan"]}
    assert plan == {"LAW": 1, "ORG": 3}  # the only plan using both, and both pay off
    ev = bc.evaluate_plan(pairs, cat, plan, horizon_years=4, budget_usd_per_year=200.0,
                          annual_cost_usd=1000.0)
    assert s["objective"] == ev.objective
    assert s["score_by_year"] == ev.score_by_year == pytest.approx([18, 18, 18, 38, 60])
    assert s["spend_by_year_usd"] == ev.spend_by_year_usd
    assert s["total_cost_usd"] == pytest.approx(sum(s["spend_by_year_usd"]))
    assert s["total_cost_usd"] == pytest.approx(sum(p["cost_usd"] for p in s["plan"]))
    assert max(s["spend_by_year_usd"]) <= 200.0
    assert s["avoided_loss_usd"] == pytest.approx(380.0)
    assert s["rosi"] == pytest.approx(-0.24)
    assert set(s) == {"budget_usd_per_year", "horizon_years", "plan", "spend_by_year_usd",
                      "objective", "score_by_year", "total_cost_usd", "avoided_loss_usd", "rosi",
                      "avoided_loss_usd_interval", "rosi_interval", "status", "message"}
    # Nothing uncertain (no standard error, no ranges): the 90% ranges are the point.
    assert s["avoided_loss_usd_interval"] == pytest.approx({"p05": 380.0, "p95": 380.0})
    assert s["rosi_interval"] == pytest.approx({"p05": -0.24, "p95": -0.24, "p_positive": 0.0})
    assert s["status"] == roadmap.status == "optimal"
    json.dumps(s, allow_nan=False)


def test_prerequisites_are_respected():
    pairs, cat = small_case()
    # Enough money for anything: ORG still waits for LAW (2 years) to complete.
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=1e9, horizon_years=5)
    plan = {p["intervention_id"]: p for p in roadmap.summary["plan"]}
    assert plan["ORG"]["start_year"] >= plan["LAW"]["end_year"] + 1
    # Horizon 3: LAW in effect from year 3 at best, ORG could only start in year 3 and
    # would be in effect for no year; it is reported as not fitting the horizon.
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=1e9, horizon_years=3)
    assert [p["intervention_id"] for p in roadmap.summary["plan"]] == ["LAW"]
    reasons = roadmap.not_chosen.set_index("intervention_id")["reason"]
    assert reasons["ORG"] == bc.REASON_HORIZON


def test_money_benefits_unavailable_without_annual_cost():
    pairs, cat = small_case()
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=200.0, horizon_years=4)
    s = roadmap.summary
    assert s["avoided_loss_usd"] is None and s["rosi"] is None
    assert s["avoided_loss_usd_interval"] is None and s["rosi_interval"] is None
    assert "unavailable" in s["money_benefits"]
    assert s["total_cost_usd"] > 0  # costs are still known
    assert roadmap.avoided_loss["avoided_loss_usd"].isna().all()
    json.dumps(s, allow_nan=False)


# --------------------------------------------------------------------------- n_i = 0


def test_intervention_with_no_gap_is_never_chosen_and_is_already_in_place():
    pairs = make_pairs([
        ("NATIONAL", "national", 5, "N1", 1.0, 0.2, 4, 4),  # already at target
        ("G1", "government", 3, "O1", 1.0, 0.2, 0, 3),
    ])
    cat = make_catalogue([
        {"intervention_id": "CIRT", "indicators": "N1", "applies_to": "national", "raises_to": 4,
         "capex_usd": 10.0, "duration_months": 24},
        {"intervention_id": "SOC", "indicators": "O1", "raises_to": 3, "capex_usd": 10.0,
         "requires": "CIRT"},
    ])
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=100.0, horizon_years=3)
    plan = {p["intervention_id"]: p["start_year"] for p in roadmap.summary["plan"]}
    # CIRT has n = 0: not chosen, and SOC need not wait two years for it.
    assert plan == {"SOC": 1}
    assert roadmap.not_chosen.set_index("intervention_id").loc["CIRT", "reason"] == bc.REASON_NO_GAP
    # v(G1, O1) = 20 * 1/2 * 1 = 10; 3 levels in years 2 and 3
    assert roadmap.summary["objective"] == pytest.approx(10 * 3 * 2)
    ev = bc.evaluate_plan(pairs, cat, {"CIRT": 1, "SOC": 3}, horizon_years=3)
    assert any("n = 0" in v for v in ev.violations)


def test_entities_count_only_those_with_a_gap():
    pairs = make_pairs([
        ("G1", "government", 3, "O1", 1.0, 0.2, 0, 3),
        ("G2", "government", 3, "O1", 1.0, 0.2, 3, 3),      # at target
        ("C1", "cni_operator", 3, "O1", 1.0, 0.2, 1, 4),    # not selected by applies_to
    ])
    cat = make_catalogue([{"intervention_id": "A", "indicators": "O1", "applies_to": "government",
                           "raises_to": 3, "capex_usd": 100.0, "opex_usd_per_year": 5.0}])
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=1000.0, horizon_years=3)
    (entry,) = roadmap.summary["plan"]
    assert entry["entities"] == 1
    assert roadmap.summary["spend_by_year_usd"] == pytest.approx([100.0, 5.0, 5.0])


# --------------------------------------------------------------------------- failure paths


def test_prerequisite_cycle_gives_message_and_empty_plan():
    pairs, _ = small_case()
    cat = make_catalogue([
        {"intervention_id": "A", "indicators": "N1", "raises_to": 3, "requires": "B"},
        {"intervention_id": "B", "indicators": "O1", "raises_to": 3, "requires": "C"},
        {"intervention_id": "C", "indicators": "O1", "raises_to": 2, "requires": "A"},
        {"intervention_id": "D", "indicators": "O1", "raises_to": 2},
    ])
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=1e6, horizon_years=4)
    assert roadmap.status == "infeasible"
    assert roadmap.summary["plan"] == []
    assert "cycle" in roadmap.message
    # named in the direction of the requirements, from whichever member it starts
    assert any(text in roadmap.message for text in (
        "A requires B requires C requires A", "B requires C requires A requires B",
        "C requires A requires B requires C"))
    reasons = roadmap.not_chosen.set_index("intervention_id")["reason"]
    assert (reasons == bc.REASON_CYCLE).all()
    cycle = bc.find_prerequisite_cycle(cat)
    assert cycle[0] == cycle[-1] and set(cycle) == {"A", "B", "C"}


def test_budget_too_small_for_anything():
    pairs, cat = small_case()
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=10.0, horizon_years=4,
                              annual_cost_usd=1000.0)
    assert roadmap.summary["plan"] == []
    assert roadmap.status == "empty"
    assert "too small" in roadmap.message
    assert roadmap.summary["spend_by_year_usd"] == [0.0] * 4
    assert roadmap.summary["rosi"] is None  # nothing spent: no return to speak of
    reasons = roadmap.not_chosen.set_index("intervention_id")["reason"]
    assert reasons["LAW"] == bc.REASON_OVER_BUDGET
    assert reasons["ORG"] == bc.REASON_OVER_BUDGET  # 40 a year for 2 entities > 10


def test_prerequisite_not_affordable():
    pairs, cat = small_case()
    # LAW costs 150 a year to build; ORG alone (80) would fit a budget of 100.
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=100.0, horizon_years=4)
    reasons = roadmap.not_chosen.set_index("intervention_id")["reason"]
    assert reasons["LAW"] == bc.REASON_OVER_BUDGET
    assert reasons["ORG"] == bc.REASON_PREREQUISITE
    assert roadmap.summary["plan"] == []


def test_horizon_shorter_than_every_duration():
    pairs, cat = small_case()
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=1e6, horizon_years=1)
    assert roadmap.summary["plan"] == []
    assert "too short" in roadmap.message
    assert roadmap.summary["spend_by_year_usd"] == [0.0]


def test_nothing_assessed():
    pairs = make_pairs([("G1", "government", 3, "O1", 1.0, 0.2, None, 3)])
    cat = make_catalogue([{"intervention_id": "A", "indicators": "O1", "raises_to": 3}])
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=100.0, horizon_years=3)
    assert roadmap.summary["plan"] == [] and roadmap.status == "empty"
    assert "assessed" in roadmap.message


def test_budget_curve_re_solves_each_point():
    pairs, cat = small_case()
    curve = bc.budget_curve(pairs, cat, budget_usd_per_year=160.0, horizon_years=4,
                            annual_cost_usd=1000.0, factors=(0.5, 1.0, 2.0))
    assert curve["budget_usd_per_year"].tolist() == [80.0, 160.0, 320.0]
    # 80 a year: LAW (150 a year) is out, so ORG is too; 160 and 320: both.
    assert curve["interventions"].tolist() == [0, 2, 2]
    direct = bc.plan_roadmap(pairs, cat, budget_usd_per_year=320.0, horizon_years=4,
                             annual_cost_usd=1000.0).summary
    assert curve["objective"].iloc[2] == pytest.approx(direct["objective"])
    assert curve["rosi"].iloc[2] == pytest.approx(direct["rosi"])
    assert math.isnan(curve["rosi"].iloc[0])


# --------------------------------------------------------------------------- catalogue


def test_shipped_catalogue_loads_cleanly_and_covers_the_framework():
    framework = load_framework()
    load = loading.load_table(paths.SHIPPED_DATA, "interventions",
                              [loading._intervention_rules(Crosswalk(framework, None))])
    assert load.error is None
    assert len(load.quarantine) == 0
    assert len(load.valid) == load.rows >= 20
    covered = {i for value in load.valid["indicators"] for i in bc.split_ids(value)}
    assert {i.id for i in framework.indicators} <= covered
    assert bc.find_prerequisite_cycle(load.valid) is None
    pillar_of = {i.id: i.pillar for i in framework.indicators}
    for row in load.valid.itertuples(index=False):
        assert {pillar_of[i] for i in bc.split_ids(row.indicators)} == {row.pillar}
        assert 0 <= row.loss_reduction <= 1
        # Every share with an effect has its plausible range (docs/assumptions.md).
        if row.loss_reduction > 0:
            assert row.loss_reduction_low <= row.loss_reduction <= row.loss_reduction_high


def test_a_catalogue_row_with_half_a_range_or_a_point_outside_it_is_set_aside(tmp_path):
    framework = load_framework()
    rows = pd.read_csv(paths.SHIPPED_INTERVENTIONS, dtype=str, keep_default_na=False).head(3)
    rows.loc[0, "loss_reduction_high"] = ""  # half a range
    rows.loc[1, ["loss_reduction_low", "loss_reduction_high"]] = ["0.02", "0.03"]  # 0.01 outside
    rows.to_csv(tmp_path / "interventions.csv", index=False)
    load = loading.load_table(tmp_path, "interventions",
                              [loading._intervention_rules(Crosswalk(framework, None))])
    reasons = load.quarantine.set_index("intervention_id")["reason"]
    assert set(reasons.index) == {"LAW-CRIME", "LAW-EVIDENCE"}
    assert "give both ends" in reasons["LAW-CRIME"]
    assert "outside its own range" in reasons["LAW-EVIDENCE"]
    assert load.valid["intervention_id"].tolist() == ["LAW-DATA"]


# --------------------------------------------------------------------------- fresh data

FRESH_FRAMEWORK = """id: fresh
title: A framework the workbench never saw
levels: {min: 1, max: 4, names: {1: none, 2: some, 3: most, 4: all}}
pillars:
  - {id: law, title: Law, weight: 2}
  - {id: ops, title: Operations, weight: 3}
  - {id: people, title: People, weight: 1}
indicators:
  - {id: LAW-1, pillar: law, scope: national, title: A law, weight: 1, target: {national: 4}}
  - {id: LAW-2, pillar: law, scope: national, title: A regulator, weight: 3, target: {national: 3}}
  - {id: OPS-1, pillar: ops, scope: organisation, title: Backups, weight: 2,
     target: {government: 3, cni_operator: 4}}
  - {id: OPS-2, pillar: ops, scope: organisation, title: Logging, weight: 1,
     target: {government: 3, cni_operator: 3}}
  - {id: PPL-1, pillar: people, scope: organisation, title: Training, weight: 1,
     target: {government: 4, cni_operator: 4}}
"""
FRESH_ENTITIES = """entity_id,name,entity_type,sector,criticality
NATIONAL,The country,national,,5
MIN,A ministry,government,public_administration,2
GRID,The grid,cni_operator,energy,5
PORT,The port,cni_operator,transport,3
"""
FRESH_ASSESSMENT = """entity_id,indicator_id,level,evidence,assessed_on
NATIONAL,LAW-1,1,,2025-05-01
NATIONAL,LAW-2,2,,2025-05-01
MIN,OPS-1,1,,2025-05-01
GRID,OPS-1,2,,2025-05-01
PORT,OPS-1,1,,2025-05-01
MIN,OPS-2,2,,2025-05-01
GRID,OPS-2,1,,2025-05-01
PORT,OPS-2,,,2025-05-01
MIN,PPL-1,1,,2025-05-01
GRID,PPL-1,3,,2025-05-01
"""
FRESH_CATALOGUE = """intervention_id,name,pillar,indicators,applies_to,raises_to,capex_usd,opex_usd_per_year,duration_months,requires,loss_reduction,loss_reduction_low,loss_reduction_high
ACT,Pass the act,law,LAW-1,national,4,300,20,12,,0.02,0.01,0.04
REG,Set up the regulator,law,LAW-2,national,3,500,100,24,ACT,0.01,,
BACK,Backups everywhere,ops,OPS-1,all,3,80,10,12,,0.03,0.01,0.05
LOGS,Logging for operators,ops,OPS-1;OPS-2,cni_operator,4,200,30,18,BACK,0.02,0,0.04
TRAIN,Train staff,people,PPL-1,all,4,60,20,12,,0.01,0,0.02
"""


def test_fresh_data_plan_is_optimal_and_its_figures_recompute(tmp_path):
    from conftest import write_country

    from workbench import stages

    folder = write_country(tmp_path, "NZ", name="New Zealand", files={
        "framework.yaml": FRESH_FRAMEWORK, "entities.csv": FRESH_ENTITIES,
        "capability_assessment.csv": FRESH_ASSESSMENT, "interventions.csv": FRESH_CATALOGUE,
        "targets.csv": None})
    data = loading.load_country(folder)
    inputs = stages.roadmap_inputs(data)
    budget, horizon = 400.0, 4
    s = stages.plan(inputs, budget, horizon).summary
    pairs, cat = inputs.pairs, inputs.interventions
    assert inputs.levels.min == 1 and len(s["plan"]) >= 2

    weights = hand_values(pairs, lo=1, hi=4)
    # Today's score by hand: law u = (1*(1-1) + 3*(2-1)) / 4 / 3; ops: OPS-1 = (2*1 + 5*2 +
    # 3*1) / 10 = 1.5, OPS-2 = (2*2 + 5*1) / 7; people: PPL-1 = (2*1 + 5*3) / 7.
    u = {"law": (3 / 4) / 3, "ops": (2 * (1.5 - 1) + 1 * (9 / 7 - 1)) / 3 / 3,
         "people": (17 / 7 - 1) / 3}
    today = 100 * (2 * u["law"] + 3 * u["ops"] + 1 * u["people"]) / 6
    assert s["score_by_year"][0] == pytest.approx(today)
    assert sum(v * (lv - 1) for v, lv in zip(
        weights, pairs["level"].fillna(1).astype(float))) == pytest.approx(today)

    best, _ = brute_force_values(pairs, cat, budget, horizon, weights)
    plan = {p["intervention_id"]: p["start_year"] for p in s["plan"]}
    closures = _closures(pairs, cat)
    ids = list(cat["intervention_id"])
    n = {i: _entities(pairs, closures, i) for i in ids}
    d = {i: max(1, math.ceil(m / 12)) for i, m in zip(ids, cat["duration_months"])}
    capex, opex = dict(zip(ids, cat["capex_usd"])), dict(zip(ids, cat["opex_usd_per_year"]))
    assert feasible(plan, n, d, capex, opex, _requires(cat), budget, horizon)
    value = objective(plan, closures, weights, d, horizon, len(pairs))
    assert value == pytest.approx(s["objective"], abs=1e-9)
    assert value >= (1 - bc.OPTIMALITY_GAP) * best
    spend = [sum(capex[i] * n[i] / d[i] if st <= t <= st + d[i] - 1 else
                 opex[i] * n[i] if t >= st + d[i] else 0.0 for i, st in plan.items())
             for t in range(1, horizon + 1)]
    assert s["spend_by_year_usd"] == pytest.approx(spend, abs=1e-9)
    by_year = [sum(w * max([closures[i].get(p, 0) for i, st in plan.items() if st + d[i] <= t],
                           default=0) for p, w in enumerate(weights)) for t in range(1, horizon + 1)]
    assert s["score_by_year"] == pytest.approx([today] + [today + b for b in by_year], abs=1e-9)


def brute_force_values(pairs, cat, budget, horizon, weights):
    """``brute_force`` with the values given (a framework with its own level scale)."""
    closures = _closures(pairs, cat)
    ids = list(cat["intervention_id"])
    n = {i: _entities(pairs, closures, i) for i in ids}
    d = {i: max(1, math.ceil(m / 12)) for i, m in zip(ids, cat["duration_months"])}
    capex, opex = dict(zip(ids, cat["capex_usd"])), dict(zip(ids, cat["opex_usd_per_year"]))
    req = _requires(cat)
    options = [[0] + (list(range(1, horizon - d[i] + 2)) if n[i] > 0 else []) for i in ids]
    best, best_plan = -1.0, None
    for combo in itertools.product(*options):
        plan = {i: st for i, st in zip(ids, combo) if st > 0}
        if feasible(plan, n, d, capex, opex, req, budget, horizon):
            value = objective(plan, closures, weights, d, horizon, len(pairs))
            if value > best:
                best, best_plan = value, plan
    return best, best_plan


# --------------------------------------------------------------------------- explanations


def test_left_out_says_what_it_would_add_cost_and_displace():
    # One pillar, two national indicators of equal weight: v = 10 each. A budget of 100 a
    # year buys one of BIG (3 levels, 100) or SMALL (1 level, 60); CHEAP (1 level, 40)
    # fits beside SMALL only.
    pairs = make_pairs([("NATIONAL", "national", 5, "N1", 1.0, 0.2, 0, 3),
                        ("NATIONAL", "national", 5, "N2", 1.0, 0.2, 0, 1)])
    cat = make_catalogue([
        {"intervention_id": "BIG", "indicators": "N1", "raises_to": 3, "capex_usd": 100.0},
        {"intervention_id": "SMALL", "indicators": "N1", "raises_to": 1, "capex_usd": 60.0},
        {"intervention_id": "CHEAP", "indicators": "N2", "raises_to": 1, "capex_usd": 40.0},
    ])
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=100.0, horizon_years=3)
    assert [p["intervention_id"] for p in roadmap.summary["plan"]] == ["BIG", "CHEAP"]
    explained = bc.explain_left_out(pairs, cat, roadmap).set_index("intervention_id")
    assert explained.loc["SMALL", "points"] == pytest.approx(0.0)  # BIG lifts N1 further
    table = bt.not_chosen_table(roadmap, explanation=explained.reset_index()).set_index("Intervention")
    assert table.loc["SMALL", "Detail"] == bt._words()["already_lifted"]
    assert table.loc["SMALL", "Would cost over the horizon (USD)"] == "60"

    roadmap = bc.plan_roadmap(pairs, cat.iloc[[0, 2]], budget_usd_per_year=100.0, horizon_years=2)
    # Two years: only one can be built in year 1; BIG (30 points in year 2) beats CHEAP (10).
    assert [p["intervention_id"] for p in roadmap.summary["plan"]] == ["BIG"]
    explained = bc.explain_left_out(pairs, cat.iloc[[0, 2]], roadmap).set_index("intervention_id")
    assert explained.loc["CHEAP", "points"] == pytest.approx(10.0)
    assert explained.loc["CHEAP", "displaced"] == "BIG"
    assert explained.loc["CHEAP", "objective_with"] == pytest.approx(10.0)
    detail = bt.not_chosen_table(roadmap, explanation=explained.reset_index())["Detail"].iloc[0]
    assert detail.startswith("to fit it in, the best plan would drop BIG and add 10.0 "
                             "score-point-years instead of 30.0")


# --------------------------------------------------------------------------- charts and tables


def test_charts_show_the_plan_and_the_budget():
    from workbench import roadmap_charts

    pairs, cat = small_case()
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=200.0, horizon_years=4,
                              annual_cost_usd=1000.0)
    gantt = roadmap_charts.roadmap_gantt(roadmap, period_label="2025")
    bars = {(t.name == "In effect", label.split("(")[-1].rstrip(")")): (base, length, hover)
            for t in gantt.data
            for label, base, length, hover in zip(t.y, t.base, t.x, t.hovertext or [None] * len(t.y))}
    # LAW built over years 1-2: bar from 0.5, two years long, in effect in years 3-4;
    # ORG built in year 3 only, in effect in year 4.
    assert {k: v[:2] for k, v in bars.items()} == {
        (False, "LAW"): (0.5, 2), (True, "LAW"): (2.5, 2),
        (False, "ORG"): (2.5, 1), (True, "ORG"): (3.5, 1)}
    assert "built in years 1-2" in bars[(False, "LAW")][2]
    # Rows keep the plan's order, latest start at the foot, whatever the trace order.
    order = [label.split("(")[-1].rstrip(")") for label in gantt.layout.yaxis.categoryarray]
    assert order == ["ORG", "LAW"]

    spend = roadmap_charts.spend_chart(roadmap)
    budget_line = [t for t in spend.data if t.name == "Budget per year"][0]
    assert list(budget_line.y) == [200.0, 200.0]
    bars = np.sum([np.asarray(t.y) for t in spend.data if t.type == "bar"], axis=0)
    assert bars.tolist() == pytest.approx([150.0, 150.0, 130.0, 70.0])

    score = roadmap_charts.score_path_chart(roadmap)
    assert list(score.data[0].y) == pytest.approx([18.0, 18.0, 18.0, 38.0, 60.0])
    assert "from 18.0 today to 60.0 by year 4" in score.layout.title.text

    loss = roadmap_charts.avoided_loss_chart(roadmap, annual_cost_interval_usd=(500.0, 2000.0))
    assert list(loss.data[0].y) == pytest.approx([0.0, 0.0, 100.0, 280.0])
    # year 4: R = 0.28, range 140 .. 560 around 280
    assert loss.data[0].error_y.arrayminus[3] == pytest.approx(140.0)
    assert loss.data[0].error_y.array[3] == pytest.approx(280.0)

    curve = bc.budget_curve(pairs, cat, budget_usd_per_year=200.0, horizon_years=4,
                            annual_cost_usd=1000.0)
    fig = roadmap_charts.budget_curve_chart(curve, budget_usd_per_year=200.0, horizon_years=4)
    assert list(fig.data[0].x) == [100.0, 150.0, 200.0, 250.0, 300.0, 400.0]
    assert list(fig.data[0].y) == pytest.approx(curve["points_gained"].tolist())
    assert curve["points_gained"].iloc[2] == pytest.approx(42.0)  # 18 today, 60 by year 4


def test_charts_say_when_there_is_nothing_to_show():
    from workbench import roadmap_charts

    pairs, cat = small_case()
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=10.0, horizon_years=4)
    gantt = roadmap_charts.roadmap_gantt(roadmap)
    assert "No intervention in the plan" in gantt.layout.annotations[0].text
    loss = roadmap_charts.avoided_loss_chart(roadmap)
    assert "Not available" in loss.layout.annotations[0].text


def test_tables_escape_nothing_away_and_format_money():
    pairs, cat = small_case()
    cat = cat.assign(name=["<b>Law</b>", "Org & co"])
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=200.0, horizon_years=4,
                              annual_cost_usd=1000.0)
    table = bt.plan_table(roadmap)
    assert table["Cost over the horizon (USD)"].tolist() == ["400", "100"]
    # By year 4, LAW adds 20 points (ORG's 22 stay without it), ORG 22.
    assert table["Adds to the score by year 4 (points)"].tolist() == ["20.00", "22.00"]
    assert table["Score points per USD million"].tolist() == ["50,000.00", "220,000.00"]
    assert table["Built in year(s)"].tolist() == ["1-2", "3"]
    from workbench import notebook as wb

    html_text = wb.table_html(table)._repr_html_()
    assert "&lt;b&gt;Law&lt;/b&gt;" in html_text and "<b>Law</b>" not in html_text
    headline = bt.headline_figures(roadmap).set_index("Figure")["Value"]
    assert headline["Return on security investment (ROSI)"].startswith("-0.24 (90% range")
    assert headline["Overall capability score"] == "from 18.0 today to 60.0 by year 4"


def test_headline_money_reads_in_usd_words():
    pairs, cat = small_case()
    roadmap = bc.plan_roadmap(pairs, cat, budget_usd_per_year=200.0, horizon_years=4,
                              annual_cost_usd=1000.0)
    headline = bt.headline_figures(roadmap).set_index("Figure")["Value"]
    assert headline["Budget per year"] == "USD 200"
    assert headline["Horizon"] == "4 years"
    # ROSI -0.24: losses avoided are 0.76 of the cost.
    assert headline["ROSI in words"] == ("each USD 1 spent avoids USD 0.76 of losses "
                                         "(a net loss of USD 0.24)")
    no_cost = bc.plan_roadmap(pairs, cat, budget_usd_per_year=200.0, horizon_years=4)
    words = bt.headline_figures(no_cost).set_index("Figure")["Value"]["ROSI in words"]
    assert words.startswith("not available")
