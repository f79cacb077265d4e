"""`workbench batch`: isolation, manifest, stale reports, incremental runs, Dask, index.

The country runs here execute small stand-in stage notebooks (a print, a published
block, a failure or a kill chosen by country), so that each run costs a kernel and
not a full analysis; the real notebooks are exercised by tests/test_runner.py.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import nbformat
import pytest
from conftest import write_country
from rich.console import Console
from typer.testing import CliRunner

from workbench import batch, brief, index_page, lifetime, out_guard, paths, report, runner
from workbench.cli import app
from workbench.errors import WorkbenchError
from workbench.manifest import (
    index_rows,
    reconcile_interrupted,
    unchanged_since_last_good,
    write_index,
)
from workbench.outcome import CountryOutcome
from workbench.parameters_cell import PARAMETERS_SOURCE

pytestmark = pytest.mark.notebooks

# What each stand-in stage does. GH fails at gaps; JM kills its own run process
# during impact; a country whose ``mode.txt`` says "sleep" hangs in gaps, "fail" fails.
# The impact stage publishes its block where workbench.notebook.publish puts it, without
# importing the workbench into the kernel (seconds of CPU a run, dozens of runs here).
STAND_IN_CODE = {
    "data_quality": "print('data quality ok')",
    "impact": (
        "import json, os, signal\n"
        "if country == 'JM':\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n"
        f"os.makedirs(os.path.join(out_dir, {paths.STAGES_SUBDIR!r}), exist_ok=True)\n"
        f"with open(os.path.join(out_dir, {paths.STAGES_SUBDIR!r}, 'impact.json'), 'w') as block:\n"
        "    json.dump({'prevalence': {'estimate': 0.25, 'ci_low': 0.2, 'ci_high': 0.3}, "
        "'annual_cost_usd': {'estimate': 2.0e6, 'ci_low': 1.5e6, 'ci_high': 3.0e6}}, block)"
    ),
    "gaps": (
        "import os, time\n"
        "mode = os.path.join(data_root, country, 'mode.txt')\n"
        "if os.path.exists(mode) and open(mode).read().strip() == 'sleep':\n"
        "    time.sleep(600)\n"
        "if country == 'GH' or (os.path.exists(mode) and open(mode).read().strip() == 'fail'):\n"
        "    raise ValueError('assessment totals do not add up')\n"
        "print('gaps ok')"
    ),
    "business_case": "print('business case ok')",
}


@pytest.fixture(scope="module")
def stand_in_notebooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("notebooks")
    for stage, name in paths.STAGE_NOTEBOOKS:
        notebook = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell(PARAMETERS_SOURCE, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(STAND_IN_CODE[stage]),
        ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}})
        nbformat.write(notebook, folder / name)
    return folder


@pytest.fixture
def notebooks(stand_in_notebooks: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The batch (and, through it, every run process) uses the stand-in notebooks."""
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", stand_in_notebooks)
    return stand_in_notebooks


def _manifest(out: Path) -> dict:
    return json.loads((out / batch.MANIFEST_NAME).read_text())


def _leftovers(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith((".staging-", ".old-"))]


# --------------------------------------------------------------------------- isolation


@pytest.fixture(scope="module")
def failing_batch(tmp_path_factory: pytest.TempPathFactory, stand_in_notebooks: Path):
    """One CLI batch of KE (good), GH (a failing cell) and JM (its process killed)."""
    root = tmp_path_factory.mktemp("failing")
    for code, name, currency in (("KE", "Kenya", "KES"), ("GH", "Ghana", "GHS"),
                                 ("JM", "Jamaica", "JMD")):
        write_country(root / "data", code, name=name, currency=currency)
    patch = pytest.MonkeyPatch()
    patch.setattr(paths, "NOTEBOOKS_DIR", stand_in_notebooks)
    try:
        result = CliRunner().invoke(app, ["batch", "--data", str(root / "data"),
                                          "--out", str(root / "out"), "--workers", "2"])
    finally:
        patch.undo()
    return result, root / "out"


def test_one_country_failing_or_killed_never_stops_the_others(failing_batch) -> None:
    result, out = failing_batch
    assert result.exit_code == 1, result.output
    assert (out / "KE" / "report.html").is_file() and (out / "KE" / "summary.json").is_file()
    assert not (out / "GH").exists() and not (out / "JM").exists()
    assert _leftovers(out) == []
    stdout = result.stdout.splitlines()
    assert [line for line in stdout if line.startswith("KE: ok in ")]
    assert stdout[-1] == f"index: {out / 'index.html'}"


