"""Rim weights (raking) when the business register gives margins only (docs/methods.md
section 1, "Raking").

Many registers publish the entities of each sector and of each size band, not the
sector x size band table. The respondents' weights are then worked out by iterative
proportional fitting: every respondent starts at N / n, and the weights are scaled in
turn to meet the sector totals and the size-band totals until every margin is met to
1e-8 relative (at most 100 rounds). N is the sector margins' total.

Written here rather than taken from a library: the whole method is a dozen lines of
numpy over two margins, and the libraries that rake (weightipy, samplics) bring
dependencies (polars, statsmodels) and trimming options the contract does not use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-8
MAX_ROUNDS = 100
# Sector and size-band margins describe one register: their totals may differ by
# rounding, not by more than this share.
MAX_TOTALS_GAP = 0.005


class RakingError(ValueError):
    """Margins the respondents cannot be raked to, saying which."""


@dataclass(frozen=True)
class RimWeights:
    weights: np.ndarray
    rounds: int
    population: float


def rim_weights(sectors: np.ndarray, bands: np.ndarray, sector_totals: Mapping[str, float],
                band_totals: Mapping[str, float]) -> RimWeights:
    """Weights whose totals by sector and by size band meet the margins.

    Raises:
        RakingError: the margins' totals differ by more than 0.5%; a margin with
            entities has no respondent (or a respondent's sector or band has no
            margin); or the weights do not settle within 100 rounds.
    """
    sectors = np.asarray(sectors, dtype=object)
    bands = np.asarray(bands, dtype=object)
    sector_total = float(sum(sector_totals.values()))
    band_total = float(sum(band_totals.values()))
    if sector_total <= 0 or abs(sector_total - band_total) > MAX_TOTALS_GAP * sector_total:
        raise RakingError(
            f"the sector margins add up to {sector_total:,.0f} entities and the size-band "
            f"margins to {band_total:,.0f}: they must describe the same register (within 0.5%)")
    for label, values, totals in (("sector", sectors, sector_totals), ("size band", bands, band_totals)):
        unknown = sorted(set(values) - set(totals))
        if unknown:
            raise RakingError(f"respondents in a {label} with no margin: {', '.join(map(str, unknown))}")
        empty = sorted(k for k, v in totals.items() if v > 0 and not np.any(values == k))
        if empty:
            raise RakingError(
                f"{label} margins with entities but no respondent: {', '.join(map(str, empty))}")
    # The size-band margins scaled to the sector total, so that both can be met at once.
    band_targets = {k: v * sector_total / band_total for k, v in band_totals.items()}
    weights = np.full(len(sectors), sector_total / max(len(sectors), 1))
    sector_codes = _codes(sectors)
    band_codes = _codes(bands)
    for rounds in range(1, MAX_ROUNDS + 1):
        weights = _scaled(weights, sector_codes, sector_totals)
        weights = _scaled(weights, band_codes, band_targets)
        if (_gap(weights, sector_codes, sector_totals) <= TOLERANCE
                and _gap(weights, band_codes, band_targets) <= TOLERANCE):
            return RimWeights(weights, rounds, sector_total)
    raise RakingError(f"the weights did not meet the margins within {MAX_ROUNDS} rounds "
                      "(a sector and a size band that exclude each other?)")


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, codes = np.unique(values.astype(str), return_inverse=True)
    return labels, codes


def _scaled(weights: np.ndarray, coded: tuple[np.ndarray, np.ndarray],
            totals: Mapping[str, float]) -> np.ndarray:
    labels, codes = coded
    current = np.bincount(codes, weights=weights, minlength=len(labels))
    wanted = np.array([totals[label] for label in labels], dtype="float64")
    factor = np.divide(wanted, current, out=np.zeros_like(wanted), where=current > 0)
    return weights * factor[codes]


def _gap(weights: np.ndarray, coded: tuple[np.ndarray, np.ndarray],
         totals: Mapping[str, float]) -> float:
    labels, codes = coded
    current = np.bincount(codes, weights=weights, minlength=len(labels))
    wanted = np.array([totals[label] for label in labels], dtype="float64")
    return float(np.max(np.abs(current - wanted) / np.where(wanted > 0, wanted, 1.0)))
