"""The ministers' dashboard: one country's impact, gaps and roadmap on one page.

Served by Voilà (``workbench dashboard``, see docs/dashboard.md) from
``notebooks/country_dashboard.ipynb``, which only calls this module. The figures come
from the very functions the stage notebooks call, with the same arguments, so the
headline numbers equal the country's summary.json; the charts are the stage charts
(``impact_charts``, ``gaps_charts``, ``roadmap_charts``), never redrawn here.

Most of this module is pure builders (settings from the page address, the country's
figures, the headline cards, the published tables, the spreadsheet-safe downloads);
``CountryDashboard`` wires them to ipywidgets. Nothing here prints or writes to
stderr: in a Voilà page anything written there would reach the minister's screen.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import math
import os
import pickle
import textwrap
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from workbench import (
    business_case,
    disclosure,
    gaps,
    gaps_charts,
    impact,
    impact_charts,
    paths,
    plan_store,
    roadmap_charts,
)
from workbench.ahead import WorkAhead
from workbench.business_case import Roadmap
from workbench.countries import validate_country_code
from workbench.errors import WorkbenchError
from workbench.gaps import GapResult
from workbench.impact import ImpactResult, format_usd
from workbench.live_chart import LiveChart
from workbench.loading import CountryData, load_country
from workbench.notebook import synthetic_banner_html, table_html
from workbench.profile import load_profile
from workbench.safe_tables import csv_bytes, xlsx_bytes

# The server passes the data folder to the page's kernel in this variable; the page
# address can never name a folder.
DATA_ROOT_ENV = "WORKBENCH_DASHBOARD_DATA"
# Page-address parameters a visitor may set: the notebook's own parameter names.
URL_PARAMETERS = ("country", "budget_usd_per_year", "horizon_years")
MAX_HORIZON_YEARS = 15
MAX_BUDGET_USD_PER_YEAR = 1e12
# Not "responsive": that makes a chart fill its container, which has no height here.
CHART_CONFIG = {"displaylogo": False}
# Subtitles longer than this are wrapped; the room a legend at the foot needs (px).
SUBTITLE_CHARACTERS = 125
LEGEND_FOOT = 115
TAB_TITLES = ("Impact of cybercrime", "Capability gaps", "Roadmap and business case")
IMPACT_TAB, GAPS_TAB, ROADMAP_TAB = range(3)
ALL_PILLARS = ""
NOT_AVAILABLE = "not available"
GENERIC_PROBLEM = (
    "the figures could not be worked out from this country's data files. An analyst "
    "can find the cause with `workbench validate` and `workbench run` on the folder."
)

DASHBOARD_CSS = """
<style>
.wb-dashboard{--jp-widgets-horizontal-tab-width:230px}
.wb-dash{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1b1b;line-height:1.4}
.wb-dash p,.wb-dash div{line-height:1.4}
.wb-dash h1{font-size:1.55em;margin:4px 0 2px 0;color:#0b3954}
.wb-dash .wb-sub{margin:0 0 6px 0;color:#333}
.wb-cards{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px;margin:8px 0 4px 0}
@media (max-width:1000px){.wb-cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (max-width:640px){.wb-cards{grid-template-columns:minmax(0,1fr)}}
.wb-card{background:#fff;border:1px solid #d5dde4;border-left:6px solid #0072B2;border-radius:6px;padding:10px 14px}
.wb-card-title{font-size:.95em;color:#333;font-weight:600}
.wb-card-value{font-size:1.7em;font-weight:700;color:#0b3954;margin:2px 0}
.wb-card-interval{font-size:.92em;color:#222}
.wb-card-context{font-size:.85em;color:#4a4a4a;margin-top:3px}
.wb-card.wb-na{border-left-color:#999}
.wb-card.wb-na .wb-card-value{color:#555;font-size:1.2em}
.wb-problem{background:#fbeaea;border-left:5px solid #b3261e;padding:10px 14px;margin:8px 0;color:#3b0d0a}
.wb-note{background:#eef1f4;border-left:5px solid #6c7a89;padding:8px 14px;margin:8px 0}
.wb-downloads a{display:inline-block;margin:4px 12px 4px 0;padding:6px 12px;border:1px solid #0072B2;
border-radius:4px;color:#0072B2;text-decoration:none;font-weight:600}
.wb-dash table.wb-table{border-collapse:collapse;font-size:.92em;margin:6px 0}
.wb-dash table.wb-table th,.wb-dash table.wb-table td{border-bottom:1px solid #dde3e8;padding:4px 10px;text-align:left;vertical-align:top}
.wb-dash table.wb-table th{background:#f0f3f5}
</style>
"""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class CountryChoice:
    """One entry of the country selector."""

    code: str
    label: str


@dataclass(frozen=True)
class DashboardSettings:
    """What the page shows first: the data folder, the country and the roadmap inputs.

    ``budget_usd_per_year`` / ``horizon_years`` None mean the country's profile.yaml
    values. ``notes`` are plain sentences about page-address values that were not used.
    """

    data_root: Path
    country: str | None
    budget_usd_per_year: float | None = None
    horizon_years: int | None = None
    notes: tuple[str, ...] = ()


def list_countries(data_root: Path) -> list[CountryChoice]:
    """The country folders under ``data_root`` (named by an ISO code), with their names.

    A folder whose profile.yaml cannot be read is still listed, so that choosing it
    explains what is wrong.
    """
    root = Path(data_root)
    if not root.is_dir():
        return []
    choices = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            code = validate_country_code(folder.name)
        except WorkbenchError:
            continue
        try:
            name = load_profile(folder / "profile.yaml", expected_country=code).name
            label = f"{name} ({code})"
        except WorkbenchError:
            label = f"{code} (data problem)"
        choices.append(CountryChoice(code, label))
    return choices


def parse_query(query: str | None) -> dict[str, str]:
    """The page address's query string as {name: first value}; junk gives {}."""
    if not query:
        return {}
    try:
        parsed = parse_qs(query, keep_blank_values=False, max_num_fields=20)
    except ValueError:
        return {}
    return {name: values[0] for name, values in parsed.items() if values}


def _shown(value: str, limit: int = 40) -> str:
    """A visitor's value, cut short, for a note (escaped when rendered)."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def resolve_settings(
    query: str | None,
    *,
    country: str,
    data_root: Path,
    budget_usd_per_year: float | None,
    horizon_years: int | None,
    available: Sequence[str],
) -> DashboardSettings:
    """The page's settings: the notebook's parameters, overridden by the page address.

    Only ``country``, ``budget_usd_per_year`` and ``horizon_years`` may come from the
    address; each is checked, and a value that cannot be used leaves the parameter
    in place with a plain note saying so.

    Args:
        query: the query string, e.g. ``"country=GB&budget_usd_per_year=5e6"``.
        country: the parameters cell's country.
        data_root: the folder holding the country folders.
        budget_usd_per_year: the parameters cell's budget (None: the profile's).
        horizon_years: the parameters cell's horizon (None: the profile's).
        available: the country codes with a folder under ``data_root``.
    """
    params = parse_query(query)
    notes: list[str] = []
    chosen = country if country in available else (available[0] if available else None)
    asked = params.get("country")
    if asked is not None:
        code = asked.strip().upper()
        try:
            validate_country_code(code)
        except WorkbenchError:
            notes.append(f"'{_shown(asked)}' is not a country code (two letters, e.g. KE).")
        else:
            if code in available:
                chosen = code
            else:
                notes.append(f"There is no data for {code} on this server.")
    budget = _address_number(
        params, "budget_usd_per_year", budget_usd_per_year, float,
        lambda v: math.isfinite(v) and 0 < v <= MAX_BUDGET_USD_PER_YEAR,
        "The budget '{}' is not a positive amount in USD per year.", notes)
    horizon = _address_number(
        params, "horizon_years", horizon_years, int, lambda v: 1 <= v <= MAX_HORIZON_YEARS,
        f"The horizon '{{}}' is not a whole number of years from 1 to {MAX_HORIZON_YEARS}.",
        notes)
    return DashboardSettings(Path(data_root), chosen, budget, horizon, tuple(notes))


def _address_number(params: Mapping[str, str], name: str, default: Any,
                    convert: Callable[[str], Any], usable: Callable[[Any], bool],
                    problem: str, notes: list[str]) -> Any:
    """The page address's ``name`` as a number when it can be used; else ``default``,
    with ``problem`` (the visitor's value in place of {}) added to ``notes``."""
    if name not in params:
        return default
    raw = params[name]
    try:
        value = convert(raw)
    except ValueError:
        value = None
    if value is not None and usable(value):
        return value
    notes.append(problem.format(_shown(raw)))
    return default


def request_query() -> str:
    """The query string of the visitor's page address.

    A preheated Voilà kernel runs the notebook before anyone asks for it; Voilà's
    ``get_query_string`` waits for the visitor's request there. A kernel started for
    a request (no preheating) has it in ``QUERY_STRING``; outside Voilà it is empty.
    """
    if os.environ.get("VOILA_PREHEAT") == "True":
        from voila.utils import get_query_string

        return get_query_string() or ""
    return os.environ.get("QUERY_STRING", "")


def data_root_for(parameter: str) -> Path:
    """The server's data folder when it set one, else the notebook's parameter."""
    return paths.resolve(os.environ.get(DATA_ROOT_ENV) or parameter)


def request_settings(
    *,
    country: str,
    data_root: str,
    budget_usd_per_year: float | None = None,
    horizon_years: int | None = None,
) -> DashboardSettings:
    """The settings for this page view (waits for the visitor in a preheated kernel)."""
    root = data_root_for(data_root)
    available = [c.code for c in list_countries(root)]
    return resolve_settings(
        request_query(), country=country, data_root=root,
        budget_usd_per_year=budget_usd_per_year, horizon_years=horizon_years,
        available=available,
    )


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class CountryView:
    """One country's figures, computed as the stage notebooks compute them.

    ``problems`` maps a stage (impact, gaps, business_case) to the plain reason it is
    not shown; ``fatal`` says why nothing at all can be shown.
    """

    code: str
    name: str
    period_label: str = ""
    synthetic: bool = False
    default_budget_usd_per_year: float | None = None
    default_horizon_years: int | None = None
    impact: ImpactResult | None = None
    gaps: GapResult | None = None
    pairs: pd.DataFrame | None = None
    interventions: pd.DataFrame | None = None
    catalogue_source: str | None = None
    annual_cost_usd: float | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    fatal: str | None = None
    inputs_id: str = ""  # plan_store.inputs_id of the files the figures come from

    @property
    def usable(self) -> bool:
        return self.fatal is None


def _reason(exc: BaseException) -> str:
    """A user-facing reason: the workbench's own messages name the file and column;
    anything else is a fault the visitor cannot act on, so no internals are shown."""
    return str(exc) if isinstance(exc, WorkbenchError) else GENERIC_PROBLEM


def build_country_view(data: CountryData) -> CountryView:
    """Every figure the dashboard shows for one loaded country.

    The calls and arguments are those of notebooks 02_impact, 03_gaps and
    04_business_case, so the numbers equal the country's summary.json.
    """
    profile = data.profile
    if profile is None:
        return CountryView(
            data.code, data.code,
            fatal=f"profile.yaml cannot be used: {data.profile_error or 'it is missing'}",
        )
    problems: dict[str, str] = {}
    found: dict[str, Any] = {}
    with warnings.catch_warnings():
        # A warning would be written to the kernel's stderr, i.e. onto the page.
        warnings.simplefilter("ignore")
        if stage_problems := data.problems_for("impact"):
            problems["impact"] = "; ".join(stage_problems)
        else:
            try:
                incidents = data.table("incidents") if data.tables["incidents"].usable else None
                found["impact"] = impact.assess_impact(
                    data.table("survey_responses"), data.table("business_population"), profile,
                    incidents=incidents,
                )
            except Exception as exc:  # one stage's failure never hides the others
                problems["impact"] = _reason(exc)
        if stage_problems := data.problems_for("gaps"):
            problems["gaps"] = "; ".join(stage_problems)
        else:
            try:
                found["gaps"] = gaps.analyse_gaps(
                    data.framework, data.table("entities"), data.table("capability_assessment"),
                    targets=gaps.targets_or_none(data), country=data.code,
                )
            except Exception as exc:
                problems["gaps"] = _reason(exc)
        if stage_problems := data.problems_for("business_case"):
            problems["business_case"] = "; ".join(stage_problems)
        else:
            try:
                found["pairs"] = gaps.assessment_pairs(
                    data.framework, data.table("entities"), data.table("capability_assessment"),
                    gaps.targets_or_none(data),
                )
                found["annual_cost_usd"] = (
                    None if data.problems_for("impact")
                    else impact.annual_cost_estimate_usd(
                        data.table("survey_responses"), data.table("business_population"), profile)
                )
                found["interventions"] = data.table("interventions")
                found["catalogue_source"] = (
                    "shipped default" if data.tables["interventions"].source == "shipped"
                    else "the country's own interventions.csv"
                )
            except Exception as exc:
                problems["business_case"] = _reason(exc)
                found.pop("pairs", None)
    return CountryView(
        code=data.code, name=profile.name, period_label=profile.period_label,
        synthetic=profile.synthetic,
        default_budget_usd_per_year=float(profile.budget_usd_per_year),
        default_horizon_years=int(profile.horizon_years),
        problems=problems, **found,
    )


@lru_cache(maxsize=8)
def country_view(data_root: str, code: str) -> CountryView:
    """The country's figures, loaded once per kernel (a page switches back and forth)."""
    try:
        folder = Path(data_root) / validate_country_code(code)
        inputs = plan_store.inputs_id(
            plan_store.folder_files(folder) + [paths.SHIPPED_FRAMEWORK, paths.SHIPPED_INTERVENTIONS])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = load_country(folder)
        return dataclasses.replace(build_country_view(data), inputs_id=inputs)
    except Exception as exc:
        return CountryView(code, code, fatal=_reason(exc))


def _shared_name(data_root: str, code: str, budget_usd_per_year: float, horizon_years: int,
                 part: str) -> str:
    """The plan_store file of one part (plan, chart 0, 1, ...) of a slider position."""
    inputs = country_view(data_root, code).inputs_id
    return f"{code}-{inputs}-{budget_usd_per_year:.2f}-{horizon_years}-{part}"


_PLAN_PART = "plan.pickle"


def _chart_part(index: int) -> str:
    return f"chart{index}.json"


# Room for every budget-slider position (about 60) of a country and a few horizons.
@lru_cache(maxsize=128)
def roadmap_for(data_root: str, code: str, budget_usd_per_year: float, horizon_years: int) -> Roadmap | None:
    """The best roadmap for the budget and horizon (None when the stage cannot run).

    Cached: a minister moving the slider back to a value sees it again at once, and
    ``ROADMAPS_AHEAD`` fills the cache for the slider's other positions beforehand.
    Under `workbench dashboard` a plan another kernel has worked out is read from the
    server's plan_store instead of being solved again.
    """
    view = country_view(data_root, code)
    if view.pairs is None or view.interventions is None:
        return None
    name = _shared_name(data_root, code, budget_usd_per_year, horizon_years, _PLAN_PART)
    shared = plan_store.read(name)
    if shared is not None:
        return pickle.loads(shared)  # written by a kernel of this server (plan_store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        roadmap = business_case.plan_roadmap(
            view.pairs, view.interventions, budget_usd_per_year=budget_usd_per_year,
            horizon_years=horizon_years, annual_cost_usd=view.annual_cost_usd,
        )
    plan_store.write(name, pickle.dumps(roadmap, protocol=pickle.HIGHEST_PROTOCOL))
    return roadmap


ROADMAP_CHARTS = 3  # the Roadmap tab's charts: Gantt, spending, losses avoided


# Kept as JSON text: the charts of a few hundred plans take about 10 MB this way.
@lru_cache(maxsize=128 * ROADMAP_CHARTS)
def roadmap_chart_json(data_root: str, code: str, budget_usd_per_year: float,
                       horizon_years: int, index: int) -> str | None:
    """Chart ``index`` of the Roadmap tab (``roadmap_chart_builders``) for a plan, as
    JSON text; None when there is no such chart (the stage cannot run)."""
    view = country_view(data_root, code)
    name = _shared_name(data_root, code, budget_usd_per_year, horizon_years, _chart_part(index))
    shared = plan_store.read(name)
    if shared is not None:
        return shared.decode("utf-8") or None  # empty: no such chart
    roadmap = roadmap_for(data_root, code, budget_usd_per_year, horizon_years)
    builders = roadmap_chart_builders(view, roadmap)
    if index >= len(builders):
        spec = None
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec = json.dumps(figure_spec(builders[index]()))
    plan_store.write(name, (spec or "").encode("utf-8"))
    return spec


RoadmapKey = tuple[str, str, float, int]  # data root, country, USD per year, years


def _roadmap_for_key(key: RoadmapKey) -> Roadmap | None:
    return roadmap_for(*key)


def _roadmap_and_charts(key: RoadmapKey) -> bool:
    """Work out a slider position's plan and charts unless another process of the
    server has it (plan_store); whether this call did."""
    parts = [_PLAN_PART] + [_chart_part(index) for index in range(ROADMAP_CHARTS)]
    if (plan_store.has(_shared_name(*key, part) for part in parts)
            or not plan_store.claim(_shared_name(*key, "claim"))):
        return False  # the page reads it from plan_store when it is asked for
    for index in range(ROADMAP_CHARTS):
        roadmap_chart_json(*key, index)
    return True


# The plans and charts of the budget slider's positions, worked out while the page is
# idle; the page asks only for the plan (``_roadmap_for_key``), and for the charts when
# its Roadmap tab shows them.
ROADMAPS_AHEAD: WorkAhead[RoadmapKey, bool] = WorkAhead(_roadmap_and_charts, name="roadmaps-ahead")


@lru_cache(maxsize=8)
def impact_specs(data_root: str, code: str) -> tuple[dict[str, Any], ...]:
    """The Impact tab's charts as figure JSON, built once per kernel (the tab the
    page opens on: a preheated kernel has them ready before its visitor arrives)."""
    view = country_view(data_root, code)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(figure_spec(figure) for figure in impact_figures(view))


@lru_cache(maxsize=64)
def downloads_for(data_root: str, code: str, budget_usd_per_year: float | None,
                  horizon_years: int | None) -> str:
    """The download links for a country and roadmap inputs, built once per kernel."""
    view = country_view(data_root, code)
    roadmap = (None if budget_usd_per_year is None or horizon_years is None
               else roadmap_for(data_root, code, budget_usd_per_year, horizon_years))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return downloads_html(view.code, published_tables(view, roadmap))


def warm_up(country: str, data_root: str) -> None:
    """In a preheated kernel (waiting for its visitor), compute the default country
    and draw its charts once, so the page needs neither when it is asked for.

    The work runs in the notebook's own thread at the kernel's normal priority: a
    visitor who takes this kernel before it is done waits for it, so it must not be
    left to a thread the machine may starve. Its default-budget plan and charts are
    usually read from the server's plan_store, worked out there beforehand.
    """
    if os.environ.get("VOILA_PREHEAT") != "True":
        return
    try:
        _warm_up(country, data_root)
    except Exception:  # only a head start: the page works the figures out itself
        return


def _warm_up(country: str, data_root: str) -> None:
    root = data_root_for(data_root)
    codes = [c.code for c in list_countries(root)]
    if not codes:
        return
    code = country if country in codes else codes[0]
    view = country_view(str(root), code)
    if view.usable:
        # What the page opens on: the Impact tab's charts and the download links.
        impact_specs(str(root), code)
        downloads_for(str(root), code, view.default_budget_usd_per_year,
                      view.default_horizon_years)
    if view.usable and view.default_budget_usd_per_year is not None:
        budget, horizon = view.default_budget_usd_per_year, view.default_horizon_years
        if roadmap_for(str(root), code, budget, horizon) is not None:
            for index in range(ROADMAP_CHARTS):
                roadmap_chart_json(str(root), code, budget, horizon, index)
    # The slider's other positions, while the kernel waits for its visitor (every other
    # country's are worked out beside the server: fill_shared_plans).
    ROADMAPS_AHEAD.plan(_default_slider_keys(str(root), code))


def fill_shared_plans(data_root: str) -> int:
    """Work every country's budget-slider positions out into the server's plan_store
    (at the country's default horizon, nearest its default budget first), skipping
    those another process has taken; how many this call worked out. `workbench
    dashboard` runs it once, in a process of its own (``python -m workbench.plan_store``),
    so that a page on any country finds its slider ready."""
    done = 0
    for choice in list_countries(Path(data_root)):
        for key in _default_slider_keys(data_root, choice.code):
            try:
                done += _roadmap_and_charts(key)
            except Exception:  # a page on this country meets it again and explains it
                break  # its other positions would fail alike; the other countries go on
    return done


def _default_slider_keys(data_root: str, code: str) -> list[RoadmapKey]:
    """The budget slider's positions at the country's default horizon, nearest to its
    default budget first (none for a country whose roadmap cannot be worked out)."""
    try:
        profile = load_profile(Path(data_root) / code / "profile.yaml", expected_country=code)
    except (WorkbenchError, OSError):
        return []
    budget, horizon = float(profile.budget_usd_per_year), int(profile.horizon_years)
    return [(data_root, code, usd, horizon)
            for usd in slider_budgets_usd(budget_slider_range(budget), budget)]


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class Card:
    """One headline figure as the page shows it, with the number behind the words.

    ``numbers`` (value, low, high ...) travel as ``data-`` attributes of the card so
    that a reader (or a test) can check them against summary.json.
    """

    key: str
    title: str
    value_text: str
    interval_text: str = ""
    context_text: str = ""
    unit: str = ""
    numbers: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.numbers.get("value") is not None


def _pct(value: float | None) -> str:
    return NOT_AVAILABLE if value is None else f"{100 * value:.1f}%"


def _unavailable(key: str, title: str, why: str, unit: str) -> Card:
    return Card(key, title, NOT_AVAILABLE, "", why, unit, {"value": None})


def impact_cards(view: CountryView) -> list[Card]:
    """Prevalence, annual cost (and share of GDP) and the under-reporting ratio."""
    titles = {
        "prevalence": ("Organisations hit by cybercrime", "share of organisations"),
        "annual_cost": ("Annual cost of cybercrime to organisations", "USD per year"),
        "underreporting": ("Breaches for every incident reported", "breaches per reported incident"),
    }
    if view.impact is None:
        why = "The impact assessment could not run: " + view.problems.get("impact", NOT_AVAILABLE)
        return [_unavailable(k, t, why, u) for k, (t, u) in titles.items()]
    s = view.impact.summary
    period = view.period_label
    suppressed = set(s.get("suppressed", []))
    threshold = s.get("min_cell_size", disclosure.MIN_CELL_SIZE)
    withheld = f"not published: fewer than {threshold} respondents are behind it"
    cards = []

    prev = s["prevalence"]
    title, unit = titles["prevalence"]
    if prev["estimate"] is None:
        why = withheld if "prevalence" in suppressed else "no survey answers to estimate it"
        cards.append(_unavailable("prevalence", title, why, unit))
    else:
        cards.append(Card(
            "prevalence", title, _pct(prev["estimate"]),
            f"95% interval {_pct(prev['ci_low'])} to {_pct(prev['ci_high'])}",
            f"of businesses and public bodies identified a breach or attack, {period}",
            unit, {"value": prev["estimate"], "low": prev["ci_low"], "high": prev["ci_high"]},
        ))

    cost = s["annual_cost_usd"]
    title, unit = titles["annual_cost"]
    if cost["estimate"] is None:
        why = withheld if suppressed & {"prevalence", "mean_cost_usd"} else (
            "too few breached organisations reported a cost")
        cards.append(_unavailable("annual_cost", title, why, unit))
    else:
        share = s["cost_pct_gdp"]
        share_text = "" if share is None else f"{share:.3f}% of GDP; "
        cards.append(Card(
            "annual_cost", title, f"{format_usd(cost['estimate'])} a year",
            f"likely range {format_usd(cost['p05'])} to {format_usd(cost['p95'])} "
            "(5th to 95th percentile)",
            f"{share_text}a floor: only each organisation's most disruptive breach is costed; "
            f"{period}",
            unit, {"value": cost["estimate"], "low": cost["p05"], "high": cost["p95"],
                   "pct-gdp": share},
        ))

    ratio = s["underreporting_ratio"]
    title, unit = titles["underreporting"]
    reported = s["reported_incidents"]
    if ratio is None:
        why = ("no file of reported incidents" if reported is None
               else "no incidents were reported, or too few respondents to estimate breaches")
        cards.append(_unavailable("underreporting", title, why, unit))
    else:
        cards.append(Card(
            "underreporting", title, f"{ratio:,.1f}",
            f"estimated breaches and attacks for each of the {reported:,} incidents reported",
            f"reported to the national CERT or police, {period}: most cybercrime is never reported",
            unit, {"value": ratio},
        ))
    return cards


def gaps_card(view: CountryView) -> Card:
    """The overall capability (maturity) score."""
    title, unit = "Overall capability score", "score 0-100"
    if view.gaps is None:
        return _unavailable("maturity", title, "The gap analysis could not run: "
                            + view.problems.get("gaps", NOT_AVAILABLE), unit)
    s = view.gaps.summary
    score = s["overall_score"]
    if score is None:
        return _unavailable("maturity", title, "no indicator has been assessed yet", unit)
    target = s["target_overall_score"]
    target_text = "" if target is None else f"; the targets would give {target:.1f} of 100"
    return Card(
        "maturity", title, f"{score:.1f} of 100",
        f"100 = every assessed indicator at the top level (5){target_text}",
        f"framework: {view.gaps.framework_title} ({len(view.gaps.pillar_scores)}); "
        f"{view.gaps.assessed_period}",
        unit, {"value": score, "target": target},
    )


def roadmap_cards(view: CountryView, roadmap: Roadmap | None) -> list[Card]:
    """What the roadmap costs over the horizon, and its return (ROSI)."""
    cost_title, rosi_title = "Cost of the roadmap", "Return on security investment (ROSI)"
    if roadmap is None:
        why = "The business case could not run: " + view.problems.get("business_case", NOT_AVAILABLE)
        return [_unavailable("roadmap_cost", cost_title, why, "USD"),
                _unavailable("rosi", rosi_title, why, "USD net per USD spent")]
    s = roadmap.summary
    years = roadmap.horizon_years
    closure = roadmap.gap_closure["closure_share"]
    final = float(closure.iloc[-1]) if len(closure) else 0.0
    cost = Card(
        "roadmap_cost", cost_title, f"{format_usd(s['total_cost_usd'])} over {years} years",
        f"{len(s['plan'])} of {len(roadmap.interventions)} interventions, within "
        f"{format_usd(s['budget_usd_per_year'])} a year",
        f"closes {100 * final:.0f}% of the priority-weighted capability gap by year {years}",
        "USD over the horizon",
        {"value": s["total_cost_usd"], "budget": s["budget_usd_per_year"], "horizon": years},
    )
    if s["rosi"] is None:
        why = ("no estimate of the annual cost of cybercrime, so losses avoided are not known"
               if s["avoided_loss_usd"] is None else "nothing is spent")
        rosi = _unavailable("rosi", rosi_title, why, "USD net per USD spent")
    else:
        rosi = Card(
            "rosi", rosi_title, f"{s['rosi']:.2f}",
            f"each USD 1 spent avoids USD {1 + s['rosi']:.2f} of losses over {years} years",
            f"losses avoided {format_usd(s['avoided_loss_usd'])} against a cost of "
            f"{format_usd(s['total_cost_usd'])}; ROSI = (losses avoided - cost) / cost",
            "USD net per USD spent", {"value": s["rosi"], "avoided": s["avoided_loss_usd"]},
        )
    return [cost, rosi]


def headline_cards(view: CountryView, roadmap: Roadmap | None) -> list[Card]:
    """The six headline cards, in reading order."""
    return [*impact_cards(view), gaps_card(view), *roadmap_cards(view, roadmap)]


def _data_attributes(numbers: Mapping[str, float | None]) -> str:
    return " ".join(
        f'data-{html.escape(name)}="{"" if v is None else html.escape(repr(float(v)))}"'
        for name, v in numbers.items()
    )


def cards_html(cards: Sequence[Card]) -> str:
    """The headline cards as HTML; every text escaped."""
    parts = []
    for card in cards:
        css = "wb-card" if card.available else "wb-card wb-na"
        parts.append(
            f'<div class="{css}" data-figure="{html.escape(card.key)}" '
            f'{_data_attributes(card.numbers)}>'
            f'<div class="wb-card-title">{html.escape(card.title)}</div>'
            f'<div class="wb-card-value">{html.escape(card.value_text)}</div>'
            f'<div class="wb-card-interval">{html.escape(card.interval_text)}</div>'
            f'<div class="wb-card-context">{html.escape(card.context_text)}</div></div>'
        )
    return f'<div class="wb-dash"><div class="wb-cards">{"".join(parts)}</div></div>'


def header_html(view: CountryView | None, notes: Sequence[str] = ()) -> str:
    """Title, data period, money unit and, for made-up data, the synthetic banner."""
    parts = [DASHBOARD_CSS, '<div class="wb-dash">']
    if view is not None and view.synthetic:
        parts.append(synthetic_banner_html())
    name = html.escape(view.name) if view is not None else "No country"
    parts.append(f"<h1>{name}: cybercrime impact, capability gaps and roadmap</h1>")
    if view is not None and view.period_label:
        parts.append(f'<p class="wb-sub">Data period: {html.escape(view.period_label)}. '
                     "Money in US dollars (USD). Ranges are 95% intervals unless stated.</p>")
    for note in notes:
        parts.append(f'<div class="wb-note">{html.escape(note)}</div>')
    parts.append("</div>")
    return "".join(parts)


def problem_html(country: str, reason: str) -> str:
    """A plain message in place of figures that cannot be shown (escaped)."""
    return (f'<div class="wb-dash"><div class="wb-problem" role="alert"><strong>'
            f"The figures for {html.escape(country)} cannot be shown.</strong> "
            f"{html.escape(reason)}</div></div>")


def stage_note_html(stage_words: str, reason: str) -> str:
    return (f'<div class="wb-dash"><div class="wb-note"><strong>{html.escape(stage_words)} '
            f"is not available for this country.</strong> {html.escape(reason)}</div></div>")


# --------------------------------------------------------------------------- charts


def _wrapped(text: str, width: int) -> tuple[str, int]:
    """``text`` broken into lines of at most ``width`` characters with <br>, and the
    number of breaks (text already broken by its chart is left alone)."""
    if "<br>" in text or len(text) <= width:
        return text, text.count("<br>")
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(lines), len(lines) - 1


def tidy_layout(layout: Mapping[str, Any]) -> dict[str, Any]:
    """A stage chart's layout (plain dict) adjusted for the page; numbers and words
    untouched, the input left as it is.

    The page can be narrower than the report, so a long subtitle is wrapped instead of
    running off the edge, and a legend placed under the plot is moved to the foot of
    the figure, where it cannot sit on the x-axis title. Works on the dict, not on a
    plotly Figure: re-validating a figure would cost more than drawing it.
    """
    out = dict(layout)
    margin = dict(out.get("margin") or {})
    top = margin.get("t", 100)
    bottom = margin.get("b", 80)
    height = out.get("height", 450)
    title = dict(out.get("title") or {})
    subtitle = dict(title.get("subtitle") or {})
    if subtitle.get("text"):
        wrapped, breaks = _wrapped(subtitle["text"], SUBTITLE_CHARACTERS)
        if wrapped != subtitle["text"]:
            title["subtitle"] = {**subtitle, "text": wrapped}
            out["title"] = title
            top += 17 * breaks
            height += 17 * breaks
    legend = dict(out.get("legend") or {})
    below = legend.get("orientation") == "h" and (legend.get("y") is not None and legend["y"] < 0)
    if out.get("showlegend") is not False and below:
        out["legend"] = {**legend, "yref": "container", "y": 0.0, "yanchor": "bottom"}
        height += max(0, LEGEND_FOOT - bottom)
        bottom = max(bottom, LEGEND_FOOT)
    out["margin"] = {**margin, "t": top, "b": bottom}
    out["height"] = height
    return out


def figure_spec(figure: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON (data, layout, config) for a ``LiveChart``: drawn by
    the page's own plotly.js, nothing fetched online."""
    spec = json.loads(pio.to_json(figure, validate=False))
    spec["layout"] = tidy_layout(spec.get("layout", {}))
    spec["config"] = CHART_CONFIG
    return spec


def impact_figures(view: CountryView) -> list[go.Figure]:
    """The Impact tab's charts (the report's, in the report's order)."""
    if view.impact is None:
        return []
    result = view.impact
    return [
        impact_charts.prevalence_by_group_chart(result, "sector"),
        impact_charts.prevalence_by_group_chart(result, "size_band"),
        impact_charts.annual_cost_exceedance_chart(result),
        impact_charts.dark_figure_chart(result),
        impact_charts.attack_mix_chart(result),
    ]


def filter_pillar(result: GapResult, pillar_id: str) -> GapResult:
    """The gap views of one pillar (``ALL_PILLARS``: unchanged).

    Keeps the pairs of the pillar's indicators and ranks the largest gaps among them;
    the scores, which belong to the whole framework, are left as they are.
    """
    if pillar_id == ALL_PILLARS:
        return result
    known = set(result.pillar_scores["pillar_id"])
    if pillar_id not in known:
        raise ValueError(f"unknown pillar {pillar_id!r}")
    pairs = result.pairs.loc[result.pairs["pillar_id"] == pillar_id].reset_index(drop=True)
    return dataclasses.replace(result, pairs=pairs, top_gaps=gaps.rank_gaps(pairs, gaps.TOP_N))


def pillar_options(result: GapResult | None) -> list[tuple[str, str]]:
    """The pillar filter's choices: (label, pillar id), all pillars first."""
    options = [("All pillars", ALL_PILLARS)]
    if result is not None:
        options += [(str(t), str(p)) for p, t in
                    zip(result.pillar_scores["pillar_id"], result.pillar_scores["pillar_title"])]
    return options


def roadmap_chart_builders(view: CountryView, roadmap: Roadmap | None) -> list[Callable[[], go.Figure]]:
    """The Roadmap tab's charts, each still to be built: the Gantt, spending and benefit
    (losses avoided). Built one at a time, so that the page can send one while the
    browser draws the one before."""
    if roadmap is None:
        return []
    interval = None
    if view.impact is not None:
        cost = view.impact.summary["annual_cost_usd"]
        if cost["p05"] is not None and cost["p95"] is not None:
            interval = (cost["p05"], cost["p95"])
    period = view.period_label
    return [
        lambda: roadmap_charts.roadmap_gantt(roadmap, period_label=period),
        lambda: roadmap_charts.spend_chart(roadmap, period_label=period),
        lambda: roadmap_charts.avoided_loss_chart(roadmap, period_label=period,
                                                  annual_cost_interval_usd=interval),
    ]


# --------------------------------------------------------------------------- budget control


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least ``raw`` (> 0)."""
    if not raw > 0 or not math.isfinite(raw):
        raise ValueError("the step must be a positive number")
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if factor * magnitude >= raw * (1 - 1e-12):
            return factor * magnitude
    return 10.0 * magnitude  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class SliderRange:
    """The budget slider's range in USD million: min, max, step and readout decimals."""

    minimum: float
    maximum: float
    step: float
    decimals: int


def budget_slider_range(default_usd: float, current_usd: float | None = None) -> SliderRange:
    """From one step to three times the profile's budget (wider if ``current_usd`` is
    above), in about 60 steps of a round size."""
    default_m = max(float(default_usd), 1.0) / 1e6
    step = nice_step(default_m / 20)
    top = max(3 * default_m, (current_usd or 0) / 1e6)
    maximum = math.ceil(top / step - 1e-9) * step
    mantissa = round(step / 10.0 ** math.floor(math.log10(step)), 6)
    decimals = max(0, -math.floor(math.log10(step)) + (1 if mantissa == 2.5 else 0))
    return SliderRange(round(step, 10), round(maximum, 10), round(step, 10), decimals)


def slider_budgets_usd(bounds: SliderRange, current_usd: float) -> list[float]:
    """Every position of the budget slider in USD per year, rounded to the cent as the
    page reads the slider, nearest to ``current_usd`` first (the likeliest next moves)."""
    count = int(round((bounds.maximum - bounds.minimum) / bounds.step)) + 1
    values = [round(round(bounds.minimum + k * bounds.step, 10) * 1e6, 2) for k in range(count)]
    return sorted(values, key=lambda usd: (abs(usd - current_usd), usd))


# --------------------------------------------------------------------------- downloads


def headline_table(cards: Sequence[Card], period_label: str) -> pd.DataFrame:
    """The headline cards as a table of numbers with their units."""
    return pd.DataFrame({
        "Figure": [c.title for c in cards],
        "Value": [c.numbers.get("value") for c in cards],
        "Low": [c.numbers.get("low") for c in cards],
        "High": [c.numbers.get("high") for c in cards],
        "Unit": [c.unit for c in cards],
        "As shown": [c.value_text for c in cards],
        "Range or detail": [c.interval_text for c in cards],
        "Note": [c.context_text for c in cards],
        "Data period": period_label,
    })


def _group_table(result: ImpactResult) -> pd.DataFrame:
    groups = result.groups
    words = np.where(groups["suppressed"].to_numpy(dtype=bool),
                     disclosure.SUPPRESSED_TEXT, "published")
    return pd.DataFrame({
        "By": groups["dimension"].map({"sector": "sector", "size_band": "size of organisation"}),
        "Group": groups["group"].astype(str).str.replace("_", " "),
        "Respondents": groups["n"],
        "Share breached (%)": (100 * groups["estimate"]).round(1),
        "95% interval low (%)": (100 * groups["ci_low"]).round(1),
        "95% interval high (%)": (100 * groups["ci_high"]).round(1),
        "Status": words,
    })


def _pillar_table(result: GapResult) -> pd.DataFrame:
    table = result.pillar_scores
    return pd.DataFrame({
        "Pillar": table["pillar_title"],
        "Score now (0-100)": table["score"].round(1),
        "Target score (0-100)": table["target_score"].round(1),
        "Checks expected": table["expected"],
        "Checks assessed": table["assessed"],
    })


def _spending_table(roadmap: Roadmap) -> pd.DataFrame:
    spend = roadmap.summary["spend_by_year_usd"]
    return pd.DataFrame({
        "Year of the roadmap": np.arange(1, len(spend) + 1),
        "Spending (USD)": spend,
        "Budget (USD per year)": roadmap.summary["budget_usd_per_year"],
    })


def published_tables(view: CountryView, roadmap: Roadmap | None) -> dict[str, pd.DataFrame]:
    """The published tables of the country's summary, as the download carries them.

    Only figures the report publishes: no row-level data; suppressed groups without
    a figure.
    """
    cards = headline_cards(view, roadmap)
    about = [("Country", f"{view.name} ({view.code})"), ("Data period", view.period_label),
             ("Money", "US dollars (USD)")]
    if view.synthetic:
        about.append(("Warning", "SYNTHETIC DATA: made up for demonstration; describes no real country"))
    if roadmap is not None:
        about += [("Roadmap budget (USD per year)", f"{roadmap.budget_usd_per_year:,.0f}"),
                  ("Roadmap horizon (years)", str(roadmap.horizon_years))]
    tables = {"About": pd.DataFrame(about, columns=["Item", "Value"]),
              "Headline figures": headline_table(cards, view.period_label)}
    if view.impact is not None:
        tables["Impact in brief"] = impact.headline_figures(view.impact)
        tables["Share breached by group"] = _group_table(view.impact)
    if view.gaps is not None:
        tables["Capability by pillar"] = _pillar_table(view.gaps)
        tables["Largest gaps"] = gaps.evidence_view(view.gaps.top_gaps)
    if roadmap is not None:
        tables["Roadmap in brief"] = business_case.headline_figures(
            roadmap, catalogue_source=view.catalogue_source)
        tables["Roadmap"] = business_case.plan_table(roadmap)
        tables["Spending by year"] = _spending_table(roadmap)
        tables["Not in the plan"] = business_case.not_chosen_table(roadmap)
    return tables


def _data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def downloads_html(code: str, tables: Mapping[str, pd.DataFrame]) -> str:
    """Two download links (data: URIs, nothing fetched): the headline figures as CSV and
    every published table as an Excel workbook."""
    safe = validate_country_code(code)
    headline = tables["Headline figures"]
    csv_link = _data_uri(csv_bytes(headline), "text/csv;charset=utf-8")
    xlsx_link = _data_uri(xlsx_bytes(tables), XLSX_MIME)
    return (
        '<div class="wb-dash wb-downloads">'
        f'<a class="wb-download-csv" download="{safe}-headline-figures.csv" href="{csv_link}">'
        "Download headline figures (CSV)</a>"
        f'<a class="wb-download-xlsx" download="{safe}-summary-tables.xlsx" href="{xlsx_link}">'
        "Download all summary tables (Excel)</a></div>"
    )


# --------------------------------------------------------------------------- the page


class CountryDashboard:
    """The page: header, controls, headline cards and three tabs, and what the controls do.

    Tabs are drawn when first opened (a chart drawn in a hidden tab gets no width),
    and again only when what they show has changed.
    """

    def __init__(self, settings: DashboardSettings) -> None:
        import ipywidgets as widgets

        self._w = widgets
        self.settings = settings
        self.root = str(settings.data_root)
        self.choices = list_countries(settings.data_root)
        self.view: CountryView | None = None
        self.roadmap: Roadmap | None = None
        self.budget_usd: float | None = None
        self.horizon: int | None = None
        self._quiet = False  # True while the code itself sets a control's value
        self._budget_range: SliderRange | None = None
        self._stale = {IMPACT_TAB: True, GAPS_TAB: True, ROADMAP_TAB: True}
        self._notes = settings.notes

        def full() -> Any:
            # One Layout per widget: hiding one widget must not hide the others.
            return widgets.Layout(width="100%")

        self.header = widgets.HTML(layout=full())
        self.status = widgets.HTML(layout=full())
        self.country = widgets.Dropdown(
            options=[(c.label, c.code) for c in self.choices], description="Country",
            layout=widgets.Layout(width="300px"))
        self.budget = widgets.FloatSlider(
            description="Yearly budget (USD million)", continuous_update=False,
            style={"description_width": "initial"}, layout=widgets.Layout(width="460px"))
        self.horizon_control = widgets.IntSlider(
            min=1, max=MAX_HORIZON_YEARS, description="Roadmap horizon (years)",
            continuous_update=False, style={"description_width": "initial"},
            layout=widgets.Layout(width="360px"))
        self.controls = widgets.HBox(
            [self.country, self.budget, self.horizon_control],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="8px 24px"))
        self.cards = widgets.HTML(layout=full())
        self.downloads = widgets.HTML(layout=full())
        self.problem = widgets.HTML(layout=full())

        self.impact_note = widgets.HTML(layout=full())
        self.impact_table = widgets.HTML(layout=full())
        self.impact_charts = [LiveChart(layout=full()) for _ in range(5)]
        self.gaps_note = widgets.HTML(layout=full())
        self.gaps_table = widgets.HTML(layout=full())
        self.gaps_overview = [LiveChart(layout=full()) for _ in range(2)]
        self.pillar = widgets.Dropdown(description="Show pillar", layout=widgets.Layout(width="420px"),
                                       style={"description_width": "initial"})
        self.gaps_filtered = LiveChart(layout=full())
        self.gaps_top = widgets.HTML(layout=full())
        self.roadmap_note = widgets.HTML(layout=full())
        self.roadmap_table = widgets.HTML(layout=full())
        self.roadmap_charts = [LiveChart(layout=full()) for _ in range(ROADMAP_CHARTS)]
        self.plan_table = widgets.HTML(layout=full())

        self.tabs = widgets.Tab(children=[
            widgets.VBox([self.impact_note, self.impact_table, *self.impact_charts], layout=full()),
            widgets.VBox([self.gaps_note, self.gaps_table, *self.gaps_overview,
                          widgets.HTML("<p><strong>Gaps in detail.</strong> Choose a pillar to "
                                       "see only its indicators.</p>"),
                          self.pillar, self.gaps_filtered, self.gaps_top], layout=full()),
            widgets.VBox([self.roadmap_note, self.roadmap_table, *self.roadmap_charts,
                          self.plan_table], layout=full()),
        ], layout=full())
        for index, title in enumerate(TAB_TITLES):
            self.tabs.set_title(index, title)
        self.body = widgets.VBox([self.cards, self.downloads, self.tabs], layout=full())
        self.widget = widgets.VBox(
            [self.header, self.controls, self.status, self.problem, self.body],
            layout=widgets.Layout(width="auto"))
        self.widget.add_class("wb-dashboard")
        # Names a reader's tools (and the browser tests) can find the parts by.
        for part, name in ((self.cards, "wb-cards-box"), (self.tabs, "wb-tabs"),
                           (self.budget, "wb-budget"), (self.horizon_control, "wb-horizon"),
                           (self.country, "wb-country"), (self.pillar, "wb-pillar"),
                           (self.gaps_filtered, "wb-gaps-heatmap"), (self.problem, "wb-problem-box"),
                           (self.status, "wb-status-box")):
            part.add_class(name)
        for chart, name in zip(self.roadmap_charts, ("wb-roadmap-gantt", "wb-roadmap-spend",
                                                      "wb-roadmap-benefit")):
            chart.add_class(name)
        for chart in self.impact_charts:
            chart.add_class("wb-impact-chart")

        self.country.observe(self._safely(self._on_country), names="value")
        self.budget.observe(self._safely(self._on_roadmap_input), names="value")
        self.horizon_control.observe(self._safely(self._on_roadmap_input), names="value")
        self.tabs.observe(self._safely(self._on_tab), names="selected_index")
        self.pillar.observe(self._safely(self._on_pillar), names="value")

        if settings.country is None:
            self.header.value = header_html(None, self._notes)
            self.problem.value = problem_html(
                "this page", "There is no country folder (named by its two-letter code) in the "
                "data folder the server was given.")
            self.controls.layout.display = "none"
            self.body.layout.display = "none"
            return
        with ROADMAPS_AHEAD.paused():  # the visitor is waiting for this page
            self._safely(self._show_country)(
                settings.country, settings.budget_usd_per_year, settings.horizon_years)

    # -- plumbing

    def _safely(self, action: Callable[..., None]) -> Callable[..., None]:
        """Run a control's action; any fault becomes a plain message, never a traceback."""
        def run(*args: Any) -> None:
            try:
                action(*args)
            except Exception as exc:
                code = self.view.name if self.view is not None else "this country"
                self.problem.value = problem_html(code, _reason(exc))
            finally:
                self.status.value = ""
        return run

    def _set_quietly(self, control: Any, *, together: bool = False, **values: Any) -> None:
        """Set a control's traits without running its action. ``together``: check them
        only once all are set (a slider's new range and value)."""
        self._quiet = True
        try:
            if together:
                with control.hold_trait_notifications():
                    for name, value in values.items():
                        setattr(control, name, value)
            else:
                for name, value in values.items():
                    setattr(control, name, value)
        finally:
            self._quiet = False

    # -- actions

    def _on_country(self, change: Mapping[str, Any]) -> None:
        if self._quiet or change["new"] is None:
            return
        self._notes = ()
        with ROADMAPS_AHEAD.paused():
            self._show_country(change["new"], None, None)

    def _on_roadmap_input(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        self.budget_usd = round(float(self.budget.value) * 1e6, 2)
        self.horizon = int(self.horizon_control.value)
        with ROADMAPS_AHEAD.paused():  # the minister is waiting: this comes first
            self._replan()

    def _on_tab(self, change: Mapping[str, Any]) -> None:
        self._draw_tab(change["new"])

    def _on_pillar(self, change: Mapping[str, Any]) -> None:
        if self._quiet or self.view is None or self.view.gaps is None:
            return
        self._draw_gap_detail()

    def _new_budget_slider(self, bounds: SliderRange) -> None:
        """A fresh slider for a country's budget range. Changing the range and value of
        the old one could reach the browser in pieces, which would clamp the value to the
        old range and send that back as the minister's choice."""
        old = self.budget
        self.budget = self._w.FloatSlider(
            min=bounds.minimum, max=bounds.maximum, step=bounds.step,
            readout_format=f",.{bounds.decimals}f", value=self.budget_usd / 1e6,
            description="Yearly budget (USD million)", continuous_update=False,
            style={"description_width": "initial"}, layout=self._w.Layout(width="460px"))
        self._budget_range = bounds
        self.budget.add_class("wb-budget")
        self.budget.observe(self._safely(self._on_roadmap_input), names="value")
        self.controls.children = tuple(self.budget if c is old else c for c in self.controls.children)
        old.close()

    def _show_country(self, code: str, budget: float | None, horizon: int | None) -> None:
        self.status.value = f'<div class="wb-dash wb-note">Working out the figures for {html.escape(code)}…</div>'
        view = country_view(self.root, code)
        self.view = view
        self.problem.value = ""
        self.header.value = header_html(view, self._notes)
        if self.country.value != code:
            self._set_quietly(self.country, value=code)
        if not view.usable:
            self.problem.value = problem_html(code, view.fatal or GENERIC_PROBLEM)
            self.body.layout.display = "none"
            self.budget.layout.display = "none"
            self.horizon_control.layout.display = "none"
            return
        self.body.layout.display = None
        has_plan = view.pairs is not None and view.default_budget_usd_per_year is not None
        self.budget.layout.display = None if has_plan else "none"
        self.horizon_control.layout.display = None if has_plan else "none"
        self.budget_usd = float(budget) if budget is not None else view.default_budget_usd_per_year
        self.horizon = int(horizon) if horizon is not None else view.default_horizon_years
        if has_plan:
            self._new_budget_slider(budget_slider_range(view.default_budget_usd_per_year,
                                                        self.budget_usd))
            self._set_quietly(self.horizon_control, together=True,
                              max=max(MAX_HORIZON_YEARS, self.horizon),
                              value=self.horizon)
        self._set_quietly(self.pillar, options=pillar_options(view.gaps), value=ALL_PILLARS)
        self._stale = {IMPACT_TAB: True, GAPS_TAB: True, ROADMAP_TAB: True}
        self._replan()
        self._draw_tab(self.tabs.selected_index or IMPACT_TAB)

    def _replan(self) -> None:
        view = self.view
        if view is None:
            return
        self.roadmap = (
            ROADMAPS_AHEAD.get(self._roadmap_key(), _roadmap_for_key)
            if view.pairs is not None and self.budget_usd is not None else None
        )
        self._plan_ahead()
        self.cards.value = cards_html(headline_cards(view, self.roadmap))
        self._stale[ROADMAP_TAB] = True
        if (self.tabs.selected_index or IMPACT_TAB) == ROADMAP_TAB:
            self._draw_tab(ROADMAP_TAB)
        # Last: the charts a minister waits for go out first.
        self.downloads.value = downloads_for(
            self.root, view.code, None if self.roadmap is None else float(self.budget_usd),
            None if self.roadmap is None else int(self.horizon))

    def _roadmap_key(self) -> RoadmapKey:
        return (self.root, self.view.code, float(self.budget_usd), int(self.horizon))

    def _plan_ahead(self) -> None:
        """Work out the plans and roadmap charts of the budget slider's other positions in
        the background, nearest first, while the minister reads the page, so that moving
        the slider finds them ready (a few seconds of one core per country and horizon)."""
        view = self.view
        if (self.roadmap is None or view is None or self._budget_range is None
                or self.budget_usd is None):
            ROADMAPS_AHEAD.cancel()
            return
        ROADMAPS_AHEAD.plan(
            (self.root, view.code, usd, int(self.horizon))
            for usd in slider_budgets_usd(self._budget_range, float(self.budget_usd)))

    def _draw_tab(self, index: int | None) -> None:
        index = IMPACT_TAB if index is None else index
        if not self._stale.get(index) or self.view is None or not self.view.usable:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            {IMPACT_TAB: self._draw_impact, GAPS_TAB: self._draw_gaps,
             ROADMAP_TAB: self._draw_roadmap}[index]()
        self._stale[index] = False

    def _draw_impact(self) -> None:
        view = self.view
        figures = list(impact_specs(self.root, view.code))
        if view.impact is None:
            self.impact_note.value = stage_note_html(
                "The impact assessment", view.problems.get("impact", NOT_AVAILABLE))
            self.impact_table.value = ""
        else:
            self.impact_note.value = (
                '<div class="wb-dash"><p>How many organisations were hit in the period, what it '
                "cost them and how much of it the authorities hear about. Bars show 95% "
                "intervals; grey hatched bars are groups with too few respondents to publish."
                "</p></div>")
            self.impact_table.value = (
                '<div class="wb-dash">' + table_html(
                    impact.headline_figures(view.impact),
                    caption="Impact of cybercrime: headline figures").markup + "</div>")
        for slot, spec in zip(self.impact_charts, figures + [None] * len(self.impact_charts)):
            slot.show(spec)

    def _draw_gaps(self) -> None:
        view = self.view
        if view.gaps is None:
            self.gaps_note.value = stage_note_html(
                "The gap analysis", view.problems.get("gaps", NOT_AVAILABLE))
            self.gaps_table.value = ""
            for slot in self.gaps_overview:
                slot.show(None)
            self.gaps_filtered.show(None)
            self.gaps_top.value = ""
            self.pillar.layout.display = "none"
            return
        self.pillar.layout.display = None
        self.gaps_note.value = (
            '<div class="wb-dash"><p>How ready the country, its government bodies and its '
            "critical-infrastructure operators are, on levels from 0 (absent) to 5 (dynamic). "
            "A gap is how many levels an organisation is below its target.</p></div>")
        self.gaps_table.value = '<div class="wb-dash">' + table_html(
            gaps.headline_table(view.gaps), caption="Capability gaps at a glance").markup + "</div>"
        self.gaps_overview[0].show(figure_spec(gaps_charts.pillar_radar(view.gaps)))
        self.gaps_overview[1].show(figure_spec(gaps_charts.coverage_chart(view.gaps)))
        self._draw_gap_detail()

    def _draw_gap_detail(self) -> None:
        view = self.view
        chosen = filter_pillar(view.gaps, self.pillar.value or ALL_PILLARS)
        self.gaps_filtered.show(figure_spec(gaps_charts.gap_heatmap(chosen)))
        label = dict((v, k) for k, v in pillar_options(view.gaps)).get(self.pillar.value or ALL_PILLARS)
        self.gaps_top.value = '<div class="wb-dash">' + table_html(
            gaps.evidence_view(chosen.top_gaps),
            caption=f"Largest gaps by priority ({label.lower() if label == 'All pillars' else label})",
        ).markup + "</div>"

    def _draw_roadmap(self) -> None:
        view = self.view
        roadmap = self.roadmap
        # Charts first: they are what a minister moving the slider waits for. Each is
        # sent as soon as it is ready (usually worked out ahead with its plan).
        for index, slot in enumerate(self.roadmap_charts):
            text = None if roadmap is None else roadmap_chart_json(*self._roadmap_key(), index)
            slot.show(None if text is None else json.loads(text))
        if roadmap is None:
            self.roadmap_note.value = stage_note_html(
                "The business case", view.problems.get("business_case", NOT_AVAILABLE))
            self.roadmap_table.value = ""
            self.plan_table.value = ""
        else:
            self.roadmap_note.value = (
                '<div class="wb-dash"><p>The best plan the yearly budget allows over the horizon. '
                "Move the budget or the horizon above to work it out again.</p></div>")
            self.roadmap_table.value = '<div class="wb-dash">' + table_html(
                business_case.headline_figures(roadmap, catalogue_source=view.catalogue_source),
                caption="The plan in brief").markup + "</div>"
            self.plan_table.value = '<div class="wb-dash">' + table_html(
                business_case.plan_table(roadmap), caption="Interventions in the plan").markup + "</div>"
