"""`workbench run`: notebooks executed with papermill, summary.json, report.html, quarantine."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from conftest import SURVEY_HEADER, SURVEY_ROWS, write_country

from workbench import paths, report, runner
from workbench.errors import InvalidCountryCode, WorkbenchError

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> runner.RunOutcome:
    root = tmp_path_factory.mktemp("run")
    bad_row = "R9,fintech,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no"
    write_country(root / "data", files={
        "survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join([*SURVEY_ROWS, bad_row]) + "\n",
        "capability_assessment.csv": (
            "entity_id,indicator_id,level,evidence,assessed_on\n"
            "NATIONAL,LEG-01,2,<script>alert('x')</script> & draft,2025-05-01\n"
            "MOF,TEC-13,3,MFA for all staff,2025-05-02\n"
        ),
    })
    return runner.run_country("KE", data_root=root / "data", out_root=root / "out")


def test_run_writes_every_output(finished_run: runner.RunOutcome) -> None:
    assert finished_run.ok, finished_run.one_line()
    out = finished_run.out_dir
    assert (out / "summary.json").is_file() and (out / "report.html").is_file()
    executed = sorted(p.name for p in (out / "notebooks").glob("*.ipynb"))
    expected = sorted(name for _, name in paths.STAGE_NOTEBOOKS
                      if (paths.NOTEBOOKS_DIR / name).exists())
    assert executed == expected
    # Nothing half-written is left beside the report.
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_summary_has_data_quality_for_every_file(finished_run: runner.RunOutcome) -> None:
    summary = json.loads((finished_run.out_dir / "summary.json").read_text())
    assert summary["country"] == "KE" and summary["framework"] == "gca"
    quality = summary["data_quality"]
    for name in ("business_population", "survey_responses", "incidents", "entities",
                 "capability_assessment", "targets", "interventions"):
        assert name in quality
    assert quality["survey_responses"] == {
        "file": "survey_responses.csv", "rows": 7, "valid": 6, "quarantined": 1}
    for stage in ("impact", "gaps", "business_case"):
        assert isinstance(summary[stage], dict)
        assert "skipped" in summary[stage] or len(summary[stage]) > 1


def test_quarantine_written_with_reasons(finished_run: runner.RunOutcome) -> None:
    private = paths.private_root(finished_run.out_dir.parent) / "KE"
    assert not (finished_run.out_dir / "quarantine").exists()
    text = (private / "quarantine" / "survey_responses.csv").read_text()
    assert text.splitlines()[0].startswith("row,respondent_id")
    assert "sector: 'fintech' is not one of the allowed values" in text


def test_report_is_self_contained_offline_and_hides_code(finished_run: runner.RunOutcome) -> None:
    page = (finished_run.out_dir / "report.html").read_text()
    assert report.external_references(page) == []
    # plotly.js embedded exactly once, however many charts.
    assert page.count("plotly.js v") <= 2  # the bundle's own banner comment
    assert len(re.findall(r"<script type='text/javascript'>", page)) == 1
    assert "SYNTHETIC DATA" in page
    assert "from workbench import" not in page and "wb.open_country" not in page
    # Free text is escaped, never executed.
    assert "<script>alert('x')</script>" not in page


def test_report_draws_charts_from_the_plotly_bundle(finished_run: runner.RunOutcome) -> None:
    page = (finished_run.out_dir / "report.html").read_text()
    if "Plotly.newPlot" not in page:
        pytest.skip("no stage drew a chart on this tiny country")
    assert page.count("Plotly.newPlot") >= 1


def test_invalid_country_refused_before_any_path(tmp_path: Path) -> None:
    for bad in ("../KE", "ke", "XX", "", "KEN"):
        with pytest.raises(InvalidCountryCode):
            runner.run_country(bad, data_root=tmp_path, out_root=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_country_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkbenchError, match="GH does not exist"):
        runner.run_country("GH", data_root=tmp_path, out_root=tmp_path / "out")


def _notebook(path: Path, code: str) -> None:
    from workbench.parameters_cell import PARAMETERS_SOURCE

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(PARAMETERS_SOURCE, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(code),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, path)


def test_failing_stage_keeps_last_good_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stage, name in paths.STAGE_NOTEBOOKS:
        _notebook(notebooks / name, f"print('{stage} ok')")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", notebooks)
    write_country(tmp_path / "data")
    good = runner.run_country("KE", data_root=tmp_path / "data", out_root=tmp_path / "out")
    assert good.ok, good.one_line()
    before = (tmp_path / "out" / "KE" / "summary.json").read_text()

    _notebook(notebooks / "03_gaps.ipynb", "raise ValueError('assessment totals do not add up')")
    bad = runner.run_country("KE", data_root=tmp_path / "data", out_root=tmp_path / "out")
    assert not bad.ok and bad.failed_stage == "gaps"
    assert "ValueError: assessment totals do not add up" in bad.one_line()
    assert (tmp_path / "out" / "KE" / "summary.json").read_text() == before
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_stage_without_inputs_is_skipped_with_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stage, name in paths.STAGE_NOTEBOOKS:
        if stage != "business_case":  # a stage not built yet
            _notebook(notebooks / name, f"print('{stage} ok')")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", notebooks)
    write_country(tmp_path / "data", files={"survey_responses.csv": None})
    outcome = runner.run_country("KE", data_root=tmp_path / "data", out_root=tmp_path / "out")
    assert outcome.ok and outcome.stages["impact"] == "skipped"
    summary = json.loads((tmp_path / "out" / "KE" / "summary.json").read_text())
    assert summary["impact"] == {
        "skipped": "survey_responses.csv is missing (it is required for this stage)"}
    assert summary["business_case"]["skipped"].startswith("this stage is not built yet")
    page = (tmp_path / "out" / "KE" / "report.html").read_text()
    assert "This stage was not run." in page and "survey_responses.csv is missing" in page


@pytest.mark.skipif(os.name == "nt", reason="Unix sockets only")
def test_stage_kernel_talks_over_private_unix_sockets_and_removes_them(tmp_path: Path) -> None:
    kernel = runner.StageKernel(cwd=tmp_path)
    try:
        folder = Path(kernel._sockets)
        assert kernel.km.transport == "ipc" and kernel.km.ip.startswith(str(folder))
        assert folder.stat().st_mode & 0o777 == 0o700  # this user's only
        notebook = tmp_path / "one.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell("answer = 6 * 7", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("print(answer)")], metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"}}), notebook)
        kernel.execute(notebook, tmp_path / "done.ipynb", {"answer": 41})
        done = nbformat.read(tmp_path / "done.ipynb", 4)
        assert done.cells[-1].outputs[0]["text"].strip() == "41"
    finally:
        kernel.close()
    assert not folder.exists()
