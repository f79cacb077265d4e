"""The `workbench` command: exit codes and one-line reasons."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from conftest import write_country
from typer.testing import CliRunner

from workbench import loading
from workbench.cli import app

runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "run", "batch", "import-veris", "samples"):
        assert command in result.output


def test_validate_clean_folder_exits_0_and_writes_nothing(country_dir: Path) -> None:
    before = sorted(p.name for p in country_dir.parent.rglob("*"))
    result = runner.invoke(app, ["validate", str(country_dir)])
    assert result.exit_code == 0, result.output
    assert "survey_responses.csv" in result.output
    assert sorted(p.name for p in country_dir.parent.rglob("*")) == before


def test_validate_quarantined_rows_still_exit_0_and_out_writes_them(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={
        "incidents.csv": "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status\n"
                         "I1,2025-01-15,fraud,business,finance,no,500,closed\n"
                         "I2,2025-01-15,spam,business,finance,no,500,closed\n"})
    result = runner.invoke(app, ["validate", str(folder), "--out", str(tmp_path / "check")])
    assert result.exit_code == 0, result.output
    assert "1 rows quarantined" in result.output
    written = (tmp_path / "check" / "quarantine" / "incidents.csv").read_text()
    assert "category: 'spam' is not one of the allowed values" in written
    assert (tmp_path / "check" / "data_quality.json").is_file()


def test_validate_unusable_file_exits_2_naming_file_and_column(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={
        "business_population.csv": "sector,entities\nfinance,10\n"})
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("workbench: business_population.csv, column 'size_band'")


def test_validate_refuses_a_folder_not_named_by_iso_code(tmp_path: Path) -> None:
    folder = write_country(tmp_path, "KE")
    renamed = folder.rename(tmp_path / "kenya")
    result = runner.invoke(app, ["validate", str(renamed)])
    assert result.exit_code == 2
    assert "country code" in result.stderr


def test_run_refuses_bad_code_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "../KE", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is not an ISO 3166-1 alpha-2 code" in result.stderr
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- outcomes

INTERVENTIONS_HEADER = ("intervention_id,name,pillar,indicators,applies_to,raises_to,capex_usd,"
                        "opex_usd_per_year,duration_months,requires,loss_reduction\n")

# What `run` fails on, `validate` refuses: one case per kind of unusable input.
UNUSABLE = {
    "profile.yaml": ("country: KE\nname: [Kenya\n", "profile.yaml: not valid YAML"),
    "framework.yaml": ("id: x\npillars: [\n", "framework.yaml: not valid YAML"),
    "interventions.csv": (INTERVENTIONS_HEADER + "X1,Thing,nopillar,LEG-01,national,3,1,1,12,,0.1\n",
                          "interventions.csv: no usable row: its only row was set aside (pillar: is not "
                          "a pillar of framework gca (1 row))"),
    "incidents.csv": ("incident_id,reported_on,category,victim_type,sector,cni,financial_loss,"
                      "status\n", "incidents.csv: the file has a header but no rows"),
    "targets.csv": ("applies_to,indicator_id,target\nnobody,TEC-13,5\n",
                    "targets.csv: no usable row: its only row was set aside (applies_to: "),
}


@pytest.mark.parametrize("file_name", list(UNUSABLE))
def test_validate_refuses_what_run_fails_on(file_name: str, tmp_path: Path) -> None:
    text, said = UNUSABLE[file_name]
    folder = write_country(tmp_path / "data", files={file_name: text})
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1].startswith(f"workbench: {said}")
    # One decision, used by both: the run's own classification says the same.
    data = loading.load_country(folder)
    assert [p.reason for p in data.unusable_inputs()] == loading.file_problems(data)
    assert loading.file_problems(data)[0].startswith(said)


def test_validate_passes_an_absent_required_file_and_says_what_a_run_skips(tmp_path: Path) -> None:
    folder = write_country(tmp_path / "data", files={"survey_responses.csv": None})
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert ("a run skips impact: survey_responses.csv is missing (it is required for this stage)"
            in result.stdout)


def test_validate_out_on_a_full_disk_names_the_file_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_country(tmp_path / "data", files={
        "incidents.csv": "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status\n"
                         "I1,2025-01-15,fraud,business,finance,no,500,closed\n"
                         "I2,2025-01-15,spam,business,finance,no,500,closed\n"})
    out = tmp_path / "check"
    write_text = Path.write_text

    def disk_full(path: Path, *args, **kwargs):
        if out in path.parents:
            path.touch()  # a full disk: the file is created, write(2) fails naming no file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full)
    result = runner.invoke(app, ["validate", str(folder), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"workbench: cannot write {out / 'data_quality.json'}: No space left on device"]
    assert "Traceback" not in result.output
    # The quarantine file was written whole; nothing half-written or temporary is left.
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "quarantine", "quarantine/incidents.csv"]
    assert "spam" in (out / "quarantine" / "incidents.csv").read_text()


@pytest.mark.notebooks
def test_run_exit_codes_ok_partial_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    from workbench import paths
    from workbench.parameters_cell import PARAMETERS_SOURCE

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stage, name in paths.STAGE_NOTEBOOKS:  # stand-ins: a run costs a kernel, not an analysis
        nbformat.write(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell(PARAMETERS_SOURCE, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(f"print('{stage} ok')")], metadata={"kernelspec": {
                "name": "python3", "display_name": "Python 3", "language": "python"}}),
            notebooks / name)
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", notebooks)
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, files={"survey_responses.csv": None})
    command = ["run", "KE", "--data", str(data), "--out", str(out)]

    partial = runner.invoke(app, command)
    assert partial.exit_code == 0, partial.output
    assert partial.stdout.startswith("KE: partial in ")
    assert "impact skipped: survey_responses.csv is missing" in partial.stdout

    (data / "KE" / "profile.yaml").write_text("country: KE\nname: [Kenya\n")
    failed = runner.invoke(app, command)
    assert failed.exit_code == 1
    [line] = failed.stderr.strip().splitlines()
    assert line.startswith("workbench: KE: FAILED: profile.yaml: not valid YAML")
    assert line.endswith(f"(last good report kept: {out.resolve() / 'KE' / 'report.html'})")
    assert json.loads((out / "KE" / "summary.json").read_text())["status"] == "partial"
