"""Nothing private is published: attacks on what the workbench writes and shows.

One run of a copy of the Jamaica sample (the sample with deliberately bad rows) is
checked for respondents' values, the staging folder's path, process id and host name;
then the tables the workbench writes, the disclosure control of the impact figures,
the text plotly draws and the messages printed on the terminal.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SURVEY_HEADER, SURVEY_ROWS, write_country
from test_veris import record
from typer.testing import CliRunner

from workbench import (
    disclosure,
    gaps,
    gaps_charts,
    impact,
    impact_charts,
    index_page,
    out_guard,
    paths,
    runner,
    safe_tables,
    stages,
)
from workbench.cli import app
from workbench.loading import load_country
from workbench.outcome import CountryOutcome

pytestmark = pytest.mark.notebooks

cli = CliRunner()
FORMULA_ID = '=HYPERLINK("http://evil.example","click")'
EVIL_NAME = "<a href=https://evil.example>Evilland</a>"
# Row-level values of the Jamaica sample: respondent and incident ids.
ROW_IDS = re.compile(r"JM-R\d{5}|JM-INC-\d{5}")
# Control characters a terminal acts on (newline excepted: it ends a printed line).
TERMINAL_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def jamaica(tmp_path_factory: pytest.TempPathFactory) -> tuple[CountryOutcome, Path]:
    """A run of the Jamaica sample, plus a set-aside row whose id is a formula, into an
    out folder whose private folder holds a file of an earlier run."""
    root = tmp_path_factory.mktemp("privacy")
    data = root / "data"
    shutil.copytree(paths.SAMPLES_DIR / "JM", data / "JM")
    survey = data / "JM" / "survey_responses.csv"
    header = survey.read_text().splitlines()[0]
    formula_row = [FORMULA_ID, "nowhere", *["" for _ in header.split(",")[2:]]]
    with survey.open("a", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(formula_row)
    out = root / "reports"
    earlier = paths.private_root(out) / "JM" / "quarantine"
    earlier.mkdir(parents=True)
    (earlier / "from-an-earlier-run.csv").write_text("row,reason\n")
    outcome = runner.run_country("JM", data_root=data, out_root=out)
    assert outcome.ok, outcome.one_line()
    return outcome, data / "JM"


def _shared_files(outcome: CountryOutcome) -> list[Path]:
    files = [p for p in outcome.out_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"report.html", "summary.json", "01_data_quality.ipynb"}
    return files


# --------------------------------------------------------------------------- microdata


def test_the_shareable_folder_holds_no_respondents_values(jamaica) -> None:
    outcome, source = jamaica
    quarantined = load_country(source).tables
    assert len(quarantined["survey_responses"].quarantine) == 4  # the attack has material
    for path in _shared_files(outcome):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert ROW_IDS.findall(text) == [], path.name
        for value in ("MIN-TOURISM-OLD", "Body merged into the Ministry", "2025-02-30",
                      "HYPERLINK", "nowhere"):
            assert value not in text, (path.name, value)
    assert not (outcome.out_dir / "quarantine").exists()
    assert not list(outcome.out_dir.rglob("*.csv"))


def test_the_report_counts_rows_set_aside_by_file_column_and_rule(jamaica) -> None:
    outcome, _ = jamaica
    notebook = json.loads((outcome.out_dir / "notebooks" / "01_data_quality.ipynb").read_text())
    outputs = ["".join(o.get("data", {}).get("text/html", ""))
               for c in notebook["cells"] for o in c.get("outputs", [])]
    shown = next(o for o in outputs if "Rows set aside, by file, column and rule" in o)
    assert "<th>file</th>" in shown and "<th>rule</th>" in shown
    counts = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", shown, re.S)]
    assert ["survey_responses.csv", "respondent_id", "repeats an earlier row", "1"] in counts
    assert ["capability_assessment.csv", "entity_id", "is not in entities.csv", "1"] in counts
    sector = [r for r in counts if r[:2] == ["survey_responses.csv", "sector"]]
    assert len(sector) == 1 and sector[0][3] == "2"  # 'fin' and 'nowhere'
    assert "Rows set aside, by file, column and rule" in (outcome.out_dir / "report.html").read_text()


def test_rows_set_aside_go_to_the_private_folder_readable_by_the_owner_only(jamaica) -> None:
    outcome, _ = jamaica
    private = paths.private_root(outcome.out_dir.parent)
    assert private == outcome.out_dir.parent.with_name("reports.private")
    for folder in (private, private / "JM"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    written = sorted(p.name for p in (private / "JM" / "quarantine").iterdir())
    # The earlier run's file went when this run succeeded.
    assert written == ["capability_assessment.csv", "incidents.csv", "survey_responses.csv"]
    with (private / "JM" / "quarantine" / "survey_responses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert "JM-R00013" in {r["respondent_id"] for r in rows}
    # A cell a spreadsheet would run carries a leading quote.
    assert "'" + FORMULA_ID in {r["respondent_id"] for r in rows}
    # Nothing of the run's staging is left; the writer's lock is the one hidden file.
    assert [p.name for p in private.iterdir() if p.name.startswith(".")] == [out_guard.LOCK_NAME]


def test_a_failed_run_keeps_the_last_rows_set_aside(tmp_path: Path, monkeypatch) -> None:
    bad_row = "R9,fintech,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no"
    write_country(tmp_path / "data", files={
        "survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join([*SURVEY_ROWS, bad_row]) + "\n"})
    out = tmp_path / "out"
    kept = paths.private_root(out) / "KE" / "quarantine" / "survey_responses.csv"
    kept.parent.mkdir(parents=True)
    kept.write_text("the last good run's rows\n")

    class BrokenKernel:
        used = False

        def __init__(self, cwd: Path) -> None:
            pass

        def execute(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("the stage broke")

        def close(self) -> None:
            pass

    monkeypatch.setattr(runner, "StageKernel", BrokenKernel)
    outcome = runner.run_country("KE", data_root=tmp_path / "data", out_root=out)
    assert not outcome.ok
    assert kept.read_text() == "the last good run's rows\n"
    assert sorted(p.name for p in paths.private_root(out).iterdir()) == [out_guard.LOCK_NAME, "KE"]


def test_no_staging_path_process_or_host_on_a_shared_page(jamaica) -> None:
    outcome, _ = jamaica
    for path in _shared_files(outcome):
        text = path.read_text(encoding="utf-8", errors="replace")
        for leak in (runner.STAGING_PREFIX, "PosixPath(", f"{os.getpid()}@", f"@{runner._host()}-"):
            assert leak not in text, (path.name, leak)


# --------------------------------------------------------------------------- tables written


def test_validate_out_neutralises_formula_cells(tmp_path: Path) -> None:
    row = "=1+1,fintech,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,-cmd"
    folder = write_country(tmp_path / "data", files={
        "survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join([*SURVEY_ROWS, row]) + "\n"})
    result = cli.invoke(app, ["validate", str(folder), "--out", str(tmp_path / "check")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "check" / "quarantine" / "survey_responses.csv").open(newline="") as handle:
        written = next(csv.DictReader(handle))
    assert written["respondent_id"] == "'=1+1" and written["cyber_insurance"] == "'-cmd"
    # The rows are respondents' answers: the folder is its owner's only.
    assert stat.S_IMODE((tmp_path / "check").stat().st_mode) == 0o700


def test_import_veris_output_and_skipped_list_neutralise_formula_cells(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in (
        record("=cmd|' /C calc'!A0"), record("@SUM(1)", country=("FR",)))) + "\n")
    out, skipped = tmp_path / "GB" / "incidents.csv", tmp_path / "skipped.csv"
    result = cli.invoke(app, ["import-veris", str(source), "--country", "GB", "--out", str(out),
                              "--skipped", str(skipped)])
    assert result.exit_code == 0, result.output
    imported = pd.read_csv(out, dtype=str)
    assert imported["incident_id"].tolist() == ["'=cmd|' /C calc'!A0"]
    assert pd.read_csv(skipped, dtype=str)["incident_id"].tolist() == ["'@SUM(1)"]


def test_written_workbooks_hold_text_not_formulas(tmp_path: Path) -> None:
    workbook = safe_tables.xlsx_bytes({"Rows": pd.DataFrame({"id": [FORMULA_ID, "\tx"],
                                                              "n": [-1, 2]})})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook))["Rows"]
    assert sheet["A2"].value == "'" + FORMULA_ID and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "'\tx" and sheet["B2"].value == -1
    written = safe_tables.write_csv(pd.DataFrame({"id": ["+41 22"]}), tmp_path / "rows.csv")
    assert list(csv.reader(io.StringIO(written.read_text()))) == [["id"], ["'+41 22"]]


# --------------------------------------------------------------------------- disclosure control


@pytest.fixture(scope="module")
def kenya() -> tuple[pd.DataFrame, pd.DataFrame, object]:
    data = load_country(paths.SAMPLES_DIR / "KE",
                        tables=("business_population", "survey_responses"))
    return data.table("survey_responses"), data.table("business_population"), data.profile


def _three_energy_respondents_all_breached(
    survey: pd.DataFrame, register: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kenya with its energy sector down to three micro organisations' answers, all
    breached (and the register's energy organisations all micro, as the survey's)."""
    is_energy = survey["sector"] == "energy"
    energy = survey.index[is_energy & (survey["size_band"] == "micro")]
    assert len(energy) == 3
    kept = survey.drop(survey.index[is_energy].difference(energy)).copy()
    kept.loc[energy, "breached_12m"] = True
    kept.loc[energy, "breaches_12m"] = 1
    frame = register[(register["sector"] != "energy") | (register["size_band"] == "micro")]
    return kept.reset_index(drop=True), frame.reset_index(drop=True)


