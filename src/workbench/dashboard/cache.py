"""What one page has worked out, kept by the page (one per kernel, never module-wide).

A page's figures come from one place each: the country's view from its data folder,
a slider position's plan and Roadmap charts from the server's grid (``plans``) when
it holds them, else solved here, in the page's own kernel, at once (``stages.plan``).
Either way they are kept, so a minister moving the slider back sees a position again
without waiting. Nothing here runs in the background.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench import stages
from workbench.business_case import Roadmap
from workbench.dashboard.charts import (
    ROADMAP_CHARTS,
    figure_spec,
    impact_figures,
    roadmap_chart_json,
)
from workbench.dashboard.downloads import published_tables
from workbench.dashboard.plans import PlanFolder, Position
from workbench.dashboard.settings import data_root_for, list_countries, profile_language
from workbench.dashboard.view import CountryView, load_view
from workbench.i18n import current_language, use_language

# Room for every budget-slider position (about 60) of a country and a few horizons.
PLANS_KEPT = 128


class PageCache:
    """One page's views, plans, charts and published tables, worked out once each.

    ``plans``: the server's grid folder (``PlanFolder.of_server()``), None without a
    server: every plan is then solved here.
    """

    def __init__(self, data_root: Path, plans: PlanFolder | None) -> None:
        self.root = Path(data_root)
        self.plans = plans
        self.plans_read = 0
        self.plans_solved = 0
        # Bound to this object: a page's cache goes with the page. Each entry is kept
        # per language: what a page shows (titles, words, the period) is written in
        # the page's language, and a preheated kernel works ahead before it knows it.
        self.view = _per_language(self._view, 8)
        self.impact_specs = _per_language(self._impact_specs, 8)
        self.roadmap = _per_language(self._roadmap, PLANS_KEPT)
        self.roadmap_chart = _per_language(self._roadmap_chart, PLANS_KEPT * ROADMAP_CHARTS)
        # Only for a download (made when clicked): a few are kept.
        self.published_tables = _per_language(self._published_tables, 4)

    @classmethod
    def of_server(cls, data_root: Path) -> PageCache:
        """The cache of a page under `workbench dashboard` (reading its grid), or of a
        page without a server (JupyterLab, papermill)."""
        return cls(data_root, PlanFolder.of_server())

    def _view(self, code: str) -> CountryView:
        """The country's figures (a page switches back and forth)."""
        return load_view(self.root, code)

    def _impact_specs(self, code: str) -> tuple[dict[str, Any], ...]:
        """The Impact tab's charts as figure JSON."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(figure_spec(figure) for figure in impact_figures(self.view(code)))

    def position(self, code: str, budget_usd_per_year: float, horizon_years: int) -> Position:
        return Position(code, self.view(code).inputs_id, float(budget_usd_per_year), int(horizon_years))

    def in_grid(self, code: str, budget_usd_per_year: float, horizon_years: int) -> bool:
        """Whether the server's grid holds the position's plan now."""
        return self.plans is not None and self.plans.holds(
            self.position(code, budget_usd_per_year, horizon_years))

    def _roadmap(self, code: str, budget_usd_per_year: float, horizon_years: int) -> Roadmap | None:
        """The best roadmap for the budget and horizon: read from the grid, else solved
        now (None when the country's roadmap cannot be worked out)."""
        inputs = self.view(code).roadmap_inputs
        if inputs is None:
            return None
        if self.plans is not None:
            found = self.plans.read_plan(self.position(code, budget_usd_per_year, horizon_years))
            if found is not None:
                self.plans_read += 1
                return found
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            roadmap = stages.plan(inputs, budget_usd_per_year, horizon_years)
        self.plans_solved += 1
        return roadmap

    def _roadmap_chart(self, code: str, budget_usd_per_year: float, horizon_years: int,
                       index: int) -> str | None:
        """Chart ``index`` of the Roadmap tab (``charts.roadmap_chart_builders``) as
        figure JSON text: read from the grid when it holds the position, else drawn
        from its plan; None when there is no such chart."""
        # The grid's charts are drawn in English: a page in another language draws its own.
        if current_language() == "en" and self.in_grid(code, budget_usd_per_year, horizon_years):
            found = self.plans.read_chart(
                self.position(code, budget_usd_per_year, horizon_years), index)
            if found is not None:
                return found
        roadmap = self.roadmap(code, budget_usd_per_year, horizon_years)
        return roadmap_chart_json(self.view(code), roadmap, index)

    def _published_tables(self, code: str, budget_usd_per_year: float | None,
                          horizon_years: int | None) -> dict[str, Any]:
        """The published tables the downloads carry, for a country and roadmap inputs
        (no plan: None, None)."""
        roadmap = (None if budget_usd_per_year is None or horizon_years is None
                   else self.roadmap(code, budget_usd_per_year, horizon_years))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return published_tables(self.view(code), roadmap)


def _per_language(method: Callable[..., Any], maxsize: int) -> Callable[..., Any]:
    """``method`` remembered for its last ``maxsize`` calls, per page language."""
    @lru_cache(maxsize=maxsize)
    def in_language(language: str, *args: Any) -> Any:
        with use_language(language):
            return method(*args)

    def call(*args: Any) -> Any:
        return in_language(current_language(), *args)

    call.cache_info = in_language.cache_info  # type: ignore[attr-defined]
    return call


def prepare(country: str, data_root: str) -> PageCache:
    """The page's cache, with a head start in a preheated kernel (waiting for its
    visitor): the default country's figures, Impact charts and, when the server's
    grid already holds its default plan, the plan and its charts. Nothing is
    solved here. Elsewhere (a kernel started for its visitor, JupyterLab) the page
    needs the work at once anyway, so nothing is done ahead.

    The work runs in the notebook's own thread at the kernel's normal priority: a
    visitor who takes this kernel before it is done waits for it.
    """
    cache = PageCache.of_server(data_root_for(data_root))
    if os.environ.get("VOILA_PREHEAT") != "True":
        return cache
    try:
        head_start(cache, country)
    except Exception:  # only a head start: the page works the figures out itself
        pass
    return cache


def head_start(cache: PageCache, country: str) -> None:
    """Work out what the page opens on for ``country`` (or the first country when
    there is no folder for it), reading the default plan only from the grid."""
    codes = [c.code for c in list_countries(cache.root)]
    if not codes:
        return
    code = country if country in codes else codes[0]
    with use_language(profile_language(cache.root, code)):
        _head_start_in_language(cache, code)


def _head_start_in_language(cache: PageCache, code: str) -> None:
    view = cache.view(code)
    if not view.usable:
        return
    cache.impact_specs(code)
    budget, horizon = view.default_budget_usd_per_year, view.default_horizon_years
    if view.roadmap_inputs is not None and cache.in_grid(code, budget, horizon):
        cache.roadmap(code, budget, horizon)
        for index in range(ROADMAP_CHARTS):
            cache.roadmap_chart(code, budget, horizon, index)
