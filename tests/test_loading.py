"""The loaders against the data contract: every row rule and every file-level error."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import ASSESSMENT, ENTITIES, FRAME, SURVEY_HEADER, SURVEY_ROWS, write_country

from workbench import loading


def survey_text(*rows: str, header: str = SURVEY_HEADER) -> str:
    return header + "\n" + "\n".join(rows) + "\n"


def reasons(load: loading.TableLoad) -> list[str]:
    return load.quarantine["reason"].tolist()


def test_valid_folder_loads_every_table_with_contract_types(country_dir: Path) -> None:
    data = loading.load_country(country_dir)
    assert data.profile is not None and data.profile.country == "KE"
    assert loading.file_problems(data) == []
    survey = data.table("survey_responses")
    assert len(survey) == len(SURVEY_ROWS)
    assert str(survey["breached_12m"].dtype) == "boolean"
    assert str(survey["breaches_12m"].dtype) == "Int64"
    assert survey["cost_direct"].dtype == "float64"
    incidents = data.table("incidents")
    assert pd.api.types.is_datetime64_any_dtype(incidents["reported_on"])
    # Blank optional values are not errors: R2 has blank attack kinds and costs.
    assert survey.loc[survey.respondent_id == "R2", "phishing"].isna().all()
    for load in data.tables.values():
        if load.source != "absent":
            assert load.rows == len(load.valid) + len(load.quarantine)


def test_shipped_interventions_are_used_when_the_country_has_none(country_dir: Path) -> None:
    data = loading.load_country(country_dir)
    interventions = data.tables["interventions"]
    if not loading.paths.SHIPPED_INTERVENTIONS.exists():
        pytest.skip("no shipped catalogue in this tree")
    assert interventions.source == "shipped"
    assert interventions.quarantine.empty


def test_blank_level_is_not_assessed_never_zero(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={
        "capability_assessment.csv": ASSESSMENT + "MOF,TEC-10,,not yet assessed,\n"})
    assessment = loading.load_country(folder).table("capability_assessment")
    level = assessment.loc[assessment.indicator_id == "TEC-10", "level"]
    assert len(level) == 1 and level.isna().all()


def test_namibia_code_and_na_text_survive(tmp_path: Path) -> None:
    folder = write_country(tmp_path, "NA", name="Namibia", currency="NAD", files={
        "survey_responses.csv": survey_text(
            SURVEY_ROWS[0].replace("R1,", "NA,", 1), *SURVEY_ROWS[1:]),
    })
    data = loading.load_country(folder)
    assert data.profile is not None and data.profile.country == "NA"
    survey = data.table("survey_responses")
    assert "NA" in set(survey["respondent_id"])
    assert data.tables["survey_responses"].quarantine.empty


def test_csv_with_byte_order_mark(tmp_path: Path) -> None:
    folder = write_country(tmp_path)
    (folder / "business_population.csv").write_bytes(b"\xef\xbb\xbf" + FRAME.encode())
    frame = loading.load_country(folder).table("business_population")
    assert list(frame.columns) == ["sector", "size_band", "entities"]
    assert frame["entities"].sum() == 430


def test_xlsx_stands_in_for_csv(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={"entities.csv": None})
    rows = pd.DataFrame({
        "entity_id": ["NATIONAL", "MOF", "PWR", "PWR"],
        "name": ["Republic", "Ministry of Finance", "Power", "Power again"],
        "entity_type": ["national", "government", "cni_operator", "cni_operator"],
        "sector": [None, "public_administration", "energy", "energy"],
        "criticality": [5, 4, 5, 3],
    })
    rows.to_excel(folder / "entities.xlsx", index=False)
    load = loading.load_country(folder).tables["entities"]
    assert load.path is not None and load.path.name == "entities.xlsx"
    assert load.rows == 4 and len(load.valid) == 3
    assert reasons(load) == ["entity_id: 'PWR' repeats row 4"]
    assert load.quarantine["row"].tolist() == [5]
    assert load.valid["criticality"].tolist() == [5, 4, 5]


def test_csv_and_xlsx_together_is_a_file_error(tmp_path: Path) -> None:
    folder = write_country(tmp_path)
    pd.read_csv(folder / "entities.csv").to_excel(folder / "entities.xlsx", index=False)
    data = loading.load_country(folder)
    assert "keep one" in data.tables["entities"].error
    assert data.problems_for("gaps") and not data.problems_for("impact")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("R9,fintech,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no",
         "sector: 'fintech' is not one of the allowed values"),
        ("R9,finance,huge,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no",
         "size_band: 'huge' is not one of the allowed values"),
        ("R9,finance,micro,private,no,maybe,0,,,,,,,,,,,,,no,no,no,no,no",
         "breached_12m: 'maybe' is not yes or no"),
        ("R9,finance,micro,private,no,yes,two,,,,,,,,,,,,,no,no,no,no,no",
         "breaches_12m: 'two' is not a number"),
        ("R9,finance,micro,private,no,yes,1.5,,,,,,,,,,,,,no,no,no,no,no",
         "breaches_12m: '1.5' is not a whole number"),
        ("R9,finance,micro,private,no,yes,1,,,,,,,,,-5,,,,no,no,no,no,no",
         "cost_direct: '-5' is negative"),
        ("R9,finance,micro,private,no,no,3,,,,,,,,,,,,,no,no,no,no,no",
         "breaches_12m: more than 0 although breached_12m is no"),
        ("R9,finance,micro,private,no,yes,0,,,,,,,,,,,,,no,no,no,no,no",
         "breaches_12m: 0 although breached_12m is yes"),
        (",finance,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no",
         "respondent_id: blank, a value is required"),
        ("R1,finance,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no",
         "respondent_id: 'R1' repeats row 2"),
    ],
)
def test_survey_row_rules(tmp_path: Path, row: str, expected: str) -> None:
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*SURVEY_ROWS, row)})
    load = loading.load_country(folder).tables["survey_responses"]
    assert load.rows == len(SURVEY_ROWS) + 1
    assert len(load.valid) == len(SURVEY_ROWS)
    assert len(load.quarantine) == 1
    assert reasons(load)[0].startswith(expected), reasons(load)
    # The row is kept as it was read, with its spreadsheet row number.
    assert load.quarantine["row"].tolist() == [len(SURVEY_ROWS) + 2]
    assert load.quarantine["sector"].iloc[0] == row.split(",")[1]


def test_yes_no_spellings_are_accepted_case_insensitively(tmp_path: Path) -> None:
    row = "R9,Finance,MICRO,private,N,Y,1,TRUE,false,1,0,No,YES,n,y,,,,,no,no,no,no,no"
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(row)})
    survey = loading.load_country(folder).table("survey_responses")
    assert survey.iloc[0][["cni", "breached_12m", "phishing", "impersonation", "malware",
                           "ransomware", "ddos", "account_takeover"]].tolist() == [
        False, True, True, False, True, False, False, True]
    assert survey.iloc[0]["sector"] == "finance" and survey.iloc[0]["size_band"] == "micro"


def test_design_weights_must_be_present_and_positive(tmp_path: Path) -> None:
    header = SURVEY_HEADER + ",weight"
    rows = [SURVEY_ROWS[0] + ",2.5", SURVEY_ROWS[1] + ",", SURVEY_ROWS[2] + ",0",
            SURVEY_ROWS[3] + ",-1", SURVEY_ROWS[4] + ",abc"]
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*rows, header=header)})
    load = loading.load_country(folder).tables["survey_responses"]
    assert load.valid["respondent_id"].tolist() == ["R1"]
    assert reasons(load) == [
        "weight: blank, a value is required",
        "weight: '0' is not positive",
        "weight: '-1' is not positive",
        "weight: 'abc' is not a number",
    ]


def test_incident_rules(tmp_path: Path) -> None:
    text = """\
incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status
I1,2025-01-15,fraud,business,finance,no,500,closed
I2,2025-02-30,fraud,business,finance,no,,closed
I3,2025-03-01,phishing,business,finance,no,,closed
I4,2025-03-01,fraud,person,,no,,closed
I5,2025-03-01,fraud,business,finance,no,lots,closed
I6,2025-03-01,fraud,business,finance,no,,pending
I1,2025-03-01,fraud,business,finance,no,,closed
I8, 2025-04-01 ,Fraud,individual,,,,
"""
    folder = write_country(tmp_path, files={"incidents.csv": text})
    load = loading.load_country(folder).tables["incidents"]
    assert load.rows == 8 and len(load.valid) == 2
    assert [r.split(":")[0] for r in reasons(load)] == [
        "reported_on", "category", "victim_type", "financial_loss", "status", "incident_id"]
    assert load.valid["reported_on"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-15", "2025-04-01"]


def test_assessment_reference_and_level_rules(tmp_path: Path) -> None:
    text = ASSESSMENT + (
        "MOF,TEC-11,7,,2025-05-01\n"
        "MOF,TEC-12,2.5,,2025-05-01\n"
        "GHOST,TEC-13,2,,2025-05-01\n"
        "MOF,XYZ-99,2,,2025-05-01\n"
        "MOF,LEG-01,2,,2025-05-01\n"
        "NATIONAL,TEC-13,2,,2025-05-01\n"
        "MOF,TEC-13,4,second opinion,2025-05-01\n"
        "PWR,TEC-10,3,,2025-13-01\n"
    )
    folder = write_country(tmp_path, files={"capability_assessment.csv": text})
    load = loading.load_country(folder).tables["capability_assessment"]
    assert len(load.valid) == 4
    assert reasons(load) == [
        "level: '7' is outside the level scale 0-5 of framework gca",
        "level: '2.5' is not a whole number",
        "entity_id: 'GHOST' is not in entities.csv",
        "indicator_id: 'XYZ-99' is not an indicator of framework gca",
        "indicator_id: 'LEG-01' is national-scope and cannot be assessed for MOF",
        "indicator_id: 'TEC-13' is organisation-scope and cannot be assessed for NATIONAL",
        "entity_id + indicator_id: 'MOF / TEC-13' repeats row 4",
        "assessed_on: '2025-13-01' is not a date (YYYY-MM-DD)",
    ]


def test_entity_rules_and_missing_national(tmp_path: Path) -> None:
    text = ENTITIES + "HQ,Another country,national,,5\nX1,Agency,ministry,,3\nX2,Agency,government,,9\n"
    folder = write_country(tmp_path, files={"entities.csv": text})
    load = loading.load_country(folder).tables["entities"]
    assert reasons(load) == [
        "entity_type: national is for the single row NATIONAL only",
        "entity_type: 'ministry' is not one of the allowed values "
        "(national, government, cni_operator)",
        "criticality: '9' is above 5",
    ]
    without_national = ENTITIES.replace("NATIONAL,Republic as a whole,national,,5\n", "")
    folder = write_country(tmp_path / "b", files={"entities.csv": without_national})
    data = loading.load_country(folder)
    assert "no NATIONAL row" in data.tables["entities"].error
    # The assessment cannot be checked without usable entities: gaps skip, impact runs.
    assert data.problems_for("gaps") and not data.problems_for("impact")


def test_targets_and_interventions_references(tmp_path: Path) -> None:
    targets = "applies_to,indicator_id,target\ncni_operator,TEC-13,5\nMOF,TEC-13,4\nnobody,TEC-13,3\n" \
              "government,NOPE,3\ncni_operator,TEC-13,2\n"
    interventions = (
        "intervention_id,name,pillar,indicators,applies_to,raises_to,capex_usd,opex_usd_per_year,"
        "duration_months,requires,loss_reduction\n"
        "A,Law,legal,LEG-01,national,4,100000,0,12,,0.01\n"
        "B,MFA,technical,TEC-13;TEC-12,all,3,5000,100,6,A,0.02\n"
        "C,Bad pillar,space,TEC-13,all,3,5000,100,6,,0.02\n"
        "D,Bad requires,technical,TEC-13,all,3,5000,100,6,A;Z,0.02\n"
        "E,Bad share,technical,TEC-13,all,3,5000,100,6,,1.5\n"
        "F,Bad indicator,technical,TEC-13;QQQ,government,3,5000,100,0,,0.1\n"
    )
    folder = write_country(tmp_path, files={"targets.csv": targets, "interventions.csv": interventions})
    data = loading.load_country(folder)
    assert reasons(data.tables["targets"]) == [
        "applies_to: 'nobody' is neither an entity_type nor an entity_id of entities.csv",
        "indicator_id: 'NOPE' is not an indicator of framework gca",
        "applies_to + indicator_id: 'cni_operator / TEC-13' repeats row 2",
    ]
    load = data.tables["interventions"]
    assert load.source == "country"
    assert load.valid["intervention_id"].tolist() == ["A", "B"]
    assert reasons(load) == [
        "pillar: 'space' is not a pillar of framework gca",
        "requires: Z not in this catalogue",
        "loss_reduction: '1.5' is above 1",
        "duration_months: '0' is below 1; indicators: QQQ not in framework gca nor reached through its crosswalk",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf\n", "the file is empty"),
        (b"sector,size_band,entities\nfinance,micro,10\ntrade,micro,\xff\xfe\n",
         "not UTF-8"),
        (b"sector,entities\nfinance,10\n", "column 'size_band': required column missing"),
        (b"sector,size_band\nfinance,micro\n", "column 'entities': required column missing"),
    ],
)
def test_file_level_errors_name_file_and_column(tmp_path: Path, content: bytes, expected: str) -> None:
    folder = write_country(tmp_path)
    (folder / "business_population.csv").write_bytes(content)
    data = loading.load_country(folder)
    error = data.tables["business_population"].error
    assert error is not None and error.startswith("business_population.csv")
    assert expected in error
    # Only the stages that need the file stop.
    assert data.problems_for("impact") and not data.problems_for("gaps")


def test_survey_cell_missing_from_frame_names_the_cells(tmp_path: Path) -> None:
    row = "R9,health,medium,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no"
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*SURVEY_ROWS, row)})
    data = loading.load_country(folder)
    error = data.tables["survey_responses"].error
    assert "health/medium" in error and "business_population.csv" in error
    assert any("health/medium" in p for p in data.problems_for("impact"))


def test_missing_required_file_and_absent_optional_file(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={"survey_responses.csv": None, "incidents.csv": None,
                                            "targets.csv": None})
    data = loading.load_country(folder)
    assert data.tables["incidents"].source == "absent"
    assert data.tables["incidents"].quality() == {"status": "absent"}
    assert data.problems_for("impact") == [
        "survey_responses.csv is missing (it is required for this stage)"]
    assert data.problems_for("gaps") == []


@pytest.mark.parametrize(
    ("profile_edit", "expected"),
    [
        (("country: KE", "country: GB"), "country is 'GB' but the folder is 'KE'"),
        (("currency: KES", "currency: XYZ"), "column 'currency'"),
        (("usd_per_unit: 0.01", "usd_per_unit: -1"), "column 'usd_per_unit'"),
        (("period_end: 2025-12-31", "period_end: 2024-12-31"), "period_end is before period_start"),
    ],
)
def test_profile_errors(tmp_path: Path, profile_edit: tuple[str, str], expected: str) -> None:
    folder = write_country(tmp_path)
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text().replace(*profile_edit))
    data = loading.load_country(folder)
    assert data.profile is None and expected in data.profile_error
    assert data.profile_error.startswith("profile.yaml")
    assert data.problems_for("impact") and data.problems_for("gaps")


def test_quarantine_files_and_quality_summary(tmp_path: Path) -> None:
    row = "R9,fintech,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no"
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*SURVEY_ROWS, row)})
    data = loading.load_country(folder)
    written = loading.write_quarantine(data, tmp_path / "out" / "quarantine")
    assert [p.name for p in written] == ["survey_responses.csv"]
    back = pd.read_csv(written[0], dtype=str)
    assert back.columns[0] == "row" and back.columns[-1] == "reason"
    assert back["respondent_id"].tolist() == ["R9"]
    quality = data.data_quality()
    assert quality["survey_responses"] == {
        "file": "survey_responses.csv", "rows": 7, "valid": 6, "quarantined": 1}


def test_large_file_counts_are_exact(tmp_path: Path) -> None:
    """Vectorised paths (many rows, bad rows scattered) keep rows = valid + quarantined."""
    n = 20_000
    ids = [f"I{i}" for i in range(n)]
    dates = ["2025-01-01"] * n
    for i in range(0, n, 997):
        dates[i] = "2025-02-31"
    ids[5000] = "I1"  # repeats row 3
    frame = pd.DataFrame({
        "incident_id": ids, "reported_on": dates, "category": "fraud",
        "victim_type": "business", "sector": "trade", "cni": "no",
        "financial_loss": "10", "status": "open",
    })
    folder = write_country(tmp_path)
    frame.to_csv(folder / "incidents.csv", index=False)
    load = loading.load_country(folder).tables["incidents"]
    bad_dates = len(range(0, n, 997))
    assert load.rows == n
    assert len(load.quarantine) == bad_dates + 1
    assert len(load.valid) == n - bad_dates - 1
    assert "incident_id: 'I1' repeats row 3" in reasons(load)


def test_a_rows_reasons_follow_the_column_order(tmp_path: Path) -> None:
    """Columns are checked on several threads; the reasons still read in column order."""
    text = ("incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status\n"
            "I1,2025-02-30,spam,robot,fintech,maybe,-3,lost\n")
    folder = write_country(tmp_path, files={"incidents.csv": text})
    for _ in range(5):
        load = loading.load_country(folder, tables=("incidents",)).tables["incidents"]
        assert [r.split(":")[0] for r in reasons(load)[0].split("; ")] == [
            "reported_on", "category", "victim_type", "sector", "cni", "financial_loss", "status"]


# --------------------------------------------------------------------------- odd files

INCIDENTS_OUTSIDE = "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status\n" \
                    "X1,2025-01-15,fraud,business,finance,no,500,closed\n"


def _folder_instead(folder: Path, name: str) -> None:
    (folder / name).mkdir()


def _link_outside(folder: Path, name: str) -> None:
    # A readable file that would load cleanly: only where it lies makes it wrong.
    outside = folder.parent / "elsewhere" / name
    outside.parent.mkdir(exist_ok=True)
    outside.write_text(INCIDENTS_OUTSIDE)
    (folder / name).symlink_to(outside)


def _link_to_dev_null(folder: Path, name: str) -> None:
    (folder / name).symlink_to("/dev/null")


def _link_loop(folder: Path, name: str) -> None:
    (folder / name).symlink_to(folder / "other-name")
    (folder / "other-name").symlink_to(folder / name)


def _link_dangling(folder: Path, name: str) -> None:
    (folder / name).symlink_to(folder / "deleted-export.csv")


def _link_inside_to_folder(folder: Path, name: str) -> None:
    (folder / "exports").mkdir()
    (folder / name).symlink_to(folder / "exports")


ODD_FILES = [
    (_folder_instead, "is a folder, not a file"),
    (_link_outside, "is a symbolic link leading outside the country folder"),
    (_link_to_dev_null, "is a symbolic link leading outside the country folder"),
    (_link_loop, "is a symbolic link loop"),
    (_link_dangling, "is a symbolic link to nothing"),
    (_link_inside_to_folder, "is a folder, not a file"),
]


@pytest.mark.parametrize(("make", "expected"), ODD_FILES, ids=[m.__name__ for m, _ in ODD_FILES])
@pytest.mark.parametrize("name", ["incidents.csv", "entities.xlsx", "profile.yaml", "framework.yaml"])
def test_odd_files_are_errors_naming_the_file_not_absent(tmp_path: Path, make, expected: str,
                                                         name: str) -> None:
    stem = name.split(".")[0]
    folder = write_country(tmp_path, files={f"{stem}.csv": None, name: None})
    make(folder, name)
    data = loading.load_country(folder)
    errors = {
        "incidents": data.tables["incidents"].error,
        "entities": data.tables["entities"].error,
        "profile": data.profile_error,
        "framework": data.framework_error,
    }
    assert errors[stem] is not None and errors[stem].startswith(f"{name}: {expected}"), errors
    assert data.tables["incidents"].source != "absent" or stem != "incidents"
    # Nothing that is not a regular file inside the folder is read or hashed.
    assert name not in data.file_hashes
    assert "X1" not in str(data.tables["incidents"].valid.to_dict())


def test_a_pipe_is_an_error_and_never_opened(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={"incidents.csv": None})
    pipe = folder / "incidents.csv"
    os.mkfifo(pipe)
    # Should a reader open the pipe, this writer feeds it (the test then fails on the
    # loaded rows rather than blocking); when nobody does, it is released below.
    writer = threading.Thread(target=lambda: pipe.write_text(INCIDENTS_OUTSIDE), daemon=True)
    writer.start()
    try:
        data = loading.load_country(folder)
    finally:
        release = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
        writer.join()
        os.close(release)
    assert data.tables["incidents"].error == "incidents.csv: is a device or pipe, not a file"
    assert "incidents.csv" not in data.file_hashes


def test_a_link_inside_the_folder_to_a_file_is_followed(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={"incidents.csv": None})
    (folder / "exports").mkdir()
    (folder / "exports" / "incidents-2025-06.csv").write_text(INCIDENTS_OUTSIDE)
    (folder / "incidents.csv").symlink_to(Path("exports") / "incidents-2025-06.csv")
    data = loading.load_country(folder)
    load = data.tables["incidents"]
    assert load.error is None and load.file_name == "incidents.csv"
    assert load.valid["incident_id"].tolist() == ["X1"]
    assert data.file_hashes["incidents.csv"] == loading.input_sha256(folder)["incidents.csv"]


def test_input_hashes_list_only_safe_files(tmp_path: Path) -> None:

    folder = write_country(tmp_path)
    (tmp_path / "secret.txt").write_text("not the country's")
    (folder / "notes.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "zeros.csv").symlink_to("/dev/zero")  # hashing it would never end
    (folder / "old").mkdir()
    os.mkfifo(folder / "queue")
    data = loading.load_country(folder)
    assert set(data.file_hashes) == {
        "profile.yaml", "business_population.csv", "survey_responses.csv", "incidents.csv",
        "entities.csv", "capability_assessment.csv", "targets.csv"}
    assert loading.input_sha256(folder) == data.file_hashes
    assert loading.input_sha256(tmp_path / "no-such-country") == {}


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        ("1e309", "cost_direct: '1e309' is beyond any real value (larger than 1e15 in size)"),
        ("1e16", "cost_direct: '1e16' is beyond any real value (larger than 1e15 in size)"),
        ("inf", "cost_direct: 'inf' is not a finite number"),
        ("-Infinity", "cost_direct: '-Infinity' is not a finite number"),
        ("NaN", "cost_direct: 'NaN' is not a finite number"),
    ],
)
def test_numbers_that_cannot_be_real_are_quarantined(tmp_path: Path, cost: str, expected: str) -> None:
    row = f"R9,finance,micro,private,no,yes,1,,,,,,,,,{cost},,,,no,no,no,no,no"
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*SURVEY_ROWS, row)})
    load = loading.load_country(folder).tables["survey_responses"]
    assert reasons(load) == [expected]
    assert load.quarantine["row"].tolist() == [len(SURVEY_ROWS) + 2]
    assert load.quarantine["cost_direct"].tolist() == [cost]


def test_the_limit_itself_is_a_value(tmp_path: Path) -> None:
    row = "R9,finance,micro,private,no,yes,1,,,,,,,,,1e15,,,,no,no,no,no,no"
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*SURVEY_ROWS, row)})
    load = loading.load_country(folder).tables["survey_responses"]
    assert load.quarantine.empty
    assert load.valid["cost_direct"].max() == 1e15


def test_a_whole_number_beyond_the_limit_is_quarantined_not_a_crash(tmp_path: Path) -> None:
    row = "R9,finance,micro,private,no,yes,1e19,,,,,,,,,,,,,no,no,no,no,no"
    frame = FRAME + "trade,small,12345678901234567890\n"
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*SURVEY_ROWS, row),
                                            "business_population.csv": frame})
    data = loading.load_country(folder)
    assert reasons(data.tables["survey_responses"]) == [
        "breaches_12m: '1e19' is beyond any real value (larger than 1e15 in size)"]
    assert reasons(data.tables["business_population"]) == [
        "entities: '12345678901234567890' is beyond any real value (larger than 1e15 in size)"]


def test_an_absurd_weight_is_quarantined_and_the_impact_stage_runs(tmp_path: Path) -> None:
    from workbench import impact

    header = SURVEY_HEADER + ",weight"
    rows = [row + ",2" for row in SURVEY_ROWS] + [
        "R8,finance,micro,private,no,yes,1,,,,,,,,,100,,,,no,no,no,no,no,1e308"]
    folder = write_country(tmp_path, files={"survey_responses.csv": survey_text(*rows, header=header)})
    data = loading.load_country(folder)
    assert reasons(data.tables["survey_responses"]) == [
        "weight: '1e308' is beyond any real value (larger than 1e15 in size)"]
    result = impact.assess_impact(data.table("survey_responses"), data.table("business_population"),
                                  data.profile, min_cell_size=1)
    assert result.summary["respondents"] == len(SURVEY_ROWS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(".inf", "finite number"), (".nan", "finite number"), ("1e309", "finite number"),
     ("-.inf", "finite number"), ("2e15", "2e15 is beyond any real value (larger than 1e15 in size)"),
     ("2.0e+15", "2e+15 is beyond any real value (larger than 1e15 in size)"), ("0", "greater than 0")],
)
def test_profile_numbers_must_be_finite_and_real(tmp_path: Path, value: str, expected: str) -> None:
    folder = write_country(tmp_path)
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text().replace("gdp_usd: 1.0e9", f"gdp_usd: {value}"))
    data = loading.load_country(folder)
    assert data.profile is None
    assert data.profile_error.startswith("profile.yaml, column 'gdp_usd': ")
    assert expected in data.profile_error


# --------------------------------------------------------------------------- xlsx


def _entities_workbook(path: Path) -> None:
    """entities.xlsx as an analyst keeps it: a formula, an error value, a blank row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["entity_id", "name", "entity_type", "sector", "criticality"])
    sheet.append(["NATIONAL", "Republic", "national", None, 5])          # row 2
    sheet.append(["MOF", "Ministry of Finance", "government", "public_administration", "=2+2"])
    sheet.append([])                                                       # row 4, blank
    sheet.append(["PWR", "Power", "cni_operator", "=LOWER(\"ENERGY\")", 5])  # row 5
    sheet.append(["TEL", "Telecoms", "cni_operator", "#N/A", 4])          # row 6
    sheet.append(["WAT", "Water", "cni_operator", "water", 4])             # row 7
    book.save(path)