def _derive_by_differencing(summary: dict, register: pd.DataFrame) -> dict[str, float]:
    """What an attacker works out for each sector published without a figure: the
    national share, less every published sector's share weighted by its organisations
    in the business register, over the unpublished sector's organisations. Possible
    only when exactly one sector with respondents is unpublished."""
    entities = register.groupby("sector")["entities"].sum()
    sectors = summary["by_sector"]
    hidden = [s for s, g in sectors.items() if g["estimate"] is None and g["n"] > 0]
    if len(hidden) != 1:
        return {}
    answered = [s for s, g in sectors.items() if g["n"] > 0]
    total = entities[answered].sum()
    known = sum(entities[s] * sectors[s]["estimate"] for s in answered if s not in hidden)
    return {hidden[0]: (summary["prevalence"]["estimate"] * total - known) / entities[hidden[0]]}


def test_a_suppressed_sector_cannot_be_worked_out_from_the_total(kenya) -> None:
    survey, register, profile = kenya
    attacked, register = _three_energy_respondents_all_breached(survey, register)
    summary = impact.assess_impact(attacked, register, profile).summary
    assert summary["by_sector"]["energy"]["suppressed"] is True  # n = 3
    assert summary["prevalence"]["estimate"] is not None
    derived = _derive_by_differencing(summary, register)
    assert derived == {}, f"energy worked out as {derived} (truth 1.00)"
    hidden = [s for s, g in summary["by_sector"].items() if g["suppressed"] and g["n"] > 0]
    assert len(hidden) >= 2 and "energy" in hidden
    # The next smallest sector was the one hidden beside it.
    published = {s: g["n"] for s, g in summary["by_sector"].items() if not g["suppressed"]}
    second = next(s for s in hidden if s != "energy")
    assert summary["by_sector"][second]["n"] <= min(published.values())


