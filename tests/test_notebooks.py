"""Every shipped notebook, executed by papermill on every sample country, end to end.

One batch over data/samples builds all seven reports (as `make reports` does); the tests
then read what it wrote.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from workbench import paths, report
from workbench.i18n import use_language
from workbench.page_html import synthetic_banner_html
from workbench.parameters_cell import PARAMETERS_SOURCE

pytestmark = pytest.mark.notebooks

SAMPLES = ("CA", "CM", "FJ", "GB", "GH", "JM", "KE", "MY")
STAGE_NOTEBOOK_NAMES = [name for _, name in paths.STAGE_NOTEBOOKS]
SHIPPED = sorted(p.name for p in paths.NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    workbench = Path(sys.executable).with_name("workbench")
    completed = subprocess.run(
        [str(workbench), "batch", "--data", str(paths.SAMPLES_DIR), "--out", str(out)],
        capture_output=True, text=True, timeout=1800,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_notebook_is_committed_clean_with_the_shared_parameters_cell(name: str) -> None:
    notebook = nbformat.read(paths.NOTEBOOKS_DIR / name, as_version=4)
    nbformat.validate(notebook)
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in notebook.cells if c.cell_type == "code")
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].source == PARAMETERS_SOURCE
    # papermill reads every parameter (a comment with "=" would hide it).
    assert set(papermill.inspect_notebook(str(paths.NOTEBOOKS_DIR / name))) == {
        "country", "data_root", "out_dir", "budget_usd_per_year", "horizon_years", "language"}


# A notebook cell beyond the parameters cell holds at most this many statements, each
# one call (or a name bound to one call) whose arguments are names, literals,
# attributes or further calls: the logic lives in src/workbench, never in a cell.
MAX_STATEMENTS_PER_CELL = 3
_THIN = (ast.Module, ast.Expr, ast.Assign, ast.Call, ast.Name, ast.Constant, ast.Attribute,
         ast.keyword, ast.Tuple, ast.Load, ast.Store, ast.Import, ast.ImportFrom, ast.alias)


def _logic_in(cell_source: str) -> list[str]:
    """What makes a cell more than calls: too many statements, or any other construct."""
    tree = ast.parse(cell_source)
    found = [f"{len(tree.body)} statements"] if len(tree.body) > MAX_STATEMENTS_PER_CELL else []
    found += sorted({type(node).__name__ for node in ast.walk(tree) if not isinstance(node, _THIN)})
    return found


def test_the_cell_check_finds_logic() -> None:
    assert _logic_in('result = stages.impact_assessment(data)') == []
    assert _logic_in("x = a if b else c") == ["IfExp"]
    assert "BinOp" in _logic_in("budget = float(b) * 1e6")
    assert "For" in _logic_in("for c in cs:\n    show(c)")
    assert _logic_in("a()\nb()\nc()\nd()") == ["4 statements"]


@pytest.mark.parametrize("name", SHIPPED)
def test_notebook_cells_hold_calls_not_logic(name: str) -> None:
    notebook = nbformat.read(paths.NOTEBOOKS_DIR / name, as_version=4)
    cells = [c for c in notebook.cells
             if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    assert {c.id: _logic_in(c.source) for c in cells if _logic_in(c.source)} == {}


@pytest.mark.parametrize("name", SHIPPED)
def test_papermill_describes_every_parameter_with_its_type(name: str) -> None:
    described = papermill.inspect_notebook(str(paths.NOTEBOOKS_DIR / name))
    assert {key: value["inferred_type_name"] for key, value in described.items()} == {
        "country": "str", "data_root": "str", "out_dir": "str",
        "budget_usd_per_year": "Optional[float]", "horizon_years": "Optional[int]",
        "language": "str"}


def test_every_stage_notebook_is_shipped() -> None:
    assert set(STAGE_NOTEBOOK_NAMES) <= set(SHIPPED)


@pytest.mark.parametrize("country", SAMPLES)
def test_every_stage_ran_for_every_sample_country(sample_reports: Path, country: str) -> None:
    folder = sample_reports / country
    executed = sorted(p.name for p in (folder / "notebooks").glob("*.ipynb"))
    assert executed == sorted(STAGE_NOTEBOOK_NAMES)
    for path in (folder / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        errors = [o for c in notebook.cells for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert errors == [], f"{path.name}: {errors[:1]}"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["synthetic"] is True
    for stage in ("impact", "gaps", "business_case"):
        assert "skipped" not in summary[stage], summary[stage]
    page = (folder / "report.html").read_text()
    assert report.external_references(page) == []
    # The banner in the language the country's report is written in.
    with use_language(summary["language"]):
        assert synthetic_banner_html() in page


def test_a_country_on_another_framework_is_reported_in_its_terms(sample_reports: Path) -> None:
    # Canada is assessed on NIST CSF 2.0 (tiers 1-4): no page may speak of the shipped
    # framework's pillars or levels, and its business case comes from the shipped
    # catalogue carried over through the crosswalk.
    summary = json.loads((sample_reports / "CA" / "summary.json").read_text())
    gaps = summary["gaps"]
    assert gaps["framework"] == "nist-csf-2.0"
    assert (gaps["levels"]["min"], gaps["levels"]["max"]) == (1, 4)
    assert summary["business_case"]["plan"]
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", (sample_reports / "CA" / "report.html").read_text(),
                  flags=re.S)
    for words in ("Global Cybersecurity Agenda", "start-up", "(0-5)", "level 5"):
        assert words not in text, words
    for words in ("Assessed on NIST CSF v2.0", "1 (Partial) to 4 (Adaptive)", "Level (1-4)", "GOVERN"):
        assert words in text, words


def test_jamaica_shows_its_quarantined_rows(sample_reports: Path) -> None:
    summary = json.loads((sample_reports / "JM" / "summary.json").read_text())
    quarantined = {name: q.get("quarantined", 0) for name, q in summary["data_quality"].items()
                   if isinstance(q, dict)}
    assert sum(v for v in quarantined.values() if isinstance(v, int)) > 0
    private = paths.private_root(sample_reports)
    written = sorted(p.name for p in (private / "JM" / "quarantine").glob("*.csv"))
    assert written == sorted(f"{name}.csv" for name, v in quarantined.items()
                             if isinstance(v, int) and v > 0)
    assert not (sample_reports / "JM" / "quarantine").exists()
    page = (sample_reports / "JM" / "report.html").read_text()
    assert "Rows set aside, by file, column and rule" in page
    # Other countries are clean.
    for country in set(SAMPLES) - {"JM"}:
        assert not list((private / country / "quarantine").glob("*.csv"))


def test_index_links_every_country(sample_reports: Path) -> None:
    index = (sample_reports / "index.html").read_text()
    for country in SAMPLES:
        assert f"{country}/report.html" in index
    assert report.external_references(index) == []


def test_the_dashboard_notebook_runs_in_a_plain_kernel(tmp_path: Path) -> None:
    # As an analyst opens it in JupyterLab (or papermill runs it): no Voilà, no server.
    executed = tmp_path / "country_dashboard.ipynb"
    papermill.execute_notebook(
        str(paths.NOTEBOOKS_DIR / "country_dashboard.ipynb"), str(executed),
        parameters={"country": "GB", "data_root": str(paths.SAMPLES_DIR),
                    "budget_usd_per_year": 2_000_000.0, "horizon_years": 4},
        kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
    )
    notebook = nbformat.read(executed, as_version=4)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", [])]
    # Nothing but the page itself: no error, no warning written beside it.
    assert [output.get("output_type") for output in outputs] == ["execute_result"]
    assert "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]


def test_cameroon_report_and_index_are_written_in_french(sample_reports: Path) -> None:
    """The French sample's report (built by papermill) holds none of the catalogue's
    English sentences; the batch writes a French index beside the English one."""
    from test_i18n import _leaks

    page = (sample_reports / "CM" / "report.html").read_text()
    assert '<html lang="fr">' in page and _leaks(page) == []
    summary = json.loads((sample_reports / "CM" / "summary.json").read_text())
    assert summary["language"] == "fr"
    french_index = (sample_reports / "index.fr.html").read_text()
    assert '<html lang="fr">' in french_index and _leaks(french_index) == []
    assert "index.fr.html" in (sample_reports / "index.html").read_text()
