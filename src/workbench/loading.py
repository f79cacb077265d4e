"""Load a country's folder against the data contract: valid rows and quarantined rows.

Every table is read as text, parsed column by column according to its pandera
schema (``workbench.schemas``), and checked with the schema's own checks, all
vectorised (:mod:`workbench.table_validation`); this module adds each table's row
rules (which refer to the other tables and the framework), loads the country's
folder in order and says which stages its inputs allow. A row that breaks a rule is quarantined exactly as it was read, with
its spreadsheet row number and a ``reason`` naming the column and the rule; for
every file ``rows = valid + quarantined``. A file-level problem (missing,
unreadable, undecodable, empty, a required column missing, survey cells missing
from the frame, a name that is not a regular file inside the country folder, a
workbook that unpacks to an absurd size) is recorded as the table's ``error`` and
stops only the stages that need that file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench import paths, safe_tables, schemas, survey_files, vocab
from workbench.crosswalk import Crosswalk, carried_over, split_ids, translate_catalogue
from workbench.errors import DataFileError, StageSkipped
from workbench.framework import Framework, load_framework
from workbench.i18n import _
from workbench.input_files import checked_file, input_sha256
from workbench.output_files import write_text_atomic
from workbench.profile import Profile, load_profile
from workbench.summary_types import DataQuality, DataQualityEntry
from workbench.table_validation import (
    SET_ASIDE_COLUMNS,
    RowReason,
    find_table_file,
    read_text_table,
    validate_table,
)

# What each stage needs. A table in `optional` may be absent; a file-level error
# in it is still reported but does not stop the stage.
STAGE_INPUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "impact": {
        "required": ("business_population", "survey_responses"),
        "optional": ("incidents",),
    },
    "gaps": {
        "required": ("entities", "capability_assessment"),
        "optional": ("targets",),
    },
    "business_case": {
        "required": ("entities", "capability_assessment", "interventions"),
        "optional": ("targets",),
    },
}

# Tables the contract marks optional: absence is not a problem.
OPTIONAL_TABLES = frozenset({"incidents", "targets", "interventions"})


@dataclass
class TableLoad:
    """The outcome of loading one table."""

    name: str
    path: Path | None
    rows: int = 0
    valid: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Rows set aside by each (column, rule): counts only, safe to publish.
    set_aside: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SET_ASIDE_COLUMNS)))
    error: str | None = None
    source: str = "country"  # "country", "shipped" (a default the workbench supplies) or "absent"
    # The input whose problem kept this file from being checked ("entities",
    # "framework"): that input's problem is the one reported, not this file's.
    blocked_by: str | None = None

    @property
    def usable(self) -> bool:
        return self.error is None and self.source != "absent"

    @property
    def file_name(self) -> str:
        return self.path.name if self.path else f"{self.name}.csv"

    def quality(self) -> DataQualityEntry:
        """This table's entry in summary.json's ``data_quality``."""
        if self.source == "absent":
            return {"status": "absent"}
        entry: DataQualityEntry = {
            "file": self.file_name,
            "rows": self.rows,
            "valid": len(self.valid),
            "quarantined": len(self.quarantine),
        }
        if self.source == "shipped":
            entry["source"] = "shipped default"
        if self.error:
            # Counts stay when rows were read (every one of them set aside).
            entry = {**(entry if self.rows else {"file": self.file_name}), "error": self.error}
        return entry


@dataclass(frozen=True)
class InputProblem:
    """Why an input keeps stages from running, and what that does to the run.

    ``fails_run``: a present input that is unusable (or a missing profile.yaml)
    fails the whole run; otherwise (an absent file, a shipped default that does not
    serve the country) only ``stages`` are skipped and the run is partial.
    """

    file: str
    reason: str
    stages: tuple[str, ...]
    fails_run: bool


@dataclass
class CountryData:
    """Everything loaded from one country's folder."""

    code: str
    root: Path
    profile: Profile | None
    profile_error: str | None
    framework: Framework | None
    framework_error: str | None
    framework_source: str
    tables: dict[str, TableLoad]
    file_hashes: dict[str, str]

    def table(self, name: str) -> pd.DataFrame:
        """The valid rows of a table; raises StageSkipped when it is unusable."""
        load = self.tables[name]
        if not load.usable:
            raise StageSkipped(load.error or f"{load.file_name} is missing")
        return load.valid

    def input_problems(self) -> list[InputProblem]:
        """Every problem of the country's inputs, classified: the one place that
        decides between a run that fails (a present input unusable, the profile
        missing) and one that skips stages (a required file absent)."""
        every_stage = tuple(STAGE_INPUTS)
        problems = []
        if self.profile is None:
            problems.append(InputProblem(
                "profile.yaml", self.profile_error or "profile.yaml is unusable",
                every_stage, fails_run=True))
        if self.framework is None:
            problems.append(InputProblem(
                "framework.yaml", self.framework_error or "framework.yaml is unusable",
                ("gaps", "business_case"), fails_run=True))
        for name, load in self.tables.items():
            needed_by = tuple(s for s, inputs in STAGE_INPUTS.items() if name in inputs["required"])
            if load.source == "absent":
                if needed_by:
                    problems.append(InputProblem(
                        load.file_name, f"{load.file_name} is missing (it is required for this stage)",
                        needed_by, fails_run=False))
            elif load.error and load.blocked_by is None:
                problems.append(InputProblem(load.file_name, load.error, needed_by,
                                             fails_run=load.source != "shipped"))
        return problems

    def unusable_inputs(self) -> list[InputProblem]:
        """The problems that fail a run (and make ``workbench validate`` exit 2)."""
        return [p for p in self.input_problems() if p.fails_run]

    def problems_for(self, stage: str) -> list[str]:
        """Why ``stage`` cannot run (empty when it can)."""
        return [p.reason for p in self.input_problems() if stage in p.stages]

    def require(self, stage: str) -> None:
        """Raise StageSkipped with every reason ``stage`` cannot run."""
        problems = self.problems_for(stage)
        if problems:
            raise StageSkipped("; ".join(problems))

    def data_quality(self) -> DataQuality:
        """summary.json's ``data_quality``: rows / valid / quarantined for every file."""
        quality: DataQuality = {
            "profile": {"file": "profile.yaml", "error": self.profile_error}
            if self.profile_error
            else {"file": "profile.yaml", "status": "ok"},
            "framework": {"error": self.framework_error}
            if self.framework_error
            else {"source": self.framework_source, "id": self.framework.id if self.framework else None},
        }
        for name, load in self.tables.items():
            quality[name] = load.quality()
        return quality

    @property
    def quarantined_rows(self) -> int:
        return sum(len(t.quarantine) for t in self.tables.values())


