"""`workbench batch`: every country's report, each in its own process, in parallel,
with a manifest, an index page and incremental re-runs. docs/operations.md is the
guide for whoever runs it on a schedule.

How a batch keeps one country from hurting the others:

- every country runs in its own ``python -m workbench.runner`` process (its own
  kernel), started by a thread of this process or by a task on a Dask cluster; a
  crash, a kill or a timeout ends that process only, and is reported as that
  country's failure;
- a run writes into a staging folder and swaps it in only when it succeeded, so a
  failure leaves the last good report in place, marked stale;
- ``manifest.json`` is rewritten (atomically) whenever a country starts, changes
  stage or ends, and always describes what is on disk: if the batch itself is
  killed, the countries it was running read "stale" (or "failed" when there was no
  earlier report) with the stage they were in (:mod:`workbench.manifest`);
- the country processes end with the batch, even when it is killed with SIGKILL
  (:mod:`workbench.lifetime`);
- the next batch removes the staging folders killed runs left behind, and corrects
  the manifest entries a killed batch left running
  (:func:`workbench.manifest.reconcile_interrupted`);
- one batch or run at a time writes to an output folder, which must be apart from
  the data (:mod:`workbench.out_guard`).

A country is skipped as unchanged when its input files, the run's parameters, the
workbench version, and the stage notebooks and shipped reference data
(:func:`workbench.runner.method_sha256`) all equal those recorded in its last good
summary.json (``generated``); ``force`` re-runs it anyway.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from rich.console import Console

from workbench import __version__, loading, out_guard, paths, runner
from workbench.countries import validate_country_code
from workbench.errors import InvalidCountryCode, WorkbenchError
from workbench.i18n import parse_language
from workbench.manifest import (
    INDEX_NAME,
    MANIFEST_NAME,
    BatchManifest,
    relative_to_out,
    single_line,
    unchanged_since_last_good,
    utc_now,
    write_shared_plotly_js,
)
from workbench.outcome import FAILED, SKIPPED, CountryOutcome
from workbench.output_files import cannot_write, os_error_line
from workbench.report import PLOTLY_JS_NAME
from workbench.summary_types import RunKey

LOGS_SUBDIR = "logs"
# The country pages of a batch share one plotly.js next to the index (see
# docs/operations.md): ~4.7 MB once instead of once per page.
SHARED_PLOTLY_JS = f"../{PLOTLY_JS_NAME}"
DEFAULT_TIMEOUT_SECONDS = 3600.0
DASK_CONNECT_TIMEOUT = "30s"

# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class RunSettings:
    """What every country's run of a batch shares (picklable: Dask ships it)."""

    data_root: str
    out_root: str
    budget_usd_per_year: float | None = None
    horizon_years: int | None = None
    plotly_js: str = SHARED_PLOTLY_JS
    cell_timeout: float | None = None
    timeout_seconds: float | None = DEFAULT_TIMEOUT_SECONDS
    # The language of every country's pages (None: each profile's own).
    language: str | None = None
    # Set only when the stage notebooks are not the installed ones (tests, a
    # checkout's edited notebooks): the run processes are told where they are.
    notebooks_dir: str | None = None

    def parameters(self) -> dict[str, Any]:
        return runner.run_parameters(self.budget_usd_per_year, self.horizon_years,
                                     self.plotly_js, self.language)


def run_key(country_dir: Path, settings: RunSettings) -> RunKey:
    """What a report depends on; equal keys mean an identical report."""
    return {
        "input_sha256": loading.input_sha256(country_dir),
        "parameters": settings.parameters(),
        "workbench_version": __version__,
        "method_sha256": runner.method_sha256(),
    }


# --------------------------------------------------------------------------- one country


def _failure(country: str, settings: RunSettings, error: str, stage: str | None = None,
             seconds: float = 0.0) -> CountryOutcome:
    """A country whose run gave no outcome of its own (it could not start, or died)."""
    return CountryOutcome(country=country, status=FAILED,
                          out_dir=Path(settings.out_root) / country, seconds=seconds,
                          failed_stage=stage, error=error, reasons=(error,))


