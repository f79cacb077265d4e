"""The data contract's tables, declared once.

Each table is a pandera ``DataFrameModel``. The loader (``workbench.loading``) reads
every column's rules from these models: which columns a file must have, how a cell
is parsed (``metadata["kind"]``), which values are allowed, which may be blank and
which must be unique. The data-contract document's column tables are generated from
the same models (``workbench.contract_doc``), and the tests check they agree.

Column kinds:
    id      text, never blank, unique in the file (the first occurrence stays)
    text    free text (shown escaped wherever it is rendered)
    code    a value from a vocabulary (the ``isin`` check)
    yesno   yes/no (y/n, true/false, 1/0; any case); blank = unknown
    int     a whole number (at most NUMBER_LIMIT in size)
    number  a plain, finite number (money, shares; at most NUMBER_LIMIT in size)
    date    an ISO 8601 date
    idlist  ``;``-separated ids
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from workbench import vocab

# No number in any table may be larger than this in size (whole numbers included).
# Nothing the contract counts or prices comes near it (world GDP is about 1e14 USD), so
# a larger value is a typing or export error; and with every input bounded by it, the
# products the methods form (a survey weight x a frame's entities x a cost x an
# exchange rate) stay far inside what a float64 holds (about 1.8e308).
NUMBER_LIMIT = 1e15
NUMBER_LIMIT_TEXT = "1e15"
BEYOND_LIMIT = f"is beyond any real value (larger than {NUMBER_LIMIT_TEXT} in size)"


def _field(
    kind: str,
    doc: str,
    *,
    required: bool = True,
    nullable: bool = False,
    **checks: Any,
) -> Any:
    """A pandera Field carrying the loader's metadata.

    ``required`` is about the file's header (a missing required column is a
    file-level error); ``nullable`` is about cells (blank allowed or not).
    """
    return pa.Field(
        nullable=nullable,
        coerce=False,
        metadata={"kind": kind, "required": required, "doc": doc},
        **checks,
    )


class BusinessPopulation(pa.DataFrameModel):
    """business_population.csv: the frame the survey is weighted to."""

    sector: Series[str] = _field(
        "code", "sector of the cell (blank: the row is a size band's total)",
        isin=list(vocab.SECTORS), nullable=True)
    size_band: Series[str] = _field(
        "code", "size band of the cell (blank: the row is a sector's total)",
        isin=list(vocab.SIZE_BANDS), nullable=True)
    entities: Series[pd.Int64Dtype] = _field(
        "int", "number of organisations in the country in that cell (or margin)", ge=0
    )

    class Config:
        name = "business_population"
        # A cell may appear once; a repeat is quarantined.
        unique = ["sector", "size_band"]
        strict = False


class SurveyResponses(pa.DataFrameModel):
    """survey_responses.csv: one row per responding organisation."""

    respondent_id: Series[str] = _field("id", "unique in the file")
    sector: Series[str] = _field("code", "sector of the respondent", isin=list(vocab.SECTORS))
    size_band: Series[str] = _field(
        "code", "size band of the respondent", isin=list(vocab.SIZE_BANDS)
    )
    ownership: Series[str] = _field(
        "code", "public or private", nullable=True, isin=list(vocab.OWNERSHIP)
    )
    cni: Series[pd.BooleanDtype] = _field(
        "yesno", "operates critical national infrastructure", nullable=True
    )
    breached_12m: Series[pd.BooleanDtype] = _field(
        "yesno", "identified any breach or attack in the period", nullable=True
    )
    breaches_12m: Series[pd.Int64Dtype] = _field(
        "int",
        "number of breaches or attacks in the period; 0 when breached_12m is no",
        nullable=True,
        ge=0,
    )
    phishing: Series[pd.BooleanDtype] = _field("yesno", "experienced phishing", nullable=True)
    impersonation: Series[pd.BooleanDtype] = _field(
        "yesno", "experienced impersonation of the organisation", nullable=True
    )
    malware: Series[pd.BooleanDtype] = _field("yesno", "experienced malware", nullable=True)
    ransomware: Series[pd.BooleanDtype] = _field(
        "yesno", "experienced ransomware", nullable=True
    )
    ddos: Series[pd.BooleanDtype] = _field(
        "yesno", "experienced denial of service", nullable=True
    )
    account_takeover: Series[pd.BooleanDtype] = _field(
        "yesno", "experienced account takeover", nullable=True
    )
    unauthorised_access: Series[pd.BooleanDtype] = _field(
        "yesno", "experienced unauthorised access", nullable=True
    )
    online_fraud: Series[pd.BooleanDtype] = _field(
        "yesno", "experienced online fraud", nullable=True
    )
    cost_direct: Series[float] = _field(
        "number",
        "direct cost of the most disruptive breach, local currency",
        nullable=True,
        ge=0,
    )
    cost_recovery: Series[float] = _field(
        "number",
        "recovery cost of the most disruptive breach, local currency",
        nullable=True,
        ge=0,
    )
    cost_long_term: Series[float] = _field(
        "number",
        "long-term cost of the most disruptive breach, local currency",
        nullable=True,
        ge=0,
    )
    reported: Series[pd.BooleanDtype] = _field(
        "yesno",
        "the most disruptive breach was reported to the national CERT or police",
        nullable=True,
    )
    incident_plan: Series[pd.BooleanDtype] = _field(
        "yesno", "has an incident response plan", nullable=True
    )
    backups: Series[pd.BooleanDtype] = _field("yesno", "keeps backups", nullable=True)
    staff_training: Series[pd.BooleanDtype] = _field(
        "yesno", "trains staff in cyber security", nullable=True
    )
    mfa: Series[pd.BooleanDtype] = _field(
        "yesno", "uses multi-factor authentication", nullable=True
    )
    cyber_insurance: Series[pd.BooleanDtype] = _field(
        "yesno", "holds cyber insurance", nullable=True
    )
    # Optional column. When the file has it, every row must carry a positive weight.
    weight: Series[float] = _field(
        "number",
        "optional design weight; when the column is absent, weights come from the frame",
        required=False,
        gt=0,
    )

    class Config:
        name = "survey_responses"
        strict = False


class Incidents(pa.DataFrameModel):
    """incidents.csv: incidents reported to the national CERT or police."""

    incident_id: Series[str] = _field("id", "unique in the file")
    reported_on: Series[pd.Timestamp] = _field("date", "date the incident was reported")
    category: Series[str] = _field(
        "code",
        "top-level class of the Reference Security Incident Taxonomy",
        isin=list(vocab.INCIDENT_CATEGORIES),
    )
    victim_type: Series[str] = _field(
        "code", "individual, business or public_body", isin=list(vocab.VICTIM_TYPES)
    )
    sector: Series[str] = _field(
        "code", "sector of the victim; blank for individuals", nullable=True,
        isin=list(vocab.SECTORS),
    )
    cni: Series[pd.BooleanDtype] = _field(
        "yesno", "the victim operates critical national infrastructure", nullable=True
    )
    financial_loss: Series[float] = _field(
        "number", "loss where recorded, local currency", nullable=True, required=False, ge=0
    )
    status: Series[str] = _field(
        "code", "open or closed", nullable=True, isin=list(vocab.INCIDENT_STATUS)
    )
    source: Series[str] = _field(
        "code", "national_cert, police, open_source or other; blank (or no column) = "
        "national_cert; only national_cert and police count in the dark figure",
        nullable=True, required=False, isin=list(vocab.INCIDENT_SOURCES),
    )
    date_precision: Series[str] = _field(
        "code", "day, month or year: how much of reported_on is known (then the first day "
        "of its month or year); blank (or no column) = day",
        nullable=True, required=False, isin=list(vocab.DATE_PRECISIONS),
    )

    class Config:
        name = "incidents"
        strict = False


class Entities(pa.DataFrameModel):
    """entities.csv: who the gap analysis covers."""

    entity_id: Series[str] = _field("id", "unique; NATIONAL for the country as a whole")
    name: Series[str] = _field("text", "name of the entity")
    entity_type: Series[str] = _field(
        "code", "national, government or cni_operator", isin=list(vocab.ENTITY_TYPES)
    )
    sector: Series[str] = _field(
        "code", "sector (blank for NATIONAL)", nullable=True, isin=list(vocab.SECTORS)
    )
    criticality: Series[pd.Int64Dtype] = _field(
        "int", "1-5, how much the country depends on it (NATIONAL is 5)", ge=1, le=5
    )

    class Config:
        name = "entities"
        strict = False


class CapabilityAssessment(pa.DataFrameModel):
    """capability_assessment.csv: one row per (entity, indicator) assessed."""

    entity_id: Series[str] = _field("ref", "an entity_id of entities.csv")
    indicator_id: Series[str] = _field("ref", "an indicator id of the framework")
    level: Series[pd.Int64Dtype] = _field(
        "int", "maturity level on the framework's scale (0-5 for the shipped framework); "
        "blank = not assessed (never read as 0)",
        nullable=True,
    )
    evidence: Series[str] = _field("text", "what the level rests on (free text)", nullable=True)
    assessed_on: Series[pd.Timestamp] = _field("date", "date of the assessment", nullable=True)

    class Config:
        name = "capability_assessment"
        unique = ["entity_id", "indicator_id"]
        strict = False


class Targets(pa.DataFrameModel):
    """targets.csv (optional): overrides of the framework's targets."""

    applies_to: Series[str] = _field("ref", "an entity_type or an entity_id")
    indicator_id: Series[str] = _field("ref", "an indicator id of the framework")
    target: Series[pd.Int64Dtype] = _field("int", "target level on the framework's scale")

    class Config:
        name = "targets"
        unique = ["applies_to", "indicator_id"]
        strict = False