# --------------------------------------------------------------------------- table rules


def _register_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    """A row names a cell (sector and size band) or a margin (one of them), never neither."""
    return [(frame["sector"].isna() & frame["size_band"].isna(),
             "sector, size_band: both blank (a cell names both, a margin one of them)")]


def is_margins(register: pd.DataFrame) -> bool:
    """Whether business_population gives margins (sector totals, size-band totals)
    rather than cells."""
    return bool((register["sector"].isna() | register["size_band"].isna()).any())


def _survey_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    breached, count = frame["breached_12m"], frame["breaches_12m"]
    return [
        (
            (breached == False) & (count > 0),  # noqa: E712 - nullable boolean comparison
            "breaches_12m: more than 0 although breached_12m is no",
        ),
        (
            (breached == True) & (count == 0),  # noqa: E712
            "breaches_12m: 0 although breached_12m is yes",
        ),
    ]


def _incident_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    """A date known only to the month or year is written as the first day of it."""
    if "date_precision" not in frame.columns:
        return []
    day = frame["reported_on"]
    precision = frame["date_precision"]
    return [
        (((precision == "month") & (day.dt.day != 1)).fillna(False),
         "reported_on: not the 1st of its month although date_precision is month"),
        (((precision == "year") & ((day.dt.day != 1) | (day.dt.month != 1))).fillna(False),
         "reported_on: not 1 January although date_precision is year"),
    ]


def _entity_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    is_national_id = frame["entity_id"] == vocab.NATIONAL_ENTITY_ID
    is_national_type = frame["entity_type"] == "national"
    return [
        (
            is_national_type & ~is_national_id,
            f"entity_type: national is for the single row {vocab.NATIONAL_ENTITY_ID} only",
        ),
        (
            is_national_id & frame["entity_type"].notna() & ~is_national_type,
            f"entity_type: {vocab.NATIONAL_ENTITY_ID} must have entity_type national",
        ),
    ]


