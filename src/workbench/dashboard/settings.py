"""The page's settings: the data folder, the country and the roadmap inputs, from the
notebook's parameters and the visitor's page address (only the notebook's own
parameter names, each checked; a value that cannot be used leaves a plain note)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from workbench import paths
from workbench.countries import validate_country_code
from workbench.errors import WorkbenchError
from workbench.i18n import DEFAULT_LANGUAGE, N_, Language, _, parse_language, use_language
from workbench.profile import load_profile

# The server passes the data folder to the page's kernel in this variable; the page
# address can never name a folder.
DATA_ROOT_ENV = "WORKBENCH_DASHBOARD_DATA"
# Page-address parameters a visitor may set: the notebook's own parameter names, and
# ``lang`` for the page's language (the usual short form of ``language``).
URL_PARAMETERS = ("country", "budget_usd_per_year", "horizon_years", "lang")
MAX_HORIZON_YEARS = 15
MAX_BUDGET_USD_PER_YEAR = 1e12


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
    # The page's language: the address's ``lang``, else the notebook's ``language``,
    # else (None) the country's profile's.
    language: str | None = None


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
            label = _("{code} (data problem)").format(code=code)
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
    language: str | None = None,
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
        language: the parameters cell's language (None or empty: the profile's);
            the address's ``lang`` overrides it.
    """
    params = parse_query(query)
    # Notes are gathered in English (message, values) and written once the page's
    # language is known, which depends on the country chosen.
    notes: list[tuple[str, dict[str, Any]]] = []
    chosen = country if country in available else (available[0] if available else None)
    asked = params.get("country")
    if asked is not None:
        code = asked.strip().upper()
        try:
            validate_country_code(code)
        except WorkbenchError:
            notes.append((N_("'{value}' is not a country code (two letters, e.g. KE)."),
                          {"value": _shown(asked)}))
        else:
            if code in available:
                chosen = code
            else:
                notes.append((N_("There is no data for {code} on this server."), {"code": code}))
    budget = _address_number(
        params, "budget_usd_per_year", budget_usd_per_year, float,
        lambda v: math.isfinite(v) and 0 < v <= MAX_BUDGET_USD_PER_YEAR,
        N_("The budget '{value}' is not a positive amount in USD per year."), notes)
    horizon = _address_number(
        params, "horizon_years", horizon_years, int, lambda v: 1 <= v <= MAX_HORIZON_YEARS,
        N_("The horizon '{value}' is not a whole number of years from 1 to {limit}."),
        notes)
    page_language = parse_language(language) if language else None
    if "lang" in params:
        try:
            page_language = parse_language(params["lang"])
        except ValueError:
            notes.append((N_("'{value}' is not a language of these pages (en or fr)."),
                          {"value": _shown(params["lang"])}))
    if page_language is None:
        page_language = profile_language(data_root, chosen)
    with use_language(page_language):
        written = tuple(_(message).format(limit=MAX_HORIZON_YEARS, **values)
                        for message, values in notes)
    return DashboardSettings(Path(data_root), chosen, budget, horizon, written, page_language)


def profile_language(data_root: Path, code: str | None) -> Language:
    """The language of the country's profile (English when it cannot be read)."""
    if code is None:
        return DEFAULT_LANGUAGE
    try:
        return load_profile(Path(data_root) / code / "profile.yaml", code).language
    except WorkbenchError:  # the page itself says what is wrong with the profile
        return DEFAULT_LANGUAGE


def _address_number(params: Mapping[str, str], name: str, default: Any,
                    convert: Callable[[str], Any], usable: Callable[[Any], bool],
                    problem: str, notes: list[tuple[str, dict[str, Any]]]) -> Any:
    """The page address's ``name`` as a number when it can be used; else ``default``,
    with ``problem`` (the visitor's value as ``{value}``) added to ``notes``."""
    if name not in params:
        return default
    raw = params[name]
    try:
        value = convert(raw)
    except ValueError:
        value = None
    if value is not None and usable(value):
        return value
    notes.append((problem, {"value": _shown(raw)}))
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
    language: str | None = None,
) -> DashboardSettings:
    """The settings for this page view (waits for the visitor in a preheated kernel)."""
    root = data_root_for(data_root)
    available = [c.code for c in list_countries(root)]
    return resolve_settings(
        request_query(), country=country, data_root=root,
        budget_usd_per_year=budget_usd_per_year, horizon_years=horizon_years,
        available=available, language=language,
    )

