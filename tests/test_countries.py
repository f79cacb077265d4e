"""The Commonwealth reference table and country-code checks (workbench.countries)."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
import pytest

from workbench import paths
from workbench.countries import (
    commonwealth,
    country_facts,
    country_folder,
    validate_country_code,
)
from workbench.errors import InvalidCountryCode


def _raw_rows() -> list[dict[str, str]]:
    """The shipped CSV read with the csv module: every cell is text, nothing inferred."""
    with paths.COMMONWEALTH_CSV.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_table_has_the_56_members_with_unique_codes():
    table = commonwealth()
    assert len(table) == 56
    assert table["iso2"].is_unique and table["iso3"].is_unique
    assert table["iso2"].notna().all()
    # Members that joined last (2022) are present.
    assert {"GA", "TG"} <= set(table["iso2"])


def test_namibia_code_is_not_read_as_missing():
    table = commonwealth()
    namibia = table[table["iso2"] == "NA"]
    assert len(namibia) == 1
    assert namibia["name"].iloc[0] == "Namibia"
    assert namibia["iso3"].iloc[0] == "NAM"
    # The file itself spells the code NA.
    assert any(row["iso2"] == "NA" for row in _raw_rows())


def test_columns_and_types():
    table = commonwealth()
    assert list(table.columns) == [
        "iso2", "iso3", "name", "commonwealth_region", "un_region", "un_subregion",
        "sids", "ldc", "lldc", "gdp_current_usd", "gdp_year", "population",
        "population_year",
    ]
    for flag in ("sids", "ldc", "lldc"):
        assert str(table[flag].dtype) == "boolean"
        assert table[flag].notna().all()
    assert str(table["population"].dtype) == "Int64"
    assert table["gdp_current_usd"].dtype == "float64"
    assert (table["gdp_current_usd"] > 0).all() and (table["population"] > 0).all()
    assert set(table["commonwealth_region"]) == {
        "Africa", "Asia", "Caribbean and Americas", "Europe", "Pacific"}


def test_codes_agree_with_iso_3166():
    for row in _raw_rows():
        country = pycountry.countries.get(alpha_2=row["iso2"])
        assert country is not None, row["iso2"]
        assert country.alpha_3 == row["iso3"]


def test_region_counts():
    # Commonwealth Secretariat regions: 21 in Africa, 8 in Asia, 13 in the Caribbean
    # and Americas, 3 in Europe, 11 in the Pacific.
    counts = commonwealth()["commonwealth_region"].value_counts().to_dict()
    assert counts == {"Africa": 21, "Caribbean and Americas": 13, "Pacific": 11, "Asia": 8,
                      "Europe": 3}


def test_table_is_a_fresh_copy_each_call():
    first = commonwealth()
    first.loc[:, "name"] = "changed"
    assert "changed" not in set(commonwealth()["name"])


def test_facts_for_kenya():
    facts = country_facts("KE")
    assert facts["name"] == "Kenya"
    assert facts["iso3"] == "KEN"
    assert facts["region"] == "Africa"
    assert facts["sids"] is False and facts["ldc"] is False
    assert facts["gdp_usd"] == 107440575838.0
    assert facts["population"] == 56432944
    assert facts["gdp_year"] == 2023 and facts["population_year"] == 2024


def test_facts_for_namibia():
    facts = country_facts("NA")
    assert facts["name"] == "Namibia"
    assert facts["population"] == 3030131
    assert facts["gdp_usd"] == 12351024844.0


def test_facts_flags():
    assert country_facts("FJ")["sids"] is True
    malawi = country_facts("MW")
    assert malawi["ldc"] is True and malawi["lldc"] is True
    assert country_facts("GB")["name"] == "United Kingdom"


def test_facts_agree_with_the_file_for_every_member():
    for row in _raw_rows():
        facts = country_facts(row["iso2"])
        assert facts["gdp_usd"] == float(row["gdp_current_usd"])
        assert facts["population"] == int(row["population"])
        assert facts["ldc"] is (row["ldc"] == "1")


@pytest.mark.parametrize("code", ["XX", "ke", "../x", "", "KEN", "K", None, 42, "NA "])
def test_invalid_codes_are_refused(code):
    with pytest.raises(InvalidCountryCode):
        validate_country_code(code)
    with pytest.raises(InvalidCountryCode):
        country_facts(code)


def test_valid_code_outside_the_commonwealth_is_refused_by_facts():
    assert validate_country_code("FR") == "FR"
    with pytest.raises(InvalidCountryCode, match="not a Commonwealth member"):
        country_facts("FR")


def test_country_folder_builds_a_path_only_for_valid_codes(tmp_path: Path):
    assert country_folder(tmp_path, "KE") == tmp_path / "KE"
    assert country_folder(str(tmp_path), "NA") == tmp_path / "NA"
    with pytest.raises(InvalidCountryCode):
        country_folder(tmp_path, "../etc")