def test_xlsx_formula_cells_are_quarantined_with_the_rows_spreadsheet_numbers(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={"entities.csv": None})
    _entities_workbook(folder / "entities.xlsx")
    load = loading.load_country(folder).tables["entities"]
    assert load.rows == 5  # the blank row is no row
    assert load.valid["entity_id"].tolist() == ["NATIONAL", "WAT"]
    # Row numbers are the spreadsheet's, though a row is blank above some of them.
    assert load.quarantine["row"].tolist() == [3, 5, 6]
    assert reasons(load) == [
        "criticality: '=2+2' is a formula, not a value",
        "sector: '=LOWER(\"ENERGY\")' is a formula, not a value",
        "sector: '#N/A' is a spreadsheet error, not a value",
    ]
    # Kept as it was read: the formula, not a blank.
    assert load.quarantine["criticality"].tolist()[0] == "=2+2"


def test_xlsx_repeat_names_the_spreadsheet_row(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={"entities.csv": None})
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["entity_id", "name", "entity_type", "sector", "criticality"])
    sheet.append(["NATIONAL", "Republic", "national", None, 5])
    sheet.append([])
    sheet.append(["PWR", "Power", "cni_operator", "energy", 5])
    sheet.append(["PWR", "Power again", "cni_operator", "energy", 3])
    book.save(folder / "entities.xlsx")
    load = loading.load_country(folder).tables["entities"]
    assert reasons(load) == ["entity_id: 'PWR' repeats row 4"]
    assert load.quarantine["row"].tolist() == [5]


