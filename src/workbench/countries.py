"""Countries: ISO 3166-1 codes (pycountry) and the Commonwealth reference table."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pycountry

from workbench import paths
from workbench.errors import InvalidCountryCode

_ALPHA2 = re.compile(r"[A-Z]{2}")


def validate_country_code(code: object) -> str:
    """Return ``code`` if it is an ISO 3166-1 alpha-2 code (upper case), else raise.

    Called before any path is built from a country parameter, so that a value such
    as ``../etc`` never reaches the file system.
    """
    if not isinstance(code, str) or not _ALPHA2.fullmatch(code):
        raise InvalidCountryCode(
            f"country {code!r} is not an ISO 3166-1 alpha-2 code (two capital letters, e.g. KE)"
        )
    if pycountry.countries.get(alpha_2=code) is None:
        raise InvalidCountryCode(f"country {code!r} is not an ISO 3166-1 alpha-2 code")
    return code


def country_folder(data_root: str | Path, code: object) -> Path:
    """``<data_root>/<CC>``, refusing an invalid code before the path is built."""
    return Path(data_root) / validate_country_code(code)


# Columns of the shipped Commonwealth table and how each is read. Every column is
# read as text first so that Namibia's code ``NA`` is never taken for a missing value.
_COMMONWEALTH_FLAGS = ("sids", "ldc", "lldc")
_COMMONWEALTH_INTS = ("gdp_year", "population", "population_year")


@lru_cache(maxsize=1)
def _commonwealth_table() -> pd.DataFrame:
    frame = pd.read_csv(
        paths.COMMONWEALTH_CSV, dtype=str, keep_default_na=False, na_values=[""],
        encoding="utf-8-sig",
    )
    for column in _COMMONWEALTH_FLAGS:
        frame[column] = frame[column].map({"1": True, "0": False}).astype("boolean")
    for column in _COMMONWEALTH_INTS:
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    frame["gdp_current_usd"] = pd.to_numeric(frame["gdp_current_usd"]).astype("float64")
    return frame


def commonwealth() -> pd.DataFrame:
    """The 56 Commonwealth members (``workbench/data/commonwealth.csv``).

    Returns:
        One row per member: ``iso2``, ``iso3``, ``name``, ``commonwealth_region``,
        ``un_region``, ``un_subregion``, ``sids``, ``ldc``, ``lldc`` (boolean),
        ``gdp_current_usd`` (float), ``gdp_year``, ``population``,
        ``population_year`` (Int64). Sources: docs/reference-data.md.
        The file is read once; each call returns a fresh copy, so a caller
        changing it cannot change what the next caller sees.
    """
    return _commonwealth_table().copy()


def country_facts(code: object) -> dict[str, object]:
    """The reference facts of one Commonwealth member.

    Args:
        code: ISO 3166-1 alpha-2 code, upper case (e.g. ``"KE"``, ``"NA"``).

    Returns:
        ``{"code", "iso3", "name", "region", "un_region", "un_subregion", "sids",
        "ldc", "lldc", "gdp_usd", "gdp_year", "population", "population_year"}``;
        ``region`` is the Commonwealth region, flags are ``bool``, GDP in current USD.

    Raises:
        InvalidCountryCode: ``code`` is not an ISO 3166-1 alpha-2 code, or not a
            Commonwealth member.
    """
    code = validate_country_code(code)
    table = _commonwealth_table()
    rows = table[table["iso2"] == code]
    if rows.empty:
        raise InvalidCountryCode(f"country {code!r} is not a Commonwealth member")
    row = rows.iloc[0]
    return {
        "code": code,
        "iso3": str(row["iso3"]),
        "name": str(row["name"]),
        "region": str(row["commonwealth_region"]),
        "un_region": str(row["un_region"]),
        "un_subregion": str(row["un_subregion"]),
        "sids": bool(row["sids"]),
        "ldc": bool(row["ldc"]),
        "lldc": bool(row["lldc"]),
        "gdp_usd": float(row["gdp_current_usd"]),
        "gdp_year": int(row["gdp_year"]),
        "population": int(row["population"]),
        "population_year": int(row["population_year"]),
    }
