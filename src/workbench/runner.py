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

``python -m workbench.runner CC --data ROOT --out DIR`` runs one country
in its own process and reports its stages and outcome as JSON lines on stdout: the
batch runs every country that way, so a country that crashes or is killed cannot
take the others down.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
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
from dataclasses import dataclass, field
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

from workbench import __version__, brief, lifetime, out_guard, paths, report
from workbench.countries import country_folder
from workbench.errors import WorkbenchError
from workbench.hashing import named_files_sha256
from workbench.i18n import DEFAULT_LANGUAGE, Language, _, parse_language, use_language
from workbench.loading import CountryData, load_country, write_quarantine
from workbench.outcome import BRIEF_NAME, FAILED, OK, PARTIAL, REPORT_NAME, CountryOutcome
from workbench.output_files import (
    WRITE_ERRNOS,
    OutputWriteError,
    cannot_write,
    os_error_line,
    write_text_atomic,
)
from workbench.summary_types import SkippedBlock, Summary

SUMMARY_NAME = "summary.json"
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


def notebook_parameters(
    country: str,
    data_root: Path,
    out_dir: Path,
    budget_usd_per_year: float | None,
    horizon_years: int | None,
    language: str = "",
) -> dict[str, Any]:
    """The values injected into every notebook's ``parameters`` cell."""
    return {
        "country": country,
        "data_root": str(data_root),
        "out_dir": str(out_dir),
        "budget_usd_per_year": budget_usd_per_year,
        "horizon_years": horizon_years,
        "language": language,
    }


def report_language(data: CountryData, override: str | None) -> Language:
    """The language the country's pages are written in: the run's ``--lang`` when
    given, else the profile's ``language`` (English without a usable profile)."""
    if override:
        return parse_language(override)
    return data.profile.language if data.profile is not None else DEFAULT_LANGUAGE


def run_parameters(
    budget_usd_per_year: float | None, horizon_years: int | None, plotly_js: str,
    language: str | None = None,
) -> dict[str, Any]:
    """The run's settings that change its outputs, as recorded in summary.json.

    Together with the input hashes, the workbench version and :func:`method_sha256`
    they decide whether a batch may skip the country as unchanged.
    """
    return {
        "budget_usd_per_year": None if budget_usd_per_year is None else float(budget_usd_per_year),
        "horizon_years": None if horizon_years is None else int(horizon_years),
        "plotly_js": plotly_js,
        "language": language,
    }


