"""Design-based variance against R's survey package (tests/fixtures/r_survey: the R
script, the designs it read and the figures it computed; the tests need no R)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import paths, raking, stages
from workbench import survey_design as sd
from workbench.loading import load_country

FIXTURES = Path(__file__).parent / "fixtures" / "r_survey"
REFERENCE = pd.read_csv(FIXTURES / "reference_figures.csv", keep_default_na=False,
                        na_values={"deff": ["NA"], "se": ["NA"]})
COUNTRIES = sorted(set(REFERENCE["country"]) - {"EDGE"})


def _design(country: str) -> tuple[pd.DataFrame, sd.StratifiedDesign, float]:
    frame = pd.read_csv(FIXTURES / f"{country}_design.csv")
    frame = frame.loc[frame["w"] > 0].reset_index(drop=True)
    population = None if frame["N_h"].isna().all() else frame["N_h"].to_numpy()
    design = sd.StratifiedDesign.of(frame["cell"].to_numpy(), frame["w"].to_numpy(), population)
    covered = float((FIXTURES / f"{country}_covered_entities.txt").read_text())
    return frame, design, covered


def _on(frame: pd.DataFrame, column: str, domain: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(y, x) of a ratio over the respondents who answered ``column`` (and ``domain``)."""
    known = frame[column].notna().to_numpy()
    if domain is not None:
        known = known & domain
    return np.where(known, frame[column].fillna(0).to_numpy(), 0.0), known.astype(float)


def _ours(country: str) -> dict[tuple[str, str], tuple[sd.Estimate, tuple[float, float]]]:
    frame, design, covered = _design(country)
    figures = {}

    def proportion(figure: str, group: str, column: str, domain: np.ndarray | None = None) -> None:
        estimate, _ = sd.ratio(design, *_on(frame, column, domain))
        figures[(figure, group)] = (estimate, sd.proportion_interval(estimate))

    proportion("prevalence", "", "y")
    for sector in sorted(frame["sector"].unique()):
        proportion("by_sector", sector, "y", (frame["sector"] == sector).to_numpy())
    for band in sorted(frame["size_band"].unique()):
        proportion("by_size_band", band, "y", (frame["size_band"] == band).to_numpy())
    proportion("reporting_rate", "", "r")
    for attack in ("phishing", "impersonation", "malware", "ransomware", "ddos",
                   "account_takeover", "unauthorised_access", "online_fraud"):
        proportion("attack_mix", attack, attack)
    breaches, _ = sd.ratio(design, *_on(frame, "b"))
    breaches = sd.Estimate(covered * breaches.estimate, covered * breaches.se, breaches.df,
                           breaches.n, breaches.deff)
    figures[("estimated_breaches", "")] = (breaches, sd.amount_interval(breaches))
    cost, cost_z = sd.ratio(design, *_on(frame, "cost"))
    figures[("mean_cost_usd", "")] = (cost, sd.amount_interval(cost))
    prevalence = sd.ratio(design, *_on(frame, "y"))
    annual = sd.product(design, covered, prevalence, (cost, cost_z), frame["y"].notna().to_numpy())
    figures[("annual_cost_usd", "")] = (annual, sd.amount_interval(annual))
    return figures


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_figure_agrees_with_r_survey(country: str) -> None:
    ours = _ours(country)
    reference = REFERENCE.loc[REFERENCE["country"] == country]
    assert len(reference) == len(ours)
    for row in reference.itertuples(index=False):
        estimate, (low, high) = ours[(row.figure, row.group)]
        where = f"{country} {row.figure} {row.group}"
        assert estimate.estimate == pytest.approx(row.estimate, rel=1e-9, abs=1e-12), where
        assert estimate.se == pytest.approx(row.se, rel=1e-6, abs=1e-12), where
        assert estimate.df == row.df, where
        assert low == pytest.approx(row.ci_low, rel=1e-6, abs=1e-9), where
        assert high == pytest.approx(row.ci_high, rel=1e-6, abs=1e-9), where
        if not math.isnan(row.deff):
            assert estimate.deff == pytest.approx(row.deff, rel=1e-6), where