def _outside_scale(frame: pd.DataFrame, column: str, framework: Framework) -> tuple[pd.Series, RowReason]:
    """Rows whose ``column`` is a level outside the framework's scale."""
    levels = framework.levels
    values = frame[column]
    outside = values.notna() & ((values < levels.min) | (values > levels.max)).fillna(False)
    scale = f"{levels.min}-{levels.max}"
    return outside, RowReason.per_row(
        column, f"is outside the framework's level scale {scale}",
        f"{column}: '" + values.astype(str) + f"' is outside the level scale {scale} of framework "
        f"{framework.id}")


def _assessment_rules(entities: pd.DataFrame, framework: Framework):
    entity_type = entities.set_index("entity_id")["entity_type"]
    scope = {i.id: i.scope for i in framework.indicators}

    def rules(frame: pd.DataFrame) -> list[tuple[pd.Series, object]]:
        known_entity = frame["entity_id"].isin(entity_type.index)
        known_indicator = frame["indicator_id"].isin(list(scope))
        types = frame["entity_id"].map(entity_type)
        scopes = frame["indicator_id"].map(scope)
        out_of_scope = (
            known_entity & known_indicator
            & (((scopes == "national") & (types != "national"))
               | ((scopes == "organisation") & (types == "national")))
        )
        return [
            (frame["entity_id"].notna() & ~known_entity, RowReason.per_row(
                "entity_id", "is not in entities.csv",
                "entity_id: '" + frame["entity_id"].astype(str) + "' is not in entities.csv")),
            (frame["indicator_id"].notna() & ~known_indicator, RowReason.per_row(
                "indicator_id", f"is not an indicator of framework {framework.id}",
                "indicator_id: '" + frame["indicator_id"].astype(str)
                + f"' is not an indicator of framework {framework.id}")),
            (out_of_scope, RowReason.per_row(
                "indicator_id", "is out of scope for the organisation's type",
                "indicator_id: '" + frame["indicator_id"].astype(str) + "' is "
                + scopes.astype(str) + "-scope and cannot be assessed for "
                + frame["entity_id"].astype(str))),
            _outside_scale(frame, "level", framework),
        ]

    return rules


def _target_rules(entities: pd.DataFrame | None, framework: Framework):
    known_targets = set(vocab.ENTITY_TYPES)
    if entities is not None:
        known_targets |= set(entities["entity_id"])
    indicator_ids = [i.id for i in framework.indicators]

    def rules(frame: pd.DataFrame) -> list[tuple[pd.Series, object]]:
        return [
            (frame["applies_to"].notna() & ~frame["applies_to"].isin(list(known_targets)),
             RowReason.per_row(
                 "applies_to", "is neither an entity_type nor an entity_id of entities.csv",
                 "applies_to: '" + frame["applies_to"].astype(str)
                 + "' is neither an entity_type nor an entity_id of entities.csv")),
            (frame["indicator_id"].notna() & ~frame["indicator_id"].isin(indicator_ids),
             RowReason.per_row(
                 "indicator_id", f"is not an indicator of framework {framework.id}",
                 "indicator_id: '" + frame["indicator_id"].astype(str)
                 + f"' is not an indicator of framework {framework.id}")),
            _outside_scale(frame, "target", framework),
        ]

    return rules


def _split_ids(values: pd.Series) -> pd.Series:
    """``a;b`` -> ['a', 'b'] (blank -> [])."""
    return values.map(split_ids)


def _intervention_rules(crosswalk: Crosswalk):
    framework = crosswalk.framework
    pillar_ids = {p.id for p in framework.pillars}

    def rules(frame: pd.DataFrame) -> list[tuple[pd.Series, object]]:
        ids = set(frame["intervention_id"].dropna())
        indicators = _split_ids(frame["indicators"])
        requires = _split_ids(frame["requires"])
        # Ids of another framework are carried over through the crosswalk (crosswalk.py).
        unknown_ind = indicators.map(lambda xs: ", ".join(crosswalk.resolve_all(xs)[1]))
        foreign = indicators.map(lambda xs: carried_over(xs, crosswalk))
        unknown_req = requires.map(lambda xs: ", ".join(x for x in xs if x not in ids))
        outside, outside_reason = _outside_scale(frame, "raises_to", framework)
        return [
            (frame["pillar"].notna() & ~frame["pillar"].isin(list(pillar_ids)) & ~foreign,
             RowReason.per_row("pillar", f"is not a pillar of framework {framework.id}",
                             "pillar: '" + frame["pillar"].astype(str)
                             + f"' is not a pillar of framework {framework.id}")),
            (unknown_ind != "",
             RowReason.per_row("indicators",
                             f"names indicators not in framework {framework.id} nor reached "
                             "through its crosswalk",
                             "indicators: " + unknown_ind + f" not in framework {framework.id} "
                             "nor reached through its crosswalk")),
            (frame["indicators"].notna() & (indicators.map(len) == 0),
             "indicators: no indicator id given"),
            (unknown_req != "",
             RowReason.per_row("requires", "names interventions not in this catalogue",
                             "requires: " + unknown_req + " not in this catalogue")),
            (outside & ~foreign, outside_reason),
            *_loss_range_rules(frame),
        ]

    return rules


