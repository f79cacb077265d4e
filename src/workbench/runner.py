"""`workbench run`: one country's notebooks executed with papermill, outputs swapped in
only on success.

Layout written to ``<out>/<CC>/``, the shareable folder: summary.json, report.html,
notebooks/ (the executed notebooks). The rows set aside by the checks hold respondents'
answers; they go to the analyst-only ``<out>.private/<CC>/quarantine/`` (mode 0700,
see ``paths.private_root``), never into the shareable folder. Everything is first
written to staging folders beside them; the previous report and quarantine are
replaced only when the whole run succeeded, so a failure (or a killed process) leaves
the last good ones in place.

The stage notebooks of one run are executed one after another in ONE kernel, its
user namespace reset between notebooks: starting a kernel and importing pandas,
plotly and the workbench costs more than most stages' analysis, so paying it once
per country instead of once per stage roughly halves a country's run time (see
benchmarks/bench_batch.py). Each executed notebook is still saved on its own.

``python -m workbench.runner CC --data ROOT --out DIR --events`` runs one country
in its own process and reports its stages and outcome as JSON lines on stdout: the
batch runs every country that way, so a country that crashes or is killed cannot
take the others down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError

from workbench import __version__, paths, report
from workbench.countries import country_folder
from workbench.errors import WorkbenchError
from workbench.loading import file_sha256, load_country, write_quarantine
from workbench.notebook import STAGES_SUBDIR

SUMMARY_NAME = "summary.json"
REPORT_NAME = "report.html"
NOTEBOOKS_SUBDIR = "notebooks"
QUARANTINE_SUBDIR = "quarantine"
KERNEL_NAME = "python3"
EVENT_PREFIX = "@workbench-event "

STAGING_PREFIX = ".staging-"
OLD_PREFIX = ".old-"
# ``.staging-KE-4242@host-1a2b3c4d``: the country, and which process on which machine
# owns the folder, so that a later run removes only folders whose owner is gone.
_LEFTOVER = re.compile(r"^\.(staging|old)-([A-Z]{2})-(\d+)@(.+)-([0-9a-f]{8})$")
# Another machine's process cannot be checked from here (a shared file system):
# its folders are only removed once they are this old.
OTHER_HOST_LEFTOVER_AGE = dt.timedelta(hours=24)


@dataclass
class RunOutcome:
    """What one country's run did, for the CLI, the batch manifest and the index."""

    country: str
    ok: bool
    out_dir: Path
    seconds: float = 0.0
    stages: dict[str, str] = field(default_factory=dict)  # stage -> ok / skipped / failed
    failed_stage: str | None = None
    error: str | None = None
    summary: dict[str, Any] | None = None

    def one_line(self) -> str:
        if self.ok:
            skipped = [s for s, state in self.stages.items() if state == "skipped"]
            note = f"; skipped: {', '.join(skipped)}" if skipped else ""
            return f"{self.country}: ok in {self.seconds:.1f} s{note} -> {self.out_dir / REPORT_NAME}"
        where = f"stage {self.failed_stage}" if self.failed_stage else "setup"
        return (f"{self.country}: FAILED at {where}: {self.error} "
                f"(previous report, if any, left in place)")

    def to_json(self) -> dict[str, Any]:
        """The outcome as JSON-ready values (the summary is left out: it is on disk)."""
        values = asdict(self)
        values["out_dir"] = str(self.out_dir)
        values["summary"] = None
        return values

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> RunOutcome:
        """The inverse of :meth:`to_json`."""
        return cls(**{**values, "out_dir": Path(values["out_dir"])})


def notebook_parameters(
    country: str,
    data_root: Path,
    out_dir: Path,
    budget_usd_per_year: float | None,
    horizon_years: int | None,
) -> dict[str, Any]:
    """The values injected into every notebook's ``parameters`` cell."""
    return {
        "country": country,
        "data_root": str(data_root),
        "out_dir": str(out_dir),
        "budget_usd_per_year": budget_usd_per_year,
        "horizon_years": horizon_years,
    }