def test_a_lonely_stratum_and_domains_in_few_strata_agree_with_r_survey() -> None:
    edge = pd.read_csv(FIXTURES / "edge_design.csv")
    design = sd.StratifiedDesign.of(edge["cell"].to_numpy(), edge["w"].to_numpy(), edge["N_h"].to_numpy())
    reference = REFERENCE.loc[REFERENCE["country"] == "EDGE"].set_index(["figure", "group"])
    everyone = np.ones(len(edge))
    cases = {("prevalence", ""): (edge["y"].to_numpy(float), everyone)}
    for group in ("g0", "g1", "g2"):
        inside = (edge["group"] == group).to_numpy(float)
        cases[("by_group", group)] = (edge["y"].to_numpy(float) * inside, inside)
    for key, (y, x) in cases.items():
        estimate, _ = sd.ratio(design, y, x)
        row = reference.loc[key]
        assert estimate.estimate == pytest.approx(row["estimate"], rel=1e-9), key
        assert estimate.se == pytest.approx(row["se"], rel=1e-6), key
        assert estimate.df == row["df"], key
        assert sd.proportion_interval(estimate) == pytest.approx((row["ci_low"], row["ci_high"]), rel=1e-6)
        assert estimate.deff == pytest.approx(row["deff"], rel=1e-6), key
    costed = edge["cost"].notna().to_numpy()
    cost, _ = sd.ratio(design, np.where(costed, edge["cost"].fillna(0), 0.0), costed.astype(float))
    row = reference.loc[("mean_cost_usd", "")]
    assert (cost.estimate, cost.se, cost.df) == (pytest.approx(row["estimate"]), pytest.approx(row["se"], rel=1e-6),
                                                 row["df"])
    # The lower bound is floored at 0: money is never negative.
    assert sd.amount_interval(cost) == pytest.approx((0.0, row["ci_high"]), rel=1e-6)


def test_at_p_0_and_p_1_the_interval_is_clopper_pearson_on_n() -> None:
    design = sd.StratifiedDesign.of(np.array([0, 0, 1, 1, 1]), np.full(5, 10.0), np.full(5, 100.0))
    none, _ = sd.ratio(design, np.zeros(5), np.ones(5))
    assert (none.estimate, none.se) == (0.0, 0.0)
    # n = 5, no successes: upper = 1 - 0.025 ** (1 / 5); all successes: lower = 0.025 ** (1 / 5).
    assert sd.proportion_interval(none) == pytest.approx((0.0, 1 - 0.025 ** 0.2))
    every, _ = sd.ratio(design, np.ones(5), np.ones(5))
    assert sd.proportion_interval(every) == pytest.approx((0.025 ** 0.2, 1.0))


def test_reliability_flags_follow_nchs_and_statistics_canada() -> None:
    def proportion(p: float, se: float) -> sd.Estimate:
        return sd.Estimate(p, se, df=100, n=200, deff=1.0)

    # n_eff = p(1 - p) / se^2: 0.25 / 0.0025 = 100 (ok), 0.25 / 0.01 = 25 (< 30).
    assert sd.proportion_reliability(proportion(0.5, 0.05), 0.40, 0.60) == sd.OK
    assert sd.proportion_reliability(proportion(0.5, 0.1), 0.40, 0.60) == sd.CAUTION
    # An interval 0.30 wide or wider needs a caution, whatever n_eff says.
    assert sd.proportion_reliability(proportion(0.5, 0.05), 0.35, 0.65) == sd.CAUTION
    assert sd.proportion_reliability(proportion(0.5, 0.05), 0.36, 0.65) == sd.OK
    assert sd.amount_reliability(sd.Estimate(100.0, 33.3, 50, 60, None)) == sd.OK
    assert sd.amount_reliability(sd.Estimate(100.0, 33.4, 50, 60, None)) == sd.CAUTION
    # No degrees of freedom (every respondent of the domain alone in its stratum): the
    # interval falls back on the normal quantile, and the figure is flagged.
    assert sd.t_quantile(0) == pytest.approx(1.959964, rel=1e-6)
    assert sd.amount_reliability(sd.Estimate(100.0, 1.0, 0, 3, None)) == sd.CAUTION
    assert sd.proportion_reliability(sd.Estimate(0.5, 0.01, 0, 3, None), 0.48, 0.52) == sd.CAUTION


