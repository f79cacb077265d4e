"""One way through the stages: what each stage uses of a loaded country, and its result.

The stage notebooks, the dashboard and the tests' expected values all call these
functions, so a figure is worked out the same way wherever it is shown. Each function
takes a loaded country (``loading.CountryData``), decides which of its inputs the stage
can use, and returns the stage's typed result; a stage that cannot run raises
``StageSkipped`` with every reason, naming the files (the same reasons ``workbench run``
prints and publishes).

- ``impact_assessment``: the impact assessment (``impact.ImpactResult``); incidents are used when
  ``incidents.csv`` is usable, else the incident figures are left out.
- ``gap_analysis``: the gap analysis (``gaps.GapResult``); the country's ``targets.csv`` when
  usable, else the framework's targets.
- ``roadmap_inputs``: what every roadmap of the country rests on (``RoadmapInputs``);
  ``plan`` and ``budget_curve`` work roadmaps out from it for any budget and horizon.
- ``every_stage``: all of the above at once, one stage's failure never hiding the
  others (the dashboard's view of a country).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import pandas as pd

from workbench import business_case, gaps, impact
from workbench.business_case import Roadmap
from workbench.framework import DEFAULT_LEVELS, Levels
from workbench.gaps import GapResult
from workbench.i18n import N_
from workbench.impact import ImpactResult
from workbench.loading import STAGE_INPUTS, CountryData

# Translated where a page shows them.
SHIPPED_CATALOGUE = N_("shipped default")
COUNTRY_CATALOGUE = N_("the country's own interventions.csv")

STAGE_NAMES = ("impact", "gaps", "business_case")

Result = TypeVar("Result")


def tables_for(stage: str) -> tuple[str, ...]:
    """The tables the stage reads. The business case also reads the impact stage's
    tables, for the annual cost of cybercrime its return on investment rests on."""
    wanted = ("impact", stage) if stage == "business_case" else (stage,)
    return tuple(dict.fromkeys(
        name for each in wanted for kind in ("required", "optional")
        for name in STAGE_INPUTS[each][kind]))


def optional_table(data: CountryData, name: str) -> pd.DataFrame | None:
    """The valid rows of an optional table when its file is usable, else None (absent
    or unusable: the stage goes on without it, and the data-quality page says why)."""
    load = data.tables.get(name)
    return load.valid if load is not None and load.usable else None


def impact_assessment(data: CountryData) -> ImpactResult:
    """The impact assessment of the country's weighted survey and reported incidents."""
    data.require("impact")
    return impact.assess_impact(
        data.table("survey_responses"),
        data.table("business_population"),
        data.profile,
        incidents=optional_table(data, "incidents"),
    )


def gap_analysis(data: CountryData) -> GapResult:
    """The gap analysis of the country's capability assessment."""
    data.require("gaps")
    return gaps.analyse_gaps(
        data.framework,
        data.table("entities"),
        data.table("capability_assessment"),
        targets=optional_table(data, "targets"),
        country=data.code,
        min_coverage=data.profile.min_coverage,
    )


@dataclass(frozen=True)
class RoadmapInputs:
    """What every roadmap of a country rests on, whatever its budget and horizon.

    ``annual_cost_usd`` is the impact stage's point estimate of the national annual
    cost of cybercrime, or None when the impact stage cannot run (the roadmap then
    shows no money avoided), and ``annual_cost_se_usd`` its design-based standard error
    (the ranges of the money figures rest on it); ``catalogue_source`` says where the
    interventions come from; ``levels`` is the framework's level scale.
    """

    pairs: pd.DataFrame
    interventions: pd.DataFrame
    annual_cost_usd: float | None
    catalogue_source: str
    default_budget_usd_per_year: float
    default_horizon_years: int
    period_label: str
    pillar_titles: Mapping[str, str] = field(default_factory=dict)
    annual_cost_se_usd: float | None = None
    levels: Levels = DEFAULT_LEVELS

    def budget_usd_per_year(self, override: float | None = None) -> float:
        """The yearly budget: ``override`` when given, else the profile's."""
        return float(override) if override is not None else self.default_budget_usd_per_year

    def horizon_years(self, override: int | None = None) -> int:
        """The horizon in years: ``override`` when given, else the profile's."""
        return int(override) if override is not None else self.default_horizon_years