def _loss_range_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, object]]:
    """The plausible range of loss_reduction: both ends or neither, low <= point <= high."""
    if "loss_reduction_low" not in frame.columns and "loss_reduction_high" not in frame.columns:
        return []
    nan = pd.Series(float("nan"), index=frame.index)
    low = frame.get("loss_reduction_low", nan).astype("float64")
    high = frame.get("loss_reduction_high", nan).astype("float64")
    point = frame["loss_reduction"].astype("float64")
    return [
        (low.isna() != high.isna(),
         "loss_reduction_low, loss_reduction_high: give both ends of the range, or neither"),
        (low.notna() & high.notna() & point.notna() & ~((low <= point) & (point <= high)),
         "loss_reduction: outside its own range loss_reduction_low .. loss_reduction_high"),
    ]


# --------------------------------------------------------------------------- country


def load_table(
    folder: Path,
    name: str,
    extra_rules=None,
    *,
    fallback: Path | None = None,
) -> TableLoad:
    """Load one contract table from ``folder`` (or the shipped ``fallback``)."""
    model = schemas.TABLES[name]
    try:
        path = find_table_file(folder, name)
    except DataFileError as exc:
        return TableLoad(name, folder / exc.file, error=str(exc))
    source = "country"
    if path is None and fallback is not None:
        path, source = fallback, "shipped"
    if path is None:
        return TableLoad(name, None, source="absent",
                         error=None if name in OPTIONAL_TABLES else f"{name}.csv is missing")
    try:
        sheet = read_text_table(path)
        valid, quarantine, set_aside = validate_table(sheet, model, path.name, extra_rules)
    except DataFileError as exc:
        return TableLoad(name, path, source=source, error=str(exc))
    return TableLoad(name, path, rows=sheet.table.num_rows, valid=valid, quarantine=quarantine,
                     set_aside=set_aside, source=source)


def load_survey(folder: Path, extra_rules=None) -> TableLoad:
    """Load the survey, whichever file holds it (CSV, XLSX, SPSS .sav, Stata .dta, a
    KoboToolbox / ODK export), through the country's survey_mapping.yaml if any
    (``survey_files``). Its rows set aside are given back as they are in the file."""
    name = "survey_responses"
    try:
        path = survey_files.find_survey_file(folder)
    except DataFileError as exc:
        return TableLoad(name, folder / exc.file, error=str(exc))
    if path is None:
        return TableLoad(name, None, source="absent", error=f"{name}.csv is missing")
    try:
        survey = survey_files.read_survey(folder, path)
        valid, quarantine, set_aside = validate_table(
            survey.sheet, schemas.TABLES[name], path.name, [*survey.rules, *(extra_rules or [])])
    except DataFileError as exc:
        return TableLoad(name, path, error=str(exc))
    return TableLoad(name, path, rows=survey.sheet.table.num_rows, valid=valid,
                     quarantine=survey.original_rows(quarantine), set_aside=set_aside)


def _check_survey_cells(survey: TableLoad, frame: TableLoad) -> None:
    """A survey cell missing from the frame is a file-level error naming the cells."""
    if not (survey.usable and frame.usable):
        return
    register = frame.valid
    if is_margins(register):
        cells_too = register["sector"].notna() & register["size_band"].notna()
        if cells_too.any():
            frame.error = str(DataFileError(
                frame.file_name, "holds both cells (sector and size band) and margins (one of "
                "them blank): give one or the other", column="sector, size_band"))
            return
        for column, other in (("sector", "size_band"), ("size_band", "sector")):
            given = set(register.loc[register[other].isna(), column])
            missing = sorted(set(survey.valid[column]) - given)
            if missing:
                survey.error = str(DataFileError(
                    survey.file_name, f"respondents in a {column.replace('_', ' ')} with no "
                    f"total in business_population.csv: {', '.join(missing)}", column=column))
                return
        return
    cells = survey.valid[["sector", "size_band"]].drop_duplicates()
    known = frame.valid.set_index(["sector", "size_band"]).index
    missing = cells[~pd.MultiIndex.from_frame(cells).isin(known)]
    if missing.empty:
        return
    listed = ", ".join(f"{s}/{b}" for s, b in missing.itertuples(index=False))
    survey.error = str(DataFileError(
        survey.file_name,
        f"respondents in cells missing from business_population.csv: {listed}",
        column="sector, size_band",
    ))