def test_degrees_of_freedom_count_the_domains_respondents_less_its_strata() -> None:
    design = sd.StratifiedDesign.of(np.array(["a", "a", "b", "b", "b", "c"]), np.ones(6))
    assert design.degrees_of_freedom(np.ones(6, dtype=bool)) == 6 - 3
    assert design.degrees_of_freedom(np.array([1, 1, 1, 0, 0, 0], dtype=bool)) == 3 - 2
    # No finite population correction without stratum populations.
    assert not design.sampling_fraction.any()


def test_rim_weights_agree_with_r_survey_rake() -> None:
    respondents = pd.read_csv(FIXTURES / "KE_design.csv")
    register = pd.read_csv(FIXTURES / "KE_register.csv")
    sectors = register.groupby("sector")["entities"].sum().to_dict()
    bands = register.groupby("size_band")["entities"].sum().to_dict()
    raked = raking.rim_weights(respondents["sector"].to_numpy(), respondents["size_band"].to_numpy(),
                               sectors, bands)
    reference = pd.read_csv(FIXTURES / "KE_raked_weights.csv")["weight"].to_numpy()
    assert raked.weights == pytest.approx(reference, rel=1e-7)
    assert raked.population == pytest.approx(register["entities"].sum())
    frame = respondents.assign(w=raked.weights)
    assert frame.groupby("sector")["w"].sum().to_dict() == pytest.approx(sectors, rel=1e-8)
    assert frame.groupby("size_band")["w"].sum().to_dict() == pytest.approx(bands, rel=1e-8)


def test_raking_refuses_margins_it_cannot_meet() -> None:
    sectors = np.array(["trade", "trade", "ict", "ict"])
    bands = np.array(["micro", "small", "micro", "small"])
    with pytest.raises(raking.RakingError, match="add up to 100 entities .* to 120"):
        raking.rim_weights(sectors, bands, {"trade": 60, "ict": 40}, {"micro": 70, "small": 50})
    with pytest.raises(raking.RakingError, match="margins with entities but no respondent: finance"):
        raking.rim_weights(sectors, bands, {"trade": 50, "ict": 40, "finance": 10},
                           {"micro": 70, "small": 30})
    with pytest.raises(raking.RakingError, match="respondents in a size band with no margin: small"):
        raking.rim_weights(sectors, bands, {"trade": 60, "ict": 40}, {"micro": 100})
    # Totals within 0.5% are the same register, rounded: the bands are scaled to the sectors'.
    settled = raking.rim_weights(sectors, bands, {"trade": 60, "ict": 40}, {"micro": 70, "small": 30.4})
    assert settled.weights.sum() == pytest.approx(100)
    # A sector only in small firms and margins that want it among micro ones cannot settle.
    stuck = (np.array(["trade", "ict", "ict"]), np.array(["small", "micro", "small"]))
    with pytest.raises(raking.RakingError, match="did not meet the margins within 100 rounds"):
        raking.rim_weights(*stuck, {"trade": 90, "ict": 10}, {"micro": 50, "small": 50})