def roadmap_inputs(data: CountryData, impact_result: ImpactResult | None = None) -> RoadmapInputs:
    """The assessed pairs, the intervention catalogue and the annual cost (with its
    standard error) the country's roadmaps are worked out from. ``impact_result``: the
    country's impact assessment when already worked out (else it is, when it can run)."""
    data.require("business_case")
    profile = data.profile
    impact_loaded = all(name in data.tables for name in STAGE_INPUTS["impact"]["required"])
    if impact_result is None and impact_loaded and not data.problems_for("impact"):
        impact_result = impact_assessment(data)
    cost = impact_result.summary["annual_cost_usd"] if impact_result is not None else None
    return RoadmapInputs(
        pairs=gaps.assessment_pairs(
            data.framework, data.table("entities"), data.table("capability_assessment"),
            optional_table(data, "targets"),
        ),
        interventions=data.table("interventions"),
        annual_cost_usd=None if cost is None else cost["estimate"],
        annual_cost_se_usd=None if cost is None else cost["se"],
        catalogue_source=(SHIPPED_CATALOGUE if data.tables["interventions"].source == "shipped"
                          else COUNTRY_CATALOGUE),
        default_budget_usd_per_year=float(profile.budget_usd_per_year),
        default_horizon_years=int(profile.horizon_years),
        period_label=profile.period_label,
        pillar_titles={p.id: p.local_title for p in data.framework.pillars},
        levels=data.framework.levels,
    )


def plan(inputs: RoadmapInputs, budget_usd_per_year: float | None = None,
         horizon_years: int | None = None) -> Roadmap:
    """The best roadmap for the budget and horizon (the profile's when not given)."""
    return business_case.plan_roadmap(
        inputs.pairs, inputs.interventions,
        budget_usd_per_year=inputs.budget_usd_per_year(budget_usd_per_year),
        horizon_years=inputs.horizon_years(horizon_years),
        annual_cost_usd=inputs.annual_cost_usd,
        annual_cost_se_usd=inputs.annual_cost_se_usd,
        levels=inputs.levels,
    )


def left_out(inputs: RoadmapInputs, roadmap: Roadmap) -> pd.DataFrame:
    """What each intervention the roadmap leaves out would add, cost and displace
    (``business_case.explain_left_out``)."""
    return business_case.explain_left_out(inputs.pairs, inputs.interventions, roadmap)


def budget_curve(inputs: RoadmapInputs, budget_usd_per_year: float | None = None,
                 horizon_years: int | None = None) -> pd.DataFrame:
    """The best plan worked out again for budgets around the chosen one."""
    return business_case.budget_curve(
        inputs.pairs, inputs.interventions,
        budget_usd_per_year=inputs.budget_usd_per_year(budget_usd_per_year),
        horizon_years=inputs.horizon_years(horizon_years),
        annual_cost_usd=inputs.annual_cost_usd,
        annual_cost_se_usd=inputs.annual_cost_se_usd,
        levels=inputs.levels,
    )


@dataclass(frozen=True)
class EveryStage:
    """Each stage's result for one country, or why it is missing.

    ``failures`` maps a stage name (``STAGE_NAMES``) to the exception that kept it from
    running: ``StageSkipped`` for an input problem, any other exception for a fault.
    """

    impact: ImpactResult | None = None
    gaps: GapResult | None = None
    roadmap_inputs: RoadmapInputs | None = None
    failures: Mapping[str, Exception] = field(default_factory=dict)


def every_stage(data: CountryData) -> EveryStage:
    """Every stage of a country whose profile loaded; one stage's failure never hides
    the others."""
    failures: dict[str, Exception] = {}

    def attempt(stage: str, work: Callable[[CountryData], Result]) -> Result | None:
        try:
            return work(data)
        except Exception as exc:  # recorded with its stage; the others still run
            failures[stage] = exc
            return None

    impact_result = attempt("impact", impact_assessment)
    return EveryStage(
        impact=impact_result,
        gaps=attempt("gaps", gap_analysis),
        roadmap_inputs=attempt("business_case", lambda d: roadmap_inputs(d, impact_result)),
        failures=failures,
    )