def test_suppressed_groups_show_as_suppressed_in_the_chart(kenya) -> None:
    survey, register, profile = kenya
    result = impact.assess_impact(*_three_energy_respondents_all_breached(survey, register),
                                  profile)
    chart = impact_charts.prevalence_by_group_chart(result, "sector")
    bars = chart.data[0]
    hatched = {label.split(" (n=")[0] for label, text in zip(bars.y, bars.text)
               if text == disclosure.SUPPRESSED_TEXT}
    assert len(hatched) == 2 and "Energy" in hatched
    for label, shape in zip(bars.y, bars.marker.pattern.shape):
        assert (shape == "/") == (label.split(" (n=")[0] in hatched)


def test_a_share_resting_on_two_organisations_is_not_published(kenya) -> None:
    survey, register, profile = kenya
    attacked = survey.copy()
    breached = attacked.index[attacked["breached_12m"] == True]  # noqa: E712
    attacked.loc[breached, "ddos"] = False
    attacked.loc[breached[:2], "ddos"] = True
    result = impact.assess_impact(attacked, register, profile)
    assert result.summary["attack_mix"]["ddos"] is None
    assert result.summary["attack_mix_detail"]["ddos"]["suppressed"] is True
    assert result.summary["attack_mix"]["phishing"] is not None
    chart = impact_charts.attack_mix_chart(result)
    texts = {label: text for trace in chart.data if trace.type == "bar" and trace.text is not None
             for label, text in zip(trace.y, trace.text)}
    assert [t for label, t in texts.items() if "ddos" in label.lower() or "denial" in label.lower()] \
        == [disclosure.SUPPRESSED_TEXT]


