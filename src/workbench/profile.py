"""profile.yaml: who the country is, the period its data covers, and its defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.errors import DataFileError
from workbench.formatting import format_period
from workbench.i18n import Language, parse_language
from workbench.input_files import checked_file
from workbench.schemas import BEYOND_LIMIT, NUMBER_LIMIT


class Profile(BaseModel):
    """The contents of a country's profile.yaml (docs/data-contract.md)."""

    # Numbers must be finite (`.inf`, `.nan` and 1e309 are refused) and, like every
    # number of the tables, at most NUMBER_LIMIT in size.
    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    country: str = Field(description="ISO 3166-1 alpha-2 code; must equal the folder name")
    name: str
    currency: str = Field(description="ISO 4217 code of the local currency")
    usd_per_unit: float = Field(gt=0, le=NUMBER_LIMIT,
                                description="1 unit of local currency in USD")
    gdp_usd: float = Field(gt=0, le=NUMBER_LIMIT)
    population: float = Field(gt=0, le=NUMBER_LIMIT)
    period_start: dt.date
    period_end: dt.date
    budget_usd_per_year: float = Field(ge=0, le=NUMBER_LIMIT)
    horizon_years: int = Field(ge=1, le=30)
    synthetic: bool = False
    language: Language = Field(
        default="en", description="the language of the country's pages: en or fr")
    min_coverage: float = Field(
        default=0.5, gt=0, le=1,
        description="share of a pillar's expected checks that must be assessed for its score "
                    "to be published (the coverage rule)")

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        if pycountry.countries.get(alpha_2=value) is None or value != value.upper():
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 code")
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a language code; use en or fr")
        return parse_language(value)

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if pycountry.currencies.get(alpha_3=value) is None:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value

    @model_validator(mode="after")
    def _period_order(self) -> Profile:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self

    @property
    def period_label(self) -> str:
        """The period in words, in the page's language: '1 Jan 2025 to 31 Dec 2025'."""
        return format_period(self.period_start, self.period_end)


def _problem(error: dict) -> str:
    """A validation error in words (the number limit named as the tables name it)."""
    if error["type"] == "less_than_equal" and error.get("ctx", {}).get("le") == NUMBER_LIMIT:
        value = error["input"]  # YAML may hand over a number or its text
        return f"{value:g} {BEYOND_LIMIT}" if isinstance(value, float | int) else f"{value} {BEYOND_LIMIT}"
    return error["msg"]


def load_profile(path: Path, expected_country: str | None = None) -> Profile:
    """Read and check profile.yaml; a problem raises DataFileError naming the field
    (or naming the file when it is not a regular file inside its folder)."""
    if checked_file(path.parent, path.name) is None:
        raise DataFileError(path.name, "the file is missing (it is required)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise DataFileError(path.name, "the file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise DataFileError(path.name, f"not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise DataFileError(path.name, "expected a mapping of fields (country: KE, ...)")
    # YAML reads the bare code NA (Namibia) as the string 'NA'; but `country: no`
    # style booleans or numbers must not slip through as codes.
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise DataFileError(path.name, _problem(first), column=field) from None
    if expected_country is not None and profile.country != expected_country:
        raise DataFileError(
            path.name,
            f"country is {profile.country!r} but the folder is {expected_country!r}",
            column="country",
        )
    return profile
