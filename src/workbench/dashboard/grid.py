"""The budget slider's grid of every country, worked out once per server start.

``python -m workbench.dashboard.grid <data folder>`` is what `workbench dashboard` runs
beside Voilà, at the lowest CPU priority (every page's kernel, and the browser, go
first), with ``WORKBENCH_DASHBOARD_PLANS`` naming the server's plans folder (``plans``).
It works out every country's default position first, so that a page opening on any
country finds its plan, then each country's other slider positions, nearest the
default budget first, and exits, printing a line per country with the time it took.
Nothing waits for it: a page needing a position not written yet solves it itself.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench import stages
from workbench.dashboard.charts import ROADMAP_CHARTS, roadmap_chart_json
from workbench.dashboard.plans import STORE_ENV, PlanFolder, Position
from workbench.dashboard.settings import list_countries
from workbench.dashboard.slider import grid_budgets_usd
from workbench.dashboard.view import CountryView, load_view

DONE = "slider grid: done"


@dataclass
class CountryGrid:
    """One country's grid: its positions, how many are written, the seconds they took
    (on the clock and of the processor), and why the rest are not (a roadmap that
    cannot be worked out)."""

    view: CountryView
    budgets: list[float]
    written: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    stopped: str | None = None
    pending: list[float] = field(default_factory=list)


def work_out_position(folder: PlanFolder, view: CountryView, budget_usd_per_year: float,
                      horizon_years: int) -> None:
    """Solve one position and write its charts and plan (unless it is there already)."""
    position = Position(view.code, view.inputs_id, budget_usd_per_year, horizon_years)
    if folder.holds(position) or view.roadmap_inputs is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = stages.plan(view.roadmap_inputs, budget_usd_per_year, horizon_years)
        charts = [roadmap_chart_json(view, plan, index) for index in range(ROADMAP_CHARTS)]
    folder.write_position(position, plan, charts)


def country_grids(data_root: Path) -> list[CountryGrid]:
    """Every country whose roadmap can be worked out, with its grid's budgets (and the
    seconds its figures took to load)."""
    grids = []
    for choice in list_countries(data_root):
        started, cpu = time.perf_counter(), time.process_time()
        view = load_view(data_root, choice.code)
        if view.roadmap_inputs is None:
            continue  # a page on this country explains why it has no roadmap
        budgets = grid_budgets_usd(view.roadmap_inputs.default_budget_usd_per_year)
        grids.append(CountryGrid(view, budgets, seconds=time.perf_counter() - started,
                                 cpu_seconds=time.process_time() - cpu, pending=list(budgets)))
    return grids


def work_out_grid(data_root: Path, folder: PlanFolder,
                  report: Callable[[str], None] = lambda line: None) -> list[CountryGrid]:
    """Every country's grid at its default horizon into ``folder``: each country's
    default budget first, then each country's other positions in turn. A country
    whose position fails stops there (its other positions would fail alike); the
    others go on. ``report`` gets a line as each country is done."""
    grids = country_grids(Path(data_root))
    for grid in grids:  # the defaults: a page opening on any country finds its plan
        _next_position(grid, folder)
    for grid in grids:
        while grid.pending and grid.stopped is None:
            _next_position(grid, folder)
        tail = f", stopped: {grid.stopped}" if grid.stopped else ""
        report(f"slider grid: {grid.view.code}: {grid.written} of {len(grid.budgets)} positions "
               f"in {grid.seconds:.1f} s ({grid.cpu_seconds:.1f} s of processor){tail}")
    return grids


def _next_position(grid: CountryGrid, folder: PlanFolder) -> None:
    budget = grid.pending.pop(0)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        work_out_position(folder, grid.view, budget, grid.view.default_horizon_years)
        grid.written += 1
    except Exception as exc:  # a page on this country meets it again and explains it
        grid.stopped = f"{type(exc).__name__}: {exc}"
        grid.pending.clear()  # its other positions would fail alike
    grid.seconds += time.perf_counter() - started
    grid.cpu_seconds += time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    """``python -m workbench.dashboard.grid <data folder>`` (see the module's notes)."""
    args = sys.argv[1:] if argv is None else argv
    folder = PlanFolder.of_server()
    if len(args) != 1 or folder is None:
        print(f"usage: {STORE_ENV}=<folder> python -m workbench.dashboard.grid <data folder>",
              file=sys.stderr)
        return 2
    os.nice(19)  # every page's kernel, and the browser, go first
    started = time.perf_counter()
    try:
        grids = work_out_grid(Path(args[0]), folder, lambda line: print(line, file=sys.stderr))
    except Exception as exc:  # the pages still solve their plans themselves
        print(f"{DONE}: stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    countries = ", ".join(g.view.code for g in grids) or "no country with a roadmap"
    print(f"{DONE}: {sum(g.written for g in grids)} positions ({countries}) in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