def test_breaches_resting_on_three_organisations_are_not_published(kenya) -> None:
    survey, register, profile = kenya
    attacked = survey.copy()
    breached = attacked.index[attacked["breached_12m"] == True]  # noqa: E712
    kept = breached[:3]
    attacked.loc[breached.difference(kept), ["breached_12m", "breaches_12m"]] = [False, 0]
    result = impact.assess_impact(attacked, register, profile)
    assert result.summary["prevalence"]["estimate"] is None
    # The count of breaches rests on the same three organisations: withheld too.
    assert result.summary["estimated_breaches"] is None


# --------------------------------------------------------------------------- chart text


def _drawn(figure) -> str:
    """Every text of a figure as plotly.js receives it (its JSON writes < as \\u003c)."""
    return json.dumps(json.loads(figure.to_json()), ensure_ascii=False)


def _index_row(name: str, period: str) -> index_page.IndexRow:
    return index_page.IndexRow(
        country="KE", name=name, status="ok", report_href="KE/report.html", last_good_run=None,
        synthetic=False, period=period, error=None, figures={"prevalence": 0.3, "overall_score": 41.0})


def test_the_index_chart_shows_a_country_name_with_markup_as_text() -> None:
    figure = index_page.comparison_chart([_index_row(EVIL_NAME, "<b>2025</b>"),
                                          _index_row("Ghana", "<b>2025</b>")])
    spec = _drawn(figure)
    assert "<a href" not in spec and "<b>2025" not in spec
    assert "&lt;a href=https://evil.example&gt;Evilland&lt;/a&gt;" in json.loads(spec)["data"][0]["y"]


def test_impact_and_gaps_charts_show_input_markup_as_text(kenya) -> None:
    survey, register, profile = kenya
    evil_profile = profile.model_copy(update={"name": EVIL_NAME})
    result = impact.assess_impact(survey, register, evil_profile)
    spec = _drawn(impact_charts.prevalence_by_group_chart(result, "sector"))
    assert "<a href" not in spec and "&lt;a href=https://evil.example&gt;" in spec
    data = load_country(paths.SAMPLES_DIR / "KE",
                        tables=("entities", "capability_assessment", "targets"))
    entities = data.table("entities").copy()
    entities.loc[entities.index[1], "name"] = EVIL_NAME
    assessment = data.table("capability_assessment").copy()
    assessment.loc[assessment.index[0], "evidence"] = EVIL_NAME
    gap_result = gaps.analyse_gaps(data.framework, entities, assessment,
                                   targets=stages.optional_table(data, "targets"), country="KE")
    spec = _drawn(gaps_charts.gap_heatmap(gap_result))
    assert "<a href" not in spec and "&lt;a href=https://evil.example&gt;" in spec


# --------------------------------------------------------------------------- terminal


def _clean(text: str) -> None:
    found = TERMINAL_CONTROLS.findall(text)
    assert found == [], f"control characters reached the terminal: {found!r}"


def test_a_cell_with_control_characters_reaches_the_terminal_clean(tmp_path: Path) -> None:
    short = "R9,\x1b[2J\x1b]0;owned\x07\x9b31m\u202eevil,\x08x"  # too few columns: unreadable
    folder = write_country(tmp_path / "data", files={
        "survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join([*SURVEY_ROWS, short]) + "\n"})
    result = cli.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    # The row is named, not quoted: its cells reach the terminal in no form.
    assert "survey_responses.csv: row 8 has 3 cells where the header has 24" in result.stderr
    assert "x1b" not in result.stderr and "evil" not in result.stderr
    _clean(result.stdout)
    _clean(result.stderr)


def test_a_file_name_with_control_characters_reaches_the_terminal_clean(tmp_path: Path) -> None:
    folder = tmp_path / "K\x1b[2JE\x9b"
    folder.mkdir()
    result = cli.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2 and "\\x1b[2J" in result.stderr
    _clean(result.stderr)
    result = cli.invoke(app, ["run", "\x1b[2J\x07", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    _clean(result.stdout)
    _clean(result.stderr)


def test_printable_writes_controls_out_and_keeps_other_text() -> None:
    from workbench.errors import DataFileError, printable

    assert printable("a\x1b[2Jb\nc\x9bd\u202ee é") == "a\\x1b[2Jb\\nc\\x9bd\\u202ee é"
    assert str(DataFileError("f\x1b.csv", "bad\x07")) == "f\\x1b.csv: bad\\x07"