def method_sha256() -> str:
    """One hash of what turns inputs into a report besides the Python code: the
    stage notebooks and the shipped reference data (framework, intervention
    catalogue, reference tables).

    The code itself is identified by the workbench version; a notebook edited in a
    checkout changes this hash, so a report built by the old notebook is not taken
    for current.
    """
    notebooks = Path(paths.NOTEBOOKS_DIR)
    sources = [notebooks / name for _, name in paths.STAGE_NOTEBOOKS]
    sources += sorted(p for p in paths.SHIPPED_DATA.rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts)
    return named_files_sha256(sources)


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return os_error_line(exc)  # the file, and e.g. "No space left on device"
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
    batch_holds_lock: bool = False,
    language: str | None = None,
) -> CountryOutcome:
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
        batch_holds_lock: this is a batch's country run, and the batch holds the
            output folder's lock; otherwise the run takes the lock itself.
        language: the language of the pages (en or fr); None: the profile's.

    Raises WorkbenchError for a bad country code, a missing folder, an output
    folder that overlaps a data country folder, or one another run or batch is
    writing to (:mod:`workbench.out_guard`), all before anything is written, and for
    an output folder that cannot be written; any failure after that is reported in
    the returned outcome (status ``failed``, the last good report left in place).
    """
    given_out = out_root
    if language is not None:
        try:  # a bad --lang fails before anything is written
            language = parse_language(language)
        except ValueError as exc:
            raise WorkbenchError(f"--lang: {exc}") from None
    data_root = Path(data_root).resolve()
    out_root = Path(out_root).resolve()
    folder = country_folder(data_root, country)  # refuses a bad code before any path use
    if not folder.is_dir():
        raise WorkbenchError(f"{folder} does not exist (expected one folder per country)")
    out_guard.check_out_apart_from_data(data_root, given_out)
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a full disk, a read-only folder: the run cannot start
        raise OutputWriteError(os_error_line(exc)) from None
    lock = (contextlib.nullcontext() if batch_holds_lock
            else out_guard.writer_lock(out_root, f"workbench run {country}"))
    with lock:
        return _run_country_locked(
            country, data_root=data_root, out_root=out_root,
            budget_usd_per_year=budget_usd_per_year, horizon_years=horizon_years,
            plotly_js=plotly_js, on_stage=on_stage, cell_timeout=cell_timeout,
            keep_failed_in=keep_failed_in, kernel_per_stage=kernel_per_stage,
            language=language)


def _run_country_locked(
    country: str,
    *,
    data_root: Path,
    out_root: Path,
    budget_usd_per_year: float | None,
    horizon_years: int | None,
    plotly_js: str,
    on_stage: Callable[[str, str], None] | None,
    cell_timeout: float | None,
    keep_failed_in: Path | str | None,
    kernel_per_stage: bool,
    language: str | None = None,
) -> CountryOutcome:
    """:func:`run_country` once its paths are checked and the output folder is locked."""
    started = time.perf_counter()
    final = out_root / country
    staging = out_root / _owned_name(STAGING_PREFIX, country)
    private_staging = staging  # until the analyst-only staging folder exists
    try:
        clean_leftovers(out_root, country)
        staging.mkdir()
        private_staging = _private_staging(out_root, country)
    except OSError as exc:  # a full disk, a read-only folder: the run cannot start
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputWriteError(os_error_line(exc)) from None
    record = _RunRecord()
    try:
        _run_stages(record, country, folder=data_root / country, data_root=data_root,
                    out_root=out_root, staging=staging, private_staging=private_staging,
                    budget_usd_per_year=budget_usd_per_year, horizon_years=horizon_years,
                    plotly_js=plotly_js, on_stage=on_stage, cell_timeout=cell_timeout,
                    keep_failed_in=keep_failed_in, kernel_per_stage=kernel_per_stage,
                    language=language)
    except WorkbenchError as exc:  # an output that could not be written (a full disk)
        record.fail(str(exc).replace(str(staging), str(final)))
    except Exception as exc:  # the kernel would not start, a disk filled up ...
        record.fail(_failure_line(exc, staging, final))
    finally:
        record.close_kernel()
        for leftover in (staging, private_staging):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    return record.outcome(country, final, started)


def _run_stages(
    record: _RunRecord,
    country: str,
    *,
    folder: Path,
    data_root: Path,
    out_root: Path,
    staging: Path,
    private_staging: Path,
    budget_usd_per_year: float | None,
    horizon_years: int | None,
    plotly_js: str,
    on_stage: Callable[[str, str], None] | None,
    cell_timeout: float | None,
    keep_failed_in: Path | str | None,
    kernel_per_stage: bool,
    language: str | None = None,
) -> None:
    """Load the country, execute its stage notebooks into ``staging`` and swap the
    report in; what happens goes into ``record`` (a failure that has a reason to give
    is recorded, anything else raised)."""
    notebooks_dir = Path(paths.NOTEBOOKS_DIR)
    final = out_root / country
    record.kernel = StageKernel(cwd=notebooks_dir)
    data = load_country(folder)
    unusable = data.unusable_inputs()
    if unusable:  # nothing new is published: the last good report stays
        record.fail(unusable[0].reason, [problem.reason for problem in unusable])
        return
    write_quarantine(data, private_staging / QUARANTINE_SUBDIR)
    written_in = report_language(data, language)
    params = notebook_parameters(country, data_root, staging, budget_usd_per_year,
                                 horizon_years, written_in)
    states = []
    for stage, notebook_name in paths.STAGE_NOTEBOOKS:
        problems = data.problems_for(stage) if stage != "data_quality" else []
        if not (notebooks_dir / notebook_name).exists():
            problems = [f"this stage is not built yet ({notebook_name} is not installed)"]
        if problems:
            record.stages[stage] = "skipped"
            record.reasons.append(f"{stage} skipped: {'; '.join(problems)}")
            states.append((stage, None, "; ".join(problems), None))
            _write_stage_block(staging, stage, {"skipped": "; ".join(problems)})
            continue
        if on_stage:
            on_stage(country, stage)
        executed = staging / NOTEBOOKS_SUBDIR / notebook_name
        executed.parent.mkdir(parents=True, exist_ok=True)
        if kernel_per_stage and record.kernel.used:
            record.close_kernel()
            record.kernel = StageKernel(cwd=notebooks_dir)
        try:
            record.kernel.execute(notebooks_dir / notebook_name, executed, params, cell_timeout)
        except Exception as exc:  # a failing cell, a dead kernel, a timeout, a full disk
            if isinstance(exc, OSError) and not exc.filename and exc.errno in WRITE_ERRNOS:
                exc = cannot_write(executed, exc)  # papermill saving the executed notebook
            record.stages[stage] = "failed"
            record.failed_stage = stage
            record.fail(_failure_line(exc, staging, final))
            _keep_failed_notebook(executed, keep_failed_in, f"{country}-{notebook_name}")
            return
        _name_final_folder(executed, staging, final)
        record.stages[stage] = "ok"
        states.append((stage, executed, None, None))
    status = PARTIAL if record.reasons else OK
    summary = assemble_summary(data, staging, status=status, reasons=record.reasons,
                               language=written_in)
    summary["generated"]["parameters"] = run_parameters(
        budget_usd_per_year, horizon_years, plotly_js, language)
    summary["generated"]["method_sha256"] = method_sha256()
    write_text_atomic(staging / SUMMARY_NAME, json.dumps(summary, indent=2, allow_nan=False))
    profile = data.profile
    with use_language(written_in):
        page = report.render_report(
            country_name=profile.name if profile else country,
            country_code=country,
            period=profile.period_label if profile else _("unknown"),
            synthetic=bool(profile and profile.synthetic),
            sections=report.section_list(states),
            plotly_js=plotly_js,
            summary=summary,
        )
    write_text_atomic(staging / REPORT_NAME, page)
    with use_language(written_in):
        record.brief_missing = _print_brief(summary, staging / BRIEF_NAME)
    _swap_in(private_staging, paths.private_root(out_root) / country)
    _swap_in(staging, final)
    record.status = status


def _print_brief(summary: Summary, target: Path) -> str | None:
    """Print brief.pdf beside the report; why not, in one line, when it cannot be.

    The brief is a print of figures the report and summary.json already publish, so
    a brief that cannot be printed (no Chromium on the machine) leaves the run ok:
    the run's line and the manifest say that the brief is missing, and why.
    """
    try:
        brief.write_brief(summary, target)
    except brief.BriefNotPrinted as exc:
        target.unlink(missing_ok=True)
        return str(exc)
    return None


@dataclass
class _RunRecord:
    """What a run has done so far; :meth:`outcome` is what it returns."""

    status: str = FAILED  # until the report is published
    stages: dict[str, str] = field(default_factory=dict)
    failed_stage: str | None = None
    error: str | None = None
    reasons: list[str] = field(default_factory=list)
    kernel: StageKernel | None = None
    brief_missing: str | None = None

    def fail(self, error: str, reasons: list[str] | None = None) -> None:
        self.error = error
        self.reasons = reasons if reasons is not None else [error]

    def close_kernel(self) -> None:
        if self.kernel is not None:
            try:
                self.kernel.close()
            except Exception:  # a kernel that is already gone needs no stopping
                pass
            self.kernel = None

    def outcome(self, country: str, final: Path, started: float) -> CountryOutcome:
        """The run's outcome; a failed run names the last good report it left in place."""
        has_report = (final / REPORT_NAME).is_file()
        return CountryOutcome(
            country=country, status=self.status, out_dir=final,
            seconds=time.perf_counter() - started, stages=dict(self.stages),
            failed_stage=self.failed_stage, error=self.error, reasons=tuple(self.reasons),
            report=f"{country}/{REPORT_NAME}" if has_report else None,
            brief=f"{country}/{BRIEF_NAME}" if (final / BRIEF_NAME).is_file() else None,
            brief_missing=self.brief_missing if self.status != FAILED else None,
        )