def run_parameters(
    budget_usd_per_year: float | None, horizon_years: int | None, plotly_js: str
) -> dict[str, Any]:
    """The run's settings that change its outputs, as recorded in summary.json.

    Together with the input hashes, the workbench version and :func:`method_sha256`
    they decide whether a batch may skip the country as unchanged.
    """
    return {
        "budget_usd_per_year": None if budget_usd_per_year is None else float(budget_usd_per_year),
        "horizon_years": None if horizon_years is None else int(horizon_years),
        "plotly_js": plotly_js,
    }


def input_sha256(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a country folder, as ``load_country`` records them."""
    return {
        p.name: file_sha256(p)
        for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")
    } if folder.is_dir() else {}


def _method_sha256(notebooks_dir: Path) -> str:
    digest = hashlib.sha256()
    sources = [notebooks_dir / name for _, name in paths.STAGE_NOTEBOOKS]
    sources += sorted(p for p in paths.SHIPPED_DATA.rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts)
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<absent>")
    return digest.hexdigest()


def method_sha256() -> str:
    """One hash of what turns inputs into a report besides the Python code: the
    stage notebooks and the shipped reference data (framework, intervention
    catalogue, reference tables).

    The code itself is identified by the workbench version; a notebook edited in a
    checkout changes this hash, so a report built by the old notebook is not taken
    for current.
    """
    return _method_sha256(Path(paths.NOTEBOOKS_DIR))


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, PapermillExecutionError):
        value = (exc.evalue or "").strip().splitlines()
        return f"{exc.ename}: {value[0] if value else ''} (cell {exc.cell_index + 1})"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


# --------------------------------------------------------------------------- kernel

class _SharedKernelEngine(NBClientEngine):
    """papermill's nbclient engine, executing in a kernel it is given (``km``) and
    leaving that kernel running for the next notebook."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 km=None, **kwargs):
        client = PapermillNotebookClient(
            nb_man, km=km, kernel_name=kernel_name, timeout=execution_timeout,
            startup_timeout=start_timeout, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file,
        )
        try:
            return client.execute()
        finally:
            # The kernel stays up; only this notebook's connection to it is closed.
            if client.kc is not None:
                client.kc.stop_channels()


SHARED_KERNEL_ENGINE = "workbench-shared-kernel"
papermill_engines.register(SHARED_KERNEL_ENGINE, _SharedKernelEngine)

# Clears what the previous notebook defined, so that each stage sees exactly what
# a fresh kernel would show it; imported modules stay loaded (that is the saving).
_RESET_SOURCE = "get_ipython().run_line_magic('reset', '-f')\nimport gc\ngc.collect()"


class StageKernel:
    """One Python kernel that executes a run's stage notebooks one after another."""

    def __init__(self, cwd: Path) -> None:
        # The kernel talks to this process over Unix sockets in a private folder: no
        # port is opened, and ipykernel has no plain-TCP warning to print on the run's
        # console. (Windows has no such sockets: TCP on 127.0.0.1 there.)
        self._sockets = None if os.name == "nt" else tempfile.mkdtemp(prefix="wb-kernel-")
        transport = {} if self._sockets is None else {
            "transport": "ipc", "ip": os.path.join(self._sockets, "kernel")}
        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME, **transport)
        # Launching returns at once: the kernel boots while the caller loads the data.
        run_sync(self.km.start_kernel)(cwd=str(cwd))
        self.used = False

    def execute(self, source: Path, target: Path, parameters: dict[str, Any],
                cell_timeout: float | None = None) -> None:
        """Execute ``source`` into ``target`` with ``parameters`` injected.

        Raises papermill's PapermillExecutionError for a failing cell (``target``
        is saved first, with the error), DeadKernelError when the kernel died.
        """
        if self.used:
            self._reset(cell_timeout)
        self.used = True
        papermill.execute_notebook(
            source, target, parameters=parameters, kernel_name=KERNEL_NAME,
            engine_name=SHARED_KERNEL_ENGINE, km=self.km, progress_bar=False,
            log_output=False, execution_timeout=cell_timeout,
        )

    def _reset(self, cell_timeout: float | None) -> None:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_RESET_SOURCE)])
        client = NotebookClient(notebook, km=self.km, kernel_name=KERNEL_NAME,
                                timeout=cell_timeout or 120)
        try:
            client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()

    def close(self) -> None:
        """Stop the kernel (at once: nothing in it is worth a graceful goodbye)."""
        try:
            if run_sync(self.km.is_alive)():
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            run_sync(self.km.cleanup_resources)()
            if self._sockets is not None:
                shutil.rmtree(self._sockets, ignore_errors=True)


