"""A batch folder's ``manifest.json`` and ``index.html``, kept true of the disk.

The manifest records one :class:`~workbench.outcome.CountryOutcome` per country
(docs/operations.md describes its fields). While a batch runs,
:class:`BatchManifest` rewrites it (atomically) whenever a country starts, changes
stage or ends, each country written as what is on disk should the batch die now;
:func:`reconcile_interrupted` corrects what a killed batch left ``queued`` or
``running``. The index page shows the same outcomes beside each report's
summary.json.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from workbench import __version__, brief, index_page, runner
from workbench.countries import validate_country_code
from workbench.errors import InvalidCountryCode
from workbench.formatting import format_timestamp
from workbench.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, use_language
from workbench.outcome import (
    BRIEF_NAME,
    DONE,
    FAILED,
    OK,
    PARTIAL,
    QUEUED,
    REPORT_NAME,
    RUNNING,
    SKIPPED,
    STALE,
    CountryOutcome,
)
from workbench.output_files import OutputWriteError, write_text_atomic
from workbench.report import PLOTLY_JS_NAME
from workbench.runner import SUMMARY_NAME
from workbench.summary_types import Generated, RunKey, Summary

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
MANIFEST_VERSION = 1

# How the manifest's entry names what a report was made from, and summary.json's
# ``generated`` block names it.
_MADE_FROM = (("inputs_sha256", "input_sha256"), ("parameters", "parameters"),
              ("workbench_version", "workbench_version"), ("method_sha256", "method_sha256"))


def utc_now() -> str:
    """The time now, as the manifest and the logs write it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def single_line(text: str | None) -> str | None:
    """``text`` with its line breaks and runs of spaces as single spaces."""
    return None if text is None else " ".join(str(text).split())