def _published(block: dict, key: str) -> dict | None:
    entry = block.get(key)
    return entry if isinstance(entry, dict) and entry.get("estimate") is not None else None


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_impact_stage_publishes_r_surveys_figures(country: str) -> None:
    data = load_country(paths.SAMPLES_DIR / country, tables=stages.tables_for("impact"))
    summary = stages.impact_assessment(data).summary
    reference = REFERENCE.loc[REFERENCE["country"] == country].set_index(["figure", "group"])
    published = {
        ("prevalence", ""): summary["prevalence"],
        ("annual_cost_usd", ""): summary["annual_cost_usd"],
        ("estimated_breaches", ""): summary["estimated_breaches_detail"],
        ("mean_cost_usd", ""): summary["mean_cost_usd_detail"],
        ("reporting_rate", ""): summary["reporting_rate_detail"],
        **{("by_sector", k): v for k, v in summary["by_sector"].items()},
        **{("by_size_band", k): v for k, v in summary["by_size_band"].items()},
        **{("attack_mix", k): v for k, v in summary["attack_mix_detail"].items()},
    }
    compared = 0
    for key, entry in published.items():
        if entry.get("estimate") is None:
            continue  # suppressed: nothing published to compare
        row = reference.loc[key]
        where = f"{country} {key}"
        assert entry["estimate"] == pytest.approx(row["estimate"], rel=1e-9), where
        assert entry["se"] == pytest.approx(row["se"], rel=1e-6), where
        assert (entry["ci_low"], entry["ci_high"]) == pytest.approx(
            (row["ci_low"], row["ci_high"]), rel=1e-6, abs=1e-9), where
        compared += 1
    assert compared >= 15


def test_a_register_of_margins_is_raked_and_the_stage_agrees_with_r(tmp_path: Path) -> None:
    folder = tmp_path / "KE"
    shutil.copytree(paths.SAMPLES_DIR / "KE", folder)
    register = pd.read_csv(folder / "business_population.csv")
    margins = pd.concat([
        register.groupby("sector", as_index=False)["entities"].sum().assign(size_band=""),
        register.groupby("size_band", as_index=False)["entities"].sum().assign(sector=""),
    ])[["sector", "size_band", "entities"]]
    margins.to_csv(folder / "business_population.csv", index=False)
    data = load_country(folder, tables=stages.tables_for("impact"))
    assert data.input_problems() == []
    summary = stages.impact_assessment(data).summary
    assert summary["weighting"] == "raked"
    reference = pd.read_csv(FIXTURES / "KE_raked_prevalence.csv").iloc[0]
    prevalence = summary["prevalence"]
    assert prevalence["estimate"] == pytest.approx(reference["estimate"], rel=1e-7)
    assert prevalence["se"] == pytest.approx(reference["se"], rel=1e-6)
    assert (prevalence["ci_low"], prevalence["ci_high"]) == pytest.approx(
        (reference["ci_low"], reference["ci_high"]), rel=1e-6)
    assert summary["entities"] == register["entities"].sum()


def test_a_register_mixing_cells_and_margins_or_missing_a_margin_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "KE"
    shutil.copytree(paths.SAMPLES_DIR / "KE", folder)
    register = pd.read_csv(folder / "business_population.csv", keep_default_na=False)
    mixed = pd.concat([register, pd.DataFrame([{"sector": "trade", "size_band": "", "entities": 10}])])
    mixed.to_csv(folder / "business_population.csv", index=False)
    data = load_country(folder, tables=stages.tables_for("impact"))
    [problem] = data.unusable_inputs()
    assert "holds both cells" in problem.reason and problem.file == "business_population.csv"
    sectors = register.groupby("sector", as_index=False)["entities"].sum().assign(size_band="")
    bands = register.groupby("size_band", as_index=False)["entities"].sum().assign(sector="")
    pd.concat([sectors.loc[sectors["sector"] != "finance"], bands])[
        ["sector", "size_band", "entities"]].to_csv(folder / "business_population.csv", index=False)
    data = load_country(folder, tables=stages.tables_for("impact"))
    [problem] = data.unusable_inputs()
    assert "respondents in a sector with no total in business_population.csv: finance" in problem.reason
    both_blank = pd.concat([sectors, bands, pd.DataFrame([{"sector": "", "size_band": "", "entities": 5}])])
    both_blank[["sector", "size_band", "entities"]].to_csv(folder / "business_population.csv", index=False)
    load = load_country(folder, tables=stages.tables_for("impact")).tables["business_population"]
    assert list(load.quarantine["reason"]) == [
        "sector, size_band: both blank (a cell names both, a margin one of them)"]