class Interventions(pa.DataFrameModel):
    """interventions.csv: the catalogue the business case chooses from."""

    intervention_id: Series[str] = _field("id", "unique in the file")
    name: Series[str] = _field("text", "name of the intervention")
    # Optional column: the name in French, shown on French pages (blank: the name).
    name_fr: Series[str] = _field(
        "text", "optional name in French, shown on French pages (blank: name)",
        nullable=True, required=False)
    pillar: Series[str] = _field("ref", "a pillar id of the framework")
    indicators: Series[str] = _field("idlist", "`;`-separated indicator ids it lifts")
    applies_to: Series[str] = _field(
        "code", "national, government, cni_operator or all", isin=list(vocab.APPLIES_TO)
    )
    raises_to: Series[pd.Int64Dtype] = _field(
        "int", "level its indicators reach once it is complete, on the framework's scale"
    )
    capex_usd: Series[float] = _field(
        "number", "per programme (national scope) or per entity (organisation scope)", ge=0
    )
    opex_usd_per_year: Series[float] = _field(
        "number", "running cost per year after completion, same scaling as capex", ge=0
    )
    duration_months: Series[pd.Int64Dtype] = _field("int", "months to complete", ge=1)
    requires: Series[str] = _field(
        "idlist", "`;`-separated intervention ids that must be complete first", nullable=True
    )
    loss_reduction: Series[float] = _field(
        "number", "share (0-1) of the national annual cybercrime cost it avoids", ge=0, le=1
    )
    loss_reduction_low: Series[float] = _field(
        "number", "low end of the plausible range of loss_reduction (with loss_reduction_high)",
        required=False, nullable=True, ge=0, le=1,
    )
    loss_reduction_high: Series[float] = _field(
        "number", "high end of the plausible range of loss_reduction (with loss_reduction_low)",
        required=False, nullable=True, ge=0, le=1,
    )

    class Config:
        name = "interventions"
        strict = False


# file stem -> schema, in the order files are reported.
TABLES: dict[str, type[pa.DataFrameModel]] = {
    "business_population": BusinessPopulation,
    "survey_responses": SurveyResponses,
    "incidents": Incidents,
    "entities": Entities,
    "capability_assessment": CapabilityAssessment,
    "targets": Targets,
    "interventions": Interventions,
}


def columns(model: type[pa.DataFrameModel]) -> dict[str, pa.Column]:
    """The model's columns, in declaration order."""
    return dict(model.to_schema().columns)
