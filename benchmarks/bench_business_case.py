"""Benchmark of the business-case solver.

1. A generated catalogue of 60 interventions over 80 entities and a 10-year horizon
   (the shipped framework's 28 indicators): time to solve, solver status and gap.
2. For each sample country under data/samples: the time to re-solve the roadmap at
   the profile's budget (what the dashboard does on every move of the budget slider)
   and to compute the budget curve (six re-solves).

Run ``python benchmarks/bench_business_case.py``; it writes
``benchmarks/results/business_case.json``.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench import business_case, gaps, paths, stages, vocab
from workbench.framework import load_framework
from workbench.loading import load_country

RESULTS = Path(__file__).resolve().parent / "results" / "business_case.json"
REPEATS = 5
SEED = 20250101


def _timed(func, repeats: int = REPEATS) -> tuple[float, object]:
    """Median wall time over ``repeats`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def generated_case(
    n_entities: int = 80, n_interventions: int = 60, seed: int = SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs for NATIONAL plus ``n_entities - 1`` organisations, and a random catalogue."""
    rng = np.random.default_rng(seed)
    framework = load_framework()
    n_gov = (n_entities - 1) // 2
    entities = pd.DataFrame({
        "entity_id": [vocab.NATIONAL_ENTITY_ID]
        + [f"GOV{k:03d}" for k in range(n_gov)]
        + [f"CNI{k:03d}" for k in range(n_entities - 1 - n_gov)],
        "entity_type": ["national"] + ["government"] * n_gov + ["cni_operator"] * (n_entities - 1 - n_gov),
    })
    entities["name"] = entities["entity_id"]
    entities["sector"] = np.where(entities["entity_type"] == "cni_operator", "energy", None)
    entities["criticality"] = pd.array(
        np.where(entities["entity_type"] == "national", 5, rng.integers(1, 6, len(entities))),
        dtype="Int64",
    )
    indicators = framework.indicators_frame()
    national = indicators[indicators["scope"] == "national"]["indicator_id"]
    organisation = indicators[indicators["scope"] == "organisation"]["indicator_id"]
    rows = [("NATIONAL", i) for i in national] + [
        (e, i) for e in entities["entity_id"][1:] for i in organisation
    ]
    assessment = pd.DataFrame(rows, columns=["entity_id", "indicator_id"])
    levels = rng.integers(0, 5, len(assessment)).astype(float)
    levels[rng.random(len(assessment)) < 0.05] = np.nan  # some pairs not assessed
    assessment["level"] = pd.array(pd.Series(levels).round(), dtype="Int64")
    assessment["evidence"] = ""
    pairs = gaps.assessment_pairs(framework, entities, assessment)

    scope = dict(zip(indicators["indicator_id"], indicators["scope"]))
    pillar = dict(zip(indicators["indicator_id"], indicators["pillar_id"]))
    catalogue = []
    for k in range(n_interventions):
        national_scope = rng.random() < 0.4
        pool = list(national if national_scope else organisation)
        chosen = sorted(set(rng.choice(pool, size=int(rng.integers(1, 4)))))
        earlier = [f"X{j:02d}" for j in range(k) if rng.random() < 0.04]
        catalogue.append({
            "intervention_id": f"X{k:02d}",
            "name": f"Generated intervention {k}",
            "pillar": pillar[chosen[0]],
            "indicators": ";".join(chosen),
            "applies_to": "national" if national_scope
            else str(rng.choice(["all", "government", "cni_operator"])),
            "raises_to": int(rng.integers(2, 6)),
            "capex_usd": float(rng.integers(2, 30)) * (50_000.0 if national_scope else 2_000.0),
            "opex_usd_per_year": float(rng.integers(0, 10)) * (20_000.0 if national_scope else 1_000.0),
            "duration_months": int(rng.choice([6, 12, 18, 24, 36])),
            "requires": ";".join(earlier[:2]) if earlier else np.nan,
            "loss_reduction": float(rng.uniform(0, 0.02)),
        })
    frame = pd.DataFrame(catalogue)
    frame["raises_to"] = frame["raises_to"].astype("Int64")
    frame["duration_months"] = frame["duration_months"].astype("Int64")
    assert scope  # every generated indicator comes from the framework
    return pairs, frame


def _roadmap_figures(roadmap: business_case.Roadmap) -> dict[str, object]:
    return {
        "status": roadmap.status,
        "mip_gap": roadmap.mip_gap,
        "interventions_chosen": len(roadmap.summary["plan"]),
        "objective": round(roadmap.summary["objective"], 3),
        "total_cost_usd": round(roadmap.summary["total_cost_usd"], 2),
        "feasible": roadmap.evaluation.feasible,
    }


def bench_generated() -> dict[str, object]:
    pairs, catalogue = generated_case()
    budget, horizon = 8_000_000.0, 10
    seconds, roadmap = _timed(
        lambda: business_case.plan_roadmap(pairs, catalogue, budget_usd_per_year=budget,
                                           horizon_years=horizon, annual_cost_usd=5e7),
        repeats=3,
    )
    return {
        "entities": int(pairs["entity_id"].nunique()),
        "pairs": len(pairs),
        "interventions": len(catalogue),
        "horizon_years": horizon,
        "budget_usd_per_year": budget,
        "solve_seconds_median": round(seconds, 4),
        **_roadmap_figures(roadmap),
    }


def bench_samples(root: Path = paths.SAMPLES_DIR) -> dict[str, object]:
    out: dict[str, object] = {}
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and len(p.name) == 2):
        data = load_country(folder, tables=("entities", "capability_assessment", "targets", "interventions"))
        problems = data.problems_for("business_case")
        if problems:
            out[folder.name] = {"skipped": "; ".join(problems)}
            continue
        pairs = gaps.assessment_pairs(
            data.framework, data.table("entities"), data.table("capability_assessment"),
            stages.optional_table(data, "targets"),
        )
        catalogue = data.table("interventions")
        budget, horizon = data.profile.budget_usd_per_year, data.profile.horizon_years

        levels = data.framework.levels

        def solve(b=budget, h=horizon, p=pairs, c=catalogue, lv=levels):
            return business_case.plan_roadmap(p, c, budget_usd_per_year=b, horizon_years=h,
                                              annual_cost_usd=1e7, levels=lv)

        seconds, roadmap = _timed(solve)
        curve_seconds, _ = _timed(
            lambda p=pairs, c=catalogue, b=budget, h=horizon, lv=levels: business_case.budget_curve(
                p, c, budget_usd_per_year=b, horizon_years=h, annual_cost_usd=1e7, levels=lv),
            repeats=3,
        )
        out[folder.name] = {
            "entities": int(pairs["entity_id"].nunique()),
            "pairs": len(pairs),
            "interventions": len(catalogue),
            "horizon_years": horizon,
            "budget_usd_per_year": budget,
            "resolve_seconds_median": round(seconds, 4),
            "budget_curve_seconds_median": round(curve_seconds, 4),
            **_roadmap_figures(roadmap),
        }
    return out


def run() -> dict:
    """Measured figures (seconds) of the generated case and of each sample country."""
    return {
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "generated_60_interventions_80_entities_10_years": bench_generated(),
        "sample_countries": bench_samples(),
    }


if __name__ == "__main__":
    results = run()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
