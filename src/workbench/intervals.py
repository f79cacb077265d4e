"""The uncertainty of the estimates: the Wilson interval of a weighted share on its
Kish effective sample size, and the stratified bootstrap of respondents behind the
percentile ranges of the totals (docs/impact.md).

Every function here is pure: arrays in, arrays or floats out; the bootstrap's seed is
fixed, so the same inputs give the same figures.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

# Two-sided 95% normal quantile used by the Wilson interval (1.959964...).
Z_95: float = float(stats.norm.ppf(0.975))
# The bootstrap's replicates and seed unless a caller says otherwise.
DEFAULT_REPLICATES: int = 1000
DEFAULT_SEED: int = 20250101
# How summary.json names and describes the prevalence intervals.
CI_METHOD = "wilson_kish"
CI_METHOD_TEXT = (
    "Wilson score interval (95%) on the Kish effective sample size "
    "n_eff = (sum w)^2 / sum(w^2)"
)
# Upper bound on the elements of one chunk of the bootstrap's replicates x respondents
# count matrix (float64: 4e6 elements = 32 MB), so memory stays flat for any survey size.
BOOTSTRAP_CHUNK_ELEMENTS: int = 4_000_000


def kish_effective_n(weights: np.ndarray | pd.Series) -> float:
    """Kish effective sample size (sum w)^2 / sum(w^2); NaN when there is no weight."""
    w = np.asarray(weights, dtype="float64")
    sum_w2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / sum_w2 if sum_w2 > 0 else math.nan


def wilson_interval(
    p: np.ndarray | float, n: np.ndarray | float, z: float = Z_95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``p`` on (effective) sample size ``n``.

    low, high = (p + z^2/(2n) -/+ z * sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n),
    NaN where n <= 0 or p is NaN; clipped to [0, 1] against rounding.
    """
    p = np.asarray(p, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = (n > 0) & np.isfinite(p)
        n_safe = np.where(valid, n, 1.0)
        z2 = z * z
        denom = 1.0 + z2 / n_safe
        centre = (p + z2 / (2.0 * n_safe)) / denom
        spread = np.clip(p * (1.0 - p), 0.0, None) / n_safe + z2 / (4.0 * n_safe**2)
        half = z * np.sqrt(spread) / denom
        low = np.where(valid, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(valid, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def stratified_bootstrap_totals(
    values: np.ndarray,
    strata: np.ndarray,
    *,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    chunk_elements: int = BOOTSTRAP_CHUNK_ELEMENTS,
) -> np.ndarray:
    """Column totals of ``values`` over stratified bootstrap resamples of its rows.

    In each replicate every stratum h of n_h rows is resampled with replacement
    (n_h draws, uniform). Row i drawn m_i times contributes m_i * values[i]; the
    replicate's totals are M @ values with M the replicates x rows count matrix.
    M is built in chunks of replicates (at most ``chunk_elements`` counts at a time)
    with one draw and one ``bincount`` per stratum per chunk: no loop per replicate.

    Args:
        values: rows x k array of per-row quantities (already multiplied by weights).
        strata: integer stratum code of each row.
        replicates: number of bootstrap replicates.
        seed: seed of ``numpy.random.default_rng``; the same inputs and seed give the
            same totals.
        chunk_elements: memory bound of one chunk of the count matrix.

    Returns:
        replicates x k array of totals.
    """
    values = np.asarray(values, dtype="float64")
    if values.ndim == 1:
        values = values[:, None]
    n_rows, k = values.shape
    out = np.zeros((replicates, k))
    if n_rows == 0 or replicates <= 0:
        return out
    order = np.argsort(strata, kind="stable")
    sorted_values = values[order]
    _, starts, sizes = np.unique(
        np.asarray(strata)[order], return_index=True, return_counts=True
    )
    rng = np.random.default_rng(seed)
    chunk = int(max(1, min(replicates, chunk_elements // n_rows)))
    for first in range(0, replicates, chunk):
        size = min(chunk, replicates - first)
        counts = np.empty((size, n_rows))
        for start, m in zip(starts, sizes):
            # 32-bit draws are faster to generate and count; 64-bit only when needed.
            dtype = np.int32 if size * m < np.iinfo(np.int32).max else np.int64
            draws = rng.integers(0, m, size=(size, m), dtype=dtype)
            draws += (np.arange(size, dtype=dtype) * m)[:, None]
            counts[:, start : start + m] = np.bincount(
                draws.ravel(), minlength=size * m
            ).reshape(size, m)
        out[first : first + size] = counts @ sorted_values
    return out


def percentiles(values: pd.Series, published: bool = True) -> dict[str, float | None]:
    """p05 / p50 / p95 of the finite replicates (all None when not ``published``)."""
    if not published:
        return {"p05": None, "p50": None, "p95": None}
    finite = values.to_numpy(dtype="float64")
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {"p05": None, "p50": None, "p95": None}
    p05, p50, p95 = np.percentile(finite, [5, 50, 95])
    return {"p05": float(p05), "p50": float(p50), "p95": float(p95)}