class _RunLog:
    """A country's log file, appended to by this process and the run's own stderr.

    A line that cannot be written (a full disk) is dropped rather than raised: the
    log must never stop the run it records, nor the reader of its events (whose
    death would leave the run blocked on a full pipe).
    """

    def __init__(self, path: Path) -> None:
        self.handle = path.open("a", encoding="utf-8")

    def fileno(self) -> int:  # the run process's stderr goes straight to the file
        return self.handle.fileno()

    def write(self, text: str) -> None:
        try:
            self.handle.write(text)
            self.handle.flush()
        except OSError:
            pass

    def flush(self) -> None:
        self.write("")

    def __enter__(self) -> _RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.handle.close()
        except OSError:
            pass


_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()


def _kill_group(process: subprocess.Popen) -> None:
    """Kill a run process and everything it started (its kernel): its own session."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_live_runs() -> None:
    """Kill every country run this process started that is still going."""
    _STOPPING.set()
    with _LIVE_LOCK:
        live = list(_LIVE)
    for process in live:
        _kill_group(process)


def run_in_subprocess(
    country: str,
    settings: RunSettings,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> CountryOutcome:
    """Run one country in its own process (``python -m workbench.runner``).

    The process gets a session of its own (its kernel another, which stops by
    itself when the process is gone); a crash, a kill or the timeout ends here as
    this country's result, never as an exception.
    ``on_event`` receives ``{"event": "started", "pid"}`` and ``{"event": "stage",
    "stage"}`` as they happen. Also the function a Dask worker runs.

    Returns:
        The run's outcome, with the process's id and seconds (start-up included),
        and its log and failed notebook relative to the output folder.
    """
    started = time.perf_counter()
    out_root = Path(settings.out_root)
    # Logs and failed notebooks may quote the data (a traceback, a kernel warning):
    # they go to the analyst-only folder, never beside the reports that are shared.
    logs = paths.private_root(out_root) / LOGS_SUBDIR
    try:
        paths.make_private_dir(logs)
    except OSError as exc:  # a full disk: the country fails, naming its log folder
        raise cannot_write(logs, exc) from None
    for old in logs.glob(f"{country}-*.ipynb"):
        old.unlink(missing_ok=True)
    log_path = logs / f"{country}.log"
    try:
        log_path.write_text(f"{utc_now()} {country}: run started on {socket.gethostname()}\n")
    except OSError as exc:  # a full disk: the country fails, naming its log
        raise cannot_write(log_path, exc) from None
    command = [sys.executable, "-m", "workbench.runner", country,
               "--data", settings.data_root, "--out", settings.out_root,
               "--plotly-js", settings.plotly_js, "--keep-failed-in", str(logs),
               # The batch holds the output folder's lock; the run dies with this process.
               "--batch-holds-lock", "--parent-pid", str(os.getpid())]
    if settings.budget_usd_per_year is not None:
        command += ["--budget-usd-per-year", repr(float(settings.budget_usd_per_year))]
    if settings.horizon_years is not None:
        command += ["--horizon-years", str(int(settings.horizon_years))]
    if settings.language is not None:
        command += ["--lang", settings.language]
    if settings.cell_timeout is not None:
        command += ["--cell-timeout", repr(float(settings.cell_timeout))]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if settings.notebooks_dir:
        env["WORKBENCH_NOTEBOOKS"] = settings.notebooks_dir
    result: CountryOutcome | None = None
    stage: str | None = None
    timed_out = threading.Event()
    # Appending from both sides (the process's stderr, this reader) keeps both intact.
    with _RunLog(log_path) as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
            text=True, encoding="utf-8", errors="replace", env=env, start_new_session=True,
        )
        with _LIVE_LOCK:
            _LIVE.add(process)
        timer = None
        if settings.timeout_seconds:
            def expire() -> None:
                timed_out.set()
                _kill_group(process)
            timer = threading.Timer(settings.timeout_seconds, expire)
            timer.daemon = True
            timer.start()
        def read_events() -> None:
            nonlocal result, stage
            assert process.stdout is not None
            for line in process.stdout:
                event = None
                if line.startswith(runner.EVENT_PREFIX):
                    try:
                        event = json.loads(line[len(runner.EVENT_PREFIX):])
                    except ValueError:
                        event = None
                if not isinstance(event, dict):
                    log.write(line)
                elif event.get("event") == "stage":
                    stage = event.get("stage")
                    log.write(f"{utc_now()} {country}: stage {stage}\n")
                    log.flush()
                    if on_event:
                        on_event(event)
                elif event.get("event") == "outcome" and isinstance(event.get("outcome"), dict):
                    result = CountryOutcome.from_manifest(country, event["outcome"], out_root)

        try:
            if on_event:
                on_event({"event": "started", "country": country, "pid": process.pid})
            reader = threading.Thread(target=read_events, daemon=True,
                                      name=f"workbench-events-{country}")
            reader.start()
            # Wait for the run process without reaping it, so that its process group
            # id cannot be reused, and kill whatever it left in its group. Its kernel
            # (a session of its own) stops by itself within a second of losing its
            # parent; the reader ends when the kernel lets go of the shared stdout.
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
            _kill_group(process)
            returncode = process.wait()
            reader.join(timeout=30)
        finally:
            if timer is not None:
                timer.cancel()
            with _LIVE_LOCK:
                _LIVE.discard(process)
        seconds = time.perf_counter() - started
        if result is None:
            if timed_out.is_set():
                why = f"timed out after {settings.timeout_seconds:g} s; the run was stopped"
            elif _STOPPING.is_set():
                why = "interrupted: the batch was stopped before this country's run finished"
            elif returncode < 0:
                why = f"the run process was killed by {signal.Signals(-returncode).name}"
            else:
                why = f"the run process exited with code {returncode} without a result"
            log.write(f"{utc_now()} {country}: {why}\n")
            result = _failure(country, settings, why, stage, seconds)
            # Its staging folder (the process is gone now) is not worth keeping.
            runner.clean_leftovers(out_root, country)
        verdict = result.status if result.ok else f"failed: {single_line(result.error)}"
        log.write(f"{utc_now()} {country}: {verdict} ({seconds:.1f} s)\n")
    kept = sorted(logs.glob(f"{country}-*.ipynb"))
    return dataclasses.replace(
        result, pid=process.pid, seconds=round(seconds, 2),
        log=relative_to_out(out_root, str(log_path)),
        failed_notebook=relative_to_out(out_root, str(kept[0])) if kept else None)


# --------------------------------------------------------------------------- progress


class BatchProgress(Protocol):
    """What the batch tells whoever watches it."""

    def start(self, total: int, to_run: int, workers: str) -> None: ...
    def note(self, text: str) -> None: ...
    def country_started(self, country: str, number: int) -> None: ...
    def stage(self, country: str, stage: str) -> None: ...
    def country_done(self, result: CountryOutcome, done: int, failures: int) -> None: ...
    def stop(self) -> None: ...


class NoProgress(BatchProgress):
    """Progress nobody watches: the protocol's methods, which do nothing."""