def _failure_line(exc: BaseException, staging: Path, final: Path) -> str:
    """The one-line error of a failed run, naming the report folder rather than the
    staging folder that stood in for it (which is gone by the time anyone reads it)."""
    return _error_line(exc).replace(str(staging), str(final))


def _keep_failed_notebook(executed: Path, keep_in: Path | str | None, name: str) -> None:
    """Copy a failed stage's executed notebook (its traceback) for whoever is on call.

    A courtesy: when even that cannot be written (a full disk), the run's own error
    is what gets reported.
    """
    if keep_in is None or not executed.exists():
        return
    kept = Path(keep_in) / name
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, kept)
    except OSError:
        kept.unlink(missing_ok=True)


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


def _write_stage_block(staging: Path, stage: str, block: SkippedBlock) -> None:
    target = staging / paths.STAGES_SUBDIR / f"{stage}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, json.dumps(block, indent=2))


def _published_block(staging: Path, stage: str) -> Any:
    """The block the stage's notebook published (workbench.notebook.publish): its
    summary (an ImpactSummary, GapsSummary or BusinessCaseSummary) or SkippedBlock."""
    path = staging / paths.STAGES_SUBDIR / f"{stage}.json"
    if not path.exists():
        return {"skipped": "the stage published no figures"}
    return json.loads(path.read_text())


