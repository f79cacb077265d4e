"""Benchmark: the impact stage on 100,000 generated survey responses.

Generates a typed survey (as the loader returns it) over every sector x size band cell,
a business register and 20,000 incidents, then times the whole assessment (every figure
with its design-based precision) and its parts, and reports each as a ratio to the
point estimate of the annual cost timed in the same process (the baseline). Run as a
script to write benchmarks/results/impact.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench import impact, vocab
from workbench.profile import Profile

RESPONDENTS = 100_000
INCIDENTS = 20_000
SEED = 42


def _yes_no(rng: np.random.Generator, share: float | np.ndarray, n: int, known: float = 0.95) -> pd.Series:
    answer = rng.random(n) < share
    values = pd.array(answer, dtype="boolean")
    values[rng.random(n) > known] = pd.NA
    return pd.Series(values)


def generate(n: int = RESPONDENTS, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Profile]:
    """A survey of ``n`` respondents, its register, incidents and a profile."""
    rng = np.random.default_rng(seed)
    bands = np.array(vocab.SIZE_BANDS)
    sectors = np.array(vocab.SECTORS)
    sector = sectors[rng.integers(0, len(sectors), n)]
    band = bands[rng.choice(len(bands), n, p=[0.5, 0.3, 0.15, 0.05])]
    band_risk = pd.Series(band).map({"micro": 0.2, "small": 0.3, "medium": 0.45, "large": 0.6}).to_numpy()
    breached = rng.random(n) < band_risk
    survey = pd.DataFrame(
        {
            "respondent_id": pd.Series([f"R{i:06d}" for i in range(n)], dtype="str"),
            "sector": pd.Series(sector, dtype="str"),
            "size_band": pd.Series(band, dtype="str"),
            "ownership": pd.Series(np.where(sector == "public_administration", "public", "private"), dtype="str"),
            "cni": _yes_no(rng, 0.05, n),
            "breached_12m": pd.Series(pd.array(breached, dtype="boolean")),
            "breaches_12m": pd.Series(
                pd.array(np.where(breached, rng.poisson(2, n) + 1, 0), dtype="Int64")
            ),
        }
    )
    for kind, share in zip(vocab.ATTACK_KINDS, (0.8, 0.3, 0.2, 0.05, 0.07, 0.15, 0.1, 0.2)):
        survey[kind] = _yes_no(rng, share, n).where(breached)
    scale = pd.Series(band).map({"micro": 2e4, "small": 8e4, "medium": 4e5, "large": 2e6}).to_numpy()
    for part, share in zip(vocab.COST_PARTS, (0.5, 0.3, 0.2)):
        cost = rng.lognormal(0, 1, n) * scale * share
        survey[part] = np.where(breached & (rng.random(n) < 0.9), cost, np.nan)
    survey["reported"] = _yes_no(rng, 0.15, n).where(breached)
    for control, share in zip(vocab.CONTROLS, (0.3, 0.6, 0.35, 0.4, 0.1)):
        survey[control] = _yes_no(rng, share, n)

    cells = pd.MultiIndex.from_product([vocab.SECTORS, vocab.SIZE_BANDS], names=["sector", "size_band"])
    base = pd.Series(cells.get_level_values("size_band")).map(
        {"micro": 50_000, "small": 8_000, "medium": 1_500, "large": 300}
    )
    frame = cells.to_frame(index=False).assign(
        entities=pd.array((base * rng.uniform(0.5, 1.5, len(base))).round().astype(int), dtype="Int64")
    )

    victim = rng.choice(np.array(vocab.VICTIM_TYPES), INCIDENTS, p=[0.4, 0.45, 0.15])
    incidents = pd.DataFrame(
        {
            "incident_id": [f"I{i}" for i in range(INCIDENTS)],
            "reported_on": pd.Timestamp("2024-10-01")
            + pd.to_timedelta(rng.integers(0, 540, INCIDENTS), unit="D"),
            "category": rng.choice(np.array(vocab.INCIDENT_CATEGORIES), INCIDENTS),
            "victim_type": victim,
            "sector": pd.Series(np.where(victim == "individual", None, sectors[rng.integers(0, 17, INCIDENTS)]), dtype="str"),
            "cni": pd.array([pd.NA] * INCIDENTS, dtype="boolean"),
            "financial_loss": np.where(rng.random(INCIDENTS) < 0.3, rng.lognormal(11, 1, INCIDENTS), np.nan),
            "status": "open",
        }
    )
    profile = Profile(
        country="KE", name="Benchmark", currency="KES", usd_per_unit=0.0077, gdp_usd=1.08e11,
        population=5.5e7, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31),
        budget_usd_per_year=4e6, horizon_years=5, synthetic=True,
    )
    return survey, frame, incidents, profile


def _timed(func, repeat: int = 3) -> tuple[float, object]:
    """Best of ``repeat`` wall-clock timings (seconds) and the last result."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def _cpu(func) -> float:
    """CPU seconds of one run (less sensitive than wall clock to a busy machine)."""
    start = time.process_time()
    func()
    return time.process_time() - start


def run() -> dict:
    """Time the impact stage; returns the measured figures."""
    survey, frame, incidents, profile = generate()
    weights_s, weights = _timed(lambda: impact.post_stratified_weights(survey, frame))
    point_s, _ = _timed(lambda: impact.annual_cost_estimate_usd(survey, frame, profile))
    strata = pd.MultiIndex.from_frame(survey[["sector", "size_band"]]).factorize()[0]
    total_s, result = _timed(
        lambda: impact.assess_impact(survey, frame, profile, incidents=incidents)
    )
    total_cpu = _cpu(lambda: impact.assess_impact(survey, frame, profile, incidents=incidents))
    summary = result.summary
    return {
        "respondents": RESPONDENTS,
        "survey_cells": int(len(np.unique(strata))),
        "incidents": INCIDENTS,
        "assess_impact_seconds": round(total_s, 3),
        "assess_impact_cpu_seconds": round(total_cpu, 3),
        "weights_seconds": round(weights_s, 4),
        "point_estimate_seconds": round(point_s, 4),
        "assess_impact_to_point_estimate_ratio": round(total_s / point_s, 1),
        "annual_cost_usd": summary["annual_cost_usd"],
        "timing": "best of 3 wall-clock runs; cpu = process time of one run",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


if __name__ == "__main__":
    results = run()
    target = Path(__file__).resolve().parent / "results" / "impact.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
