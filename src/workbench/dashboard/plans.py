"""The budget slider's plans, worked out once per server start and only read by the pages.

The budget slider is a finite grid: the country's default budget and every slider
position (``slider.slider_budgets_usd``), at the country's default horizon. `workbench
dashboard` makes a private folder for its run (``mkdtemp``: this user only; removed
when it stops), names it in ``WORKBENCH_DASHBOARD_PLANS``, and runs ``python -m
workbench.dashboard.grid <data folder>`` beside Voilà, which works every country's
grid out into it once (``grid``). Every page's kernel reads the folder and never
writes to it; a position it does not find there (another horizon, a position not
written yet, no server at all) the page solves itself (``cache.PageCache``).

A file's name holds the country, an identity of its input files as they are on disk
(``inputs_id``), the budget, the horizon and the part (the plan, or one of the
Roadmap tab's charts), so a country whose data change while the server runs is
solved afresh instead of read. Files are written whole or not at all (written aside,
then renamed), and a position's charts before its plan: a page that finds the plan
finds its charts. Plans are pickled: the folder is the server's own, mode 0700, and
only the server's grid process writes there.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from workbench.business_case import Roadmap

STORE_ENV = "WORKBENCH_DASHBOARD_PLANS"
PLAN_PART = "plan.pickle"


def chart_part(index: int) -> str:
    """The part name of the Roadmap tab's chart ``index``."""
    return f"chart{index}.json"


def inputs_id(paths: Iterable[Path]) -> str:
    """A short identity of files as they are now: it changes when any of them is
    added, removed, rewritten or touched (name, size and modification time)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def folder_files(folder: Path) -> list[Path]:
    """Every file under ``folder``."""
    return [p for p in Path(folder).rglob("*") if p.is_file()]


@dataclass(frozen=True)
class Position:
    """One slider position of one country's data as they are on disk."""

    code: str
    inputs_id: str
    budget_usd_per_year: float
    horizon_years: int

    def file_name(self, part: str) -> str:
        return (f"{self.code}-{self.inputs_id}-{self.budget_usd_per_year:.2f}-"
                f"{self.horizon_years}-{part}")


@dataclass(frozen=True)
class PlanFolder:
    """The server's folder of worked-out slider positions."""

    folder: Path

    @classmethod
    def of_server(cls, environ: Mapping[str, str] = os.environ) -> PlanFolder | None:
        """The folder the server named for its kernels; None outside `workbench
        dashboard` (JupyterLab, papermill) or when it is gone."""
        named = environ.get(STORE_ENV)
        return cls(Path(named)) if named and Path(named).is_dir() else None

    def read(self, name: str) -> bytes | None:
        """File ``name``'s bytes; None when it is not there (yet)."""
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            return None

    def holds(self, position: Position) -> bool:
        """Whether the position's plan is there (its charts were written before it)."""
        return (self.folder / position.file_name(PLAN_PART)).is_file()

    def read_plan(self, position: Position) -> Roadmap | None:
        """The position's plan; None when it is not there (yet)."""
        payload = self.read(position.file_name(PLAN_PART))
        return None if payload is None else pickle.loads(payload)

    def read_chart(self, position: Position, index: int) -> str | None:
        """Chart ``index`` of the position as figure JSON text; None when it is not
        there, or when the position has no such chart (written empty)."""
        payload = self.read(position.file_name(chart_part(index)))
        return payload.decode("utf-8") or None if payload else None

    def write(self, name: str, payload: bytes) -> None:
        """Write ``payload`` as ``name``, whole: written aside, then renamed into place.

        Raises:
            OSError: the folder cannot be written (the grid process stops there).
        """
        handle, staged = tempfile.mkstemp(dir=self.folder, prefix=".writing-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            os.replace(staged, self.folder / name)
        except BaseException:
            Path(staged).unlink(missing_ok=True)
            raise

    def write_position(self, position: Position, plan: Roadmap, charts: Iterable[str | None]) -> None:
        """The position's charts (figure JSON text, None: no such chart), then its plan."""
        for index, chart in enumerate(charts):
            self.write(position.file_name(chart_part(index)), (chart or "").encode("utf-8"))
        self.write(position.file_name(PLAN_PART), pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL))