def test_each_failure_is_one_line_on_stderr_with_country_stage_and_error(failing_batch) -> None:
    result, _ = failing_batch
    gh = [line for line in result.stderr.splitlines() if line.startswith("GH: ")]
    jm = [line for line in result.stderr.splitlines() if line.startswith("JM: ")]
    assert len(gh) == 1 and len(jm) == 1
    assert "FAILED at stage gaps: ValueError: assessment totals do not add up" in gh[0]
    assert "FAILED at stage impact: the run process was killed by SIGKILL" in jm[0]
    assert not [line for line in result.stderr.splitlines() if line.startswith("KE")]


def test_manifest_records_status_stage_error_and_what_the_run_was_made_from(failing_batch) -> None:
    _, out = failing_batch
    manifest = _manifest(out)
    countries = manifest["countries"]
    assert {c: e["status"] for c, e in countries.items()} == {
        "KE": "ok", "GH": "failed", "JM": "failed"}
    assert manifest["totals"] == {"ok": 1, "failed": 2}
    assert manifest["batch"]["finished_at"] is not None
    ke, gh, jm = countries["KE"], countries["GH"], countries["JM"]
    assert ke["failed_stage"] is None and ke["error"] is None and ke["report"] == "KE/report.html"
    assert ke["stages"] == {"data_quality": "ok", "impact": "ok", "gaps": "ok",
                            "business_case": "ok"}
    assert gh["failed_stage"] == "gaps"
    assert gh["error"] == "ValueError: assessment totals do not add up (cell 3)"
    assert (out / gh["failed_notebook"]).is_file()  # the traceback, kept for whoever is on call
    # Logs and tracebacks may quote the data: kept in the analyst-only folder, named
    # relative to the output folder (no server path in the manifest).
    private_logs = f"../{out.name}.private/logs/"
    assert gh["failed_notebook"] == private_logs + "GH-03_gaps.ipynb"
    assert jm["log"] == private_logs + "JM.log"
    assert not (out / "logs").exists()
    assert jm["failed_stage"] == "impact" and "SIGKILL" in jm["error"]
    assert "killed by SIGKILL" in (out / jm["log"]).read_text()
    summary = json.loads((out / "KE" / "summary.json").read_text())
    for entry in countries.values():
        assert entry["started_at"] and entry["seconds"] > 0
        assert entry["parameters"] == {"budget_usd_per_year": None, "horizon_years": None,
                                       "language": None, "plotly_js": "../plotly.min.js"}
        assert entry["workbench_version"] == manifest["workbench_version"]
    # Input hashes are the files' SHA-256, as the run recorded them.
    import hashlib
    expected = hashlib.sha256((out.parent / "data" / "KE" / "entities.csv").read_bytes()).hexdigest()
    assert ke["inputs_sha256"]["entities.csv"] == expected
    assert summary["generated"]["input_sha256"] == ke["inputs_sha256"]


def test_progress_is_plain_lines_when_not_on_a_terminal(failing_batch) -> None:
    result, _ = failing_batch
    assert "\x1b[" not in result.stderr and "\x1b[" not in result.stdout
    lines = result.stderr.splitlines()
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d GH \([123] of 3\): stage gaps", line) for line in lines)
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d \[3/3 done, 2 failed\] \w\w: \S+.*", line)
               for line in lines)
    assert lines[0].endswith("batch: 3 countries, 3 to run, 0 unchanged; 2 at a time")


def test_progress_is_live_on_a_terminal() -> None:
    screen = StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    live = batch.make_progress(terminal)
    assert isinstance(live, batch.RichProgress)
    assert isinstance(batch.make_progress(Console(file=StringIO())), batch.PlainProgress)
    live.start(2, 2, "2 at a time")
    live.country_started("KE", 1)
    live.stage("KE", "gaps")
    assert live.progress.tasks[1].description == "  KE (1 of 2): gaps"
    assert live.progress.tasks[1].completed == 2  # data quality and impact are behind it
    live.country_done(CountryOutcome("KE", "failed", Path("out/KE")), 1, 1)
    assert [t.description for t in live.progress.tasks] == [
        "countries (2 to run, 2 at a time), failures so far: 1"]
    live.stop()
    assert "KE: failed" in screen.getvalue()