# --------------------------------------------------------------------------- run

def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname()) or "host"


def _owned_name(prefix: str, country: str) -> str:
    return f"{prefix}{country}-{os.getpid()}@{_host()}-{uuid.uuid4().hex[:8]}"


def run_country(
    country: str,
    *,
    data_root: Path | str,
    out_root: Path | str,
    budget_usd_per_year: float | None = None,
    horizon_years: int | None = None,
    plotly_js: str = "embed",
    on_stage: Callable[[str, str], None] | None = None,
    cell_timeout: float | None = None,
    keep_failed_in: Path | str | None = None,
    kernel_per_stage: bool = False,
) -> RunOutcome:
    """Run every stage notebook for ``country`` and publish ``<out_root>/<CC>/``.

    Args:
        country: ISO 3166-1 alpha-2 code; ``<data_root>/<CC>`` must exist.
        data_root: folder holding one folder per country.
        out_root: the report goes to ``<out_root>/<CC>/``.
        budget_usd_per_year, horizon_years: roadmap settings (None: profile.yaml).
        plotly_js: "embed" (a self-contained page) or the relative path of a shared
            copy of plotly.js, e.g. "../plotly.min.js" for a batch folder.
        on_stage: called with (country, stage) when a stage notebook starts.
        cell_timeout: seconds one notebook cell may run (None: no limit).
        keep_failed_in: when a stage fails, its executed notebook (with the
            traceback) is copied here as ``<CC>-<notebook>``.
        kernel_per_stage: a fresh kernel for every stage notebook (slower; what
            the workbench did before, kept for comparison and as a fallback for a
            notebook that needs a pristine process).

    Raises WorkbenchError for a bad country code or a missing folder; any failure
    after that is reported in the returned outcome (``ok`` False).
    """
    started = time.perf_counter()
    data_root = Path(data_root).resolve()
    out_root = Path(out_root).resolve()
    folder = country_folder(data_root, country)  # refuses a bad code before any path use
    if not folder.is_dir():
        raise WorkbenchError(f"{folder} does not exist (expected one folder per country)")
    notebooks_dir = Path(paths.NOTEBOOKS_DIR)
    final = out_root / country
    out_root.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out_root, country)
    private_staging = _private_staging(out_root, country)
    staging = out_root / _owned_name(STAGING_PREFIX, country)
    staging.mkdir()
    outcome = RunOutcome(country=country, ok=False, out_dir=final)
    kernel: StageKernel | None = None
    try:
        kernel = StageKernel(cwd=notebooks_dir)
        data = load_country(folder)
        write_quarantine(data, private_staging / QUARANTINE_SUBDIR)
        params = notebook_parameters(country, data_root, staging, budget_usd_per_year, horizon_years)
        states = []
        for stage, notebook_name in paths.STAGE_NOTEBOOKS:
            problems = data.problems_for(stage) if stage != "data_quality" else []
            if not (notebooks_dir / notebook_name).exists():
                problems = [f"this stage is not built yet ({notebook_name} is not installed)"]
            if problems:
                outcome.stages[stage] = "skipped"
                states.append((stage, None, "; ".join(problems), None))
                _write_stage_block(staging, stage, {"skipped": "; ".join(problems)})
                continue
            if on_stage:
                on_stage(country, stage)
            executed = staging / NOTEBOOKS_SUBDIR / notebook_name
            executed.parent.mkdir(parents=True, exist_ok=True)
            if kernel_per_stage and kernel.used:
                kernel.close()
                kernel = StageKernel(cwd=notebooks_dir)
            try:
                kernel.execute(notebooks_dir / notebook_name, executed, params, cell_timeout)
            except Exception as exc:  # a failing cell, a dead kernel, a timeout
                outcome.stages[stage] = "failed"
                outcome.failed_stage, outcome.error = stage, _error_line(exc)
                if keep_failed_in is not None and executed.exists():
                    kept = Path(keep_failed_in) / f"{country}-{notebook_name}"
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(executed, kept)
                return outcome
            _name_final_folder(executed, staging, final)
            outcome.stages[stage] = "ok"
            states.append((stage, executed, None, None))
        summary = assemble_summary(data, staging)
        summary["generated"]["parameters"] = run_parameters(
            budget_usd_per_year, horizon_years, plotly_js)
        summary["generated"]["method_sha256"] = method_sha256()
        (staging / SUMMARY_NAME).write_text(json.dumps(summary, indent=2, allow_nan=False))
        profile = data.profile
        page = report.render_report(
            country_name=profile.name if profile else country,
            country_code=country,
            period=profile.period_label if profile else "unknown",
            synthetic=bool(profile and profile.synthetic),
            sections=report.section_list(states),
            plotly_js=plotly_js,
        )
        (staging / REPORT_NAME).write_text(page, encoding="utf-8")
        _swap_in(private_staging, paths.private_root(out_root) / country)
        _swap_in(staging, final)
        outcome.ok, outcome.summary = True, summary
        return outcome
    except WorkbenchError as exc:
        outcome.error = str(exc)
        return outcome
    except Exception as exc:  # the kernel would not start, a disk filled up ...
        outcome.error = _error_line(exc)
        return outcome
    finally:
        if kernel is not None:
            try:
                kernel.close()
            except Exception:  # a kernel that is already gone needs no stopping
                pass
        outcome.seconds = time.perf_counter() - started
        for leftover in (staging, private_staging):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)


