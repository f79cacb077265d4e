"""What one level on an (entity, indicator) pair adds to the overall score.

docs/methods.md section 2: holding which pairs are assessed fixed, the overall score
(before the coverage rule) is linear in the levels of the assessed pairs, so each pair
has a value v, the overall-score points one level on it adds:

    v(e, k) = 100 / (max - min) * PW_p / sum(PW over pillars with a score)
              * IW_k / sum(IW over p's indicators with a score)
              * c_e / sum(c over the entities assessed on k)

(c = criticality; for a national-scope indicator only NATIONAL is assessed, so the last
factor is 1). Raising the levels of assessed pairs by d raises the overall score by
exactly sum v * d. The gap analysis ranks gaps by v * gap (the points closing a gap
adds) and the business case maximises the same points, year by year: both call
``pair_values``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.framework import DEFAULT_LEVELS, Levels


def pair_values(pairs: pd.DataFrame, levels: Levels = DEFAULT_LEVELS) -> pd.Series:
    """v(pair) for every row of ``pairs`` (NaN for pairs not assessed).

    Args:
        pairs: rows of ``gaps.assessment_pairs`` (entity_id, indicator_id, pillar_id,
            criticality, indicator_weight, pillar_weight, level, assessed).
        levels: the framework's level scale.

    Returns:
        A float Series aligned with ``pairs``: the overall-score points (0-100 scale)
        one level on the pair adds. A pair whose indicator's assessed entities all have
        criticality 0 is worth 0.
    """
    assessed = pairs["assessed"].fillna(False).astype(bool) & pairs["level"].notna()
    done = pairs.loc[assessed]
    crit = done["criticality"].astype("float64").fillna(0.0)
    crit_total = crit.groupby(done["indicator_id"]).transform("sum")
    entity_share = (crit / crit_total.where(crit_total > 0)).fillna(0.0)

    indicators = done.drop_duplicates("indicator_id")[["indicator_id", "pillar_id",
                                                        "indicator_weight", "pillar_weight"]]
    iw = indicators["indicator_weight"].astype("float64")
    iw_total = iw.groupby(indicators["pillar_id"]).transform("sum")
    indicator_share = pd.Series((iw / iw_total.where(iw_total > 0)).fillna(0.0).to_numpy(),
                                index=indicators["indicator_id"].to_numpy())

    pillars = indicators.drop_duplicates("pillar_id")
    pw_total = float(pillars["pillar_weight"].astype("float64").sum())
    pillar_share = pd.Series(
        (pillars["pillar_weight"].astype("float64") / pw_total if pw_total > 0
         else pillars["pillar_weight"].astype("float64") * 0.0).to_numpy(),
        index=pillars["pillar_id"].to_numpy())

    value = (100.0 / (levels.max - levels.min)
             * done["pillar_id"].map(pillar_share).astype("float64")
             * done["indicator_id"].map(indicator_share).astype("float64")
             * entity_share)
    out = pd.Series(np.nan, index=pairs.index, dtype="float64")
    out.loc[done.index] = value.to_numpy()
    return out


def assessed_overall_score(pairs: pd.DataFrame, levels: Levels = DEFAULT_LEVELS,
                           values: pd.Series | None = None) -> float | None:
    """The overall score of whatever was assessed, before the coverage rule.

    It equals sum over assessed pairs of v(pair) * (level - min), the same identity the
    business case builds its score path on; None when nothing is assessed. ``values``:
    ``pair_values(pairs, levels)`` when already worked out.
    """
    values = pair_values(pairs, levels) if values is None else values
    done = values.notna()
    if not done.any():
        return None
    return float((values[done] * (pairs.loc[done, "level"].astype("float64") - levels.min)).sum())