def read_summary(report_dir: Path) -> Summary | None:
    """A published summary.json, or None when there is none (or it is unreadable)."""
    try:
        summary = json.loads((report_dir / SUMMARY_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def _generated(summary: Summary | None) -> Generated:
    return (summary or {}).get("generated") or {}


def unchanged_since_last_good(report_dir: Path, key: RunKey) -> bool:
    """Whether the report in ``report_dir`` was made from exactly ``key``."""
    summary = read_summary(report_dir)
    if summary is None or not (report_dir / REPORT_NAME).is_file():
        return False
    if not (report_dir / BRIEF_NAME).is_file() and brief.find_chromium() is not None:
        return False  # a report from before briefs, or printed without Chromium: run again
    generated = _generated(summary)
    return all(generated.get(k) == v for k, v in key.items())


def read_manifest(out_root: Path) -> dict[str, Any]:
    """The manifest of the last batch in ``out_root`` (empty when none or unreadable)."""
    try:
        manifest = json.loads((Path(out_root) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def manifest_outcomes(out_root: Path, manifest: dict[str, Any]) -> dict[str, CountryOutcome]:
    """The countries of a manifest as outcomes (entries that are not objects left out)."""
    countries = manifest.get("countries")
    if not isinstance(countries, dict):
        return {}
    return {code: CountryOutcome.from_manifest(code, entry, out_root)
            for code, entry in countries.items() if isinstance(entry, dict)}


def reconcile_interrupted(out_root: Path, outcome: CountryOutcome) -> CountryOutcome:
    """An outcome a killed batch left ``queued`` or ``running``, made true of the disk
    again (the caller holds the output folder's lock: that batch is gone).

    Its run may have ended after the batch: died with it (a local run, see
    :mod:`workbench.lifetime`; the report on disk is the last good one), or
    finished and published a report (a run on a Dask worker is not stopped with
    the batch). A report made from exactly the inputs, parameters and method that
    run was given, after it started, is that run's: the outcome reads ``ok``.
    Otherwise it reads ``stale`` (``failed`` without a report), as interrupted.
    """
    code = outcome.country
    summary = read_summary(out_root / code)
    has_report = summary is not None and (out_root / code / REPORT_NAME).is_file()
    generated = _generated(summary)
    made_by_that_run = has_report and outcome.started_at is not None and all(
        generated.get(source) == getattr(outcome, name) for name, source in _MADE_FROM)
    if made_by_that_run:
        try:
            made_by_that_run = (dt.datetime.fromisoformat(str(generated.get("at")))
                                >= dt.datetime.fromisoformat(str(outcome.started_at)))
        except ValueError:
            made_by_that_run = False
    fixed = dataclasses.replace(
        outcome, state=DONE, stage=None,
        last_good_run=generated.get("at") if has_report else None,
        report=f"{code}/{REPORT_NAME}" if has_report else None)
    if made_by_that_run and summary is not None:  # the report says what it is
        return dataclasses.replace(
            fixed, status=summary.get("status", OK), reasons=tuple(summary.get("reasons", [])),
            failed_stage=None, error=None)
    return dataclasses.replace(fixed, status=STALE if has_report else FAILED)


class BatchManifest:
    """The manifest being kept true of the disk while a batch runs (thread-safe).

    Each method changes one country's outcome and rewrites manifest.json (and
    index.html); the batch tells whoever watches it.
    """

    def __init__(self, out_root: Path, codes: list[str], batch_info: dict[str, Any],
                 index_plotly_js: str) -> None:
        self.out_root = out_root
        self.codes = codes
        self.index_plotly_js = index_plotly_js
        self.lock = threading.RLock()
        self.results: dict[str, CountryOutcome] = {}  # the countries done
        self.started_numbers: dict[str, int] = {}
        self.failures = 0
        self.write_errors: list[str] = []
        self.previous = manifest_outcomes(out_root, read_manifest(out_root))
        self.entries: dict[str, CountryOutcome] = {}
        for code, previous in self.previous.items():
            if code not in codes:
                kept = dataclasses.replace(previous, in_this_batch=False)
                if kept.state in (QUEUED, RUNNING):
                    # Left so by a batch that was killed (this one holds the lock).
                    kept = reconcile_interrupted(out_root, kept)
                self.entries[code] = kept
        self.manifest: dict[str, Any] = {
            "manifest_version": MANIFEST_VERSION,
            "workbench_version": __version__,
            "method_sha256": runner.method_sha256(),
            "batch": batch_info,
            "totals": {},
            "countries": {},
        }

    def _last_good(self, code: str) -> str | None:
        return _generated(read_summary(self.out_root / code)).get("at")

    def _report(self, code: str) -> str | None:
        return f"{code}/{REPORT_NAME}" if (self.out_root / code / REPORT_NAME).is_file() else None

    def _brief(self, code: str) -> str | None:
        return f"{code}/{BRIEF_NAME}" if (self.out_root / code / BRIEF_NAME).is_file() else None

    def _pending(self, code: str, key: RunKey, state: str) -> CountryOutcome:
        has_report = self._report(code) is not None
        interrupted = (f"interrupted: the batch started at {self.manifest['batch']['started_at']} "
                       "ended before this country's run finished")
        # What is true of the disk should this batch die now.
        return CountryOutcome(
            country=code, status=STALE if has_report else FAILED, out_dir=self.out_root / code,
            state=state, in_this_batch=True, error=interrupted, reasons=(interrupted,),
            inputs_sha256=key["input_sha256"], parameters=key["parameters"],
            workbench_version=key["workbench_version"], method_sha256=key["method_sha256"],
            last_good_run=self._last_good(code), report=self._report(code),
            brief=self._brief(code),
        )

    def plan(self, code: str, key: RunKey, skip: bool) -> None:
        """Queue ``code``, or (``skip``) record it as unchanged since its last report."""
        with self.lock:
            entry = self._pending(code, key, QUEUED)
            if skip:
                previous = self.previous.get(code)
                summary = read_summary(self.out_root / code) or {}
                entry = dataclasses.replace(
                    entry, status=SKIPPED, state=DONE, error=None,
                    stages=previous.stages if previous is not None else {},
                    # A partial report stays partial: its reasons stay with it.
                    reasons=tuple(summary.get("reasons") or ()),
                    started_at=utc_now(), seconds=0.0)
                self.results[code] = entry
            self.entries[code] = entry

    def started(self, code: str, pid: int | None = None) -> int:
        """``code``'s run started; returns its number in the batch (1 for the first)."""
        with self.lock:
            number = len(self.started_numbers) + 1 + sum(
                1 for r in self.results.values() if r.status == SKIPPED)
            self.started_numbers[code] = number
            self.entries[code] = dataclasses.replace(
                self.entries[code], state=RUNNING, started_at=utc_now(), pid=pid)
            self.save()
        return number

    def event(self, code: str, event: dict[str, Any]) -> None:
        """A run's ``started`` (its process id) or ``stage`` event."""
        with self.lock:
            entry = self.entries[code]
            if event.get("event") == "started":
                entry = dataclasses.replace(entry, pid=event.get("pid"))
            elif event.get("event") == "stage":
                entry = dataclasses.replace(entry, stage=event.get("stage"),
                                            failed_stage=event.get("stage"))
            self.entries[code] = entry
            self.save(index=False)

    def finished(self, code: str, run: CountryOutcome) -> tuple[CountryOutcome, int, int]:
        """Record the outcome of ``code``'s run process (its seconds, process id, log and
        failed notebook included) as the disk now shows it.

        Returns:
            The country's outcome, the countries done and the failures so far.
        """
        with self.lock:
            ok = run.ok
            error = single_line(run.error)
            made_from: dict[str, Any] = {}
            if ok:
                # The run records what it was made from; keep the manifest in step.
                generated = _generated(read_summary(self.out_root / code))
                made_from = {name: generated[source] for name, source in _MADE_FROM
                             if source in generated}
            result = dataclasses.replace(
                self.entries[code],
                status=(PARTIAL if run.status == PARTIAL else OK) if ok
                else (STALE if self._report(code) is not None else FAILED),
                state=DONE, stage=None, pid=run.pid,
                # The whole process, start-up included: what the country cost the batch.
                seconds=round(float(run.seconds or 0.0), 2),
                stages=dict(run.stages),
                failed_stage=None if ok else run.failed_stage,
                error=None if ok else error,
                reasons=tuple(single_line(r) or "" for r in run.reasons)
                or (() if ok or error is None else (error,)),
                last_good_run=self._last_good(code),
                report=self._report(code),
                brief=self._brief(code),
                brief_missing=run.brief_missing if ok else None,
                log=run.log,
                failed_notebook=run.failed_notebook,
                **made_from,
            )
            self.entries[code] = self.results[code] = result
            if not result.ok:
                self.failures += 1
            self.save()
            return result, len(self.results), self.failures

    def finish(self) -> None:
        """The batch is over: its finishing time recorded."""
        with self.lock:
            self.manifest["batch"]["finished_at"] = utc_now()
            self.save()

    def save(self, index: bool = True) -> None:
        """Rewrite manifest.json (and index.html). A write that fails (a full disk) is
        recorded in ``write_errors``, not raised: the countries' runs go on and each
        reports its own fate; the batch names the file it could not write."""
        with self.lock:
            totals: dict[str, int] = {}
            for code in self.codes:
                status = self.entries[code].status
                totals[status] = totals.get(status, 0) + 1
            self.manifest["totals"] = totals
            self.manifest["countries"] = {code: entry.to_manifest()
                                          for code, entry in self.entries.items()}
            try:
                write_text_atomic(self.out_root / MANIFEST_NAME,
                                  json.dumps(self.manifest, indent=2, allow_nan=False))
                if index:
                    write_index(self.out_root, self.manifest, plotly_js=self.index_plotly_js)
            except OutputWriteError as exc:
                if str(exc) not in self.write_errors:
                    self.write_errors.append(str(exc))


def relative_to_out(out_root: Path | str, path: str | None) -> str | None:
    """``path`` relative to the output folder, so that the manifest names no server
    path (the analyst-only files are ``../<out>.private/...``)."""
    if not path:
        return None
    return os.path.relpath(Path(path), Path(out_root).resolve())


# --------------------------------------------------------------------------- index


def index_row(outcome: CountryOutcome, summary: Summary | None) -> index_page.IndexRow:
    """The index's line for a country: its outcome, beside its report's summary.json."""
    code = outcome.country
    status, error = outcome.status, outcome.error
    reasons: list[str] = []
    if outcome.state in (QUEUED, RUNNING):
        error = _("being rebuilt when this page was written; if no batch is running now, "
                  "the batch was interrupted")
    elif status in (STALE, FAILED):
        error = (_("failed at stage {stage}: {error}").format(stage=outcome.failed_stage,
                                                              error=error)
                 if outcome.failed_stage else _("failed: {error}").format(error=error))
        reasons = list(outcome.reasons[1:])
    elif (summary or {}).get("status") == PARTIAL:
        # The report shown is partial (built now, or unchanged since): say what it lacks.
        status = PARTIAL
        reasons = [str(r) for r in (summary or {}).get("reasons") or []]
    has_report = (outcome.out_dir / REPORT_NAME).is_file()
    return index_page.IndexRow(
        country=code,
        name=str((summary or {}).get("name") or code),
        status=status,
        report_href=f"{code}/{REPORT_NAME}" if has_report else None,
        brief_href=f"{code}/{BRIEF_NAME}" if (outcome.out_dir / BRIEF_NAME).is_file() else None,
        last_good_run=_generated(summary).get("at"),
        synthetic=bool((summary or {}).get("synthetic")),
        period=index_page.period_label(summary),
        error=error,
        figures=index_page.headline_figures(summary),
        reasons=tuple(reasons),
        cautions=index_page.cautions(summary),
        framework=index_page.framework_title(summary),
    )


def index_rows(out_root: Path, manifest: dict[str, Any]) -> list[index_page.IndexRow]:
    """One row per country in the manifest, and per report folder it does not list."""
    outcomes = manifest_outcomes(out_root, manifest)
    for folder in sorted(p for p in Path(out_root).iterdir() if p.is_dir()):
        if folder.name not in outcomes and (folder / SUMMARY_NAME).is_file():
            try:
                validate_country_code(folder.name)
            except InvalidCountryCode:
                continue
            # A report `workbench run` wrote here.
            outcomes[folder.name] = CountryOutcome(folder.name, OK, folder)
    return [index_row(outcomes[code], read_summary(Path(out_root) / code))
            for code in sorted(outcomes)]


# Each language's name in itself, as the index links to its other languages.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def index_name(language: str) -> str:
    """``index.html`` in English, ``index.<language>.html`` in any other language."""
    return INDEX_NAME if language == DEFAULT_LANGUAGE else f"index.{language}.html"


def index_languages(out_root: Path) -> list[str]:
    """English, then every other language a country's report on disk is written in."""
    found = {str((read_summary(folder) or {}).get("language") or DEFAULT_LANGUAGE)
             for folder in Path(out_root).iterdir() if (folder / SUMMARY_NAME).is_file()}
    return [DEFAULT_LANGUAGE] + sorted(found & set(LANGUAGES) - {DEFAULT_LANGUAGE})


def write_index(out_root: Path, manifest: dict[str, Any] | None = None, *,
                plotly_js: str = PLOTLY_JS_NAME) -> Path:
    """``<out_root>/index.html`` from the manifest and the reports on disk, and the same
    page in each other language a country's report is written in
    (``index.fr.html``), each linking to the others; returns ``index.html``.

    ``plotly_js``: the shared copy's path relative to the index, or "embed".
    """
    out_root = Path(out_root)
    manifest = manifest if manifest is not None else read_manifest(out_root)
    batch = manifest.get("batch") or {}
    if plotly_js != "embed" and not (out_root / plotly_js).is_file():
        write_shared_plotly_js(out_root)
    languages = index_languages(out_root)
    for language in languages:
        with use_language(language):
            rows = index_rows(out_root, manifest)
            note = ""
            if batch.get("started_at"):
                note = " · " + (
                    _("batch started {started}, finished {finished}").format(
                        started=_moment(batch["started_at"]),
                        finished=_moment(batch["finished_at"]))
                    if batch.get("finished_at")
                    else _("batch started {started}, still running or interrupted").format(
                        started=_moment(batch["started_at"])))
            others = {LANGUAGE_NAMES.get(other, other): index_name(other)
                      for other in languages if other != language}
            page = index_page.render_index(rows, plotly_js=plotly_js, batch_note=note,
                                           other_languages=others)
        write_text_atomic(out_root / index_name(language), page)
    return out_root / INDEX_NAME


def write_shared_plotly_js(out_root: Path) -> Path:
    """``<out_root>/plotly.min.js``, the copy the batch's pages share (rewritten only
    when plotly changed)."""
    target = Path(out_root) / PLOTLY_JS_NAME
    bundle = get_plotlyjs()
    try:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
    except OSError:
        current = None
    if current != bundle:
        write_text_atomic(target, bundle)
    return target


def _moment(stamp: str) -> str:
    """A manifest's ISO time stamp as the pages write times ('2 déc. 2026 04:19 UTC');
    the stamp as it is when it is not one."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    return format_timestamp(moment.astimezone(dt.UTC) if moment.tzinfo else
                            moment.replace(tzinfo=dt.UTC))
