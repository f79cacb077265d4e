"""Uncertainty on the business case's money (docs/methods.md §3).

The losses a plan avoids rest on two uncertain things: the annual cost of cybercrime
(the impact stage's design-based estimate, with its standard error) and the share of
that cost each intervention avoids (the catalogue's ``loss_reduction``, with a plausible
range ``loss_reduction_low`` .. ``loss_reduction_high`` where it gives one). Monte
Carlo: in each of ``DRAWS`` draws (a fixed seed, so the figures are reproducible),

- the annual cost is drawn from Normal(estimate, se) truncated at 0;
- each chosen intervention's loss reduction from PERT(low, mode = loss_reduction, high)
  when the catalogue gives both ends (else it is fixed);
- R(t) = 1 - prod(1 - lr_i) over the interventions in effect in year t; losses avoided
  = annual cost * sum over t of R(t); ROSI = (losses avoided - total cost) / total cost.

The 5th and 95th percentiles of the draws are published as a 90% range (so labelled),
with ``p_positive``, the share of draws in which the plan pays for itself (ROSI > 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from workbench.formatting import format_pct
from workbench.i18n import N_, _, ngettext
from workbench.summary_types import MoneyInterval, RosiInterval

DRAWS = 10_000
SEED = 20_250_101
LOW_PERCENTILE, HIGH_PERCENTILE = 5.0, 95.0
RANGE_WORDS = N_("90% range")
# PERT: a Beta distribution on [low, high] whose mode is the point estimate, with
# the conventional weight of 4 on the mode (Vose, Risk Analysis, 3rd ed., 2008).
PERT_WEIGHT = 4.0


def truncated_normal(rng: np.random.Generator, mean: float, se: float, size: int) -> np.ndarray:
    """Draws of Normal(mean, se) truncated at 0 (conditioned on being >= 0); se 0 gives
    the mean itself."""
    if not se > 0:
        return np.full(size, max(float(mean), 0.0))
    low = (0.0 - mean) / se
    return stats.truncnorm.rvs(low, np.inf, loc=mean, scale=se, size=size, random_state=rng)


def pert(rng: np.random.Generator, low: float, mode: float, high: float, size: int) -> np.ndarray:
    """Draws of PERT(low, mode, high); a zero-width range gives the mode itself."""
    if not high > low:
        return np.full(size, float(mode))
    alpha = 1.0 + PERT_WEIGHT * (mode - low) / (high - low)
    beta = 1.0 + PERT_WEIGHT * (high - mode) / (high - low)
    return low + (high - low) * rng.beta(alpha, beta, size=size)


@dataclass(frozen=True)
class MoneyRanges:
    """The draws' 90% ranges of the losses avoided and the ROSI, and the chance the plan
    pays for itself (``rosi`` None when nothing is spent)."""

    avoided_loss_usd: MoneyInterval
    rosi: RosiInterval | None
    draws: int


def money_ranges(
    in_effect: np.ndarray,
    loss_reduction: np.ndarray,
    loss_reduction_low: np.ndarray,
    loss_reduction_high: np.ndarray,
    *,
    annual_cost_usd: float,
    annual_cost_se_usd: float | None,
    total_cost_usd: float,
    draws: int = DRAWS,
    seed: int = SEED,
) -> MoneyRanges:
    """Monte Carlo ranges of a plan's money figures (see the module's notes).

    Args:
        in_effect: [chosen interventions, years] True where in effect (s_i + d_i <= t).
        loss_reduction, loss_reduction_low, loss_reduction_high: per chosen
            intervention; NaN ends (or ends equal to the point) keep it fixed.
        annual_cost_usd: the annual cost estimate; annual_cost_se_usd its standard
            error (None or 0: fixed).
        total_cost_usd: the plan's cost over the horizon.
        draws, seed: the number of draws (at least 10,000 for published figures) and
            the seed of the numpy Generator.
    """
    rng = np.random.default_rng(seed)
    cost = truncated_normal(rng, annual_cost_usd, annual_cost_se_usd or 0.0, draws)
    shares = np.empty((draws, len(loss_reduction)))
    for k, (mode, low, high) in enumerate(zip(loss_reduction, loss_reduction_low, loss_reduction_high)):
        if np.isfinite(low) and np.isfinite(high):
            shares[:, k] = pert(rng, float(low), float(mode), float(high), draws)
        else:
            shares[:, k] = mode
    effect = np.asarray(in_effect, dtype=bool)
    # R(t) per draw: 1 - prod over interventions in effect of (1 - lr).
    kept = np.where(effect[None, :, :], 1.0 - shares[:, :, None], 1.0)  # [draws, i, years]
    risk_reduction = 1.0 - kept.prod(axis=1)
    avoided = cost * risk_reduction.sum(axis=1)
    avoided_range: MoneyInterval = {
        "p05": float(np.percentile(avoided, LOW_PERCENTILE)),
        "p95": float(np.percentile(avoided, HIGH_PERCENTILE)),
    }
    if not total_cost_usd > 0:
        return MoneyRanges(avoided_range, None, draws)
    rosi = (avoided - total_cost_usd) / total_cost_usd
    rosi_range: RosiInterval = {
        "p05": float(np.percentile(rosi, LOW_PERCENTILE)),
        "p95": float(np.percentile(rosi, HIGH_PERCENTILE)),
        "p_positive": float(np.mean(rosi > 0)),
    }
    return MoneyRanges(avoided_range, rosi_range, draws)


def chance_share_words(chance: float) -> str:
    """A share of simulations as a chance: a whole per cent, but never a certainty the
    simulations cannot give ('more than 99%', 'less than 1%')."""
    if chance >= 0.995:
        return _("more than {share}").format(share=format_pct(0.99, digits=0))
    if chance <= 0.005:
        return _("less than {share}").format(share=format_pct(0.01, digits=0))
    return format_pct(chance, digits=0)


def chance_words(p_positive: float) -> str:
    """'about 9 chances in 10' style words for the share of draws with ROSI > 0."""
    if p_positive >= 0.995:
        return _("almost certain")
    if p_positive <= 0.005:
        return _("almost no chance")
    tenths = int(round(10 * p_positive))
    if tenths in (0, 10):
        hundredths = int(round(100 * p_positive))
        return ngettext("{count} chance in 100", "{count} chances in 100",
                        hundredths).format(count=hundredths)
    return ngettext("about {count} chance in 10", "about {count} chances in 10",
                    tenths).format(count=tenths)