def _name_final_folder(executed: Path, staging: Path, final: Path) -> None:
    """Write the report folder's path where the executed notebook names the staging
    folder (its injected ``out_dir`` and papermill's metadata): the staging folder's
    name carries the process id and host name, which a shared notebook must not."""
    staged, published = (json.dumps(str(p))[1:-1] for p in (staging, final))
    text = executed.read_text(encoding="utf-8")
    if staged in text:
        executed.write_text(text.replace(staged, published), encoding="utf-8")


def _private_staging(out_root: Path, country: str) -> Path:
    """A fresh staging folder for the run's analyst-only files (the rows set aside),
    in ``<out_root>.private``; what killed runs left there is cleaned first."""
    root = paths.make_private_dir(paths.private_root(out_root))
    clean_leftovers(root, country)
    return paths.make_private_dir(root / _owned_name(STAGING_PREFIX, country))


def _write_stage_block(staging: Path, stage: str, block: dict[str, Any]) -> None:
    target = staging / STAGES_SUBDIR / f"{stage}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(block, indent=2))


def assemble_summary(data: Any, staging: Path) -> dict[str, Any]:
    """summary.json from the stage blocks the notebooks published."""
    blocks = {}
    for stage, _ in paths.STAGE_NOTEBOOKS:
        path = staging / STAGES_SUBDIR / f"{stage}.json"
        blocks[stage] = (json.loads(path.read_text()) if path.exists()
                         else {"skipped": "the stage published no figures"})
    profile = data.profile
    summary: dict[str, Any] = {
        "country": data.code,
        "name": profile.name if profile else None,
        "framework": data.framework.id if data.framework else None,
        "synthetic": bool(profile and profile.synthetic),
        "period": {"start": str(profile.period_start), "end": str(profile.period_end)}
        if profile else None,
        "data_quality": data.data_quality(),
    }
    for stage in ("impact", "gaps", "business_case"):
        summary[stage] = blocks[stage]
    summary["generated"] = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "workbench_version": __version__,
        "input_sha256": data.file_hashes,
    }
    shutil.rmtree(staging / STAGES_SUBDIR, ignore_errors=True)
    return summary


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` with two renames (each atomic on one file system).

    A kill between the two renames leaves the previous report as ``.old-<CC>-...``
    and no ``<CC>``: :func:`clean_leftovers` puts it back.
    """
    old = final.with_name(_owned_name(OLD_PREFIX, final.name))
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def _owner_alive(pid: int, host: str) -> bool | None:
    """Whether the owning process still runs (None: on another machine, unknown)."""
    if host != _host():
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():  # Linux: a killed process nobody has reaped yet is not running
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")
    return True


def clean_leftovers(out_root: Path | str, country: str | None = None) -> list[str]:
    """Remove what killed runs left in ``out_root`` and restore lost reports.

    A ``.staging-<CC>-*`` folder whose process is gone is removed. An ``.old-<CC>-*``
    folder (the previous report, mid-swap when the run was killed) is renamed back
    to ``<CC>`` when no ``<CC>`` exists, else removed. Folders of live processes
    are left alone; those of another machine only once older than a day.

    Returns:
        One line per folder removed or restored, for the log.
    """
    out_root = Path(out_root)
    if not out_root.is_dir():
        return []
    done = []
    now = time.time()
    for path in sorted(out_root.iterdir()):
        match = _LEFTOVER.match(path.name)
        legacy = path.name.startswith((STAGING_PREFIX, OLD_PREFIX)) and not match
        if not (match or legacy) or not path.is_dir():
            continue
        kind = "staging" if path.name.startswith(STAGING_PREFIX) else "old"
        code = match.group(2) if match else path.name.split("-")[1][:2]
        if country is not None and code != country:
            continue
        if match:
            alive = _owner_alive(int(match.group(3)), match.group(4))
            if alive is None:
                alive = now - path.stat().st_mtime < OTHER_HOST_LEFTOVER_AGE.total_seconds()
            if alive:
                continue
        final = out_root / code
        if kind == "old" and not final.exists():
            os.replace(path, final)
            done.append(f"restored {code}/ from {path.name} (a run was killed while swapping it in)")
        else:
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {path.name} (left by a run that did not finish)")
    return done


# --------------------------------------------------------------------------- one process

def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(EVENT_PREFIX + json.dumps(event) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """One country in this process, its progress as JSON event lines on stdout.

    Used by ``workbench batch`` (``python -m workbench.runner``); exit 0 when the
    report was published, 1 when the run failed, 2 when it could not start.
    """
    parser = argparse.ArgumentParser(prog="python -m workbench.runner")
    parser.add_argument("country")
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--budget-usd-per-year", type=float, default=None)
    parser.add_argument("--horizon-years", type=int, default=None)
    parser.add_argument("--plotly-js", default="embed")
    parser.add_argument("--cell-timeout", type=float, default=None)
    parser.add_argument("--keep-failed-in", type=Path, default=None)
    parser.add_argument("--kernel-per-stage", action="store_true")
    args = parser.parse_args(argv)

    def stage_started(country: str, stage: str) -> None:
        _emit({"event": "stage", "country": country, "stage": stage})

    try:
        outcome = run_country(
            args.country, data_root=args.data, out_root=args.out,
            budget_usd_per_year=args.budget_usd_per_year, horizon_years=args.horizon_years,
            plotly_js=args.plotly_js, on_stage=stage_started, cell_timeout=args.cell_timeout,
            keep_failed_in=args.keep_failed_in, kernel_per_stage=args.kernel_per_stage,
        )
    except WorkbenchError as exc:
        _emit({"event": "outcome", "outcome": RunOutcome(
            country=args.country, ok=False, out_dir=args.out / args.country,
            error=str(exc)).to_json()})
        return 2
    _emit({"event": "outcome", "outcome": outcome.to_json()})
    return 0 if outcome.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
