"""The dashboard's own plotly.js: what it is built from, how a stale or missing build
is recognised, and that the one `make test` built is right for this plotly."""

from __future__ import annotations

from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs_version

from workbench import chart_style
from workbench.dashboard import bundle as plotly_bundle
from workbench.dashboard import live_chart
from workbench.errors import WorkbenchError


def test_the_entry_registers_every_trace_type_the_charts_draw() -> None:
    entry = plotly_bundle.entry_source()
    assert entry.startswith('var Plotly = require("plotly.js/lib/core");')
    registered = {line.split("lib/")[1].split('"')[0] for line in entry.splitlines()
                  if line.strip().startswith('require("plotly.js/lib/')}
    # scatter comes with the core; every other trace type is registered by its module.
    assert registered == set(chart_style.TRACE_TYPES) - {"scatter"}
    assert entry.rstrip().endswith("module.exports = Plotly;")


def _bundle(tmp_path: Path, first_line: str) -> Path:
    path = tmp_path / "plotly-workbench.min.js"
    path.write_text(first_line + "\nvar WorkbenchPlotly=(()=>{})();\n", encoding="utf-8")
    return path


def test_the_banner_says_what_the_bundle_was_built_from(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, plotly_bundle.banner("4.1.1", ("bar", "scatter")))
    assert plotly_bundle.built_from(bundle) == ("4.1.1", ("bar", "scatter"))
    assert plotly_bundle.built_from(tmp_path / "absent.js") is None
    assert plotly_bundle.built_from(_bundle(tmp_path, "/* some other file */")) is None


def test_a_missing_stale_or_short_bundle_is_a_problem(tmp_path: Path) -> None:
    wanted = get_plotlyjs_version()
    assert plotly_bundle.problem(tmp_path / "absent.js") == "the dashboard's own plotly.js is not built"
    stale = _bundle(tmp_path, plotly_bundle.banner("0.0.1"))
    assert plotly_bundle.problem(stale) == (
        f"the dashboard's own plotly.js is built from plotly.js 0.0.1, not {wanted}")
    short = _bundle(tmp_path, plotly_bundle.banner(wanted, ("bar", "scatter")))
    assert "lacks the trace types heatmap, scatterpolar, table" in plotly_bundle.problem(short)
    assert plotly_bundle.problem(_bundle(tmp_path, plotly_bundle.banner(wanted))) is None


def test_building_without_npm_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plotly_bundle.shutil, "which", lambda name: None)
    with pytest.raises(WorkbenchError, match="npm is not installed"):
        plotly_bundle.build(out=tmp_path / "bundle.js", work_dir=tmp_path / "work")
    assert not (tmp_path / "bundle.js").exists()


@pytest.mark.needs_bundle
def test_the_built_bundle_is_for_this_plotly() -> None:
    # `make test` builds it first; the dashboard's browser tests draw with it.
    assert plotly_bundle.problem() is None, "run `python -m workbench.dashboard.bundle`"
    text = plotly_bundle.BUNDLE.read_text(encoding="utf-8")
    assert f"var {plotly_bundle.GLOBAL_NAME}=" in text
    assert plotly_bundle.BUNDLE.stat().st_size < 2_000_000  # the full plotly.js is 4.8 MB


def test_the_page_template_loads_the_bundle_from_its_static_folder() -> None:
    template = plotly_bundle.BUNDLE.parent.parent
    assert plotly_bundle.BUNDLE.parent.name == "static" and template.name == "workbench"
    page = (template / "index.html.j2").read_text(encoding="utf-8")
    assert f"include_url('static/{plotly_bundle.BUNDLE.name}')" in page
    assert 'id="workbench-plotly"' in page and "async" in page
    # live_chart.js looks for that script and the global it defines.
    front_end = live_chart.FRONT_END.read_text(encoding="utf-8")
    assert 'getElementById("workbench-plotly")' in front_end
    assert f"globalThis.{plotly_bundle.GLOBAL_NAME}" in front_end


@pytest.mark.needs_bundle
def test_the_server_says_when_the_page_must_use_the_extensions_plotly_js(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.dashboard import server as dashboard_server

    assert dashboard_server.plotly_bundle_note() is None  # built by `make test`
    monkeypatch.setattr(plotly_bundle, "BUNDLE", tmp_path / "absent.js")
    note = dashboard_server.plotly_bundle_note()
    assert note.startswith("note: the dashboard's own plotly.js is not built;")
    assert "make setup" in note and "Node.js and npm" in note