class PlainProgress:
    """Progress as plain time-stamped log lines (cron, CI, a file)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.total = 0
        self.numbers: dict[str, int] = {}
        self.lock = threading.Lock()

    def _line(self, text: str) -> None:
        with self.lock:
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            self.stream.write(f"{stamp} {text}\n")
            self.stream.flush()

    def start(self, total: int, to_run: int, workers: str) -> None:
        self.total = total
        self._line(f"batch: {total} countries, {to_run} to run, {total - to_run} unchanged; "
                   f"{workers}")

    def note(self, text: str) -> None:
        self._line(f"batch: {text}")

    def country_started(self, country: str, number: int) -> None:
        self.numbers[country] = number
        self._line(f"{country} ({number} of {self.total}): started")

    def stage(self, country: str, stage: str) -> None:
        self._line(f"{country} ({self.numbers.get(country, '?')} of {self.total}): stage {stage}")

    def country_done(self, result: CountryOutcome, done: int, failures: int) -> None:
        took = f" in {result.seconds:.1f} s" if result.status != SKIPPED else ""
        self._line(f"[{done}/{self.total} done, {failures} failed] {result.country}: "
                   f"{result.status}{took}")

    def stop(self) -> None: ...


class RichProgress:
    """A live display on a terminal: the countries done out of all, failures so
    far, and a line per running country with its current stage."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True,
        )
        self.overall = None
        self.overall_label = "countries"
        self.tasks: dict[str, Any] = {}
        self.numbers: dict[str, int] = {}
        self.total = 0
        self.lock = threading.Lock()

    def start(self, total: int, to_run: int, workers: str) -> None:
        self.total = total
        self.progress.start()
        self.overall_label = f"countries ({to_run} to run, {workers})"
        self.overall = self.progress.add_task(f"{self.overall_label}, failures so far: 0",
                                              total=total)

    def note(self, text: str) -> None:
        self.progress.console.print(text, markup=False, highlight=False)

    def country_started(self, country: str, number: int) -> None:
        with self.lock:
            self.numbers[country] = number
            self.tasks[country] = self.progress.add_task(
                f"  {country} ({number} of {self.total}): starting",
                total=len(paths.STAGE_NOTEBOOKS))

    def stage(self, country: str, stage: str) -> None:
        stages = [name for name, _ in paths.STAGE_NOTEBOOKS]
        with self.lock:
            task = self.tasks.get(country)
            if task is not None:
                self.progress.update(
                    task, completed=stages.index(stage) if stage in stages else 0,
                    description=f"  {country} ({self.numbers[country]} of {self.total}): {stage}")

    def country_done(self, result: CountryOutcome, done: int, failures: int) -> None:
        with self.lock:
            task = self.tasks.pop(result.country, None)
            if task is not None:
                self.progress.remove_task(task)
            if self.overall is not None:
                self.progress.update(
                    self.overall, completed=done,
                    description=f"{self.overall_label}, failures so far: {failures}")
        if not result.ok:
            self.progress.console.print(f"{result.country}: {result.status}", markup=False,
                                        highlight=False)

    def stop(self) -> None:
        self.progress.stop()