def load_country(folder: str | Path, tables: tuple[str, ...] | None = None) -> CountryData:
    """Load one country's folder. ``tables`` limits which tables are read."""
    folder = Path(folder)
    code = folder.name
    wanted = tables or tuple(schemas.TABLES)
    profile, profile_error = None, None
    try:
        profile = load_profile(folder / "profile.yaml", expected_country=code)
    except DataFileError as exc:
        profile_error = str(exc)

    framework, framework_error, framework_source = None, None, "shipped"
    try:
        own_framework = checked_file(folder, "framework.yaml")
        if own_framework is not None:
            framework_source = "country"
        framework = load_framework(own_framework)
    except DataFileError as exc:
        framework_error = str(exc)

    loads: dict[str, TableLoad] = {}
    for name in schemas.TABLES:
        if name not in wanted:
            continue
        if name == "survey_responses":
            loads[name] = load_survey(folder, [_survey_rules])
        elif name == "entities":
            loads[name] = load_table(folder, name, [_entity_rules])
        elif name == "business_population":
            loads[name] = load_table(folder, name, [_register_rules])
        elif name == "incidents":
            loads[name] = load_table(folder, name, [_incident_rules])
        elif name in ("capability_assessment", "targets", "interventions"):
            loads[name] = _load_framework_table(folder, name, framework, framework_error, loads,
                                                framework_source)
        else:
            loads[name] = load_table(folder, name)
        _require_usable_rows(loads[name], framework)

    if "entities" in loads and loads["entities"].usable:
        national = loads["entities"].valid["entity_id"] == vocab.NATIONAL_ENTITY_ID
        if not national.any():
            loads["entities"].error = str(DataFileError(
                loads["entities"].file_name,
                f"no {vocab.NATIONAL_ENTITY_ID} row (the country as a whole must be listed once)",
                column="entity_id",
            ))
    if "survey_responses" in loads and "business_population" in loads:
        _check_survey_cells(loads["survey_responses"], loads["business_population"])

    return CountryData(
        code=code, root=folder, profile=profile, profile_error=profile_error,
        framework=framework, framework_error=framework_error,
        framework_source=framework_source, tables=loads, file_hashes=input_sha256(folder),
    )


def _load_framework_table(
    folder: Path,
    name: str,
    framework: Framework | None,
    framework_error: str | None,
    loads: dict[str, TableLoad],
    framework_source: str,
) -> TableLoad:
    """Tables whose rows reference the framework (and, for some, entities.csv)."""
    fallback = paths.SHIPPED_INTERVENTIONS if name == "interventions" else None
    if framework is None:
        return _blocked_table(folder, name, "framework", framework_error or "framework.yaml is unusable",
                              fallback)
    entities = loads.get("entities")
    entity_frame = entities.valid if entities is not None and entities.usable else None
    if name == "capability_assessment":
        if entity_frame is None:
            missing = entities is None or entities.source == "absent"
            return _blocked_table(folder, name, "entities",
                                  f"entities.csv is {'missing' if missing else 'unusable'}")
        return load_table(folder, name, [_assessment_rules(entity_frame, framework)])
    if name == "targets":
        return load_table(folder, name, [_target_rules(entity_frame, framework)])
    reference = None if framework_source == "shipped" else _shipped_framework_unless(framework)
    crosswalk = Crosswalk(framework, reference)
    load = load_table(folder, name, [_intervention_rules(crosswalk)], fallback=fallback)
    load.valid = translate_catalogue(load.valid, crosswalk)
    return load


def _shipped_framework_unless(framework: Framework) -> Framework | None:
    """The shipped framework, whose indicators the shipped catalogue names; None when
    the country's own framework.yaml is a copy of it (nothing to carry over)."""
    shipped = load_framework(None)
    return None if shipped.id == framework.id else shipped


