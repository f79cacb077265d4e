"""One country's figures as the dashboard shows them: every stage of ``workbench.stages``
on the country's loaded data, each stage's failure turned into a plain reason."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workbench import paths, stages
from workbench.countries import validate_country_code
from workbench.dashboard.plans import folder_files, inputs_id
from workbench.errors import WorkbenchError
from workbench.gaps import GapResult
from workbench.impact import ImpactResult
from workbench.loading import CountryData, load_country

NOT_AVAILABLE = "not available"
GENERIC_PROBLEM = (
    "the figures could not be worked out from this country's data files. An analyst "
    "can find the cause with `workbench validate` and `workbench run` on the folder."
)


@dataclass(frozen=True)
class CountryView:
    """One country's figures, worked out by ``workbench.stages`` as the stage notebooks
    work them out, so the headline numbers equal the country's summary.json.

    ``problems`` maps a stage (impact, gaps, business_case) to the plain reason it is
    not shown; ``fatal`` says why nothing at all can be shown.
    """

    code: str
    name: str
    period_label: str = ""
    synthetic: bool = False
    default_budget_usd_per_year: float | None = None
    default_horizon_years: int | None = None
    impact: ImpactResult | None = None
    gaps: GapResult | None = None
    roadmap_inputs: stages.RoadmapInputs | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    fatal: str | None = None
    inputs_id: str = ""  # plans.inputs_id of the files the figures come from

    @property
    def usable(self) -> bool:
        return self.fatal is None

    @property
    def catalogue_source(self) -> str | None:
        return None if self.roadmap_inputs is None else self.roadmap_inputs.catalogue_source

    @property
    def pillar_titles(self) -> Mapping[str, str]:
        """The framework's pillar titles by id (empty when the roadmap cannot run)."""
        return {} if self.roadmap_inputs is None else self.roadmap_inputs.pillar_titles


def reason(exc: BaseException) -> str:
    """A user-facing reason: the workbench's own messages name the file and column;
    anything else is a fault the visitor cannot act on, so no internals are shown."""
    return str(exc) if isinstance(exc, WorkbenchError) else GENERIC_PROBLEM


def build_country_view(data: CountryData) -> CountryView:
    """Every figure the dashboard shows for one loaded country."""
    profile = data.profile
    if profile is None:
        return CountryView(
            data.code, data.code,
            fatal=f"profile.yaml cannot be used: {data.profile_error or 'it is missing'}",
        )
    with warnings.catch_warnings():
        # A warning would be written to the kernel's stderr, i.e. onto the page.
        warnings.simplefilter("ignore")
        every = stages.every_stage(data)
    return CountryView(
        code=data.code, name=profile.name, period_label=profile.period_label,
        synthetic=profile.synthetic,
        default_budget_usd_per_year=float(profile.budget_usd_per_year),
        default_horizon_years=int(profile.horizon_years),
        impact=every.impact, gaps=every.gaps, roadmap_inputs=every.roadmap_inputs,
        problems={stage: reason(exc) for stage, exc in every.failures.items()},
    )


def country_inputs_id(folder: Path) -> str:
    """The identity of every file a country's figures rest on, the shipped framework
    and intervention catalogue included."""
    return inputs_id(folder_files(folder) + [paths.SHIPPED_FRAMEWORK, paths.SHIPPED_INTERVENTIONS])


def load_view(data_root: Path, code: str) -> CountryView:
    """The figures of the country folder ``data_root/code``; whatever goes wrong becomes
    the view's ``fatal`` reason."""
    try:
        folder = Path(data_root) / validate_country_code(code)
        identity = country_inputs_id(folder)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = load_country(folder)
        view = build_country_view(data)
        return dataclasses.replace(view, inputs_id=identity)
    except Exception as exc:
        return CountryView(code, code, fatal=reason(exc))
