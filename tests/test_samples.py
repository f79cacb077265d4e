"""The synthetic sample countries (workbench.samples) and the committed data/samples/."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from workbench import paths, samples
from workbench.errors import InvalidCountryCode
from workbench.framework import load_framework
from workbench.loading import load_country

CODES = ("KE", "JM", "FJ", "MY", "GH", "GB")
SAMPLES = paths.PROJECT_ROOT / "data" / "samples"
CNI_SECTORS = {"energy", "water", "transport", "finance", "ict", "health"}


@pytest.fixture(scope="module")
def loaded():
    return {code: load_country(SAMPLES / code) for code in CODES}


def _reference() -> dict[str, dict[str, str]]:
    with paths.COMMONWEALTH_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["iso2"]: row for row in csv.DictReader(handle)}


# --------------------------------------------------------------------------- generator


def test_same_seed_same_output_other_seed_other_output():
    first = samples.generate_country("KE", seed=7, scale=0.3)
    second = samples.generate_country("KE", seed=7, scale=0.3)
    other = samples.generate_country("KE", seed=8, scale=0.3)
    assert first["profile"] == second["profile"]
    for name in ("business_population", "survey_responses", "incidents", "entities",
                 "capability_assessment", "targets"):
        assert_frame_equal(first[name], second[name])
    assert not first["survey_responses"].equals(other["survey_responses"])
    assert not first["incidents"].equals(other["incidents"])


def test_a_country_does_not_depend_on_which_others_are_generated(tmp_path: Path):
    samples.write_samples(tmp_path / "one", ("GH",), seed=3, scale=0.2)
    samples.write_samples(tmp_path / "two", ("KE", "GH"), seed=3, scale=0.2)
    for name in ("survey_responses.csv", "incidents.csv", "capability_assessment.csv"):
        assert (tmp_path / "one" / "GH" / name).read_bytes() == (
            tmp_path / "two" / "GH" / name).read_bytes()


def test_scale_multiplies_respondents_and_incidents_only():
    full = samples.generate_country("GH", seed=5)
    half = samples.generate_country("GH", seed=5, scale=0.5)
    assert len(half["survey_responses"]) == round(len(full["survey_responses"]) * 0.5)
    assert len(half["incidents"]) == round(len(full["incidents"]) * 0.5)
    bigger = samples.generate_country("GH", seed=5, scale=3)
    assert len(bigger["survey_responses"]) == len(full["survey_responses"]) * 3
    for name in ("business_population", "entities", "targets"):
        assert_frame_equal(half[name], full[name])


@pytest.mark.parametrize("scale", [0, -1.0])
def test_scale_must_be_positive(scale):
    with pytest.raises(ValueError, match="scale"):
        samples.generate_country("KE", scale=scale)


def test_unknown_or_invalid_codes_are_refused():
    with pytest.raises(InvalidCountryCode):
        samples.generate_country("../KE")
    with pytest.raises(InvalidCountryCode):
        samples.generate_country("ke")
    with pytest.raises(KeyError, match="no sample assumptions"):
        samples.generate_country("NA")


def test_maturity_index_by_hand():
    # GDP per head USD 5,000: log10(10) / 2 = 0.5
    assert samples.maturity_index(5e9, 1e6) == pytest.approx(0.5)
    # USD 50,000 per head and above: 1; below USD 500 * 10**0.2 per head: the floor 0.1
    assert samples.maturity_index(1e12, 1e7) == 1.0
    assert samples.maturity_index(1e8, 1e6) == 0.1


def test_scaled_sample_loads_cleanly(tmp_path: Path):
    samples.write_samples(tmp_path, ("FJ",), seed=11, scale=0.2)
    country = load_country(tmp_path / "FJ")
    assert country.profile is not None
    for name, load in country.tables.items():
        assert load.error is None, (name, load.error)
        assert load.quarantine.empty, name


# --------------------------------------------------------------------------- committed samples


def test_committed_samples_equal_a_fresh_generation(tmp_path: Path):
    samples.write_samples(tmp_path, CODES)
    for code in CODES:
        committed = {p.name for p in (SAMPLES / code).iterdir() if p.is_file()}
        fresh = {p.name for p in (tmp_path / code).iterdir()}
        assert committed == fresh, code
        for name in sorted(fresh):
            assert (SAMPLES / code / name).read_bytes() == (tmp_path / code / name).read_bytes(), (
                f"data/samples/{code}/{name} differs from a fresh generation; regenerate with "
                "`workbench samples --out data/samples`"
            )


def test_only_the_contract_files_and_no_overrides():
    for code in CODES:
        names = {p.name for p in (SAMPLES / code).iterdir()}
        assert names == {
            "profile.yaml", "business_population.csv", "survey_responses.csv",
            "incidents.csv", "entities.csv", "capability_assessment.csv", "targets.csv",
        }, code


def test_every_sample_loads_without_file_problems(loaded):
    for code, country in loaded.items():
        assert country.profile is not None, country.profile_error
        assert country.framework_source == "shipped"
        for name, load in country.tables.items():
            assert load.error is None, (code, name, load.error)
            assert load.rows == len(load.valid) + len(load.quarantine)
        # The shipped interventions catalogue stands in.
        assert country.tables["interventions"].source == "shipped"


def test_only_jamaica_has_quarantined_rows(loaded):
    for code, country in loaded.items():
        if code == "JM":
            assert country.quarantined_rows == 7
        else:
            assert country.quarantined_rows == 0, code


def _reasons(country, table: str) -> list[str]:
    return sorted(country.tables[table].quarantine["reason"])


def test_jamaica_quarantine_is_exactly_the_deliberate_rows(loaded):
    jm = loaded["JM"]
    survey = jm.tables["survey_responses"].quarantine
    assert len(survey) == 3
    assert _reasons(jm, "survey_responses") == sorted([
        "breaches_12m: more than 0 although breached_12m is no",
        "respondent_id: 'JM-R00013' repeats row 14",
        "sector: 'fin' is not one of the allowed values (agriculture, mining, manufacturing, "
        "energy, water, construction, ...)",
    ])
    contradiction = survey[survey["reason"].str.startswith("breaches_12m")].iloc[0]
    assert contradiction["breached_12m"] == "no" and contradiction["breaches_12m"] == "3"

    incidents = jm.tables["incidents"].quarantine
    assert _reasons(jm, "incidents") == [
        "reported_on: '2025-02-30' is not a date (YYYY-MM-DD)",
        "status: 'resolved' is not one of the allowed values (open, closed)",
    ]
    assert len(incidents) == 2

    assessment = jm.tables["capability_assessment"].quarantine
    assert _reasons(jm, "capability_assessment") == [
        "entity_id: 'MIN-TOURISM-OLD' is not in entities.csv",
        "level: '7' is outside the level scale 0-5 of framework gca",
    ]
    assert len(assessment) == 2
    # The evidence with markup is a valid row, kept as written.
    valid = jm.table("capability_assessment")
    assert (valid["evidence"] == "<b>draft</b> & pending sign-off").sum() == 1


def test_sizes_are_in_range(loaded):
    for code, country in loaded.items():
        assert 400 <= country.tables["survey_responses"].rows <= 2000, code
        assert 100 <= country.tables["incidents"].rows <= 5000, code
        entities = country.table("entities")
        assessed = entities[entities["entity_type"] != "national"]
        assert 15 <= len(assessed) <= 60, code


def test_profiles_are_synthetic_with_real_gdp_and_population(loaded):
    reference = _reference()
    for code, country in loaded.items():
        profile = country.profile
        assert profile.synthetic is True
        assert profile.country == code
        assert profile.gdp_usd == float(reference[code]["gdp_current_usd"])
        assert profile.population == float(reference[code]["population"])
        assert profile.period_start.isoformat() == "2025-01-01"
        assert profile.period_end.isoformat() == "2025-12-31"
        assert profile.horizon_years == 5
        assert profile.budget_usd_per_year >= 1_000_000
        assert 0 < profile.usd_per_unit < 2
    # Budgets follow the stated rule: 0.004% of GDP (two significant figures).
    assert loaded["KE"].profile.budget_usd_per_year == 4_300_000
    assert loaded["FJ"].profile.budget_usd_per_year == 1_000_000  # the floor
    assert loaded["GB"].profile.currency == "GBP"


def test_frames_cover_every_cell_with_positive_counts(loaded):
    for code, country in loaded.items():
        frame = country.table("business_population")
        assert len(frame) == 17 * 4, code
        assert (frame["entities"] > 0).all()
    uk = loaded["GB"].table("business_population")
    assert uk.groupby("size_band")["entities"].sum()["large"] == pytest.approx(8_200, rel=0.01)


def test_only_malaysia_has_design_weights(loaded):
    for code, country in loaded.items():
        survey = country.table("survey_responses")
        if code == "MY":
            assert "weight" in survey.columns
            assert (survey["weight"] > 0).all()
        else:
            assert "weight" not in survey.columns, code


def test_fiji_frame_is_written_with_a_byte_order_mark():
    assert (SAMPLES / "FJ" / "business_population.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (SAMPLES / "KE" / "business_population.csv").read_bytes().startswith(b"\xef")


def test_survey_patterns(loaded):
    for code, country in loaded.items():
        survey = country.table("survey_responses")
        breached = survey[survey["breached_12m"] == True]  # noqa: E712
        # Phishing is the most common kind of attack.
        shares = breached[["phishing", "impersonation", "malware", "ransomware", "ddos",
                           "account_takeover", "unauthorised_access", "online_fraud"]].mean()
        assert shares.idxmax() == "phishing", code
        # Reporting to the CERT or police is low.
        reported = breached["reported"].dropna().astype(float).mean()
        assert 0.05 <= reported <= 0.30, (code, reported)
        # Larger firms identify breaches more often than micro firms.
        by_band = survey.groupby("size_band")["breached_12m"].apply(
            lambda s: s.astype(float).mean())
        assert by_band["large"] > by_band["micro"], code
        # Costs are known for breached respondents only.
        not_breached = survey[survey["breached_12m"] == False]  # noqa: E712
        assert not_breached[["cost_direct", "cost_recovery", "cost_long_term"]].isna().all().all()
        assert (not_breached["breaches_12m"].dropna() == 0).all()


def test_controls_go_with_fewer_breaches_within_a_band(loaded):
    pooled = pd.concat([c.table("survey_responses") for c in loaded.values()])
    micro = pooled[pooled["size_band"] == "micro"]
    controls = micro[["incident_plan", "backups", "staff_training", "mfa",
                      "cyber_insurance"]].astype(float).sum(axis=1)
    breached = micro["breached_12m"].astype(float)
    assert breached[controls >= 3].mean() < breached[controls <= 1].mean()
    # And controls are more common in larger bands.
    plan = pooled.groupby("size_band")["incident_plan"].apply(lambda s: s.astype(float).mean())
    assert plan["micro"] < plan["small"] < plan["medium"] < plan["large"]


def test_uk_costs_match_the_breaches_survey_order(loaded):
    survey = loaded["GB"].table("survey_responses")
    bigger = survey[(survey["breached_12m"] == True)  # noqa: E712
                    & survey["size_band"].isin(["medium", "large"])]
    cost = bigger[["cost_direct", "cost_recovery", "cost_long_term"]].sum(axis=1, min_count=1)
    # Cyber Security Breaches Survey 2024: about GBP 10,830 for medium and large firms.
    assert 10_830 / 2 < cost.mean() < 10_830 * 2


def test_incident_patterns(loaded):
    for code, country in loaded.items():
        incidents = country.table("incidents")
        individuals = incidents[incidents["victim_type"] == "individual"]
        assert individuals["sector"].isna().all(), code
        organisations = incidents[incidents["victim_type"] != "individual"]
        assert organisations["sector"].notna().all(), code
        assert set(incidents["victim_type"]) == {"individual", "business", "public_body"}
        assert set(incidents["status"]) == {"open", "closed"}
        outside = ((incidents["reported_on"] < "2025-01-01")
                   | (incidents["reported_on"] > "2025-12-31")).sum()
        assert 2 <= outside <= 0.05 * len(incidents), code
        loss = incidents["financial_loss"]
        assert 0 < loss.notna().sum() < len(incidents)


def test_entities_and_assessment(loaded):
    framework = load_framework(None)
    scope = {i.id: i.scope for i in framework.indicators}
    national_ids = {i for i, s in scope.items() if s == "national"}
    org_ids = {i for i, s in scope.items() if s == "organisation"}
    for code, country in loaded.items():
        entities = country.table("entities")
        national = entities[entities["entity_type"] == "national"]
        assert list(national["entity_id"]) == ["NATIONAL"]
        assert national["criticality"].iloc[0] == 5
        assert entities["criticality"].between(1, 5).all()
        assert "government" in set(entities["entity_type"])
        cni = entities[entities["entity_type"] == "cni_operator"]
        assert set(cni["sector"]) == CNI_SECTORS, code

        assessment = country.table("capability_assessment")
        pairs = set(zip(assessment["entity_id"], assessment["indicator_id"]))
        expected = {("NATIONAL", i) for i in national_ids} | {
            (e, i) for e in entities.loc[entities["entity_type"] != "national", "entity_id"]
            for i in org_ids}
        missing = expected - pairs
        # Every expected pair has a row except the one JM row set aside (level 7).
        assert len(missing) == (1 if code == "JM" else 0), (code, missing)
        assert pairs <= expected
        blank = assessment["level"].isna()
        assert 2 <= blank.sum() <= 0.1 * len(assessment), code
        assert assessment.loc[blank, "assessed_on"].isna().all()
        assert assessment.loc[~blank, "assessed_on"].notna().all()
        assert assessment["evidence"].notna().all()


def test_richer_countries_score_higher_on_average(loaded):
    mean = {code: c.table("capability_assessment")["level"].mean() for code, c in loaded.items()}
    assert mean["GB"] > mean["MY"] > mean["KE"]
    assert mean["GB"] > mean["JM"] > mean["GH"]


def test_targets_override_by_type_and_by_entity(loaded):
    for code, country in loaded.items():
        targets = country.table("targets")
        entity_ids = set(country.table("entities")["entity_id"])
        applies = set(targets["applies_to"])
        assert applies & {"government", "cni_operator"}, code
        assert applies & (entity_ids - {"NATIONAL"}), code
        assert targets["target"].between(0, 5).all()


def test_yes_no_and_numbers_are_written_plainly():
    text = (SAMPLES / "KE" / "survey_responses.csv").read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header.startswith("respondent_id,sector,size_band,ownership,cni,breached_12m")
    assert set(first.split(",")[5:6]) <= {"yes", "no"}
    # Money is written as whole numbers (no ".0", no thousands separators).
    frame = pd.read_csv(SAMPLES / "KE" / "survey_responses.csv", dtype=str,
                        keep_default_na=False)
    costs = frame["cost_direct"][frame["cost_direct"] != ""]
    assert costs.str.fullmatch(r"[0-9]+").all()
    assert np.isin(frame["breached_12m"], ["yes", "no"]).all()


# --------------------------------------------------------------------------- command line


def test_samples_command_writes_the_named_countries(tmp_path: Path):
    from typer.testing import CliRunner

    from workbench.cli import app

    result = CliRunner().invoke(
        app, ["samples", "--out", str(tmp_path), "--countries", "FJ,JM", "--scale", "0.1"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FJ", "JM"]
    assert load_country(tmp_path / "FJ").tables["survey_responses"].rows == round(
        len(samples.generate_country("FJ")["survey_responses"]) * 0.1)


@pytest.mark.parametrize("countries", ["KE,XX", "KE,NA"])
def test_samples_command_refuses_bad_codes_before_writing(tmp_path: Path, countries):
    from typer.testing import CliRunner

    from workbench.cli import app

    result = CliRunner().invoke(app, ["samples", "--out", str(tmp_path / "out"),
                                      "--countries", countries])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()
