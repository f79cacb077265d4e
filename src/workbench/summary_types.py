"""The blocks of ``summary.json``, declared once (docs/outputs.md describes each field).

The stages build these blocks, the runner assembles them into one
:class:`Summary`, and the index page and the batch read them back. Declarations
only: no module imports anything from the workbench here.

Numbers are ``float | None``: None where a figure is unavailable or suppressed (a
cell under the disclosure threshold); JSON has no NaN.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class SkippedBlock(TypedDict):
    """A stage that did not run: why, naming the file."""

    skipped: str


# --------------------------------------------------------------------------- impact


class Amount(TypedDict):
    """Money or a count with its design-based 95% interval and precision.

    ``reliability`` is ``ok`` or ``caution`` (null when the figure is not published).
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    cv: float | None
    deff: float | None
    reliability: str | None


class Estimate(Amount):
    """A share with its 95% logit interval, precision and effective sample size."""

    n_eff: float | None


class GroupEstimate(Estimate):
    """An estimate for one group of respondents (``n``: the group's respondents)."""

    n: int
    suppressed: bool


class ImpactPeriod(TypedDict):
    start: str
    end: str
    label: str


class Denominators(TypedDict):
    """The respondents behind each headline figure."""

    prevalence: int
    estimated_breaches: int
    mean_cost_usd: int
    reporting_rate: int


class IncidentsBlock(TypedDict):
    """The incidents file, summarised."""

    rows: int
    reported_incidents: int
    in_period_all_victims: int
    outside_period: int
    counted_victim_types: list[str]
    counted_sources: list[str]  # the sources that are official records
    recorded_loss_usd: float | None
    incidents_with_loss: int
    by_month: dict[str, int]
    by_category: dict[str, int]
    by_victim_type: dict[str, int]
    by_sector: dict[str, int]
    # reason -> rows not counted as reported incidents (rows = reported + all of these)
    left_out: dict[str, int]
    by_source: dict[str, int]  # every row of the file, a blank source as national_cert
    counted_by_date_precision: dict[str, int]  # day / month / year
    dark_figure_withheld: str | None  # why no incident counts, when none does


class ImpactSummary(TypedDict):
    """summary.json's ``impact``: the nature and scope of cybercrime."""

    respondents: int
    entities: int
    coverage: float | None
    prevalence: Estimate
    breached_entities: float | None
    estimated_breaches: float | None
    mean_cost_usd: float | None
    annual_cost_usd: Amount
    cost_pct_gdp: float | None
    reporting_rate: float | None
    reported_incidents: int | None
    underreporting_ratio: float | None
    by_sector: dict[str, GroupEstimate]
    by_size_band: dict[str, GroupEstimate]
    attack_mix: dict[str, float | None]
    period: ImpactPeriod
    weighting: str
    frame_entities: int
    uncovered_size_bands: list[str]
    ci_method: str
    ci_method_text: str
    reliability_text: str
    degrees_of_freedom: int | None  # of the national prevalence's domain
    estimated_breaches_detail: Amount
    mean_cost_usd_detail: Amount
    reporting_rate_detail: Estimate
    annual_cost_note: str
    min_cell_size: int
    denominators: Denominators
    suppressed: list[str]
    attack_mix_detail: dict[str, GroupEstimate]
    # control -> size band (or with / without the control) -> estimate
    controls: dict[str, dict[str, GroupEstimate]]
    controls_prevalence: dict[str, dict[str, GroupEstimate]]
    incidents: IncidentsBlock | None
    currency: str
    usd_per_unit: float


# --------------------------------------------------------------------------- gaps


class TopGap(TypedDict):
    entity_id: str
    indicator_id: str
    level: int
    target: int
    gap: int
    priority: float | None
    # In words, for the key findings (summaries written before these were added lack
    # them). No entity name: the summary names entities by their id only.
    indicator_title: NotRequired[str]
    pillar_id: NotRequired[str]


class IndicatorScore(TypedDict):
    score: float | None
    target_score: float | None
    entities_assessed: int
    entities_expected: int


class GroupScore(TypedDict):
    """The scores of one entity type or CNI sector."""

    entities: int
    expected_pairs: int
    assessed_pairs: int
    coverage: float | None
    open_gaps: int
    overall_score: float | None
    target_score: float | None


class Peer(TypedDict):
    iso2: str
    gci2020: float | None
    same_region: bool
    similar_income: bool


class PeerBenchmark(TypedDict):
    """ITU GCI 2020 scores of Commonwealth peers (a different instrument)."""

    caveat: str
    instrument: str
    similar_income_rule: str
    commonwealth_member: bool
    commonwealth_region: str | None
    workbench_overall_score: float | None
    country_gci2020: float | None
    region_peers: int
    region_median_gci2020: float | None
    income_peers: int
    income_median_gci2020: float | None
    peers: list[Peer]