def assemble_summary(data: CountryData, staging: Path, *, status: str = OK,
                     reasons: list[str] | None = None,
                     language: Language = DEFAULT_LANGUAGE) -> Summary:
    """summary.json from the stage blocks the notebooks published.

    ``status`` is ``ok`` or ``partial`` (a failed run publishes no summary);
    ``reasons`` (one line per skipped stage, naming the file) is kept unless ok;
    ``language`` is the language the report was written in (the summary's own
    words stay English).
    """
    profile = data.profile
    summary: Summary = {
        "country": data.code,
        "status": status,
        **({"reasons": list(reasons or [])} if status != OK else {}),
        "name": profile.name if profile else None,
        "framework": data.framework.id if data.framework else None,
        "synthetic": bool(profile and profile.synthetic),
        "language": language,
        "period": {"start": str(profile.period_start), "end": str(profile.period_end)}
        if profile else None,
        "data_quality": data.data_quality(),
        "impact": _published_block(staging, "impact"),
        "gaps": _published_block(staging, "gaps"),
        "business_case": _published_block(staging, "business_case"),
        "generated": {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "workbench_version": __version__,
            "input_sha256": data.file_hashes,
        },
    }
    shutil.rmtree(staging / paths.STAGES_SUBDIR, ignore_errors=True)
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
    return lifetime.process_running(pid)


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
    parser.add_argument("--lang", default=None, help="language of the pages (default: profile)")
    # Set by a batch for its country runs (workbench.batch.run_in_subprocess).
    parser.add_argument("--batch-holds-lock", action="store_true",
                        help="the batch that started this run holds the output folder's lock")
    parser.add_argument("--parent-pid", type=int, default=None,
                        help="end this run when that process (its parent) ends")
    args = parser.parse_args(argv)
    if args.parent_pid is not None and not lifetime.end_with_parent(args.parent_pid):
        return 2  # the batch that wanted this run is gone already: nobody to report to

    def stage_started(country: str, stage: str) -> None:
        _emit({"event": "stage", "country": country, "stage": stage})

    try:
        outcome = run_country(
            args.country, data_root=args.data, out_root=args.out,
            budget_usd_per_year=args.budget_usd_per_year, horizon_years=args.horizon_years,
            plotly_js=args.plotly_js, on_stage=stage_started, cell_timeout=args.cell_timeout,
            keep_failed_in=args.keep_failed_in, kernel_per_stage=args.kernel_per_stage,
            batch_holds_lock=args.batch_holds_lock, language=args.lang,
        )
    except WorkbenchError as exc:
        _emit({"event": "outcome", "outcome": CountryOutcome(
            country=args.country, status=FAILED, out_dir=args.out / args.country,
            seconds=0.0, error=str(exc), reasons=(str(exc),)).to_manifest()})
        return 2
    _emit({"event": "outcome", "outcome": outcome.to_manifest()})
    return 0 if outcome.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
