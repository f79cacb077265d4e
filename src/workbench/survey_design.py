"""Design-based variance of the impact stage's estimates (docs/methods.md section 1).

Respondents are a stratified simple random sample: strata are the survey cells
(sector, size band), with the finite population correction f_h = n_h / N_h for
post-stratified weights and none for weights the survey gives or raking makes. Every
published figure is a ratio R = sum(w*y) / sum(w*x) over its domain (y and x are 0
outside it), or a product of two; its variance is worked out by linearisation:

    z_i = w_i * (y_i - R * x_i) / sum(w*x)
    v(R) = sum over strata of (1 - f_h) * n_h / (n_h - 1) * sum over i in h of (z_i - mean_h(z))^2

A stratum with a single respondent is centred on the mean of all z instead of its own
(R survey's ``lonely.psu = "adjust"``). Degrees of freedom: the domain's respondents
less the strata they fall in (R survey's ``degf`` of the domain). This is what R's
``survey`` package computes with ``svydesign(ids = ~1, strata = ~cell, fpc = ~N_h,
weights = ~w)`` and ``svymean`` / ``svyratio`` / ``svyciprop(method = "logit")``;
tests/fixtures/r_survey/ holds its figures for the sample countries.

Why not a library: samplics and svy were tried first (docs/impact.md says what was
found); this module computes exactly the published estimators on numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
# NCHS data presentation standards for proportions (2017): n_eff below 30, or an
# interval 0.30 wide or wider, needs a caution.
MIN_EFFECTIVE_N = 30
MAX_PROPORTION_INTERVAL_WIDTH = 0.30
# Statistics Canada: a coefficient of variation above 33.3% is too unreliable to
# publish without a warning.
MAX_CV = 0.333
OK = "ok"
CAUTION = "caution"


@dataclass(frozen=True)
class StratifiedDesign:
    """A stratified simple random sample: each respondent's stratum, weight and the
    sampling fraction of its stratum (0 when no correction applies)."""

    strata: np.ndarray
    weights: np.ndarray
    sampling_fraction: np.ndarray

    @classmethod
    def of(cls, strata: np.ndarray, weights: np.ndarray,
           stratum_population: np.ndarray | None = None) -> StratifiedDesign:
        """The design; ``stratum_population`` (N_h per respondent) gives the finite
        population correction f_h = n_h / N_h, None gives none."""
        codes = np.unique(np.asarray(strata), return_inverse=True)[1]
        weights = np.asarray(weights, dtype="float64")
        if stratum_population is None:
            fraction = np.zeros(len(codes))
        else:
            n_h = np.bincount(codes)[codes].astype("float64")
            population = np.asarray(stratum_population, dtype="float64")
            fraction = np.clip(n_h / np.where(population > 0, population, np.inf), 0.0, 1.0)
        return cls(strata=codes, weights=weights, sampling_fraction=fraction)

    @property
    def respondents(self) -> int:
        return len(self.strata)

    def variance(self, z: np.ndarray) -> float:
        """The stratified variance of the total of the influence values ``z``."""
        z = np.asarray(z, dtype="float64")
        if len(z) == 0:
            return math.nan
        codes = self.strata
        n_h = np.bincount(codes).astype("float64")
        means = np.bincount(codes, weights=z) / n_h
        lonely = n_h[codes] == 1
        # A lonely stratum is centred on the mean of all the strata's totals (R's
        # "adjust"); every other stratum on its own mean.
        centre = np.where(lonely, z.mean() if lonely.any() else 0.0, means[codes])
        scale = np.where(n_h > 1, n_h / np.maximum(n_h - 1, 1), 1.0)[codes]
        squares = (1.0 - self.sampling_fraction) * scale * (z - centre) ** 2
        return float(squares.sum())

    def degrees_of_freedom(self, domain: np.ndarray) -> int:
        """Respondents of the domain less the strata they fall in."""
        inside = np.asarray(domain, dtype=bool)
        return int(inside.sum() - len(np.unique(self.strata[inside])))


@dataclass(frozen=True)
class Estimate:
    """A published figure with its design-based precision.

    ``deff``: the design variance over the variance of the same estimate from a
    simple random sample of the same size (None when it cannot be worked out).
    """

    estimate: float
    se: float
    df: int
    n: int
    deff: float | None

    @property
    def cv(self) -> float:
        return self.se / self.estimate if self.estimate else math.nan

    @property
    def n_eff(self) -> float:
        """p(1 - p) / v: the sample size a simple random sample would need (proportions)."""
        p = self.estimate
        return p * (1 - p) / self.se ** 2 if self.se > 0 else math.nan


def ratio(design: StratifiedDesign, y: np.ndarray, x: np.ndarray) -> tuple[Estimate, np.ndarray]:
    """R = sum(w*y) / sum(w*x) with its linearised standard error, and the influence
    values z (for products). y and x are 0 outside the domain; NaN is not allowed."""
    w = design.weights
    y = np.asarray(y, dtype="float64")
    x = np.asarray(x, dtype="float64")
    total_x = float(np.sum(w * x))
    if total_x <= 0:
        return Estimate(math.nan, math.nan, 0, 0, None), np.zeros_like(w)
    estimate = float(np.sum(w * y) / total_x)
    z = w * (y - estimate * x) / total_x
    domain = x != 0
    n = int(domain.sum())
    se = math.sqrt(design.variance(z))
    return Estimate(estimate, se, design.degrees_of_freedom(domain), n,
                    _deff(design, y, x, estimate, se)), z


def _deff(design: StratifiedDesign, y: np.ndarray, x: np.ndarray, estimate: float,
          se: float) -> float | None:
    """As R's ``deff = TRUE``: the design variance over (1 - n/N̂) S² / n, with S² the
    domain's weighted variance of y - R x (times n / (n - 1)) and N̂ its weight."""
    domain = x != 0
    n = int(domain.sum())
    w = design.weights[domain]
    population = float(w.sum())
    if n < 2 or population <= n:
        return None
    u = y[domain] - estimate * x[domain]
    mean_x = float(np.sum(w * x[domain]) / population)
    spread = n / (n - 1) * float(np.sum(w * u ** 2) / population) / mean_x ** 2
    srs = spread * (population - n) / (population * n)
    return se ** 2 / srs if srs > 0 else None


