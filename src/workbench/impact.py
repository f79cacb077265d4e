"""Impact of cybercrime on the country's businesses and public bodies.

The figures follow the method definitions (docs/impact.md) so that each one can be
reproduced by hand from the survey, the business register and the incidents file:

* weights: design weights when the survey carries them, else post-stratification of
  respondents to the business register by cell (sector, size band), with empty cells
  covered by the other cells of their size band;
* weighted prevalence of breaches, overall and for each sector and size band;
* breached organisations, breaches, mean and national annual cost of the most
  disruptive breach, its share of GDP;
* for every published figure its design-based standard error, 95% interval, coefficient
  of variation, design effect and reliability flag (``workbench.survey_design``);
* reporting rate, incidents reported to the national CERT or police in the period and
  the "dark figure" (breaches the survey estimates against incidents reported);
* the mix of attack kinds and the controls organisations have in place.

Disclosure control (docs/methods.md): a published share carries no estimate and no
interval, only ``suppressed``, when its group rests on fewer than ``min_cell_size``
respondents (unweighted), or when fewer than ``min_cell_size`` but more than none of
them have the attribute (the numerator); and when one group of a breakdown whose
total is published is suppressed, the next smallest is suppressed too (secondary
suppression), so that no group can be worked out from the total and the others.
Every function here is pure: DataFrames in, DataFrames / dicts out; inputs are never
modified. The variance and the intervals themselves are in ``workbench.survey_design``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench import raking, vocab
from workbench import survey_design as sd
from workbench.disclosure import (
    MIN_CELL_SIZE,
    protect_breakdown,
    too_few_to_publish,
)
from workbench.errors import DataFileError
from workbench.formatting import (
    format_count,
    format_number,
    format_pct,
    format_percent,
    format_range,
    format_usd,
    not_available,
)
from workbench.i18n import _, ngettext
from workbench.incidents import (
    COUNTED_VICTIM_TYPES,  # noqa: F401 - part of this module's interface
    IncidentSummary,
    incidents_block,
    summarise_incidents,
    underreporting_ratio,
    withheld_words,
)
from workbench.profile import Profile
from workbench.summary_types import ImpactSummary

CI_METHOD = "design_based"
CI_METHOD_TEXT = (
    "95% intervals from the design-based variance: linearisation on the stratified design "
    "(survey cells as strata, finite population correction for post-stratified weights); "
    "logit interval with the design's degrees of freedom for shares, estimate +/- t x "
    "standard error for counts and money (docs/methods.md section 1)"
)
RELIABILITY_TEXT = (
    "caution: a share resting on an effective sample below 30 or with an interval 30 "
    "points wide or wider (US NCHS standard), or money and counts with a coefficient of "
    "variation above 33.3% (Statistics Canada): use with care"
)
COST_FLOOR_TEXT = (
    "a floor: only the most disruptive breach of each breached organisation is costed"
)
GROUP_COLUMNS: tuple[str, ...] = ("n", "estimate", "ci_low", "ci_high", "se", "cv", "deff",
                                  "n_eff", "reliability", "suppressed")
SURVEY_COLUMNS_USED: tuple[str, ...] = (
    "sector",
    "size_band",
    "breached_12m",
    "breaches_12m",
    *vocab.ATTACK_KINDS,
    *vocab.COST_PARTS,
    "reported",
    *vocab.CONTROLS,
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class WeightResult:
    """Survey weights and the coverage of the business register.

    Attributes:
        weights: one weight per respondent, aligned to the survey's index.
        method: ``"post-stratified"`` (weights from the register) or ``"design"``
            (the survey's own ``weight`` column).
        cells: one row per register cell: ``sector, size_band, entities,
            respondents, status`` (``sampled``, ``collapsed`` = covered by its band's
            sampled cells, ``uncovered`` = its band has no respondents, ``empty`` = no
            entities), ``band_factor`` (the collapsing factor of its band) and
            ``weight`` (the post-stratified weight of each of its respondents).
        covered_entities: N, the entities of the covered frame.
        frame_entities: all entities in the register.
        uncovered_size_bands: size bands with entities but no usable respondents.
    """

    weights: pd.Series
    method: str
    cells: pd.DataFrame
    covered_entities: float
    frame_entities: float
    uncovered_size_bands: tuple[str, ...]

    @property
    def coverage(self) -> float | None:
        """Covered entities / all entities (None for an empty register)."""
        if self.frame_entities <= 0:
            return None
        return self.covered_entities / self.frame_entities


@dataclass(frozen=True)
class ImpactResult:
    """Everything the impact stage publishes and charts.

    Attributes:
        summary: the ``impact`` block of summary.json (JSON-safe: plain floats, no NaN).
        weights: the survey weights and frame coverage.
        groups: prevalence by group: ``dimension`` (sector / size_band), ``group`` and
            the ``GROUP_COLUMNS`` (n, estimate, its 95% interval, se, cv, deff, n_eff,
            reliability, suppressed).
        attack_mix: ``attack`` and the ``GROUP_COLUMNS`` (n: breached respondents who
            answered for it).
        controls_by_band: share with each control in place: ``control``,
            ``size_band`` (``all`` for every band together) and the ``GROUP_COLUMNS``.
        controls_prevalence: breach prevalence with and without each control:
            ``control``, ``status`` (``with`` / ``without``) and the ``GROUP_COLUMNS``.
        incidents: the incidents summary, or None without an incidents file.
        dark_figure: ``measure``, ``value``, ``ci_low``, ``ci_high``: reported incidents
            against breaches estimated from the survey (with its 95% interval).
        period_label: the data period in words.
        country_name: the country's name.
        min_cell_size: the disclosure threshold applied.
    """

    summary: ImpactSummary
    weights: WeightResult
    groups: pd.DataFrame
    attack_mix: pd.DataFrame
    controls_by_band: pd.DataFrame
    controls_prevalence: pd.DataFrame
    incidents: IncidentSummary | None
    dark_figure: pd.DataFrame
    period_label: str
    country_name: str
    min_cell_size: int


# --------------------------------------------------------------------------- helpers


def _num(value: Any) -> float | None:
    """A plain float for JSON, None for missing / NaN / infinite."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _bool(series: pd.Series) -> pd.Series:
    return series.astype("boolean")


def _float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _require_columns(survey: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in survey.columns]
    if missing:
        raise ValueError(f"survey_responses lacks column(s): {', '.join(missing)}")


@dataclass(frozen=True)
class _SurveyDesign:
    """The stratified design over the respondents who carry weight (a size band the
    register cannot cover weighs 0 and stays outside it, as in R's survey package)."""

    design: sd.StratifiedDesign
    keep: np.ndarray

    def ratio(self, y: np.ndarray, x: np.ndarray) -> tuple[sd.Estimate, np.ndarray]:
        return sd.ratio(self.design, y[self.keep], x[self.keep])


def _survey_design(prep: _Prepared, weights: WeightResult) -> _SurveyDesign:
    keep = prep.w > 0
    strata = prep.cells[keep]
    w = prep.w[keep]
    population = None
    if weights.method == "post-stratified":
        # The population a cell stands for: its respondents' weights added up.
        population = w * np.bincount(strata)[strata]
    return _SurveyDesign(sd.StratifiedDesign.of(strata, w, population), keep)


def _proportions(
    values: np.ndarray,
    design: _SurveyDesign,
    codes: np.ndarray,
    index: pd.Index,
    min_cell_size: int,
) -> pd.DataFrame:
    """Weighted share of 1 among known ``values`` (1/0, NaN unknown) in each group,
    with its design-based precision and 95% logit interval.

    ``codes`` gives each respondent's group as a position in ``index`` (-1: none).
    Returns ``index``-indexed n and the ``GROUP_COLUMNS``.
    """
    known = ~np.isnan(values) & (codes >= 0)
    size = len(index)
    n = np.bincount(codes[known], minlength=size)
    n_yes = np.bincount(codes[known], weights=values[known], minlength=size)
    suppressed = too_few_to_publish(n, np.rint(n_yes), min_cell_size)
    rows = []
    for group in range(size):
        inside = known & (codes == group)
        estimate, _variance = design.ratio(np.where(inside, values, 0.0), inside.astype("float64"))
        rows.append(_precision_row(estimate, sd.proportion_interval(estimate), proportion=True)
                    if not suppressed[group] else _precision_row(None, (math.nan, math.nan)))
    out = pd.DataFrame(rows, index=index)
    out.insert(0, "n", n.astype("int64"))
    out["suppressed"] = suppressed
    return out


def _precision_row(estimate: sd.Estimate | None, interval: tuple[float, float], *,
                   proportion: bool = False) -> dict[str, Any]:
    """estimate, ci_low, ci_high, se, cv, deff, n_eff and reliability of one figure
    (every one NaN or None when it is not published)."""
    if estimate is None or not math.isfinite(estimate.estimate):
        return {"estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan, "se": math.nan,
                "cv": math.nan, "deff": math.nan, "n_eff": math.nan, "reliability": None}
    low, high = interval
    reliability = (sd.proportion_reliability(estimate, low, high) if proportion
                   else sd.amount_reliability(estimate))
    return {
        "estimate": estimate.estimate, "ci_low": low, "ci_high": high, "se": estimate.se,
        "cv": estimate.cv, "deff": math.nan if estimate.deff is None else estimate.deff,
        "n_eff": estimate.n_eff if proportion else math.nan, "reliability": reliability,
    }


def _codes(values: pd.Series | np.ndarray, categories: list[str]) -> np.ndarray:
    """Position of each value in ``categories`` (-1 when absent or blank)."""
    labels = np.asarray(values, dtype=object)
    return np.asarray(pd.Categorical(labels, categories=categories).codes, dtype=np.intp)


def _yes(series: pd.Series) -> np.ndarray:
    """A yes/no column as 1.0 / 0.0, NaN when unknown."""
    return _bool(series).to_numpy(dtype="float64", na_value=np.nan)


def _group_entry(row: pd.Series) -> dict[str, Any]:
    """A group's published figures (null where suppressed or undefined)."""
    return {
        "n": int(row["n"]),
        **_precision_entry(row),
        "suppressed": bool(row["suppressed"]),
    }


def _precision_entry(row: Mapping[str, Any], *, proportion: bool = True) -> dict[str, Any]:
    """summary.json's form of a ``_precision_row``: plain floats, null for NaN."""
    keys = ("estimate", "ci_low", "ci_high", "se", "cv", "deff") + (("n_eff",) if proportion else ())
    flag = row["reliability"]
    return {**{key: _num(row[key]) for key in keys},
            "reliability": flag if isinstance(flag, str) else None}


def _nested(frame: pd.DataFrame, outer: str, inner: str) -> dict[str, dict[str, Any]]:
    """{outer: {inner: group entry}} from a long group table (a few dozen rows)."""
    nested: dict[str, dict[str, Any]] = {}
    for _index, row in frame.iterrows():
        nested.setdefault(str(row[outer]), {})[str(row[inner])] = _group_entry(row)
    return nested


def _ordered(values: set[str], vocabulary: tuple[str, ...]) -> list[str]:
    """Values in vocabulary order, unknown ones (should not occur) last, sorted."""
    known = [v for v in vocabulary if v in values]
    return known + sorted(values - set(vocabulary))


# --------------------------------------------------------------------------- weights


def raked_weights(survey: pd.DataFrame, frame: pd.DataFrame) -> WeightResult:
    """Rim weights for a register that gives margins only (docs/impact.md, "Raking"):
    sector totals (size band blank) and size-band totals (sector blank).

    Raises:
        DataFileError: margins the respondents cannot be raked to, naming them.
    """
    entities = pd.to_numeric(frame["entities"]).astype("float64")
    sectors = frame.loc[frame["size_band"].isna()].assign(entities=entities).groupby(
        "sector")["entities"].sum()
    bands = frame.loc[frame["sector"].isna()].assign(entities=entities).groupby(
        "size_band")["entities"].sum()
    try:
        raked = raking.rim_weights(survey["sector"].to_numpy(), survey["size_band"].to_numpy(),
                                   sectors.to_dict(), bands.to_dict())
    except raking.RakingError as exc:
        raise DataFileError("business_population.csv", str(exc), column="sector, size_band") from None
    cells = (survey.assign(weight=raked.weights).groupby(["sector", "size_band"], sort=False)
             .agg(respondents=("weight", "size"), entities=("weight", "sum")).reset_index())
    cells = cells.assign(status="sampled", band_factor=np.nan,
                         weight=cells["entities"] / cells["respondents"])
    return WeightResult(
        weights=pd.Series(raked.weights, index=survey.index, name="weight"),
        method="raked",
        cells=cells[["sector", "size_band", "entities", "respondents", "status", "band_factor",
                     "weight"]],
        covered_entities=raked.population,
        frame_entities=raked.population,
        uncovered_size_bands=(),
    )


def survey_weights(survey: pd.DataFrame, frame: pd.DataFrame) -> WeightResult:
    """The survey's weights: its own ``weight`` column, else raked to the register's
    margins when it gives margins, else post-stratified to its cells."""
    margins = frame["sector"].isna() | frame["size_band"].isna()
    if margins.any() and "weight" not in survey.columns:
        return raked_weights(survey, frame)
    return post_stratified_weights(survey, frame.loc[~margins])


def post_stratified_weights(survey: pd.DataFrame, frame: pd.DataFrame) -> WeightResult:
    """Weights of the survey's respondents and the coverage of the register.

    Post-stratification (no ``weight`` column): for cell h = (sector, size_band) with
    N_h entities and n_h respondents, w = N_h / n_h. Cells with entities but no
    respondents are covered by their size band: w *= F_b / C_b with F_b the band's
    entities and C_b the entities of its cells that have respondents. A band with
    entities but no respondents (or whose sampled cells hold no entities) is
    uncovered: its entities leave N. With a ``weight`` column those design weights
    are used as they are; coverage and N are worked out the same way.

    Args:
        survey: valid survey_responses rows (``sector``, ``size_band``, optional
            ``weight``).
        frame: valid business_population rows (``sector``, ``size_band``,
            ``entities``).

    Returns:
        The weights (aligned to ``survey.index``) with N, coverage and a cell table.

    Raises:
        DataFileError: a respondent's cell is not in the register.
        ValueError: a design weight is blank, not finite or not positive.
    """
    register = (
        frame.assign(entities=pd.to_numeric(frame["entities"]).astype("float64"))
        .groupby(["sector", "size_band"], sort=False, as_index=False)["entities"]
        .sum()
    )
    cell_keys = pd.MultiIndex.from_frame(survey[["sector", "size_band"]])
    register_keys = pd.MultiIndex.from_frame(register[["sector", "size_band"]])
    outside = ~cell_keys.isin(register_keys)
    if outside.any():
        cells = sorted({f"{s}/{b}" for s, b in cell_keys[outside]})
        raise DataFileError(
            "survey_responses.csv",
            f"respondents in cells missing from business_population.csv: {', '.join(cells)}",
            column="sector, size_band",
        )

    counts = survey.groupby(["sector", "size_band"], sort=False).size().rename("respondents")
    cells = register.merge(
        counts.reset_index(), on=["sector", "size_band"], how="left"
    ).fillna({"respondents": 0})
    cells["respondents"] = cells["respondents"].astype("int64")
    sampled = cells["respondents"] > 0
    band_total = cells.groupby("size_band")["entities"].transform("sum")
    band_sampled = (
        cells["entities"].where(sampled, 0.0).groupby(cells["size_band"]).transform("sum")
    )
    band_covered = band_sampled > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(band_covered, band_total / band_sampled, np.nan)
        per_respondent = cells["entities"] / cells["respondents"].clip(lower=1)
        cell_weight = np.where(sampled, per_respondent * np.nan_to_num(factor), np.nan)
    cells["band_factor"] = factor
    cells["weight"] = cell_weight
    cells["status"] = np.select(
        [cells["entities"] <= 0, ~band_covered, sampled],
        ["empty", "uncovered", "sampled"],
        default="collapsed",
    )
    # Sampled cells of an uncovered band (only possible when they hold no entities).
    cells.loc[~band_covered & sampled, "status"] = "uncovered"

    frame_entities = float(cells["entities"].sum())
    covered_entities = float(cells.loc[band_covered.to_numpy(), "entities"].sum())
    uncovered = cells.loc[~band_covered & (band_total > 0), "size_band"].unique()
    uncovered_bands = tuple(_ordered(set(uncovered), vocab.SIZE_BANDS))

    if "weight" in survey.columns:
        design = pd.Series(_float(survey["weight"]), index=survey.index, name="weight")
        bad = ~np.isfinite(design.to_numpy()) | (design.to_numpy() <= 0)
        if bad.any():
            raise ValueError(
                f"survey_responses: {int(bad.sum())} design weight(s) blank or not positive"
            )
        weights, method = design, "design"
    else:
        lookup = cells.set_index(["sector", "size_band"])["weight"]
        weights = pd.Series(
            lookup.reindex(cell_keys).fillna(0.0).to_numpy(), index=survey.index, name="weight"
        )
        method = "post-stratified"

    cells = cells.assign(
        _s=cells["sector"].map({s: i for i, s in enumerate(vocab.SECTORS)}),
        _b=cells["size_band"].map({b: i for i, b in enumerate(vocab.SIZE_BANDS)}),
    ).sort_values(["_b", "_s"]).drop(columns=["_s", "_b"]).reset_index(drop=True)
    return WeightResult(
        weights=weights,
        method=method,
        cells=cells[
            ["sector", "size_band", "entities", "respondents", "status", "band_factor", "weight"]
        ],
        covered_entities=covered_entities,
        frame_entities=frame_entities,
        uncovered_size_bands=uncovered_bands,
    )


# --------------------------------------------------------------------------- point estimates


@dataclass(frozen=True)
class _Prepared:
    """Per-respondent quantities every estimate is built from (numpy, survey order)."""

    w: np.ndarray
    y: np.ndarray  # breached_12m as 1/0, NaN unknown
    b: np.ndarray  # breaches_12m, NaN unknown
    cost_usd: np.ndarray  # cost of a breached respondent in USD, NaN when not counted
    r: np.ndarray  # reported among breached, NaN unknown / not breached
    cells: np.ndarray  # integer code of the (sector, size_band) cell


def _prepare(survey: pd.DataFrame, weights: pd.Series, usd_per_unit: float) -> _Prepared:
    _require_columns(survey, SURVEY_COLUMNS_USED)
    breached = _bool(survey["breached_12m"])
    y = breached.to_numpy(dtype="float64", na_value=np.nan)
    is_breached = (breached == True).to_numpy(dtype=bool, na_value=False)  # noqa: E712
    parts = np.column_stack([_float(survey[c]) for c in vocab.COST_PARTS])
    any_part = ~np.isnan(parts).all(axis=1)
    cost = np.where(is_breached & any_part, np.nansum(parts, axis=1) * usd_per_unit, np.nan)
    reported = _bool(survey["reported"]).to_numpy(dtype="float64", na_value=np.nan)
    cells = pd.MultiIndex.from_frame(survey[["sector", "size_band"]]).factorize()[0]
    return _Prepared(
        w=weights.to_numpy(dtype="float64"),
        y=y,
        b=_float(survey["breaches_12m"]),
        cost_usd=cost,
        r=np.where(is_breached, reported, np.nan),
        cells=np.asarray(cells),
    )


def _sums(prep: _Prepared) -> np.ndarray:
    """Per-respondent columns whose weighted totals give the headline ratios:
    [w|y known, w*y, w|b known, w*b, w|cost known, w*cost]."""
    w = prep.w
    y_known, b_known, c_known = ~np.isnan(prep.y), ~np.isnan(prep.b), ~np.isnan(prep.cost_usd)
    return np.column_stack(
        [
            np.where(y_known, w, 0.0),
            np.where(y_known, w * np.nan_to_num(prep.y), 0.0),
            np.where(b_known, w, 0.0),
            np.where(b_known, w * np.nan_to_num(prep.b), 0.0),
            np.where(c_known, w, 0.0),
            np.where(c_known, w * np.nan_to_num(prep.cost_usd), 0.0),
        ]
    )


def _ratio(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@dataclass(frozen=True)
class _Headline:
    n_prevalence: int
    n_breaches: int
    n_cost: int
    n_reporting: int
    prevalence: float
    estimated_breaches: float
    mean_cost_usd: float
    reporting_rate: float
    suppressed: tuple[str, ...]

    def annual_cost(self, covered_entities: float) -> float:
        return self.prevalence * covered_entities * self.mean_cost_usd


def _headline(prep: _Prepared, covered_entities: float, min_cell_size: int) -> _Headline:
    totals = _sums(prep).sum(axis=0)
    n_prev = int((~np.isnan(prep.y)).sum())
    n_breaches = int((~np.isnan(prep.b)).sum())
    n_cost = int((~np.isnan(prep.cost_usd)).sum())
    n_rep = int((~np.isnan(prep.r)).sum())
    prevalence = float(_ratio(totals[1], totals[0]))
    breaches = float(covered_entities * _ratio(totals[3], totals[2]))
    mean_cost = float(_ratio(totals[5], totals[4]))
    r_known = ~np.isnan(prep.r)
    reporting = float(_ratio(np.sum(prep.w[r_known] * prep.r[r_known]), np.sum(prep.w[r_known])))
    suppressed = []
    n_breached = int((prep.y == 1.0).sum())
    n_reported = int((prep.r == 1.0).sum())
    if too_few_to_publish(n_prev, n_breached, min_cell_size):
        prevalence = math.nan
        suppressed.append("prevalence")
    # The count of breaches rests on the organisations that had any: as few as the
    # breached ones behind a suppressed prevalence, so the same rule applies.
    n_with_breaches = int((prep.b > 0).sum())
    if too_few_to_publish(n_breaches, n_with_breaches, min_cell_size):
        breaches = math.nan
        suppressed.append("estimated_breaches")
    if n_cost < min_cell_size:
        mean_cost = math.nan
        suppressed.append("mean_cost_usd")
    if too_few_to_publish(n_rep, n_reported, min_cell_size):
        reporting = math.nan
        suppressed.append("reporting_rate")
    return _Headline(
        n_prevalence=n_prev,
        n_breaches=n_breaches,
        n_cost=n_cost,
        n_reporting=n_rep,
        prevalence=prevalence,
        estimated_breaches=breaches,
        mean_cost_usd=mean_cost,
        reporting_rate=reporting,
        suppressed=tuple(suppressed),
    )


def annual_cost_estimate_usd(
    survey: pd.DataFrame,
    frame: pd.DataFrame,
    profile: Profile,
    *,
    min_cell_size: int = MIN_CELL_SIZE,
) -> float | None:
    """The national annual cost of cybercrime in USD, point estimate only.

    annual cost = prevalence * N * mean cost of the most disruptive breach (USD); a
    floor. Same figure as ``assess_impact(...).summary["annual_cost_usd"]["estimate"]``,
    without its precision and the breakdowns.

    Returns:
        The estimate, or None when it is undefined or rests on fewer than
        ``min_cell_size`` respondents.
    """
    weights = survey_weights(survey, frame)
    prep = _prepare(survey, weights.weights, profile.usd_per_unit)
    head = _headline(prep, weights.covered_entities, min_cell_size)
    return _num(head.annual_cost(weights.covered_entities))


# --------------------------------------------------------------------------- precision


HEADLINE_FIGURES = ("prevalence", "estimated_breaches", "mean_cost_usd", "reporting_rate",
                    "annual_cost_usd")


def _known(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values with unknown as 0, 1 where known): the y and x of a ratio."""
    known = ~np.isnan(values)
    return np.where(known, values, 0.0), known.astype("float64")


def _headline_precision(prep: _Prepared, design: _SurveyDesign, covered_entities: float,
                        head: _Headline) -> dict[str, dict[str, Any]]:
    """The headline figures' design-based precision (docs/methods.md section 1): each a
    ratio on its own domain; the annual cost the product N x prevalence x mean cost."""
    prevalence = design.ratio(*_known(prep.y))
    cost = design.ratio(*_known(prep.cost_usd))
    breaches, _variance = design.ratio(*_known(prep.b))
    breaches = sd.Estimate(covered_entities * breaches.estimate, covered_entities * breaches.se,
                           breaches.df, breaches.n, breaches.deff)
    reporting, _variance = design.ratio(*_known(prep.r))
    annual = sd.product(design.design, covered_entities, prevalence, cost,
                        ~np.isnan(prep.y[design.keep]))
    published = {
        "prevalence": math.isfinite(head.prevalence),
        "estimated_breaches": math.isfinite(head.estimated_breaches),
        "mean_cost_usd": math.isfinite(head.mean_cost_usd),
        "reporting_rate": math.isfinite(head.reporting_rate),
        "annual_cost_usd": math.isfinite(head.annual_cost(covered_entities)),
    }
    figures = {"prevalence": prevalence[0], "estimated_breaches": breaches,
               "mean_cost_usd": cost[0], "reporting_rate": reporting, "annual_cost_usd": annual}
    rows = {}
    for name, estimate in figures.items():
        proportion = name in ("prevalence", "reporting_rate")
        interval = sd.proportion_interval(estimate) if proportion else sd.amount_interval(estimate)
        row = _precision_row(estimate if published[name] else None, interval, proportion=proportion)
        rows[name] = {**row, "df": estimate.df if published[name] else None}
    return rows


# --------------------------------------------------------------------------- assessment


def _frame_of(result: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    return result.reset_index(names=names)[[*names, *GROUP_COLUMNS]]


def _stack(parts: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """Per-column group tables stacked with an outer level ``name``."""
    return pd.concat(parts, names=[name])


def assess_impact(
    survey: pd.DataFrame,
    frame: pd.DataFrame,
    profile: Profile,
    incidents: pd.DataFrame | None = None,
    *,
    min_cell_size: int = MIN_CELL_SIZE,
) -> ImpactResult:
    """The true nature and scope of cybercrime against businesses and public bodies.

    Args:
        survey: valid survey_responses rows.
        frame: valid business_population rows.
        profile: the country's profile (usd_per_unit, gdp_usd, period).
        incidents: valid incidents rows, or None without an incidents file.
        min_cell_size: groups with fewer respondents (unweighted) are suppressed.

    Returns:
        The summary block and the tables behind the charts.

    Raises:
        DataFileError: a respondent's cell is not in the register.
        ValueError: a required survey column is missing, or design weights are invalid.
    """
    weights = survey_weights(survey, frame)
    n_cov = weights.covered_entities
    prep = _prepare(survey, weights.weights, profile.usd_per_unit)
    head = _headline(prep, n_cov, min_cell_size)
    design = _survey_design(prep, weights)
    precision = _headline_precision(prep, design, n_cov, head)
    data = survey.reset_index(drop=True)

    # Prevalence by group.
    populated = frame.loc[pd.to_numeric(frame["entities"]) > 0]
    sectors = _ordered(set(data["sector"].unique()) | set(populated["sector"].dropna()),
                       vocab.SECTORS)
    bands = _ordered(
        set(data["size_band"].unique()) | set(populated["size_band"].dropna()), vocab.SIZE_BANDS
    )
    sector_codes = _codes(data["sector"], sectors)
    band_codes = _codes(data["size_band"], bands)
    # The national prevalence is published: each breakdown of it is protected.
    by_sector = protect_breakdown(
        _proportions(prep.y, design, sector_codes, pd.Index(sectors), min_cell_size))
    by_band = protect_breakdown(
        _proportions(prep.y, design, band_codes, pd.Index(bands), min_cell_size))
    groups = pd.concat(
        [
            _frame_of(by_sector, ["group"]).assign(dimension="sector"),
            _frame_of(by_band, ["group"]).assign(dimension="size_band"),
        ],
        ignore_index=True,
    )[["dimension", "group", *GROUP_COLUMNS]]

    # Attack mix among breached respondents, per kind over those who answered for it.
    is_breached = prep.y == 1.0
    one_group = np.zeros(len(data), dtype=np.intp)
    attack_mix = _stack(
        {
            kind: _proportions(
                np.where(is_breached, _yes(data[kind]), np.nan), design, one_group,
                pd.Index(["all"]), min_cell_size,
            )
            for kind in vocab.ATTACK_KINDS
        },
        "attack",
    ).droplevel(1)
    attack_frame = _frame_of(attack_mix, ["attack"])

    # Controls in place by size band (and all bands), and prevalence with / without.
    band_parts, split_parts = {}, {}
    for control in vocab.CONTROLS:
        has = _yes(data[control])
        band_parts[control] = pd.concat(
            [
                protect_breakdown(
                    _proportions(has, design, band_codes, pd.Index(bands), min_cell_size)),
                _proportions(has, design, one_group, pd.Index(["all"]), min_cell_size),
            ]
        )
        # group 0 = has the control, 1 = does not, -1 = unknown (left out)
        split = np.where(np.isnan(has), -1, np.where(has == 1.0, 0, 1)).astype(np.intp)
        split_parts[control] = protect_breakdown(_proportions(
            prep.y, design, split, pd.Index(["with", "without"]), min_cell_size
        ))
    controls_by_band = _frame_of(_stack(band_parts, "control"), ["control", "size_band"])
    controls_prevalence = _frame_of(_stack(split_parts, "control"), ["control", "status"])

    annual = head.annual_cost(n_cov)
    breaches_precision = precision["estimated_breaches"]

    # Incidents and the dark figure.
    incident_summary = (
        summarise_incidents(incidents, profile, min_cell_size=min_cell_size)
        if incidents is not None
        else None
    )
    reported = incident_summary.reported if incident_summary is not None else None
    # Only official records count (workbench.incidents): never a ratio from news rows.
    underreporting = underreporting_ratio(head.estimated_breaches, reported)
    dark_figure = pd.DataFrame(
        {
            "measure": ["reported_incidents", "estimated_breaches"],
            "value": [
                float(reported) if reported is not None else np.nan,
                head.estimated_breaches,
            ],
            "ci_low": [np.nan, breaches_precision["ci_low"]],
            "ci_high": [np.nan, breaches_precision["ci_high"]],
        }
    )

    summary: ImpactSummary = {
        "respondents": len(survey),
        "entities": int(round(n_cov)),
        "coverage": _num(weights.coverage),
        "prevalence": _precision_entry(precision["prevalence"]),
        "breached_entities": _num(head.prevalence * n_cov),
        "estimated_breaches": _num(head.estimated_breaches),
        "mean_cost_usd": _num(head.mean_cost_usd),
        "annual_cost_usd": _precision_entry(precision["annual_cost_usd"], proportion=False),
        "cost_pct_gdp": _num(100.0 * annual / profile.gdp_usd),
        "reporting_rate": _num(head.reporting_rate),
        "reported_incidents": reported,
        "underreporting_ratio": _num(underreporting),
        "by_sector": {
            str(g): _group_entry(row) for g, row in by_sector.iterrows()
        },
        "by_size_band": {str(g): _group_entry(row) for g, row in by_band.iterrows()},
        "attack_mix": {str(k): _num(row["estimate"]) for k, row in attack_mix.iterrows()},
        # Extras for analysts and the report's method notes.
        "period": {
            "start": profile.period_start.isoformat(),
            "end": profile.period_end.isoformat(),
            "label": profile.period_label,
        },
        "weighting": weights.method,
        "frame_entities": int(round(weights.frame_entities)),
        "uncovered_size_bands": list(weights.uncovered_size_bands),
        "ci_method": CI_METHOD,
        "ci_method_text": CI_METHOD_TEXT,
        "reliability_text": RELIABILITY_TEXT,
        "degrees_of_freedom": precision["prevalence"]["df"],
        "estimated_breaches_detail": _precision_entry(breaches_precision, proportion=False),
        "mean_cost_usd_detail": _precision_entry(precision["mean_cost_usd"], proportion=False),
        "reporting_rate_detail": _precision_entry(precision["reporting_rate"]),
        "annual_cost_note": COST_FLOOR_TEXT,
        "min_cell_size": min_cell_size,
        "denominators": {
            "prevalence": head.n_prevalence,
            "estimated_breaches": head.n_breaches,
            "mean_cost_usd": head.n_cost,
            "reporting_rate": head.n_reporting,
        },
        "suppressed": list(head.suppressed),
        "attack_mix_detail": {str(k): _group_entry(row) for k, row in attack_mix.iterrows()},
        "controls": _nested(controls_by_band, "control", "size_band"),
        "controls_prevalence": _nested(controls_prevalence, "control", "status"),
        "incidents": None if incident_summary is None else incidents_block(incident_summary),
        "currency": profile.currency,
        "usd_per_unit": float(profile.usd_per_unit),
    }
    return ImpactResult(
        summary=summary,
        weights=weights,
        groups=groups,
        attack_mix=attack_frame,
        controls_by_band=controls_by_band,
        controls_prevalence=controls_prevalence,
        incidents=incident_summary,
        dark_figure=dark_figure,
        period_label=profile.period_label,
        country_name=profile.name,
        min_cell_size=min_cell_size,
    )


# --------------------------------------------------------------------------- presentation


CAUTION_WORDS = "use with caution: too few respondents behind it to be precise"


def _note(text: str, figure: Mapping[str, Any]) -> str:
    """A headline row's note, with the caution when the figure is flagged."""
    return f"{text}; {_(CAUTION_WORDS)}" if figure.get("reliability") == sd.CAUTION else text


def headline_figures(result: ImpactResult) -> pd.DataFrame:
    """The headline figures in plain words: figure, value, uncertainty range, note.

    Every range is the figure's 95% interval (design-based); a figure flagged
    ``caution`` says so in its note.
    """
    s = result.summary
    prev, cost = s["prevalence"], s["annual_cost_usd"]
    breaches = s["estimated_breaches_detail"]
    reporting = s["reporting_rate_detail"]
    cost_mean = s["mean_cost_usd_detail"]
    ratio = s["underreporting_ratio"]
    reported = s["reported_incidents"]
    withheld = s["incidents"].get("dark_figure_withheld") if s["incidents"] else None
    gdp_share, n_resp = s["cost_pct_gdp"], format_count(s["respondents"])
    rows = [
        (_("Organisations breached in the period"), format_pct(prev["estimate"]),
         format_range(prev["ci_low"], prev["ci_high"], format_pct),
         _note(_("share of organisations (weighted survey); range = 95% interval"), prev)),
        (_("Breached organisations"), format_count(s["breached_entities"]), "",
         _("of {count} organisations covered").format(count=format_count(s["entities"]))),
        (_("Breaches and attacks"), format_count(s["estimated_breaches"]),
         format_range(breaches["ci_low"], breaches["ci_high"], format_count),
         _note(_("estimated from the survey; range = 95% interval"), breaches)),
        (_("Mean cost of the most disruptive breach"), format_usd(s["mean_cost_usd"]),
         format_range(cost_mean["ci_low"], cost_mean["ci_high"], format_usd),
         _note(_("per breached organisation; range = 95% interval"), cost_mean)),
        (_("Annual cost to the country"), format_usd(cost["estimate"]),
         format_range(cost["ci_low"], cost["ci_high"], format_usd),
         _note(_("a floor: only the most disruptive breach is costed; range = 95% interval"), cost)),
        (_("Annual cost as share of GDP"),
         not_available() if gdp_share is None else format_percent(gdp_share, 3), "", ""),
        (_("Breaches reported to CERT or police"), format_pct(s["reporting_rate"]),
         format_range(reporting["ci_low"], reporting["ci_high"], format_pct),
         _note(_("share of breached organisations (survey); range = 95% interval"), reporting)),
        (_("Incidents reported by businesses and public bodies"),
         _("no incidents file") if reported is None else format_count(reported), "",
         _("national CERT or police records in the period (news and other sources left out)")),
        (_("Estimated breaches per reported incident"),
         not_available() if ratio is None else format_number(ratio, 1), "",
         _("the dark figure, withheld: {why}").format(
             why=withheld_words(s["incidents"]["rows"], s["incidents"]["left_out"]))
         if withheld else _("the dark figure")),
        (_("Survey coverage of organisations"), format_pct(s["coverage"]), "", ngettext(
            "{count} respondent", "{count} respondents", s["respondents"]).format(count=n_resp)),
    ]
    return pd.DataFrame(rows, columns=[_("Figure"), _("Value"), _("Range"), _("Note")])