# --------------------------------------------------------------------------- index


def test_batch_index_links_reports_and_reads_offline(failing_batch) -> None:
    _, out = failing_batch
    page = (out / "index.html").read_text()
    assert report.external_references(page) == []
    assert "<a href='KE/report.html'>Kenya</a>" in page
    assert "GH/report.html" not in page and "JM/report.html" not in page
    assert page.count("FAILED</span>") == 2
    assert "SYNTHETIC DATA" in page
    assert "src='plotly.min.js'" in page and (out / "plotly.min.js").is_file()
    assert "Plotly.newPlot" in page and "Commonwealth comparison" in page
    # The stand-in impact stage published 25% (20-30%) and $2.0m ($1.5m-$3.0m).
    assert "25% (20–30%)" in page and "$2.0m ($1.5m–$3.0m)" in page
    # Each country page uses the shared copy by a relative path, so the folder moves.
    country_page = (out / "KE" / "report.html").read_text()
    assert "src='../plotly.min.js'" in country_page
    assert report.external_references(country_page) == []


def _summary(code: str, name: str, prevalence: tuple, cost: tuple, score: float | None,
             plan: float | None) -> dict:
    return {
        "country": code, "name": name, "synthetic": True,
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "impact": {"prevalence": dict(zip(("estimate", "ci_low", "ci_high"), prevalence)),
                   "annual_cost_usd": dict(zip(("estimate", "ci_low", "ci_high"), cost))},
        "gaps": {"overall_score": score} if score is not None else {"skipped": "no assessment"},
        "business_case": ({"total_cost_usd": plan} if plan is not None
                          else {"skipped": "no assessment"}),
        "generated": {"at": f"2026-01-0{len(code)}T02:00:00+00:00"},
    }