def _workbook_with_member(path: Path, member: str, size: int) -> None:
    """A valid entities workbook with one more part of ``size`` zero bytes (packs ~1000:1)."""
    pd.read_csv(io.StringIO(ENTITIES)).to_excel(path, index=False)
    block = bytes(1 << 20)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open(member, "w", force_zip64=True) as handle:
        for start in range(0, size, len(block)):
            handle.write(block[:size - start])


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (260_000_000, "unpacks to 260 MB, more than the 200 MB a workbook may hold"),
        (20_000_000, "its part xl/media/padding.bin unpacks"),
    ],
)
def test_oversized_workbook_is_refused_before_it_is_read(tmp_path: Path, monkeypatch, size: int,
                                                         expected: str) -> None:
    folder = write_country(tmp_path, files={"entities.csv": None})
    _workbook_with_member(folder / "entities.xlsx", "xl/media/padding.bin", size)
    assert (folder / "entities.xlsx").stat().st_size < 2_000_000

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    error = loading.load_country(folder).tables["entities"].error
    assert error is not None and error.startswith(f"entities.xlsx: {expected}"), error


def test_a_file_named_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    folder = write_country(tmp_path, files={"entities.csv": None})
    (folder / "entities.xlsx").write_text(ENTITIES)
    error = loading.load_country(folder).tables["entities"].error
    assert error.startswith("entities.xlsx: cannot be read as an Excel workbook")