def product(design: StratifiedDesign, scale: float, first: tuple[Estimate, np.ndarray],
            second: tuple[Estimate, np.ndarray], domain: np.ndarray) -> Estimate:
    """scale * R1 * R2 with the delta method: z = scale * (R2 * z1 + R1 * z2)."""
    (one, z1), (two, z2) = first, second
    estimate = scale * one.estimate * two.estimate
    z = scale * (two.estimate * z1 + one.estimate * z2)
    se = math.sqrt(design.variance(z))
    deff = None
    if one.deff is not None and two.deff is not None:
        srs = scale ** 2 * (two.estimate ** 2 * one.se ** 2 / one.deff
                            + one.estimate ** 2 * two.se ** 2 / two.deff)
        deff = se ** 2 / srs if srs > 0 else None
    return Estimate(estimate, se, design.degrees_of_freedom(domain),
                    int(np.asarray(domain, dtype=bool).sum()), deff)


def t_quantile(df: int) -> float:
    """t(df, 0.975); the normal quantile when there are no degrees of freedom."""
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) if df > 0 else float(
        stats.norm.ppf(0.5 + CONFIDENCE / 2))


def proportion_interval(estimate: Estimate, successes: int | None = None) -> tuple[float, float]:
    """The 95% logit interval with the design's degrees of freedom (R's
    ``svyciprop(method = "logit")``); at p = 0 or 1 the Clopper-Pearson interval on n."""
    p, n = estimate.estimate, estimate.n
    if not math.isfinite(p) or n == 0:
        return math.nan, math.nan
    alpha = 1 - CONFIDENCE
    if p <= 0.0:
        return 0.0, float(stats.beta.ppf(1 - alpha / 2, 1, n))
    if p >= 1.0:
        return float(stats.beta.ppf(alpha / 2, n, 1)), 1.0
    half = t_quantile(estimate.df) * estimate.se / (p * (1 - p))
    centre = math.log(p / (1 - p))
    return _expit(centre - half), _expit(centre + half)


def amount_interval(estimate: Estimate) -> tuple[float, float]:
    """estimate +/- t(df, 0.975) * se, floored at 0 (money and counts)."""
    if not math.isfinite(estimate.estimate):
        return math.nan, math.nan
    half = t_quantile(estimate.df) * estimate.se
    return max(0.0, estimate.estimate - half), estimate.estimate + half


def proportion_reliability(estimate: Estimate, low: float, high: float) -> str:
    """``caution`` when n_eff < 30 or the interval is 0.30 wide or wider (NCHS 2017), or
    when the design leaves no degrees of freedom (the interval then rests on the normal
    quantile, not the t one)."""
    n_eff = estimate.n_eff
    if (math.isfinite(n_eff) and n_eff < MIN_EFFECTIVE_N) or (high - low) >= MAX_PROPORTION_INTERVAL_WIDTH:
        return CAUTION
    return CAUTION if estimate.df <= 0 else OK


def amount_reliability(estimate: Estimate) -> str:
    """``caution`` when the coefficient of variation is above 33.3% (Statistics Canada),
    or when the design leaves no degrees of freedom."""
    cv = estimate.cv
    return CAUTION if (math.isfinite(cv) and cv > MAX_CV) or estimate.df <= 0 else OK


def _expit(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))
