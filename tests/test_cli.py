"""The `workbench` command: exit codes and one-line reasons."""

from __future__ import annotations

from pathlib import Path

from conftest import write_country
from typer.testing import CliRunner

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
