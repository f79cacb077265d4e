"""The synthetic sample countries (workbench.samples) and the committed data/samples/."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from workbench import paths, sample_assessment, samples
from workbench.errors import DataFileError, InvalidCountryCode
from workbench.framework import Levels, load_framework
from workbench.framework_import import ImportOverrides, import_library, read_library
from workbench.loading import load_country

CODES = ("KE", "JM", "FJ", "MY", "GH", "GB", "CA", "CM")
# The countries assessed on the shipped framework (Canada is assessed on NIST CSF 2.0).
GCA_CODES = ("KE", "JM", "FJ", "MY", "GH", "GB")
SAMPLES = paths.PROJECT_ROOT / "data" / "samples"
FRAMEWORK_FIXTURES = paths.PROJECT_ROOT / "tests" / "fixtures" / "frameworks"
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
        } | ({"framework.yaml"} if code == "CA" else set()), code


def test_every_sample_loads_without_file_problems(loaded):
    for code, country in loaded.items():
        assert country.profile is not None, country.profile_error
        assert country.framework_source == ("country" if code == "CA" else "shipped")
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
    for code, country in loaded.items():
        scope = {i.id: i.scope for i in country.framework.indicators}
        national_ids = {i for i, s in scope.items() if s == "national"}
        org_ids = {i for i, s in scope.items() if s == "organisation"}
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
        levels = country.framework.levels
        assert assessment["level"].dropna().between(levels.min, levels.max).all(), code


def test_richer_countries_score_higher_on_average(loaded):
    mean = {code: loaded[code].table("capability_assessment")["level"].mean()
            for code in GCA_CODES}
    assert mean["GB"] > mean["MY"] > mean["KE"]
    assert mean["GB"] > mean["JM"] > mean["GH"]


def test_targets_override_by_type_and_by_entity(loaded):
    for code, country in loaded.items():
        targets = country.table("targets")
        entity_ids = set(country.table("entities")["entity_id"])
        applies = set(targets["applies_to"])
        assert applies & {"government", "cni_operator"}, code
        assert applies & (entity_ids - {"NATIONAL"}), code
        levels = country.framework.levels
        assert targets["target"].between(levels.min, levels.max).all(), code


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


# --------------------------------------------------------------------------- any framework


def _tiers_framework(folder: Path) -> Path:
    """The 1-4 test library imported as the analyst would, Govern assessed nationally."""
    library = FRAMEWORK_FIXTURES / "tiers-1-4.yaml"
    imported = import_library(read_library(library), source=library.name,
                              overrides=ImportOverrides(scope={"GV": "national"}))
    path = folder / "tiers.yaml"
    path.write_text(imported.yaml_text(library.name), encoding="utf-8")
    return path


@pytest.fixture(params=["mini_csf", "tiers-1-4"])
def other_framework(request, tmp_path: Path) -> Path:
    if request.param == "mini_csf":
        return FRAMEWORK_FIXTURES / "mini_csf.yaml"
    return _tiers_framework(tmp_path)


def test_samples_for_any_framework_load_cleanly_on_its_scale(tmp_path: Path, other_framework):
    framework = load_framework(other_framework)
    samples.write_samples(tmp_path / "out", ("KE", "GB"), scale=0.1, framework=other_framework)
    for code in ("KE", "GB"):
        folder = tmp_path / "out" / code
        # The folder carries the framework, so the country is assessed on it.
        assert (folder / "framework.yaml").read_bytes() == other_framework.read_bytes()
        country = load_country(folder)
        assert country.framework_source == "country" and country.framework.id == framework.id
        for name in ("business_population", "survey_responses", "incidents", "entities",
                     "capability_assessment", "targets"):
            load = country.tables[name]
            assert load.error is None, (code, name, load.error)
            assert load.quarantine.empty, (code, name, load.quarantine["reason"].tolist())
        assessment = country.table("capability_assessment")
        levels = framework.levels
        assert assessment["level"].dropna().between(levels.min, levels.max).all()
        entities = country.table("entities")
        expected = {("NATIONAL", i.id) for i in framework.indicators if i.scope == "national"} | {
            (e, i.id) for e in entities.loc[entities["entity_type"] != "national", "entity_id"]
            for i in framework.indicators if i.scope == "organisation"}
        assert set(zip(assessment["entity_id"], assessment["indicator_id"])) == expected
        targets = country.table("targets")
        assert not targets.empty
        assert set(targets["indicator_id"]) <= {i.id for i in framework.indicators}


def test_the_1_to_4_scale_gets_evidence_of_its_own_levels(tmp_path: Path):
    path = _tiers_framework(tmp_path)
    # Kenya has organisations at the bottom tier, the UK at the top.
    assessment = pd.concat([samples.generate_country(code, scale=0.1, framework=path)[
        "capability_assessment"] for code in ("KE", "GB")]).dropna(subset=["level"])
    organisation = assessment[assessment["entity_id"] != "NATIONAL"]
    wording = organisation["evidence"].str.replace(r" \(.*\)$", "", regex=True)
    by_level = {int(level): set(texts) for level, texts in
                wording.groupby(organisation["level"]).unique().items()}
    # Partial is ad hoc practice, not "nothing in place"; Adaptive the top of the 0-5
    # wording; Repeatable tested and reviewed.
    steps = {1: 1, 2: 2, 3: 4, 4: 5}
    assert by_level == {level: {sample_assessment.EVIDENCE_BY_LEVEL[steps[level]]}
                        for level in range(1, 5)}


def test_evidence_step_and_levels_by_hand():
    gca, tiers, percent = Levels(), Levels(min=1, max=4), Levels(min=0, max=100)
    assert [sample_assessment.evidence_step(level, gca) for level in range(6)] == [0, 1, 2, 3, 4, 5]
    assert [sample_assessment.evidence_step(level, tiers) for level in range(1, 5)] == [1, 2, 4, 5]
    assert sample_assessment.evidence_step(0, percent) == 0
    assert sample_assessment.evidence_step(100, percent) == 5
    latent = np.array([-0.7, 0.0, 1.49, 2.5, 3.51, 5.0, 6.2])
    # 0-5 is left as drawn (rounded, clipped); 1-4 takes the same places.
    assert sample_assessment.scale_levels(latent, gca).tolist() == [0, 0, 1, 2, 4, 5, 5]
    assert sample_assessment.scale_levels(latent, tiers).tolist() == [1, 1, 2, 2, 3, 4, 4]


def test_indicator_shifts_reach_another_framework_through_the_crosswalk():
    shipped = load_framework(None)
    assert sample_assessment.indicator_shifts(shipped) == sample_assessment.INDICATOR_SHIFT
    csf = sample_assessment.indicator_shifts(load_framework(SAMPLES / "CA" / "framework.yaml"))
    shift = sample_assessment.INDICATOR_SHIFT
    assert csf["PR.AA-03"] == pytest.approx(shift["TEC-13"])  # MFA
    # GV.SC-05 is reached by national standards (TEC-02) and supplier security (TEC-16)
    assert csf["GV.SC-05"] == pytest.approx((shift["TEC-02"] + shift["TEC-16"]) / 2)
    # ids the shifts do not reach shift nothing
    assert "GV.OC-01" not in csf
    assert sample_assessment.indicator_shifts(load_framework(FRAMEWORK_FIXTURES / "mini_csf.yaml")) == {}


def test_bad_rows_are_bad_in_the_frameworks_own_terms(tmp_path: Path):
    samples.write_samples(tmp_path, ("JM",), scale=0.2, framework=_tiers_framework(tmp_path))
    country = load_country(tmp_path / "JM")
    assert sorted(country.tables["capability_assessment"].quarantine["reason"]) == [
        "entity_id: 'MIN-TOURISM-OLD' is not in entities.csv",
        "level: '6' is outside the level scale 1-4 of framework tiers-1",
    ]


def test_an_unusable_framework_writes_nothing(tmp_path: Path):
    broken = tmp_path / "framework.yaml"
    broken.write_text("id: x\ntitle: no pillars\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="framework.yaml"):
        samples.write_samples(tmp_path / "out", ("KE",), framework=broken)
    assert not (tmp_path / "out").exists()


def test_canada_is_assessed_on_the_shipped_nist_csf_framework(loaded):
    committed = (SAMPLES / "CA" / "framework.yaml").read_bytes()
    assert committed == samples.SAMPLE_FRAMEWORKS["CA"].read_bytes()
    assert committed.startswith(b"# Imported by `workbench import-framework` from nist-csf-2.0.yaml")
    framework = loaded["CA"].framework
    assert (framework.id, framework.levels.min, framework.levels.max) == ("nist-csf-2.0", 1, 4)
    assert any("NIST" in source for source in framework.sources)
    assert [p.id for p in framework.pillars] == ["gv", "id", "pr", "de", "rs", "rc"]
    # CSF outcomes are an organisation's: none is assessed for the country as a whole.
    assert {i.scope for i in framework.indicators} == {"organisation"}
    assessment = loaded["CA"].table("capability_assessment")
    assert "NATIONAL" not in set(assessment["entity_id"])
    assert set(assessment["level"].dropna()) <= {1, 2, 3, 4}


def test_samples_command_assesses_on_the_framework_given(tmp_path: Path):
    from typer.testing import CliRunner

    from workbench.cli import app

    mini = FRAMEWORK_FIXTURES / "mini_csf.yaml"
    result = CliRunner().invoke(app, ["samples", "--out", str(tmp_path / "out"), "--countries",
                                      "FJ", "--scale", "0.1", "--framework", str(mini)])
    assert result.exit_code == 0, result.output
    assert load_country(tmp_path / "out" / "FJ").framework.id == "mini_csf"
    missing = CliRunner().invoke(app, ["samples", "--out", str(tmp_path / "none"),
                                       "--framework", str(tmp_path / "nowhere.yaml")])
    assert missing.exit_code == 2 and "nowhere.yaml" in missing.output
    assert not (tmp_path / "none").exists()
