"""One country's outcome, from its run to the batch's manifest, index page and CLI.

A run on its own (``workbench run``) ends ``ok``, ``partial`` or ``failed``; a batch
adds ``skipped-unchanged``, and calls a failed run ``stale`` when the last good
report is left in place (docs/operations.md). The same :class:`CountryOutcome`
carries every one of them: the runner returns it, the run process sends it to the
batch as its manifest entry, the batch keeps its manifest as these outcomes, and
``manifest.json`` is written from (and read back into) them with
:meth:`CountryOutcome.to_manifest` and :meth:`CountryOutcome.from_manifest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPORT_NAME = "report.html"
BRIEF_NAME = "brief.pdf"

OK, PARTIAL, SKIPPED, STALE, FAILED = "ok", "partial", "skipped-unchanged", "stale", "failed"
STATUSES = (OK, PARTIAL, SKIPPED, STALE, FAILED)
# A report is published (or kept as current) for these.
PUBLISHED = (OK, PARTIAL, SKIPPED)

# A batch's country: waiting for a worker, running, or done.
QUEUED, RUNNING, DONE = "queued", "running", "done"

# The keys of a manifest entry, in the order manifest.json writes them
# (docs/operations.md describes each).
MANIFEST_KEYS = (
    "status", "state", "in_this_batch", "started_at", "seconds", "pid", "stage", "stages",
    "failed_stage", "error", "reasons", "inputs_sha256", "parameters", "workbench_version",
    "method_sha256", "last_good_run", "report", "brief", "brief_missing", "log",
    "failed_notebook",
)


@dataclass(frozen=True)
class CountryOutcome:
    """What became of one country's report: what the CLI says, the manifest records
    and the index shows.

    Paths other than ``out_dir`` are as the manifest writes them: relative to the
    output folder (the report folder's parent), so that the manifest names no
    server path.
    """

    country: str
    status: str  # one of STATUSES
    out_dir: Path  # <out>/<CC>/, where the report is published
    # A batch's: queued / running / done. None: a run on its own (``workbench run``).
    state: str | None = None
    in_this_batch: bool = True  # False: an entry kept from an earlier batch
    started_at: str | None = None
    seconds: float | None = None  # the run's (a batch's: its process's, start-up included)
    pid: int | None = None
    stage: str | None = None  # the stage running now
    stages: Mapping[str, str] = field(default_factory=dict)  # stage -> ok / skipped / failed
    failed_stage: str | None = None
    error: str | None = None
    # Partial: why each skipped stage was skipped; stale or failed: every unusable
    # input (or the error). One line each, naming the file.
    reasons: tuple[str, ...] = ()
    # What the report was made from (a batch's: what its run was given).
    inputs_sha256: Mapping[str, str] | None = None
    parameters: Mapping[str, Any] | None = None
    workbench_version: str | None = None
    method_sha256: str | None = None
    last_good_run: str | None = None  # ``generated.at`` of the report on disk
    report: str | None = None  # "<CC>/report.html" when a report is on disk
    brief: str | None = None  # "<CC>/brief.pdf" when a brief is on disk
    # Why this run wrote no brief.pdf beside its report (no Chromium, say); the
    # report and summary.json are published all the same.
    brief_missing: str | None = None
    log: str | None = None
    failed_notebook: str | None = None

    @property
    def ok(self) -> bool:
        """A report was published, or the current one kept as unchanged."""
        return self.status in PUBLISHED

    @property
    def report_path(self) -> Path | None:
        """The report on disk (for a failed run: the last good one), or None."""
        return None if self.report is None else self.out_dir.parent / self.report

    @property
    def log_path(self) -> Path | None:
        return None if self.log is None else self.out_dir.parent / self.log

    def one_line(self) -> str:
        """What the CLI prints for this country: one line, with the reason on failure."""
        report = self.out_dir / REPORT_NAME
        if self.status in (OK, PARTIAL):
            note = f"; {'; '.join(self.reasons)}" if self.status == PARTIAL else ""
            brief = (f"; no {BRIEF_NAME}: {self.brief_missing}" if self.brief_missing
                     else f" (+ {BRIEF_NAME})" if self.brief else "")
            return (f"{self.country}: {self.status} in {self.seconds or 0.0:.1f} s{note} "
                    f"-> {report}{brief}")
        if self.status == SKIPPED:
            return (f"{self.country}: skipped-unchanged (inputs, parameters and workbench as for "
                    f"the report of {self.last_good_run}; --force re-runs) -> {report}")
        where = f" at stage {self.failed_stage}" if self.failed_stage else ""
        more = len(self.reasons) - 1
        if self.state is None:  # `workbench run`: the run names the last good report
            others = (f" (and {more} more unusable input{'s' if more > 1 else ''}: "
                      "`workbench validate` lists them)") if more > 0 else ""
            kept = (f"last good report kept: {self.report_path}" if self.report is not None
                    else "no earlier report")
            return f"{self.country}: FAILED{where}: {self.error}{others} ({kept})"
        log = f"; log: {self.log_path}" if self.log else ""
        others = f" (and {more} more: see manifest.json)" if more > 0 else ""
        if self.status == STALE:
            return (f"{self.country}: STALE: failed{where}: {self.error}{others}; the last good "
                    f"report ({self.last_good_run}) is left in place: {report}{log}")
        return f"{self.country}: FAILED{where}: {self.error}{others}; no earlier report{log}"

    def to_manifest(self) -> dict[str, Any]:
        """The country's entry of manifest.json (JSON-ready, in MANIFEST_KEYS order)."""
        entry = {key: getattr(self, key) for key in MANIFEST_KEYS}
        entry["stages"] = dict(self.stages)
        entry["reasons"] = list(self.reasons)
        for key in ("inputs_sha256", "parameters"):
            if entry[key] is not None:
                entry[key] = dict(entry[key])
        return entry

    @classmethod
    def from_manifest(cls, country: str, entry: Mapping[str, Any],
                      out_root: Path | str) -> CountryOutcome:
        """The outcome a manifest entry records (the inverse of :meth:`to_manifest`).

        A key the entry lacks (an entry written by hand, or by an older workbench)
        takes its default; a missing status reads ``failed``.
        """
        values = {key: entry[key] for key in MANIFEST_KEYS if key in entry}
        values["status"] = str(values.get("status") or FAILED)
        values["stages"] = dict(values.get("stages") or {})
        values["reasons"] = tuple(str(r) for r in values.get("reasons") or ())
        return cls(country=country, out_dir=Path(out_root) / country, **values)
