"""Survey files as they arrive: SPSS and Stata files with value labels, KoboToolbox / ODK
exports, read through survey_mapping.yaml into the contract's rows."""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import SURVEY_HEADER, SURVEY_ROWS, write_country
from typer.testing import CliRunner

from workbench import loading, stages, vocab
from workbench.cli import app
from workbench.survey_form import CHOICE_WORDS, write_form
from workbench.survey_mapping import load_mapping

KE = Path(__file__).resolve().parents[1] / "data" / "samples" / "KE"
IMPACT_TABLES = stages.tables_for("impact")
SURVEY = "survey_responses"


def impact_block(folder: Path) -> str:
    """summary.json's impact block for the country in ``folder``, as JSON text."""
    data = loading.load_country(folder, IMPACT_TABLES)
    return json.dumps(stages.impact_assessment(data).summary, sort_keys=True, default=str)


@pytest.fixture(scope="module")
def ke_rows() -> pd.DataFrame:
    return pd.read_csv(KE / f"{SURVEY}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def ke_csv_block() -> str:
    return impact_block(KE)


def ke_without_survey(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "KE"
    shutil.copytree(KE, folder)
    (folder / f"{SURVEY}.csv").unlink()
    return folder


# --------------------------------------------------------------------------- SPSS / Stata

# How a statistics office codes the survey: its own variable names, numeric codes, labels.
SECTOR_CODES = {sector: code for code, sector in enumerate(vocab.SECTORS, start=1)}
SIZE_CODES = {band: code for code, band in enumerate(vocab.SIZE_BANDS, start=1)}
SIZE_LABELS = {"micro": "1-9 employees", "small": "10-49 employees",
               "medium": "50-249 employees", "large": "250 employees or more"}
YES_NO = {1: "Yes", 2: "No", 9: "Don't know"}
SELECTED = {1: "Selected", 0: "Not selected"}


def _codes(values: pd.Series, codes: dict[str, int], blank: float = np.nan) -> pd.Series:
    return values.map(lambda v: float(codes[v]) if v else blank)


def _numbers(values: pd.Series, blank: float) -> pd.Series:
    return values.map(lambda v: float(v) if v else blank)


def office_file(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict, dict]:
    """The rows as an office would deliver them: (data, value labels, user-missing)."""
    yes_no = {"yes": 1, "no": 2}
    data = {"caseid": rows["respondent_id"],
            "Q1": _codes(rows["sector"], SECTOR_CODES),
            "Q2": _codes(rows["size_band"], SIZE_CODES),
            "Q3": _codes(rows["ownership"], {"public": 1, "private": 2}),
            "Q4": _codes(rows["cni"], yes_no, blank=9.0),
            "Q5": _codes(rows["breached_12m"], yes_no),
            "Q6": _numbers(rows["breaches_12m"], blank=99.0)}
    labels = {"Q1": {code: CHOICE_WORDS["sector"][s][0] for s, code in SECTOR_CODES.items()},
              "Q2": {code: SIZE_LABELS[b] for b, code in SIZE_CODES.items()},
              "Q3": {1: "Public sector", 2: "Private sector"},
              "Q4": YES_NO, "Q5": YES_NO, "Q6": {99: "Don't know"}}
    for number, kind in enumerate(vocab.ATTACK_KINDS, start=1):
        data[f"Q7_{number}"] = _codes(rows[kind], yes_no)
        labels[f"Q7_{number}"] = YES_NO
    for letter, part in zip("abc", vocab.COST_PARTS):
        data[f"Q8{letter}"] = _numbers(rows[part], blank=-9.0)
        labels[f"Q8{letter}"] = {-9: "Refused"}
    data["Q9"] = _codes(rows["reported"], yes_no)
    labels["Q9"] = {1: "Reported", 2: "Not reported"}
    for number, control in enumerate(vocab.CONTROLS, start=1):
        data[f"Q10_{number}"] = _codes(rows[control], {"yes": 1, "no": 0})
        labels[f"Q10_{number}"] = SELECTED
    frame = pd.DataFrame(data)
    # The office's own value labels on every respondent: the case id stays text.
    return frame, labels, {"Q4": [9], "Q6": [99]}


def office_mapping() -> str:
    columns = {"respondent_id": "caseid", "sector": "Q1", "size_band": "Q2", "ownership": "Q3",
               "cni": "Q4", "breached_12m": "Q5", "breaches_12m": "Q6", "reported": "Q9"}
    columns |= {kind: f"Q7_{n}" for n, kind in enumerate(vocab.ATTACK_KINDS, start=1)}
    columns |= {part: f"Q8{letter}" for letter, part in zip("abc", vocab.COST_PARTS)}
    columns |= {control: f"Q10_{n}" for n, control in enumerate(vocab.CONTROLS, start=1)}
    # Written in lower case: SPSS's variable names ignore case.
    lines = ["columns:", *(f"  {k}: {v.lower()}" for k, v in columns.items()), "values:",
             "  sector:"]
    lines += [f'    "{CHOICE_WORDS["sector"][s][0]}": {s}' for s in vocab.SECTORS]
    lines += ["  size_band:", *(f'    "{label}": {band}' for band, label in SIZE_LABELS.items())]
    lines += ["  ownership:", "    Public sector: public", "    Private sector: private",
              "  reported:", "    Reported: yes", "    Not reported: no"]
    for part in vocab.COST_PARTS:
        lines += [f"  {part}:", "    Refused: null"]
    lines += ["yes_no:", "  yes: [Selected]", "  no: [Not selected]"]
    return "\n".join(lines) + "\n"


def test_ke_as_spss_with_value_labels_gives_the_csvs_impact_block(
        tmp_path: Path, ke_rows: pd.DataFrame, ke_csv_block: str) -> None:
    folder = ke_without_survey(tmp_path)
    frame, labels, missing = office_file(ke_rows)
    pyreadstat.write_sav(frame, folder / f"{SURVEY}.sav", variable_value_labels=labels,
                         missing_ranges=missing)
    (folder / "survey_mapping.yaml").write_text(office_mapping(), encoding="utf-8")

    survey = loading.load_country(folder, IMPACT_TABLES).tables[SURVEY]
    assert (survey.file_name, survey.rows, len(survey.valid), len(survey.quarantine)) == (
        f"{SURVEY}.sav", len(ke_rows), len(ke_rows), 0)
    assert impact_block(folder) == ke_csv_block


def test_ke_as_stata_gives_the_csvs_impact_block(
        tmp_path: Path, ke_rows: pd.DataFrame, ke_csv_block: str) -> None:
    folder = ke_without_survey(tmp_path)
    frame, labels, _ = office_file(ke_rows)
    # Stata labels whole numbers only; its missing values are blank here.
    frame["Q4"] = frame["Q4"].replace(9.0, np.nan)
    frame["Q6"] = frame["Q6"].replace(99.0, np.nan)
    labels = {k: {int(c): v for c, v in table.items()} for k, table in labels.items()
              if k not in ("Q6",)}
    pyreadstat.write_dta(frame, folder / f"{SURVEY}.dta", variable_value_labels=labels)
    (folder / "survey_mapping.yaml").write_text(office_mapping(), encoding="utf-8")
    assert impact_block(folder) == ke_csv_block


def small_office_file(tmp_path: Path, sector_labels: dict[int, str] | None = None) -> Path:
    rows = pd.read_csv(pd.io.common.StringIO(SURVEY_HEADER + "\n" + "\n".join(SURVEY_ROWS)),
                       dtype=str, keep_default_na=False)
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    frame, labels, missing = office_file(rows)
    labels["Q1"] |= sector_labels or {}
    pyreadstat.write_sav(frame, folder / f"{SURVEY}.sav", variable_value_labels=labels,
                         missing_ranges=missing)
    (folder / "survey_mapping.yaml").write_text(office_mapping(), encoding="utf-8")
    return folder


def test_an_unknown_value_label_sets_the_row_aside_with_its_code_and_the_columns(
        tmp_path: Path) -> None:
    finance = SECTOR_CODES["finance"]
    folder = small_office_file(tmp_path, {finance: "Banking"})  # a label the mapping lacks
    survey = loading.load_country(folder).tables[SURVEY]
    assert survey.error is None
    assert (survey.rows, len(survey.valid), len(survey.quarantine)) == (6, 3, 3)
    first = survey.quarantine.iloc[0]
    # The row as it is in the file: its own columns, its codes; the case number.
    assert (first["row"], first["caseid"], first["Q1"]) == (1, "R1", str(finance))
    assert first["reason"].startswith(
        f"sector (column 'Q1' of {SURVEY}.sav): 'Banking' is not one of the allowed")
    assert survey.set_aside.to_dict("records") == [
        {"column": "sector", "rule": "is not one of the allowed values (agriculture, mining, "
         "manufacturing, energy, water, construction, ...)", "rows": 3}]


def test_validate_prints_the_table_for_an_spss_country(tmp_path: Path) -> None:
    folder = small_office_file(tmp_path, {SECTOR_CODES["finance"]: "Banking"})
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if f"{SURVEY}.sav" in line)
    assert [cell.strip() for cell in line.split("│")[1:-1]] == [f"{SURVEY}.sav", "ok", "6", "3", "3"]
    assert "3 rows quarantined" in result.output


def test_a_malformed_spss_file_is_a_file_error_naming_it(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    (folder / f"{SURVEY}.sav").write_bytes(b"$FL2 not really an SPSS file" * 4)
    survey = loading.load_country(folder).tables[SURVEY]
    assert survey.error.startswith(f"{SURVEY}.sav: cannot be read as an SPSS .sav file")
    assert [p.file for p in loading.load_country(folder).unusable_inputs()] == [f"{SURVEY}.sav"]


def test_two_survey_files_are_a_file_error(tmp_path: Path) -> None:
    folder = small_office_file(tmp_path)
    (folder / f"{SURVEY}.csv").write_text(SURVEY_HEADER + "\n" + SURVEY_ROWS[0] + "\n")
    survey = loading.load_country(folder).tables[SURVEY]
    assert survey.error == (f"{SURVEY}.csv: {SURVEY}.csv and {SURVEY}.sav are all survey files; "
                            "keep one")


@pytest.mark.parametrize(("edit", "expected"), [
    (("yes_no:", "answers:"), "survey_mapping.yaml: key answers: unknown key (the keys are: "
     "columns, values, yes_no, select_multiple, group_separator)"),
    (("sector: q1", "sectr: q1"), "survey_mapping.yaml: key columns.sectr: 'sectr' is not a "
     "column of survey_responses"),
    (("sector: q1", "sector: Q99"), "survey_mapping.yaml: key columns.sector: column 'Q99' is "
     f"not in {SURVEY}.sav"),
    (('"Mining and quarrying": mining', '"Mining and quarrying": minning'),
     "survey_mapping.yaml: key values.sector.Mining and quarrying: 'minning' is not a sector "
     "of the contract (one of: agriculture, mining"),
    (("Reported: yes", "Reported: maybe"),
     "survey_mapping.yaml: key values.reported.Reported: 'maybe' is not yes or no"),
    (("no: [Not selected]", "no: [Selected]"),
     "survey_mapping.yaml: key yes_no: selected listed as both yes and no"),
    (("columns:", "columns: [\n"), "survey_mapping.yaml: not valid YAML at line"),
])
def test_mapping_problems_name_the_file_and_key(tmp_path: Path, edit: tuple[str, str],
                                                expected: str) -> None:
    folder = small_office_file(tmp_path)
    mapping = folder / "survey_mapping.yaml"
    mapping.write_text(mapping.read_text().replace(*edit, 1))
    country = loading.load_country(folder)
    assert country.tables[SURVEY].error.startswith(expected), country.tables[SURVEY].error
    assert country.unusable_inputs()[0].file == f"{SURVEY}.sav"


def test_labels_that_spell_the_contract_need_no_mapping(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    rows = pd.read_csv(pd.io.common.StringIO(SURVEY_HEADER + "\n" + "\n".join(SURVEY_ROWS)),
                       dtype=str, keep_default_na=False)
    frame = rows.copy()
    labels: dict[str, dict[float, str]] = {}
    for column in ("sector", "size_band"):  # coded, labelled with the contract's words
        values = sorted(set(rows[column]))
        frame[column] = rows[column].map({v: float(i) for i, v in enumerate(values, start=1)})
        labels[column] = {float(i): v.capitalize() for i, v in enumerate(values, start=1)}
    for column in ("cni", "breached_12m", "reported", *vocab.ATTACK_KINDS, *vocab.CONTROLS):
        frame[column] = rows[column].map({"yes": 1.0, "no": 0.0, "": np.nan})
    for column in ("breaches_12m", *vocab.COST_PARTS):
        frame[column] = pd.to_numeric(rows[column])
    pyreadstat.write_sav(frame, folder / f"{SURVEY}.sav", variable_value_labels=labels)
    by_file = loading.load_country(folder).tables[SURVEY]
    as_csv = loading.load_country(write_country(tmp_path / "csv")).tables[SURVEY]
    assert by_file.error is None and len(by_file.valid) == 6
    pd.testing.assert_frame_equal(by_file.valid, as_csv.valid)


# --------------------------------------------------------------------------- KoboToolbox / ODK

KOBO_METADATA = {"start": "2025-06-01T09:00:00", "end": "2025-06-01T09:12:00",
                 "_submission_time": "2025-06-01T09:13:00", "__version__": "vXyZ"}


@functools.cache
def form_paths() -> dict[str, tuple[str, str]]:
    """The questions of the form ``workbench survey-form`` writes, read back from its
    workbook: name -> (the group path of its column in an export, XLSForm type)."""
    with tempfile.TemporaryDirectory() as folder:
        form = write_form(Path(folder) / "survey.xlsx")
        sheet = openpyxl.load_workbook(form, read_only=True)["survey"]
        rows = list(sheet.iter_rows(values_only=True))
    paths, group = {}, None
    for row in (dict(zip(rows[0], values)) for values in rows[1:]):
        if row["type"] == "begin_group":
            group = row["name"]
        elif row["type"] == "end_group":
            group = None
        else:
            paths[row["name"]] = (f"{group}/{row['name']}" if group else row["name"], row["type"])
    return paths


def kobo_export(rows: pd.DataFrame, *, split: bool = True, whole: bool = True,
                leave_out_group: str | None = None) -> pd.DataFrame:
    """A KoboToolbox export of ``rows`` answered on the workbench's own form: group
    paths in the headers, each select-multiple question as a column of space-separated
    choices (``whole``) and one 0/1 column per choice (``split``), Kobo's metadata."""
    out: dict[str, list] = {}
    for name, (path, kind) in form_paths().items():
        if leave_out_group and path.startswith(leave_out_group + "/"):
            continue
        if kind.startswith("select_multiple"):
            question = kind.split()[1]
            choices = {"attacks": vocab.ATTACK_KINDS, "controls": vocab.CONTROLS}[question]
            if whole:
                out[path] = [_picked(row, choices) for row in rows.itertuples(index=False)]
            if split:
                for choice in choices:
                    out[f"{path}/{choice}"] = [{"yes": "1", "no": "0"}.get(v, "")
                                               for v in rows[choice]]
                out[f"{path}/none"] = [str(int(all(getattr(row, c) == "no" for c in choices)))
                                       for row in rows.itertuples(index=False)]
        elif name == "breaches_count":
            out[path] = [b if y == "yes" else "" for b, y in zip(rows["breaches_12m"],
                                                                 rows["breached_12m"])]
        else:
            out[path] = list(rows[name])
    frame = pd.DataFrame(out)
    for position, (column, value) in enumerate(KOBO_METADATA.items()):
        frame.insert(position, column, value)
    frame["meta/instanceID"] = [f"uuid:{i:08d}" for i in range(len(frame))]
    frame["_id"] = range(1000, 1000 + len(frame))
    frame["_uuid"] = [f"uuid-{i}" for i in range(len(frame))]
    return frame


def _picked(row, choices: tuple[str, ...]) -> str:
    answers = [getattr(row, c) for c in choices]
    if all(a == "" for a in answers):
        return ""
    if all(a == "no" for a in answers):
        return "none"
    return " ".join(c for c, a in zip(choices, answers) if a == "yes")


def write_xlsx(frame: pd.DataFrame, target: Path) -> None:
    """As Kobo writes its XLSX export: numbers as numbers, blanks as empty cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    book.save(target)


def _cell(value):
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def test_ke_as_the_forms_kobo_export_gives_the_csvs_impact_block(
        tmp_path: Path, ke_rows: pd.DataFrame, ke_csv_block: str) -> None:
    folder = ke_without_survey(tmp_path)
    # As CSV (an XLSX export is read the same way, below, and is slower to write).
    kobo_export(ke_rows).to_csv(folder / f"{SURVEY}.csv", index=False)
    survey = loading.load_country(folder, IMPACT_TABLES).tables[SURVEY]
    assert (survey.rows, len(survey.valid), len(survey.quarantine)) == (len(ke_rows),) * 2 + (0,)
    assert impact_block(folder) == ke_csv_block


def test_ke_as_an_odk_csv_export_with_a_mapping_gives_the_csvs_impact_block(
        tmp_path: Path, ke_rows: pd.DataFrame, ke_csv_block: str) -> None:
    """Another team's form: its own question name and choice codes, exported as ODK
    Central does: groups joined by '-', one column per choice (``question/choice``)
    holding true or false."""
    folder = ke_without_survey(tmp_path)
    codes = {kind: f"a{n}" for n, kind in enumerate(vocab.ATTACK_KINDS, start=1)} | {"none": "nil"}
    export = kobo_export(ke_rows, whole=False).rename(columns=lambda c: (
        f"sec_b-q7_kinds/{codes[c.rsplit('/', 1)[1]]}" if c.startswith("grp_breaches/attacks/")
        else c.replace("/", "-")))
    for column in [c for c in export.columns if c.startswith("sec_b-q7_kinds/")]:
        export[column] = export[column].map({"1": "true", "0": "false", "": ""})
    export.to_csv(folder / f"{SURVEY}.csv", index=False)
    choices = "\n".join(f"    {code}: {kind if kind != 'none' else 'null'}"
                        for kind, code in codes.items())
    (folder / "survey_mapping.yaml").write_text(
        f"group_separator: '-'\nselect_multiple:\n  q7_kinds:\n{choices}\n")
    assert impact_block(folder) == ke_csv_block


def small_survey() -> pd.DataFrame:
    return pd.read_csv(pd.io.common.StringIO(SURVEY_HEADER + "\n" + "\n".join(SURVEY_ROWS)),
                       dtype=str, keep_default_na=False)


def test_the_forms_export_loads_with_no_mapping_file(tmp_path: Path) -> None:
    """Select-multiple questions as space-separated choices only."""
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    write_xlsx(kobo_export(small_survey(), split=False), folder / f"{SURVEY}.xlsx")
    by_form = loading.load_country(folder).tables[SURVEY]
    as_csv = loading.load_country(write_country(tmp_path / "csv")).tables[SURVEY]
    assert by_form.error is None
    pd.testing.assert_frame_equal(by_form.valid, as_csv.valid)


def test_a_kobo_export_with_a_missing_group_names_the_columns_and_question(
        tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    write_xlsx(kobo_export(small_survey(), leave_out_group="grp_controls"),
               folder / f"{SURVEY}.xlsx")
    error = loading.load_country(folder).tables[SURVEY].error
    assert error == (
        f"{SURVEY}.xlsx, column 'incident_plan': required columns missing: incident_plan, "
        "backups, staff_training, mfa, cyber_insurance; neither these columns nor the "
        "select-multiple question controls (one column of space-separated choices, or one 0/1 "
        "column per choice) are in the file")


def test_an_unknown_choice_sets_the_row_aside_as_it_was(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    export = kobo_export(small_survey(), split=False)
    export.loc[0, "grp_breaches/attacks"] = "phishing smishing"
    export.loc[2, "grp_controls/controls"] = "none mfa"
    write_xlsx(export, folder / f"{SURVEY}.xlsx")
    survey = loading.load_country(folder).tables[SURVEY]
    assert (survey.rows, len(survey.valid)) == (6, 4)
    assert list(survey.quarantine["row"]) == [2, 4]  # the spreadsheet's rows
    assert list(survey.quarantine["grp_breaches/attacks"])[0] == "phishing smishing"
    assert list(survey.quarantine["_uuid"]) == ["uuid-0", "uuid-2"]
    assert list(survey.quarantine["reason"]) == [
        f"attacks (column 'grp_breaches/attacks' of {SURVEY}.xlsx): 'phishing smishing' names "
        "choices not in the question's list: smishing",
        f"controls (column 'grp_controls/controls' of {SURVEY}.xlsx): 'none mfa' picks 'none of "
        "these' with other choices"]


def test_a_bad_answer_in_an_export_names_the_files_column(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    export = kobo_export(small_survey())
    export.loc[1, "grp_organisation/cni"] = "maybe"
    export.loc[3, "grp_breaches/attacks/phishing"] = "7"
    write_xlsx(export, folder / f"{SURVEY}.xlsx")
    survey = loading.load_country(folder).tables[SURVEY]
    assert list(survey.quarantine["reason"]) == [
        f"cni (column 'grp_organisation/cni' of {SURVEY}.xlsx): 'maybe' is not yes or no",
        f"phishing (column 'grp_breaches/attacks/phishing' of {SURVEY}.xlsx): '7' is not yes or no"]


def test_a_semicolon_separated_export_says_so(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={
        f"{SURVEY}.csv": SURVEY_HEADER.replace(",", ";") + "\n" + SURVEY_ROWS[0].replace(",", ";")})
    assert loading.load_country(folder).tables[SURVEY].error == (
        f"{SURVEY}.csv: the header is one column holding ';': the file is separated by "
        "semicolons; export it with commas, or as XLSX")


def test_a_contract_csv_is_read_exactly_as_before(tmp_path: Path) -> None:
    """No mapping, the contract's names: the rows set aside are the file's own."""
    rows = [*SURVEY_ROWS[:5], SURVEY_ROWS[5].replace("trade,large", "trade,huge")]
    folder = write_country(tmp_path / "data", files={
        f"{SURVEY}.csv": SURVEY_HEADER + ",notes\n" + "\n".join(r + ",x" for r in rows) + "\n"})
    survey = loading.load_country(folder).tables[SURVEY]
    assert list(survey.quarantine.columns) == ["row", *SURVEY_HEADER.split(","), "notes", "reason"]
    assert survey.quarantine["reason"].iloc[0].startswith("size_band: 'huge' is not one of")


def test_mapping_applies_to_a_csv_too(tmp_path: Path) -> None:
    header = SURVEY_HEADER.replace("respondent_id", "caseid").replace("cni,", "critical,")
    body = "\n".join(r.replace(",yes,", ",Oui,").replace(",no,", ",Non,") for r in SURVEY_ROWS)
    folder = write_country(tmp_path / "data", files={
        f"{SURVEY}.csv": header + "\n" + body + "\n",
        "survey_mapping.yaml": textwrap.dedent("""\
            columns: {respondent_id: caseid, cni: critical}
            yes_no: {yes: [Oui], no: [Non]}
            """)})
    by_mapping = loading.load_country(folder).tables[SURVEY]
    as_csv = loading.load_country(write_country(tmp_path / "csv")).tables[SURVEY]
    assert by_mapping.error is None
    pd.testing.assert_frame_equal(by_mapping.valid, as_csv.valid)


def test_the_documented_mapping_example_is_valid(tmp_path: Path) -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "data-formats.md"
    example = doc.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "survey_mapping.yaml").write_text(example, encoding="utf-8")
    mapping = load_mapping(tmp_path)
    assert mapping.columns["weight"] == "wgt_final"
    assert mapping.values["sector"]["17"] == "other"
    assert mapping.values["cost_direct"] == {"refused": None, "don't know": None}
    assert mapping.values["reported"] == {"reported": "yes", "not reported": "no"}
    assert (mapping.yes_terms, mapping.no_terms) == (frozenset({"selected", "oui"}),
                                                     frozenset({"not selected", "non", "2"}))
    # The file's question replaces the form's for the attack kinds; controls stay the form's.
    assert sorted(mapping.select_multiple) == ["controls", "q7_kinds"]
    assert mapping.select_multiple["q7_kinds"]["nil"] is None


def test_two_columns_ending_in_one_name_are_an_error_asking_for_a_mapping(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    export = kobo_export(small_survey())
    export["grp_extra/sector"] = export["grp_organisation/sector"]
    write_xlsx(export, folder / f"{SURVEY}.xlsx")
    assert loading.load_country(folder).tables[SURVEY].error == (
        f"{SURVEY}.xlsx: columns grp_organisation/sector, grp_extra/sector all end in 'sector'; "
        "name the one to use in survey_mapping.yaml under columns:")
    (folder / "survey_mapping.yaml").write_text("columns:\n  sector: grp_organisation/sector\n")
    assert loading.load_country(folder).tables[SURVEY].error is None


def test_several_choices_for_one_column_are_yes_when_any_is(tmp_path: Path) -> None:
    """A form asking ransomware and extortion apart: either one is the contract's ransomware."""
    folder = write_country(tmp_path / "data", files={f"{SURVEY}.csv": None})
    export = kobo_export(small_survey(), whole=False)
    export = export.rename(columns={"grp_breaches/attacks/ransomware": "grp_breaches/attacks/locked"})
    export["grp_breaches/attacks/extortion"] = ["1", "", "0", "", "0", ""]
    export.loc[0, "grp_breaches/attacks/locked"] = "0"
    write_xlsx(export, folder / f"{SURVEY}.xlsx")
    (folder / "survey_mapping.yaml").write_text(textwrap.dedent("""\
        select_multiple:
          attacks: {phishing: phishing, impersonation: impersonation, malware: malware,
                    locked: ransomware, extortion: ransomware, ddos: ddos,
                    account_takeover: account_takeover, online_fraud: online_fraud,
                    unauthorised_access: unauthorised_access, none: null}
        """))
    survey = loading.load_country(folder).tables[SURVEY]
    assert survey.error is None
    assert list(survey.valid["ransomware"].astype(object)) == [True, pd.NA, False, pd.NA, False, pd.NA]


def test_an_spss_file_with_no_cases_is_unusable(tmp_path: Path) -> None:
    folder = small_office_file(tmp_path)
    frame, labels, _ = office_file(small_survey().iloc[:0])
    pyreadstat.write_sav(frame.astype({"caseid": str}), folder / f"{SURVEY}.sav")
    assert loading.load_country(folder).tables[SURVEY].error == (
        f"{SURVEY}.sav: the file has a header but no rows")
