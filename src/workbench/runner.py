"""`workbench run`: one country's notebooks executed with papermill, outputs swapped in
only on success.

Layout written to ``<out>/<CC>/``: summary.json, report.html, notebooks/ (the executed
notebooks), quarantine/ (rejected rows with reasons). Everything is first written to
a staging folder beside it; the previous report is replaced only when the whole run
succeeded, so a failure (or a killed process) leaves the last good report in place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import papermill
from papermill.exceptions import PapermillExecutionError

from workbench import __version__, paths, report
from workbench.countries import country_folder
from workbench.errors import WorkbenchError
from workbench.loading import load_country, write_quarantine
from workbench.notebook import STAGES_SUBDIR

SUMMARY_NAME = "summary.json"
REPORT_NAME = "report.html"
NOTEBOOKS_SUBDIR = "notebooks"
QUARANTINE_SUBDIR = "quarantine"


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


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, PapermillExecutionError):
        value = (exc.evalue or "").strip().splitlines()
        return f"{exc.ename}: {value[0] if value else ''} (cell {exc.exec_count})"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def run_country(
    country: str,
    *,
    data_root: Path | str,
    out_root: Path | str,
    budget_usd_per_year: float | None = None,
    horizon_years: int | None = None,
    plotly_js: str = "embed",
    on_stage: Callable[[str, str], None] | None = None,
) -> RunOutcome:
    """Run every stage notebook for ``country`` and publish ``<out_root>/<CC>/``.

    Raises WorkbenchError for a bad country code or a missing folder; any failure
    after that is reported in the returned outcome (``ok`` False).
    """
    started = time.perf_counter()
    data_root = Path(data_root).resolve()
    out_root = Path(out_root).resolve()
    folder = country_folder(data_root, country)  # refuses a bad code before any path use
    if not folder.is_dir():
        raise WorkbenchError(f"{folder} does not exist (expected one folder per country)")
    final = out_root / country
    staging = out_root / f".staging-{country}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    outcome = RunOutcome(country=country, ok=False, out_dir=final)
    try:
        data = load_country(folder)
        write_quarantine(data, staging / QUARANTINE_SUBDIR)
        params = notebook_parameters(country, data_root, staging, budget_usd_per_year, horizon_years)
        states = []
        for stage, notebook_name in paths.STAGE_NOTEBOOKS:
            problems = data.problems_for(stage) if stage != "data_quality" else []
            if not (paths.NOTEBOOKS_DIR / notebook_name).exists():
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
            try:
                papermill.execute_notebook(
                    paths.NOTEBOOKS_DIR / notebook_name, executed,
                    parameters=params, kernel_name="python3", progress_bar=False,
                    log_output=False, cwd=str(paths.NOTEBOOKS_DIR),
                )
            except Exception as exc:  # a failing cell, a dead kernel, a timeout
                outcome.stages[stage] = "failed"
                outcome.failed_stage, outcome.error = stage, _error_line(exc)
                return outcome
            outcome.stages[stage] = "ok"
            states.append((stage, executed, None, None))
        summary = assemble_summary(data, staging)
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
        _swap_in(staging, final)
        outcome.ok, outcome.summary = True, summary
        return outcome
    except WorkbenchError as exc:
        outcome.error = str(exc)
        return outcome
    finally:
        outcome.seconds = time.perf_counter() - started
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


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
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "workbench_version": __version__,
        "input_sha256": data.file_hashes,
    }
    shutil.rmtree(staging / STAGES_SUBDIR, ignore_errors=True)
    return summary


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` with two renames (atomic on one file system)."""
    old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)