def test_index_shows_status_headline_figures_and_comparison_chart(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for code, summary in (
        ("KE", _summary("KE", "Kenya", (0.4, 0.356, 0.446), (149.8e6, 118.8e6, 182.9e6), 38.27, 20.756e6)),
        ("GH", _summary("GH", "Ghana <b>", (0.2, 0.15, 0.25), (2.0e6, 1.0e6, 4.0e6), None, None)),
    ):
        (out / code).mkdir(parents=True)
        (out / code / "summary.json").write_text(json.dumps(summary))
        (out / code / "report.html").write_text("<html></html>")
    (out / "KE" / "brief.pdf").write_bytes(b"%PDF-1.4")
    manifest = {"countries": {
        "KE": {"status": "ok"},
        "GH": {"status": "stale", "failed_stage": "gaps", "error": "ValueError: <script>x</script>"},
        "JM": {"status": "failed", "failed_stage": "impact", "error": "killed"},
    }}
    page = (write_index(out, manifest)).read_text()
    assert report.external_references(page) == []
    assert "40% (36–45%)" in page and "$149.8m ($118.8m–$182.9m)" in page
    assert "38 / 100" in page and "$20.8m" in page
    assert "STALE</span>" in page and "FAILED</span>" in page
    assert "failed at stage gaps" in page and "<script>x</script>" not in page
    assert "Ghana &lt;b&gt;" in page and "2026-01-02 02:00 UTC" in page
    assert "JM <span class='wb-why'>(no report yet)</span>" in page
    # Every brief on disk is linked, and only those.
    assert "href='KE/brief.pdf'>brief (PDF)</a>" in page and "GH/brief.pdf" not in page

    rows = index_rows(out, manifest)
    figure = index_page.comparison_chart(rows)
    assert figure.layout.title.text.startswith("SYNTHETIC DATA")
    assert "1 Jan 2025 to 31 Dec 2025" in figure.layout.title.text
    current = [t for t in figure.data if t.legendgroup == "current"]
    stale = [t for t in figure.data if t.legendgroup == "stale"]
    assert len(current) == 4 and len(stale) == 4  # one of each per panel
    assert list(current[0].y) == ["Kenya"] and list(stale[0].y) == ["Ghana &lt;b&gt;"]  # drawn as text
    # Breached share in percent, whiskers the 95% interval: 40 - 35.6 and 44.6 - 40.
    assert current[0].x[0] == pytest.approx(40.0)
    assert current[0].error_x.arrayminus[0] == pytest.approx(4.4)
    assert current[0].error_x.array[0] == pytest.approx(4.6)
    assert stale[1].x[0] == pytest.approx(2.0)  # USD million
    assert stale[0].marker.pattern.shape == "/"
    not_available = [a for a in figure.layout.annotations if a.text == "not available"]
    assert len(not_available) == 2  # Ghana's score and roadmap cost


# --------------------------------------------------------------------------- stale / kill


def _batch_process(data: Path, out: Path, notebooks: Path, *options: str) -> subprocess.Popen:
    """A `workbench batch` of its own (one worker), in a session of its own, to be killed."""
    command = [str(Path(sys.executable).parent / "workbench"), "batch", "--data", str(data),
               "--out", str(out), "--workers", "1", *options]
    env = dict(os.environ, WORKBENCH_NOTEBOOKS=str(notebooks))
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _manifest_entry(out: Path, code: str) -> dict:
    """The country's manifest entry as the running batch last wrote it ({} before)."""
    try:
        return _manifest(out)["countries"][code]
    except (OSError, ValueError, KeyError):
        return {}


def test_kill_during_a_run_leaves_last_good_report_marked_stale_and_next_batch_recovers(
        tmp_path: Path, notebooks: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    first = batch.run_batch(data, out, workers=1)
    assert [o.status for o in first.outcomes] == ["ok"]
    good = (out / "KE" / "summary.json").read_text()

    (data / "KE" / "mode.txt").write_text("sleep")  # new inputs; the run hangs in gaps
    killed = _batch_process(data, out, notebooks)
    entry: dict = {}
    try:
        deadline = time.monotonic() + 300  # a safety net, not a timing assertion
        while entry.get("stage") != "gaps":
            assert killed.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
            entry = _manifest_entry(out, "KE")
    finally:
        # kill -9 of the batch and of the country's run process (a crash, an OOM kill).
        os.killpg(killed.pid, signal.SIGKILL)
        run_pid = entry.get("pid")
        if run_pid:
            try:
                os.killpg(run_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        killed.wait()
    # A kill -9 takes effect a moment later: the next batch must find the run gone, as it
    # would after a real crash, not still dying.
    deadline = time.monotonic() + 60  # a safety net, not a timing assertion
    while run_pid and runner._owner_alive(run_pid, runner._host()):
        assert time.monotonic() < deadline, "the killed run did not stop"
        time.sleep(0.1)

    assert (out / "KE" / "summary.json").read_text() == good
    assert (out / "KE" / "report.html").is_file()
    entry = _manifest(out)["countries"]["KE"]
    assert entry["status"] == "stale" and entry["failed_stage"] == "gaps"
    assert entry["error"].startswith("interrupted")
    assert "STALE</span>" in (out / "index.html").read_text()
    left = _leftovers(out)
    assert len(left) == 1 and left[0].startswith(".staging-KE-")

    (data / "KE" / "mode.txt").write_text("run")
    recovered = batch.run_batch(data, out, workers=1)
    assert [o.status for o in recovered.outcomes] == ["ok"]
    assert recovered.cleaned == [f"removed {left[0]} (left by a run that did not finish)"]
    assert _leftovers(out) == []
    assert (out / "KE" / "summary.json").read_text() != good
    assert _manifest(out)["countries"]["KE"]["status"] == "ok"
    assert "STALE</span>" not in (out / "index.html").read_text()


def test_failure_after_a_good_run_leaves_the_report_marked_stale(tmp_path: Path, notebooks: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    assert [o.status for o in batch.run_batch(data, out, workers=1).outcomes] == ["ok"]
    before = (out / "KE" / "summary.json").read_text()
    (data / "KE" / "mode.txt").write_text("fail")
    [ke] = batch.run_batch(data, out, workers=1).outcomes
    assert ke.status == "stale" and not ke.ok
    assert ke.one_line().startswith(
        "KE: STALE: failed at stage gaps: ValueError: assessment totals do not add up")
    assert "the last good report" in ke.one_line()
    assert (out / "KE" / "summary.json").read_text() == before
    entry = _manifest(out)["countries"]["KE"]
    assert entry["status"] == "stale" and entry["last_good_run"] == json.loads(before)["generated"]["at"]
    assert "STALE</span>" in (out / "index.html").read_text()


def test_leftovers_of_dead_runs_are_removed_and_a_half_swapped_report_restored(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = runner._host()
    (tmp_path / f".staging-KE-{dead.pid}@{host}-0123abcd").mkdir()
    (tmp_path / f".staging-FJ-{os.getpid()}@{host}-0123abcd").mkdir()  # a live run
    (tmp_path / f".old-GH-{dead.pid}@{host}-89abcdef").mkdir()  # killed between the renames
    (tmp_path / f".old-GH-{dead.pid}@{host}-89abcdef" / "summary.json").write_text("{}")
    (tmp_path / ".staging-MY-0a1b2c3d").mkdir()  # an older naming: no owner recorded
    done = runner.clean_leftovers(tmp_path)
    assert len(done) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f".staging-FJ-{os.getpid()}@{host}-0123abcd", "GH"]
    assert (tmp_path / "GH" / "summary.json").read_text() == "{}"


def test_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    write_country(tmp_path / "data", "KE")
    (tmp_path / "out").mkdir()
    with out_guard.writer_lock(tmp_path / "out", "workbench batch"):
        with pytest.raises(WorkbenchError, match="another workbench process is writing to .*"
                                                 "workbench batch, pid"):
            batch.run_batch(tmp_path / "data", tmp_path / "out")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux: from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while being read
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_batch_ends_its_runs_and_their_kernels_and_the_next_batch_tells_the_truth(
        tmp_path: Path, notebooks: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE", files={"mode.txt": "sleep"})  # its run hangs in gaps
    write_country(data, "FJ", name="Fiji", currency="FJD")
    killed = _batch_process(data, out, notebooks, "--countries", "KE")
    entry: dict = {}
    kernels: list[int] = []
    try:
        deadline = time.monotonic() + 300  # a safety net, not a timing assertion
        while entry.get("stage") != "gaps" or not kernels:
            assert killed.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
            entry = _manifest_entry(out, "KE")
            kernels = _children(entry["pid"]) if entry.get("pid") else []
        run_pid = entry["pid"]
        assert entry["state"] == "running"
        # kill -9 of the batch process alone: its run is in a session of its own.
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        deadline = time.monotonic() + 120  # a safety net, not a timing assertion
        while any(lifetime.process_running(pid) for pid in [run_pid, *kernels]):
            assert time.monotonic() < deadline, "the batch's run or its kernel outlived it"
            time.sleep(0.1)
    finally:
        for pid in [killed.pid, entry.get("pid"), *kernels]:
            if pid and lifetime.process_running(pid):
                os.kill(pid, signal.SIGKILL)
    left = _leftovers(out)
    assert len(left) == 1 and left[0].startswith(f".staging-KE-{run_pid}@")
    assert not (out / "KE").exists()

    # The next batch, of another country, corrects what the killed one left "running".
    following = batch.run_batch(data, out, countries=["FJ"], workers=1)
    assert [o.status for o in following.outcomes] == ["ok"]
    assert following.cleaned == [f"removed {left[0]} (left by a run that did not finish)"]
    assert _leftovers(out) == []
    ke = _manifest(out)["countries"]["KE"]
    assert (ke["state"], ke["status"], ke["in_this_batch"], ke["report"]) == (
        "done", "failed", False, None)
    assert ke["error"].startswith("interrupted")
    index = (out / "index.html").read_text()
    assert "being rebuilt" not in index and "FAILED</span>" in index


def _report_on_disk(out: Path, code: str, at: str, inputs: dict, **status: object) -> None:
    (out / code).mkdir(parents=True)
    (out / code / "report.html").write_text("<html></html>")
    (out / code / "summary.json").write_text(json.dumps({"country": code, **status, "generated": {
        "at": at, "workbench_version": "1.0", "input_sha256": inputs,
        "parameters": {"plotly_js": "embed"}, "method_sha256": "m"}}))


def test_an_entry_a_killed_batch_left_running_is_corrected_from_the_disk(tmp_path: Path) -> None:
    inputs = {"profile.yaml": "a1"}
    _report_on_disk(tmp_path, "KE", "2026-03-02T02:20:00+00:00", inputs)
    running = {"status": "stale", "state": "running", "stage": "gaps", "pid": 4250,
               "started_at": "2026-03-02T02:15:00+00:00", "error": "interrupted: the batch ...",
               "failed_stage": "gaps", "inputs_sha256": inputs,
               "parameters": {"plotly_js": "embed"}, "workbench_version": "1.0",
               "method_sha256": "m", "last_good_run": "2026-03-01T02:17:02+00:00",
               "report": "KE/report.html"}

    def reconciled(code: str, entry: dict) -> dict:
        outcome = CountryOutcome.from_manifest(code, entry, tmp_path)
        return reconcile_interrupted(tmp_path, outcome).to_manifest()

    # Its run finished after the batch died (a Dask worker's run goes on): that report.
    finished = reconciled("KE", running)
    assert (finished["status"], finished["state"], finished["error"], finished["stage"]) == (
        "ok", "done", None, None)
    assert finished["last_good_run"] == "2026-03-02T02:20:00+00:00"
    # The report on disk is older than the run, or from other inputs: the run died.
    for changed in ({"started_at": "2026-03-02T02:25:00+00:00"},
                    {"inputs_sha256": {"profile.yaml": "b2"}}, {"started_at": None}):
        died = reconciled("KE", {**running, **changed})
        assert (died["status"], died["state"], died["report"]) == ("stale", "done",
                                                                    "KE/report.html")
        assert died["error"].startswith("interrupted")
    # No report at all.
    gone = reconciled("GH", running)
    assert (gone["status"], gone["report"], gone["last_good_run"]) == ("failed", None, None)
    # A partial report it published stays partial, with its reasons.
    reasons = ["impact skipped: survey_responses.csv is missing (it is required for this stage)"]
    _report_on_disk(tmp_path, "FJ", "2026-03-02T02:20:00+00:00", inputs,
                    status="partial", reasons=reasons)
    partial = reconciled("FJ", running)
    assert (partial["status"], partial["reasons"], partial["error"]) == ("partial", reasons, None)


# --------------------------------------------------------------------------- incremental


def test_unchanged_country_is_skipped_until_its_inputs_change_or_force(
        tmp_path: Path, notebooks: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    write_country(data, "FJ", name="Fiji", currency="FJD")
    first = batch.run_batch(data, out, workers=2)
    assert [o.status for o in first.outcomes] == ["ok", "ok"]
    stamps = {c: (out / c / "summary.json").read_text() for c in ("FJ", "KE")}

    second = batch.run_batch(data, out, workers=2)
    assert [o.status for o in second.outcomes] == ["skipped-unchanged"] * 2
    assert {c: (out / c / "summary.json").read_text() for c in ("FJ", "KE")} == stamps
    assert second.outcomes[0].one_line().startswith("FJ: skipped-unchanged")

    (data / "FJ" / "incidents.csv").write_text(
        "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status\n"
        "I1,2025-02-01,fraud,business,finance,no,10,closed\n")
    third = batch.run_batch(data, out, workers=2)
    assert {o.country: o.status for o in third.outcomes} == {"FJ": "ok", "KE": "skipped-unchanged"}
    assert (out / "KE" / "summary.json").read_text() == stamps["KE"]

    forced = batch.run_batch(data, out, countries=["KE"], force=True)
    assert [o.status for o in forced.outcomes] == ["ok"]
    assert (out / "KE" / "summary.json").read_text() != stamps["KE"]
    manifest = _manifest(out)
    assert manifest["countries"]["FJ"]["in_this_batch"] is False  # kept from the last batch
    assert manifest["countries"]["FJ"]["status"] == "ok"


def test_skip_needs_same_inputs_parameters_version_and_notebooks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out" / "KE"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>")
    key = {"input_sha256": {"profile.yaml": "ab"},
           "parameters": {"budget_usd_per_year": None, "horizon_years": None,
                          "plotly_js": "../plotly.min.js"},
           "workbench_version": "1.0", "method_sha256": "cd"}
    (folder / "summary.json").write_text(json.dumps({"generated": {"at": "x", **key}}))
    assert unchanged_since_last_good(folder, key)
    for name, other in (("input_sha256", {"profile.yaml": "ef"}),
                        ("parameters", {**key["parameters"], "budget_usd_per_year": 2.0e6}),
                        ("workbench_version", "1.1"), ("method_sha256", "00")):
        assert not unchanged_since_last_good(folder, {**key, name: other})
    # A report without its brief is made again when a Chromium could print one.
    monkeypatch.setattr(brief, "find_chromium", lambda: "/usr/bin/chromium")
    assert not unchanged_since_last_good(folder, key)
    (folder / "brief.pdf").write_bytes(b"%PDF-1.4")
    assert unchanged_since_last_good(folder, key)
    (folder / "report.html").unlink()
    assert not unchanged_since_last_good(folder, key)


# --------------------------------------------------------------------------- Dask


def test_batch_runs_on_a_dask_cluster(tmp_path: Path, notebooks: Path) -> None:
    distributed = pytest.importorskip("distributed")
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    write_country(data, "GH", name="Ghana", currency="GHS")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None,
                                  local_directory=str(tmp_path / "dask")) as cluster:
        result = batch.run_batch(data, out, scheduler=cluster.scheduler_address)
    assert {o.country: o.status for o in result.outcomes} == {"GH": "failed", "KE": "ok"}
    manifest = _manifest(out)
    assert manifest["batch"]["scheduler"] == cluster.scheduler_address
    assert manifest["countries"]["GH"]["failed_stage"] == "gaps"
    assert (out / "KE" / "report.html").is_file()


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "DASK_CONNECT_TIMEOUT", "1s")
    write_country(tmp_path / "data", "KE")
    result = CliRunner().invoke(app, ["batch", "--data", str(tmp_path / "data"), "--out",
                                      str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr


# --------------------------------------------------------------------------- outcomes


def test_batch_tells_partial_stale_and_failed_apart_with_their_reasons(
        tmp_path: Path, notebooks: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    write_country(data, "FJ", name="Fiji", currency="FJD")
    first = CliRunner().invoke(app, ["batch", "--data", str(data), "--out", str(out)])
    assert first.exit_code == 0, first.output
    good = (out / "KE" / "summary.json").read_text()

    (data / "KE" / "profile.yaml").write_text("country: KE\nname: [Kenya\n")  # unusable
    (data / "FJ" / "survey_responses.csv").unlink()  # absent: impact skipped
    write_country(data, "MY", name="Malaysia", currency="MYR", files={
        "interventions.csv": "intervention_id,name,pillar,indicators,applies_to,raises_to,capex_usd,"
                             "opex_usd_per_year,duration_months,requires,loss_reduction\n"
                             "X1,Thing,nopillar,LEG-01,national,3,1,1,12,,0.1\n"})
    second = CliRunner().invoke(app, ["batch", "--data", str(data), "--out", str(out)])
    assert second.exit_code == 1, second.output

    countries = _manifest(out)["countries"]
    assert {c: e["status"] for c, e in countries.items()} == {
        "FJ": "partial", "KE": "stale", "MY": "failed"}
    assert _manifest(out)["totals"] == {"partial": 1, "stale": 1, "failed": 1}
    ke, fj, my = countries["KE"], countries["FJ"], countries["MY"]
    assert ke["error"] == "profile.yaml: not valid YAML (ParserError)"
    assert ke["reasons"] == [ke["error"]] and ke["failed_stage"] is None
    assert ke["report"] == "KE/report.html" and ke["stages"] == {}
    assert (out / "KE" / "summary.json").read_text() == good  # the last good report, kept
    assert fj["reasons"] == [
        "impact skipped: survey_responses.csv is missing (it is required for this stage)"]
    assert fj["stages"]["impact"] == "skipped" and fj["error"] is None
    assert my["error"].startswith("interventions.csv: no usable row: its only row was set aside")
    assert my["report"] is None and not (out / "MY").exists()
    # The shared manifest and index name the rule broken, never the cell's value.
    assert "nopillar" not in (out / "manifest.json").read_text()
    assert "nopillar" not in (out / "index.html").read_text()
    summary = json.loads((out / "FJ" / "summary.json").read_text())
    assert summary["status"] == "partial" and summary["reasons"] == fj["reasons"]

    stderr = second.stderr.splitlines()
    [ke_line] = [line for line in stderr if line.startswith("KE: ")]
    [my_line] = [line for line in stderr if line.startswith("MY: ")]
    assert ke_line.startswith("KE: STALE: failed: profile.yaml: not valid YAML (ParserError); "
                              "the last good report (")
    assert f"is left in place: {out / 'KE' / 'report.html'}" in ke_line
    assert my_line.startswith("MY: FAILED: interventions.csv: no usable row")
    assert "no earlier report" in my_line
    assert [line for line in second.stdout.splitlines() if line.startswith("FJ: partial in ")]
    assert "Traceback" not in second.output

    page = (out / "index.html").read_text()
    assert "<a href='KE/report.html'>Kenya</a>" in page  # the last good report's link kept
    assert "failed: profile.yaml: not valid YAML (ParserError)" in page
    assert "PARTIAL</span><div class='wb-why'>impact skipped: survey_responses.csv is missing" in page
    assert "MY <span class='wb-why'>(no report yet)</span>" in page

    # Unchanged since, FJ is skipped; its report is still partial and the index says so.
    third = batch.run_batch(data, out, countries=["FJ"])
    assert [o.status for o in third.outcomes] == ["skipped-unchanged"]
    assert _manifest(out)["countries"]["FJ"]["reasons"] == fj["reasons"]
    [row] = [r for r in index_rows(out, _manifest(out)) if r.country == "FJ"]
    assert row.status == "partial" and row.reasons == tuple(fj["reasons"])


def test_a_countrys_outcome_is_its_manifest_entry_its_index_row_and_its_runs_outcome(
        tmp_path: Path, notebooks: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    write_country(data, "FJ", name="Fiji", currency="FJD")
    (data / "FJ" / "survey_responses.csv").unlink()  # absent: impact skipped
    write_country(data, "GH", name="Ghana", currency="GHS")  # the stand-in gaps stage fails
    result = batch.run_batch(data, out, workers=2)
    outcomes = {o.country: o for o in result.outcomes}
    assert {c: o.status for c, o in outcomes.items()} == {
        "FJ": "partial", "GH": "failed", "KE": "ok"}

    manifest = _manifest(out)
    rows = {row.country: row for row in index_rows(out, manifest)}
    for code, outcome in outcomes.items():
        entry = manifest["countries"][code]
        assert outcome.to_manifest() == entry
        assert CountryOutcome.from_manifest(code, entry, out.resolve()) == outcome
        row = rows[code]
        assert row.status == outcome.status
        assert row.report_href == outcome.report
        assert row.last_good_run == outcome.last_good_run
    assert rows["GH"].error == f"failed at stage gaps: {outcomes['GH'].error}"
    assert rows["FJ"].reasons == outcomes["FJ"].reasons

    # Each country run on its own ends as its batch run did.
    for code in ("FJ", "GH"):
        alone = runner.run_country(code, data_root=data, out_root=tmp_path / "alone")
        in_batch = outcomes[code]
        assert (alone.status, alone.stages, alone.failed_stage, alone.error, alone.reasons) == (
            in_batch.status, in_batch.stages, in_batch.failed_stage, in_batch.error,
            in_batch.reasons)


def test_full_disk_for_manifest_and_index_is_one_line_and_leaves_no_temporary_file(
        tmp_path: Path, notebooks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    write_text = Path.write_text

    def disk_full(path: Path, *args, **kwargs):
        if path.name.startswith((".manifest.json.", ".index.html.")):
            path.touch()  # a full disk: the file is created, write(2) fails naming no file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full)
    result = CliRunner().invoke(app, ["batch", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    said = [line for line in result.stderr.splitlines() if line.startswith("workbench: ")]
    assert said == [f"workbench: cannot write {out.resolve() / 'manifest.json'}: "
                    "No space left on device"]
    # The country's own run (another process, another disk state) still published.
    assert (out / "KE" / "report.html").is_file()
    assert not [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not (out / "manifest.json").exists() and not (out / "index.html").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_full_disk_for_a_country_log_fails_that_country_naming_the_log(
        tmp_path: Path, notebooks: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_country(data, "KE")
    logs = tmp_path / "out.private" / "logs"
    logs.mkdir(parents=True)
    (logs / "KE.log").symlink_to("/dev/full")  # every write: No space left on device
    result = CliRunner().invoke(app, ["batch", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = [line for line in result.stderr.splitlines() if line.startswith("KE: ")]
    log = logs.resolve() / "KE.log"
    assert line == (f"KE: FAILED: cannot write {log}: No space left on device; no earlier report")
    entry = _manifest(out)["countries"]["KE"]
    assert entry["status"] == "failed" and entry["reasons"] == [entry["error"]]