def make_progress(console: Console) -> BatchProgress:
    """A live display when ``console`` is a terminal, plain log lines otherwise."""
    if console.is_terminal and not console.is_dumb_terminal:
        return RichProgress(console)
    return PlainProgress(console.file)


# --------------------------------------------------------------------------- batch


@dataclass
class BatchResult:
    outcomes: list[CountryOutcome] = field(default_factory=list)
    manifest_path: Path | None = None
    index_path: Path | None = None
    cleaned: list[str] = field(default_factory=list)
    # manifest.json or index.html could not be written (a full disk): one line each.
    write_errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[CountryOutcome]:
        return [o for o in self.outcomes if not o.ok]


def discover_countries(data_root: Path, only: Iterable[str] | None = None) -> list[str]:
    """Country folders under ``data_root`` (named by ISO code), or the ``only`` ones."""
    if only:
        codes = [validate_country_code(code.strip()) for code in only if code.strip()]
        missing = [c for c in codes if not (data_root / c).is_dir()]
        if missing:
            raise WorkbenchError(f"no folder for {', '.join(missing)} under {data_root}")
        return list(dict.fromkeys(codes))
    codes = []
    for child in sorted(data_root.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        try:
            codes.append(validate_country_code(child.name))
        except InvalidCountryCode:
            continue  # not a country folder (e.g. a notes folder)
    if not codes:
        raise WorkbenchError(f"no country folders (named by ISO code) under {data_root}")
    return codes


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def _stop_runs_on_exit() -> Iterator[None]:
    """On Ctrl-C or SIGTERM, kill the country runs (they have sessions of their own)."""
    previous = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        def terminate(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt(f"signal {signum}")
        previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except BaseException:
        stop_live_runs()
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def run_batch(
    data_root: Path | str,
    out_root: Path | str,
    countries: Iterable[str] | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    budget_usd_per_year: float | None = None,
    horizon_years: int | None = None,
    share_plotly_js: bool = True,
    timeout_seconds: float | None = DEFAULT_TIMEOUT_SECONDS,
    cell_timeout: float | None = None,
    progress: BatchProgress | None = None,
    language: str | None = None,
) -> BatchResult:
    """Run every country (or ``countries``); one country's failure never stops the others.

    Args:
        data_root: folder holding one folder per country.
        out_root: where ``<CC>/``, ``manifest.json``, ``index.html``, ``logs/`` go.
        countries: ISO codes to run (default: every country folder).
        workers: countries run at once on this machine (default: its cores).
        scheduler: address of a Dask distributed scheduler; the countries then
            run on its workers, which must see ``data_root`` and ``out_root`` at
            the same paths (a shared file system) and have the workbench installed.
        force: re-run countries whose inputs are unchanged.
        budget_usd_per_year, horizon_years: roadmap settings for every country.
        share_plotly_js: the pages share ``<out_root>/plotly.min.js`` (False: each
            report embeds its own copy and stands alone).
        timeout_seconds: a country's run is stopped after this long (None: never).
        cell_timeout: seconds one notebook cell may run (None: no limit).
        progress: receives progress as it happens.
        language: the language of every country's pages, en or fr (None: each
            country's profile.yaml).

    Raises:
        WorkbenchError: the batch cannot start (no countries, a bad code, an
            ``out_root`` overlapping a data country folder, another run or batch
            writing to ``out_root``, an unreachable scheduler).
    """
    given_out = out_root
    data_root, out_root = Path(data_root).resolve(), Path(out_root).resolve()
    if not data_root.is_dir():
        raise WorkbenchError(f"{data_root} is not a folder")
    codes = discover_countries(data_root, countries)
    if workers is not None and workers < 1:
        raise WorkbenchError(f"--workers must be at least 1, got {workers}")
    workers = workers or default_workers()
    progress = progress or NoProgress()
    if language is not None:
        try:
            language = parse_language(language)
        except ValueError as exc:
            raise WorkbenchError(f"--lang: {exc}") from None
    out_guard.check_out_apart_from_data(data_root, given_out)
    out_root.mkdir(parents=True, exist_ok=True)
    notebooks_dir = Path(paths.NOTEBOOKS_DIR)
    settings = RunSettings(
        data_root=str(data_root), out_root=str(out_root),
        budget_usd_per_year=budget_usd_per_year, horizon_years=horizon_years,
        plotly_js=SHARED_PLOTLY_JS if share_plotly_js else "embed",
        cell_timeout=cell_timeout, timeout_seconds=timeout_seconds, language=language,
        notebooks_dir=None if notebooks_dir == paths.PROJECT_ROOT / "notebooks"
        else str(notebooks_dir),
    )
    result = BatchResult()
    _STOPPING.clear()
    # One writer at a time per output folder: a slow night must not overlap the next,
    # nor a `workbench run` swap a report in under the batch.
    with out_guard.writer_lock(out_root, "workbench batch"), _stop_runs_on_exit():
        result.cleaned = runner.clean_leftovers(out_root)
        for line in result.cleaned:
            progress.note(line)
        if share_plotly_js:
            write_shared_plotly_js(out_root)
        batch_info = {
            "started_at": utc_now(), "finished_at": None,
            "host": socket.gethostname(), "pid": os.getpid(),
            "data_root": str(data_root), "out_root": str(out_root),
            "countries": codes, "force": force,
            "workers": None if scheduler else workers, "scheduler": scheduler,
            "parameters": settings.parameters(),
            "timeout_seconds": timeout_seconds, "cell_timeout": cell_timeout,
        }
        manifest = BatchManifest(out_root, codes, batch_info,
                                 index_plotly_js=PLOTLY_JS_NAME if share_plotly_js else "embed")
        state = _BatchState(manifest, progress)
        to_run = []
        for code in codes:
            try:
                key = run_key(data_root / code, settings)
            except OSError:  # an unreadable file: the run will say which, for this country only
                key = {"input_sha256": {}, "parameters": settings.parameters(),
                       "workbench_version": __version__, "method_sha256": runner.method_sha256()}
                skip = False
            else:
                skip = not force and unchanged_since_last_good(out_root / code, key)
            manifest.plan(code, key, skip)
            if not skip:
                to_run.append(code)
        manifest.save()
        where = (f"on the Dask cluster at {scheduler}" if scheduler
                 else f"{min(workers, max(1, len(to_run)))} at a time")
        progress.start(len(codes), len(to_run), where)
        try:
            done = 0
            for code in codes:
                if code not in to_run:
                    done += 1
                    progress.country_done(manifest.results[code], done, 0)
            if to_run:
                if scheduler:
                    _run_on_dask(to_run, settings, scheduler, state)
                else:
                    _run_locally(to_run, settings, workers, state)
        finally:
            progress.stop()
        manifest.finish()
    result.outcomes = [manifest.results[code] for code in codes]
    result.write_errors = manifest.write_errors
    result.manifest_path = out_root / MANIFEST_NAME
    result.index_path = out_root / INDEX_NAME
    return result


@dataclass(frozen=True)
class _BatchState:
    """The batch's manifest, and whoever watches the batch, told of each change."""

    manifest: BatchManifest
    progress: BatchProgress

    def started(self, code: str) -> None:
        self.progress.country_started(code, self.manifest.started(code))

    def event(self, code: str, event: dict[str, Any]) -> None:
        self.manifest.event(code, event)
        if event.get("event") == "stage":
            self.progress.stage(code, str(event.get("stage")))

    def finished(self, code: str, run: CountryOutcome) -> CountryOutcome:
        result, done, failures = self.manifest.finished(code, run)
        self.progress.country_done(result, done, failures)
        return result


def _run_one(code: str, settings: RunSettings, state: _BatchState) -> CountryOutcome:
    state.started(code)
    try:
        run = run_in_subprocess(code, settings, on_event=lambda e: state.event(code, e))
    except WorkbenchError as exc:  # its log cannot be written (a full disk)
        run = _failure(code, settings, str(exc))
    except OSError as exc:  # no process could be started ...
        run = _failure(code, settings, os_error_line(exc))
    except Exception as exc:
        run = _failure(code, settings, f"{type(exc).__name__}: {exc}")
    return state.finished(code, run)


def _run_locally(codes: list[str], settings: RunSettings, workers: int,
                 state: _BatchState) -> None:
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="workbench-batch")
    try:
        pending = {executor.submit(_run_one, code, settings, state) for code in codes}
        while pending:
            _, pending = wait(pending, return_when=FIRST_COMPLETED)
    except BaseException:
        # Stopped (Ctrl-C, SIGTERM): end the runs first, or their threads would wait
        # for them to finish.
        executor.shutdown(wait=False, cancel_futures=True)
        stop_live_runs()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _run_on_dask(codes: list[str], settings: RunSettings, scheduler: str,
                 state: _BatchState) -> None:
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise WorkbenchError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    token = uuid.uuid4().hex[:8]
    with client:
        futures = {}
        for code in codes:
            future = client.submit(run_in_subprocess, code, settings, pure=False,
                                   key=f"workbench-run-{code}-{token}")
            futures[future] = code
            state.started(code)
        for future in as_completed(futures, loop=client.loop):
            code = futures[future]
            try:
                run = future.result()
            except Exception as exc:  # the worker died (KilledWorker) or could not run it
                run = _failure(code, settings,
                               f"the Dask task failed: {type(exc).__name__}: {single_line(str(exc))}")
            state.finished(code, run)
