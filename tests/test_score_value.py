"""The value of a pair (docs/methods.md §2): by hand on a tiny framework, and the score
identity (raising levels by d raises the overall score by sum v * d)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import gaps
from workbench.framework import Framework
from workbench.score_value import assessed_overall_score, pair_values

# One national indicator (pillar "law", weight 1) and one organisation indicator
# (pillar "tech", weight 3) on a 1-4 scale, so that min, max and every weight count.
TINY = Framework.model_validate({
    "id": "tiny", "title": "Tiny",
    "levels": {"min": 1, "max": 4},
    "pillars": [{"id": "law", "title": "Law", "weight": 1.0},
                {"id": "tech", "title": "Tech", "weight": 3.0}],
    "indicators": [
        {"id": "L1", "pillar": "law", "scope": "national", "title": "A law", "weight": 2.0,
         "target": {"national": 4}},
        {"id": "T1", "pillar": "tech", "scope": "organisation", "title": "Backups", "weight": 1.0,
         "target": {"government": 4, "cni_operator": 4}},
    ],
})


def _entities() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_id": ["NATIONAL", "G1", "C1", "C2"],
        "name": ["Kenya", "Treasury", "Power", "Water"],
        "entity_type": ["national", "government", "cni_operator", "cni_operator"],
        "sector": [None, "public_administration", "energy", "water"],
        "criticality": pd.array([5, 3, 1, 4], dtype="Int64"),
    })


def _assessment(levels: dict[tuple[str, str], int | None]) -> pd.DataFrame:
    rows = [{"entity_id": e, "indicator_id": k, "level": lv, "evidence": ""}
            for (e, k), lv in levels.items()]
    frame = pd.DataFrame(rows)
    frame["level"] = frame["level"].astype("Int64")
    return frame


BASE = {("NATIONAL", "L1"): 2, ("G1", "T1"): 1, ("C1", "T1"): 3, ("C2", "T1"): None}


def test_value_of_a_pair_by_hand():
    pairs = gaps.assessment_pairs(TINY, _entities(), _assessment(BASE))
    values = pair_values(pairs, TINY.levels).set_axis(
        list(zip(pairs["entity_id"], pairs["indicator_id"])))
    # 100 / (4 - 1) points per level of the scale; pillar shares law 1/4, tech 3/4;
    # each pillar has one indicator (share 1); T1 is assessed on G1 (3) and C1 (1).
    assert values[("NATIONAL", "L1")] == pytest.approx(100 / 3 * 1 / 4)
    assert values[("G1", "T1")] == pytest.approx(100 / 3 * 3 / 4 * 3 / 4)
    assert values[("C1", "T1")] == pytest.approx(100 / 3 * 3 / 4 * 1 / 4)
    assert np.isnan(values[("C2", "T1")])  # not assessed: no value
    # Priorities: the points closing each gap adds.
    priority = pairs.set_index(["entity_id", "indicator_id"])["priority"]
    assert priority[("NATIONAL", "L1")] == pytest.approx(100 / 12 * 2)
    assert priority[("G1", "T1")] == pytest.approx(100 / 3 * 9 / 16 * 3)
    # Today's score: law u = (2-1)/3, tech u = ((3*1 + 1*3)/4 - 1)/3 = 0.5/3.
    expected = 100 * (1 / 4 * 1 / 3 + 3 / 4 * 0.5 / 3)
    assert assessed_overall_score(pairs, TINY.levels) == pytest.approx(expected)
    assert gaps.score_tables(pairs, levels=TINY.levels).overall["score"].iloc[0] == pytest.approx(expected)


def test_nothing_assessed_has_no_score():
    pairs = gaps.assessment_pairs(TINY, _entities(), _assessment({("NATIONAL", "L1"): None}))
    assert assessed_overall_score(pairs, TINY.levels) is None
    assert pair_values(pairs, TINY.levels).isna().all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=4, max_size=4),
       st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_raising_levels_by_d_raises_the_score_by_sum_of_v_times_d(levels, raises):
    keys = [("NATIONAL", "L1"), ("G1", "T1"), ("C1", "T1"), ("C2", "T1")]
    before = dict(zip(keys, levels))
    if all(v is None for v in levels):
        return
    after = {k: None if v is None else min(4, v + d) for (k, v), d in zip(before.items(), raises)}
    pairs = gaps.assessment_pairs(TINY, _entities(), _assessment(before))
    raised = gaps.assessment_pairs(TINY, _entities(), _assessment(after))
    values = pair_values(pairs, TINY.levels).fillna(0.0)
    d = (raised["level"].astype("float64") - pairs["level"].astype("float64")).fillna(0.0)

    def score(p: pd.DataFrame) -> float:
        return float(gaps.score_tables(p, levels=TINY.levels).overall["score"].iloc[0])

    assert score(raised) - score(pairs) == pytest.approx(float((values * d).sum()), abs=1e-9)
    assert assessed_overall_score(pairs, TINY.levels) == pytest.approx(score(pairs), abs=1e-9)
