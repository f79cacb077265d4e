"""The survey questionnaire as an XLSForm: valid for pyxform (and ODK Validate), built
from the contract's vocabularies and row checks, in English and French."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert
from typer.testing import CliRunner

from workbench import schemas, vocab
from workbench.cli import app
from workbench.survey_form import CHOICE_WORDS, QUESTIONS

runner = CliRunner()


def written_form(tmp_path: Path, *options: str) -> Path:
    target = tmp_path / "survey.xlsx"
    result = runner.invoke(app, ["survey-form", "--out", str(target), *options])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output
    return target


def sheet_rows(path: Path, title: str) -> list[dict[str, str]]:
    sheet = openpyxl.load_workbook(path, read_only=True)[title]
    rows = list(sheet.iter_rows(values_only=True))
    return [{k: v for k, v in zip(rows[0], row) if v is not None} for row in rows[1:]]


@pytest.mark.parametrize(("lang", "default"), [("en", "English (en)"), ("fr", "French (fr)")])
def test_the_form_passes_pyxform_with_both_languages(tmp_path: Path, lang: str,
                                                      default: str) -> None:
    form = written_form(tmp_path, "--lang", lang)
    warnings: list[str] = []
    # ODK Validate (Java) as well when the machine has Java, as ODK's own tools do; once
    # is enough (the two forms differ only in their default language).
    odk_validate = shutil.which("java") is not None and lang == "en"
    result = convert(str(form), warnings=warnings, validate=odk_validate)
    assert warnings == []
    translations = re.findall(r"<translation ([^>]*)>", result.xform)
    assert sorted(translations) == sorted(
        [f'lang="{name}"' + (' default="true()"' if name == default else "")
         for name in ("English (en)", "French (fr)")])
    assert "Quel est le principal secteur" in result.xform
    assert "What is your organisation's main sector" in result.xform
    assert sheet_rows(form, "settings")[0]["default_language"] == default


def test_every_survey_column_is_asked_and_every_answer_is_the_contracts(tmp_path: Path) -> None:
    form = written_form(tmp_path)
    survey = [row for row in sheet_rows(form, "survey") if "group" not in row["type"]]
    choices: dict[str, list[str]] = {}
    for row in sheet_rows(form, "choices"):
        choices.setdefault(row["list_name"], []).append(row["name"])
    names = {row["name"] for row in survey}
    picked = set(choices["attacks"]) | set(choices["controls"])
    # weight is the analyst's, never the respondent's.
    assert set(schemas.columns(schemas.SurveyResponses)) - {"weight"} <= names | picked
    assert choices["sector"] == list(vocab.SECTORS)
    assert choices["size_band"] == list(vocab.SIZE_BANDS)
    assert choices["ownership"] == list(vocab.OWNERSHIP)
    assert choices["attacks"] == [*vocab.ATTACK_KINDS, "none"]
    assert choices["controls"] == [*vocab.CONTROLS, "none"]
    assert choices["yes_no"] == ["yes", "no"]
    assert all(sorted(CHOICE_WORDS[name]) == sorted(values) for name, values in choices.items())
    labelled = [row for row in survey if row["type"] != "calculate"]
    assert all(row["label::English (en)"] and row["label::French (fr)"] for row in labelled)
    assert {row["name"] for row in labelled} == set(QUESTIONS)


def test_constraints_and_required_match_the_row_checks(tmp_path: Path) -> None:
    survey = {row["name"]: row for row in sheet_rows(written_form(tmp_path), "survey")}
    columns = schemas.columns(schemas.SurveyResponses)
    required = {name for name, row in survey.items() if row.get("required") == "yes"}
    assert required == {name for name, column in columns.items()
                        if not column.nullable and name != "weight"}
    for cost in vocab.COST_PARTS:
        assert survey[cost]["type"] == "decimal"
        assert survey[cost]["constraint"] == ". >= 0 and . <= 1000000000000000"
    # A yes must come with at least one breach (the row check's contradiction), and a no
    # gives the contract's 0.
    assert survey["breaches_count"]["constraint"] == ". >= 1"
    assert survey["breaches_12m"]["calculation"] == (
        "if(${breached_12m} = 'no', 0, ${breaches_count})")
    assert survey["attacks"]["constraint"] == (
        "not(selected(., 'none') and count-selected(.) > 1)")
    assert survey["cost_direct"]["relevant"] == "${breached_12m} = 'yes'"


def test_survey_form_refuses_an_unknown_language_and_a_non_xlsx_name(tmp_path: Path) -> None:
    result = runner.invoke(app, ["survey-form", "--out", str(tmp_path / "f.xlsx"), "--lang", "de"])
    assert result.exit_code == 2
    assert "--lang must be one of en, fr, got 'de'" in result.output
    result = runner.invoke(app, ["survey-form", "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == 2
    assert not (tmp_path / "f.csv").exists()
