"""Disclosure control: which survey figures may be published (docs/methods.md).

A figure resting on too few organisations could tell a reader about identifiable
respondents, and a suppressed group of a breakdown could be worked out from the
total and the other groups. The rules, declared once here, are applied by the impact
stage to every share, breakdown and count it publishes; charts and pages show what
they hide as :data:`SUPPRESSED_TEXT`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The one threshold of every rule (see too_few_to_publish and protect_breakdown).
MIN_CELL_SIZE: int = 5
# What a chart or table says in place of a suppressed figure (whichever rule hid it).
SUPPRESSED_TEXT = "suppressed to protect respondents"


def too_few_to_publish(
    n: np.ndarray | int, n_yes: np.ndarray | int, min_cell_size: int
) -> np.ndarray:
    """Whether a share must be suppressed on its own (primary suppression).

    ``n``: respondents the share rests on; ``n_yes``: how many of them have the
    attribute (both unweighted). Fewer than ``min_cell_size`` respondents, or a
    numerator of 1 to ``min_cell_size - 1`` organisations, would let a reader learn
    about identifiable respondents. A numerator of 0 is published (nobody is
    described by it).
    """
    n, n_yes = np.asarray(n), np.asarray(n_yes)
    return (n < min_cell_size) | ((n_yes > 0) & (n_yes < min_cell_size))


def protect_breakdown(groups: pd.DataFrame) -> pd.DataFrame:
    """Secondary suppression of one breakdown whose total is also published.

    ``groups``: one row per group of a partition (sectors, size bands ...), with
    ``n`` and ``suppressed``. When exactly one group that has respondents is
    suppressed, the total and the other groups would give it back by differencing
    (with the register's counts as weights): the next smallest group with
    respondents is suppressed too. Returns a copy; suppressed rows lose their
    estimate, interval, precision and reliability flag.
    """
    out = groups.copy()
    answered = out["n"].to_numpy() > 0
    suppressed = out["suppressed"].to_numpy(dtype=bool)
    if (answered & suppressed).sum() == 1:
        candidates = out.loc[answered & ~suppressed, "n"]
        if not candidates.empty:
            # Ties broken by the breakdown's own order, so the choice is reproducible.
            out.loc[candidates.index[int(np.argmin(candidates.to_numpy()))], "suppressed"] = True
    hidden = out["suppressed"].to_numpy(dtype=bool)
    for column in ("estimate", "ci_low", "ci_high", "se", "cv", "deff", "n_eff"):
        if column in out:
            out.loc[hidden, column] = np.nan
    if "reliability" in out:
        out["reliability"] = out["reliability"].astype(object).where(~hidden, None)
    return out
