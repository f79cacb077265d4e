"""`workbench run`: notebooks executed with papermill, summary.json, report.html, quarantine."""

from __future__ import annotations

import errno
import html
import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import nbformat
import pytest
from conftest import SURVEY_HEADER, SURVEY_ROWS, print_briefs, write_country
from pypdf import PdfReader

from workbench import key_findings, paths, report, runner
from workbench.errors import InvalidCountryCode, WorkbenchError
from workbench.outcome import BRIEF_NAME, CountryOutcome

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> CountryOutcome:
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
    with print_briefs():
        return runner.run_country("KE", data_root=root / "data", out_root=root / "out")


def test_run_writes_every_output(finished_run: CountryOutcome) -> None:
    assert finished_run.ok, finished_run.one_line()
    out = finished_run.out_dir
    assert (out / "summary.json").is_file() and (out / "report.html").is_file()
    executed = sorted(p.name for p in (out / "notebooks").glob("*.ipynb"))
    expected = sorted(name for _, name in paths.STAGE_NOTEBOOKS
                      if (paths.NOTEBOOKS_DIR / name).exists())
    assert executed == expected
    # Nothing half-written is left beside the report, and no lock file (it is kept in
    # the analyst-only folder: it names a process and a host).
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]


def test_summary_has_data_quality_for_every_file(finished_run: CountryOutcome) -> None:
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


def test_quarantine_written_with_reasons(finished_run: CountryOutcome) -> None:
    private = paths.private_root(finished_run.out_dir.parent) / "KE"
    assert not (finished_run.out_dir / "quarantine").exists()
    text = (private / "quarantine" / "survey_responses.csv").read_text()
    assert text.splitlines()[0].startswith("row,respondent_id")
    assert "sector: 'fintech' is not one of the allowed values" in text


def test_report_is_self_contained_offline_and_hides_code(finished_run: CountryOutcome) -> None:
    page = (finished_run.out_dir / "report.html").read_text()
    assert report.external_references(page) == []
    # plotly.js embedded exactly once, however many charts.
    assert page.count("plotly.js v") <= 2  # the bundle's own banner comment
    assert len(re.findall(r"<script type='text/javascript'>", page)) == 1
    assert "SYNTHETIC DATA" in page
    assert "from workbench import" not in page and "wb.open_country" not in page
    # Free text is escaped, never executed.
    assert "<script>alert('x')</script>" not in page


def test_report_draws_charts_from_the_plotly_bundle(finished_run: CountryOutcome) -> None:
    page = (finished_run.out_dir / "report.html").read_text()
    if "Plotly.newPlot" not in page:
        pytest.skip("no stage drew a chart on this tiny country")
    assert page.count("Plotly.newPlot") >= 1


def _pdf_text(path: Path) -> str:
    """The PDF's text, its ligatures undone and its line breaks read as spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_brief_is_two_a4_pages_at_most_with_every_finding_of_summary_json(
        finished_run: CountryOutcome) -> None:
    if "not installed" in (finished_run.brief_missing or ""):  # pragma: no cover
        pytest.skip("no Chromium to print the brief (`make browser` installs it)")
    pdf = finished_run.out_dir / BRIEF_NAME
    assert pdf.is_file(), finished_run.one_line()
    assert finished_run.brief == "KE/brief.pdf" and finished_run.brief_missing is None
    reader = PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 2
    for page in reader.pages:  # A4: 595 x 842 points
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            described = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font
                         else font)["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(described), font["/BaseFont"]
    text = _pdf_text(pdf)
    summary = json.loads((finished_run.out_dir / "summary.json").read_text())
    findings = key_findings.key_findings(summary)
    assert [f.key for f in findings][:1] == ["synthetic"]
    for finding in findings:
        # The heading stands on its own line before the first line of its sentences.
        assert finding.heading in text
        assert finding.text in text.replace(finding.heading + " ", "", 1), finding.key
    assert "SYNTHETIC DATA" in text


def test_report_opens_with_the_key_findings_and_ends_with_data_quality(
        finished_run: CountryOutcome) -> None:
    page = (finished_run.out_dir / "report.html").read_text()
    summary = json.loads((finished_run.out_dir / "summary.json").read_text())
    order = [page.index(marker) for marker in (
        "id='key-findings'", "id='impact'", "id='gaps'", "id='business_case'",
        "id='data_quality'")]
    assert order == sorted(order)
    for finding in key_findings.key_findings(summary):
        assert html.escape(finding.text) in page


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
    # Nothing of the failed run is left.
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


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


# --------------------------------------------------------------------------- outcomes

SAMPLE_KE = paths.PROJECT_ROOT / "data" / "samples" / "KE"
MINI_FRAMEWORK = Path(__file__).parent / "fixtures" / "frameworks" / "mini_csf.yaml"
INTERVENTIONS_HEADER = ("intervention_id,name,pillar,indicators,applies_to,raises_to,capex_usd,"
                        "opex_usd_per_year,duration_months,requires,loss_reduction\n")


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stage notebooks that only print: a run costs a kernel, not an analysis."""
    folder = tmp_path_factory.mktemp("stand-ins")
    for stage, name in paths.STAGE_NOTEBOOKS:
        _notebook(folder / name, f"print('{stage} ok')")
    return folder