class LevelScale(TypedDict):
    """The framework's levels: whole numbers from min to max, names by level (as text)."""

    min: int
    max: int
    names: dict[str, str]


class GapsNames(TypedDict):
    """The gaps block's names in the language the run wrote its pages in."""

    language: str
    framework_title: str
    pillars: dict[str, str]  # pillar id -> title
    names: NotRequired[GapsNames]  # the names in the pages' language
    level_names: dict[str, str]  # level -> name
    indicators: dict[str, str]  # indicator id of a largest gap -> title


class GapsSummary(TypedDict):
    """summary.json's ``gaps``: capability scores against the framework's targets.

    ``withheld`` names every score the coverage rule holds back: a pillar id ->
    coverage, needed, score_unpublished; ``overall`` -> published_pillar_weight, needed.
    """

    framework: str
    framework_title: str
    levels: LevelScale
    pillars: dict[str, str]  # pillar id -> title
    pillar_scores: dict[str, float | None]
    overall_score: float | None
    coverage: float | None
    min_coverage: float
    withheld: dict[str, dict[str, float | None]]
    top_gaps: list[TopGap]
    target_pillar_scores: dict[str, float | None]
    target_overall_score: float | None
    expected_pairs: int
    assessed_pairs: int
    open_gaps: int
    assessed_from: str | None
    assessed_to: str | None
    indicator_scores: dict[str, IndicatorScore]
    by_entity_type: dict[str, GroupScore]
    by_cni_sector: dict[str, GroupScore]
    crosswalk_scores: dict[str, dict[str, float | None]]  # scheme -> group -> score
    peer_benchmark: NotRequired[PeerBenchmark]  # when the country is known


# --------------------------------------------------------------------------- business case


class PlannedIntervention(TypedDict):
    intervention_id: str
    start_year: int
    end_year: int
    entities: int
    cost_usd: float


class MoneyInterval(TypedDict):
    """The 5th and 95th percentiles of a money figure's Monte Carlo draws (a 90% range)."""

    p05: float
    p95: float


class RosiInterval(MoneyInterval):
    """The ROSI's 90% range and the share of draws in which the plan pays for itself."""

    p_positive: float


class BusinessCaseSummary(TypedDict):
    """summary.json's ``business_case``: the roadmap and what it returns.

    ``objective`` is in overall-score-point-years; ``score_by_year`` holds today's
    overall score (of whatever was assessed, before the coverage rule) then years 1..H.
    """

    budget_usd_per_year: float
    horizon_years: int
    plan: list[PlannedIntervention]
    spend_by_year_usd: list[float]
    objective: float
    score_by_year: list[float] | None  # None: nothing assessed, no score
    total_cost_usd: float
    avoided_loss_usd: float | None
    rosi: float | None
    avoided_loss_usd_interval: MoneyInterval | None
    rosi_interval: RosiInterval | None
    status: str  # optimal / feasible / empty / infeasible
    message: str
    money_benefits: NotRequired[str]  # why there are none: no annual cost of cybercrime


# --------------------------------------------------------------------------- the file


class Period(TypedDict):
    start: str
    end: str


# One input's entry of ``data_quality``: a table's ``file``, ``rows``, ``valid``,
# ``quarantined`` (``source`` when shipped, ``error`` when unusable, ``status``
# "absent" when missing); profile.yaml's ``file`` and ``status`` or ``error``; the
# framework's ``source`` and ``id`` or ``error``.
DataQualityEntry = dict[str, object]
DataQuality = dict[str, DataQualityEntry]


class RunKey(TypedDict):
    """What a report depends on: equal keys mean an identical report."""

    input_sha256: dict[str, str]  # file name -> SHA-256 of its bytes
    parameters: dict[str, Any]  # the run's settings that change its outputs
    workbench_version: str
    method_sha256: str  # the stage notebooks and shipped reference data


class Generated(TypedDict, total=False):
    """How and when the report was made (the run key, and the time)."""

    at: str
    workbench_version: str
    input_sha256: dict[str, str]
    parameters: dict[str, Any]
    method_sha256: str


ImpactBlock = ImpactSummary | SkippedBlock
GapsBlock = GapsSummary | SkippedBlock
BusinessCaseBlock = BusinessCaseSummary | SkippedBlock
# What a stage notebook publishes (workbench.notebook.publish).
StageBlock = ImpactBlock | GapsBlock | BusinessCaseBlock


class Summary(TypedDict):
    """summary.json, in the order it is written."""

    country: str
    status: str  # ok / partial (a failed run publishes none)
    reasons: NotRequired[list[str]]  # partial: one line per skipped stage, naming the file
    name: str | None
    framework: str | None
    synthetic: bool
    language: str  # the language the report was written in: en or fr (the summary's own
    # words and codes stay English)
    period: Period | None
    data_quality: DataQuality
    impact: ImpactBlock
    gaps: GapsBlock
    business_case: BusinessCaseBlock
    generated: Generated