def _blocked_table(folder: Path, name: str, blocked_by: str, why: str,
                   fallback: Path | None = None) -> TableLoad:
    """A table that cannot be checked because the input ``blocked_by`` is absent or
    unusable (that input's problem is the one reported); absent when it is absent."""
    try:
        path = find_table_file(folder, name)
    except DataFileError as exc:
        return TableLoad(name, folder / exc.file, error=str(exc))
    if path is None and fallback is None:
        return TableLoad(name, None, source="absent",
                         error=None if name in OPTIONAL_TABLES else f"{name}.csv is missing")
    return TableLoad(name, path or fallback, source="country" if path else "shipped",
                     error=f"cannot be checked: {why}", blocked_by=blocked_by)


def _require_usable_rows(load: TableLoad, framework: Framework | None) -> None:
    """A present file none of whose rows is usable is unusable (DATA.md): a header
    with no rows, or every row set aside. The shipped catalogue that has nothing
    for the country's framework only skips the business case."""
    if load.error or load.source == "absent" or not load.valid.empty:
        return
    if load.source == "shipped":
        framework_id = framework.id if framework else "in use"
        load.error = (f"{load.file_name} (the shipped catalogue): none of its {load.rows} "
                      f"interventions applies to framework {framework_id}, even through its "
                      "crosswalk; put the country's own interventions.csv in its folder, or map "
                      "the framework's indicators to NIST CSF 2.0 subcategories in its crosswalk "
                      "(docs/business-case.md)")
    elif load.rows == 0:
        load.error = str(DataFileError(load.file_name, "the file has a header but no rows"))
    else:
        # The rules broken, never a cell's value: this line reaches the manifest and
        # the index, which are shared.
        rules = "; ".join(
            f"{rule.column + ': ' if rule.column else ''}{rule.rule} ({_rows(rule.rows)})"
            for rule in load.set_aside.head(3).itertuples(index=False))
        every = "its only row was" if load.rows == 1 else f"all {load.rows} rows were"
        load.error = str(DataFileError(
            load.file_name,
            f"no usable row: {every} set aside ({rules}); the rows and their reasons are "
            "in the analyst-only quarantine"))


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def write_quarantine(country: CountryData, out_dir: Path) -> list[Path]:
    """Write every table's rejected rows to ``out_dir/<file>.csv``; returns the files.

    These hold whole rows as read (respondents' answers): write them only to an
    analyst's private place, never beside a report that is shared. Cells a
    spreadsheet would run as formulas get a leading quote (``safe_tables``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for load in country.tables.values():
        if load.quarantine.empty:
            continue
        written.append(safe_tables.write_csv(load.quarantine, out_dir / f"{load.name}.csv"))
    return written


def quality_table(country: CountryData) -> pd.DataFrame:
    """One row per file: file, status, rows, valid, quarantined, problem."""
    records = []
    for load in country.tables.values():
        status = "absent" if load.source == "absent" else ("unusable" if load.error else "ok")
        records.append({
            "file": load.file_name + (" ({})".format(_("shipped default"))
                                      if load.source == "shipped" else ""),
            "status": status,
            "rows": load.rows if status == "ok" else None,
            "valid": len(load.valid) if status == "ok" else None,
            "quarantined": len(load.quarantine) if status == "ok" else None,
            "problem": load.error or "",
        })
    frame = pd.DataFrame(records)
    for col in ("rows", "valid", "quarantined"):
        frame[col] = frame[col].astype("Int64")
    return frame


def set_aside_table(country: CountryData) -> pd.DataFrame:
    """Rows set aside in every file, by column and rule: file, column, rule, rows.

    Counts only, never a cell's value: this is what a shared report shows of the
    quarantine. A row breaking two rules counts under both.
    """
    frames = [load.set_aside.assign(file=load.file_name)
              for load in country.tables.values() if not load.set_aside.empty]
    if not frames:
        return pd.DataFrame(columns=["file", *SET_ASIDE_COLUMNS])
    table = pd.concat(frames, ignore_index=True)[["file", *SET_ASIDE_COLUMNS]]
    table["rows"] = table["rows"].astype("int64")
    return table


def file_problems(country: CountryData) -> list[str]:
    """Every problem that makes the country's folder unusable (a run of it fails),
    one line each naming the file: what ``workbench validate`` reports."""
    return [problem.reason for problem in country.unusable_inputs()]


def write_data_quality(country: CountryData, target: Path) -> Path:
    """Write ``data_quality`` (as in summary.json) to ``target``."""
    import json

    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(target, json.dumps(country.data_quality(), indent=2))