@pytest.fixture(scope="module")
def last_good(tmp_path_factory: pytest.TempPathFactory, stand_ins: Path) -> Path:
    """An output folder holding a good report of the sample KE (made once)."""
    out = tmp_path_factory.mktemp("last-good") / "out"
    data = tmp_path_factory.mktemp("good-data")
    shutil.copytree(SAMPLE_KE, data / "KE")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "NOTEBOOKS_DIR", stand_ins)
        good = runner.run_country("KE", data_root=data, out_root=out)
    assert good.status == "ok", good.one_line()
    return out


def _broken_ke(root: Path, file_name: str, text: str | None) -> Path:
    """A copy of the sample KE under ``root`` with one file replaced (None: removed)."""
    shutil.copytree(SAMPLE_KE, root / "KE")
    if text is None:
        (root / "KE" / file_name).unlink()
    else:
        (root / "KE" / file_name).write_text(text, encoding="utf-8")
    return root


def _survey_without(column: str) -> str:
    lines = (SAMPLE_KE / "survey_responses.csv").read_text(encoding="utf-8").splitlines()
    drop = lines[0].split(",").index(column)
    return "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != drop)
                     for line in lines) + "\n"


# Each: the file broken, its new text, and what the failure line must say of it.
UNUSABLE_INPUTS = {
    "profile unparseable": ("profile.yaml", "country: KE\nname: [Kenya\n", "profile.yaml: "),
    "profile missing": ("profile.yaml", None, "profile.yaml: the file is missing"),
    "framework broken": ("framework.yaml", "id: x\npillars: [\n", "framework.yaml: "),
    "own catalogue with no usable row": (
        "interventions.csv",
        INTERVENTIONS_HEADER + "X1,Thing,nopillar,LEG-01,national,3,1,1,12,,0.1\n",
        "interventions.csv: no usable row: its only row was set aside (pillar: is not a "
        "pillar of framework gca (1 row)); the rows and their reasons are in the analyst-only "
        "quarantine"),
    "survey missing a required column": (
        "survey_responses.csv", _survey_without("breached_12m"),
        "survey_responses.csv, column 'breached_12m': required column missing"),
    "header-only file": (
        "incidents.csv",
        (SAMPLE_KE / "incidents.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        "incidents.csv: the file has a header but no rows"),
}


@pytest.mark.parametrize("case", list(UNUSABLE_INPUTS))
def test_unusable_input_fails_the_run_and_keeps_the_last_good_report(
        case: str, tmp_path: Path, last_good: Path, stand_ins: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    file_name, text, said = UNUSABLE_INPUTS[case]
    out = tmp_path / "out"
    shutil.copytree(last_good, out)
    before = {p.name: p.read_bytes() for p in (out / "KE").iterdir() if p.is_file()}
    data = _broken_ke(tmp_path / "data", file_name, text)
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", stand_ins)

    outcome = runner.run_country("KE", data_root=data, out_root=out)

    assert outcome.status == "failed" and not outcome.ok
    assert outcome.error.startswith(said), outcome.error
    assert outcome.reasons[0] == outcome.error and outcome.stages == {}
    line = outcome.one_line()
    assert line.startswith(f"KE: FAILED: {said}")
    assert line.endswith(f"(last good report kept: {out.resolve() / 'KE' / 'report.html'})")
    assert "\n" not in line
    # Nothing new published: the last good report is untouched, nothing left beside it.
    assert {p.name: p.read_bytes() for p in (out / "KE").iterdir() if p.is_file()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_failed_run_without_an_earlier_report_says_so(tmp_path: Path, stand_ins: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", stand_ins)
    data = _broken_ke(tmp_path / "data", "profile.yaml", "- just\n- a list\n")
    (data / "KE" / "entities.csv").write_text("entity_id,name\n", encoding="utf-8")
    outcome = runner.run_country("KE", data_root=data, out_root=tmp_path / "out")
    assert outcome.status == "failed" and outcome.report_path is None
    assert len(outcome.reasons) == 2  # every unusable input, the first one on the line
    assert outcome.one_line().endswith(
        "(and 1 more unusable input: `workbench validate` lists them) (no earlier report)")
    assert not (tmp_path / "out" / "KE").exists()
    assert CountryOutcome.from_manifest("KE", outcome.to_manifest(),
                                        outcome.out_dir.parent) == outcome
    assert outcome.to_manifest()["status"] == "failed"


def test_absent_inputs_make_the_run_partial_and_the_report_says_so_at_the_top(
        tmp_path: Path, stand_ins: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", stand_ins)
    data = _broken_ke(tmp_path / "data", "survey_responses.csv", None)
    outcome = runner.run_country("KE", data_root=data, out_root=tmp_path / "out")
    assert outcome.ok and outcome.status == "partial"
    assert outcome.stages == {"data_quality": "ok", "impact": "skipped", "gaps": "ok",
                              "business_case": "ok"}
    reason = "impact skipped: survey_responses.csv is missing (it is required for this stage)"
    assert outcome.reasons == (reason,)
    assert outcome.one_line().startswith("KE: partial in ") and reason in outcome.one_line()
    summary = json.loads((tmp_path / "out" / "KE" / "summary.json").read_text())
    assert summary["status"] == "partial" and summary["reasons"] == [reason]
    page = (tmp_path / "out" / "KE" / "report.html").read_text()
    notice = page.index("Partial report.")
    assert notice < page.index("<nav class=\"wb-toc\">")  # near the top, before any section
    assert "survey_responses.csv is missing" in page[notice:page.index("<nav")]


def test_shipped_catalogue_that_cannot_serve_the_framework_makes_the_run_partial(
        tmp_path: Path, stand_ins: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", stand_ins)
    write_country(tmp_path / "data", files={
        "framework.yaml": MINI_FRAMEWORK.read_text(),
        "capability_assessment.csv": ("entity_id,indicator_id,level,evidence,assessed_on\n"
                                      "NATIONAL,PR-N1,2,,2025-05-01\nMOF,PR-O1,3,,2025-05-02\n"),
        "targets.csv": None,
    })
    outcome = runner.run_country("KE", data_root=tmp_path / "data", out_root=tmp_path / "out")
    assert outcome.status == "partial", outcome.one_line()
    assert outcome.stages["business_case"] == "skipped" and outcome.stages["gaps"] == "ok"
    [reason] = outcome.reasons
    assert reason.startswith("business_case skipped: interventions.csv (the shipped catalogue): "
                             "none of its ")
    assert ("framework mini_csf, even through its crosswalk; put the country's own "
            "interventions.csv in its folder") in reason
    summary = json.loads((tmp_path / "out" / "KE" / "summary.json").read_text())
    assert summary["business_case"]["skipped"].startswith("interventions.csv (the shipped")


def test_complete_run_is_ok_without_reasons(finished_run: CountryOutcome) -> None:
    summary = json.loads((finished_run.out_dir / "summary.json").read_text())
    assert finished_run.status == "ok" and finished_run.reasons == ()
    assert summary["status"] == "ok" and "reasons" not in summary
    assert "Partial report." not in (finished_run.out_dir / "report.html").read_text()


def test_full_disk_fails_the_run_naming_the_file_and_leaves_nothing_behind(
        tmp_path: Path, last_good: Path, stand_ins: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    shutil.copytree(last_good, out)
    before = (out / "KE" / "summary.json").read_bytes()
    shutil.copytree(SAMPLE_KE, tmp_path / "data" / "KE")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", stand_ins)
    write_text = Path.write_text

    def disk_full(path: Path, *args, **kwargs):
        if out.resolve() in path.resolve().parents and "summary.json" in path.name:
            path.touch()  # a full disk: the file is created, write(2) fails naming no file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full)
    outcome = runner.run_country("KE", data_root=tmp_path / "data", out_root=out)
    assert outcome.status == "failed"
    assert outcome.error == (f"cannot write {out.resolve() / 'KE' / 'summary.json'}: "
                             "No space left on device")
    assert outcome.one_line().startswith(
        f"KE: FAILED: cannot write {out.resolve() / 'KE' / 'summary.json'}: No space left")
    assert (out / "KE" / "summary.json").read_bytes() == before
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.stat().st_size == 0]
