"""Impact stage: every figure checked against values worked out by hand.

The hand frame (see docs/impact.md, "Worked example"):

register: trade/micro 100, finance/micro 50, ict/micro 50 (no respondents),
          trade/small 40, trade/large 10 (no respondents in the band)
survey:   4 trade/micro, 2 finance/micro, 5 trade/small

micro band: F = 200 entities, C = 150 in sampled cells, factor 4/3, so every micro
respondent weighs 100/4 * 4/3 = 50/2 * 4/3 = 100/3; trade/small respondents weigh
40/5 = 8; the large band is uncovered: N = 240 of 250, coverage 0.96.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from workbench import disclosure, impact, impact_charts, schemas, vocab
from workbench import survey_design as sd
from workbench.errors import DataFileError
from workbench.profile import Profile

Z = 1.959963984540054  # two-sided 95% normal quantile
NA = pd.NA
THIRD = 100 / 3  # weight of a micro respondent in the hand frame


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def profile(**overrides) -> Profile:
    fields = dict(
        country="KE", name="Kenya", currency="KES", usd_per_unit=0.5, gdp_usd=1.0e6,
        population=1.0e6, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31),
        budget_usd_per_year=1.0e6, horizon_years=5, synthetic=True,
    )
    fields.update(overrides)
    return Profile(**fields)


def survey_frame(rows: list[dict]) -> pd.DataFrame:
    """A typed survey as the loader returns it; unspecified answers are unknown."""
    frame = pd.DataFrame(rows)
    frame.insert(0, "respondent_id", [f"R{i}" for i in range(len(frame))])
    for column in ("cni", "breached_12m", *vocab.ATTACK_KINDS, "reported", *vocab.CONTROLS):
        values = frame[column] if column in frame else pd.Series([NA] * len(frame))
        frame[column] = pd.array(list(values), dtype="boolean")
    frame["breaches_12m"] = pd.array(
        list(frame["breaches_12m"]) if "breaches_12m" in frame else [NA] * len(frame), dtype="Int64"
    )
    for column in vocab.COST_PARTS:
        values = frame[column] if column in frame else pd.Series([np.nan] * len(frame))
        frame[column] = pd.to_numeric(values).astype("float64")
    frame["ownership"] = "private"
    return frame


def register(cells: list[tuple[str, str, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(cells, columns=["sector", "size_band", "entities"])
    frame["entities"] = frame["entities"].astype("Int64")
    return frame


HAND_REGISTER = [
    ("trade", "micro", 100),
    ("finance", "micro", 50),
    ("ict", "micro", 50),
    ("trade", "small", 40),
    ("trade", "large", 10),
]
NAN = float("nan")
HAND_ROWS = [
    # 0-3 trade/micro, 4-5 finance/micro, 6-10 trade/small
    dict(sector="trade", size_band="micro", breached_12m=True, breaches_12m=2, cost_direct=100,
         cost_recovery=50, cost_long_term=NAN, reported=True, phishing=True, mfa=True),
    dict(sector="trade", size_band="micro", breached_12m=False, breaches_12m=0, phishing=True, mfa=True),
    dict(sector="trade", size_band="micro", breached_12m=False, breaches_12m=0, mfa=False),
    dict(sector="trade", size_band="micro", breached_12m=True, breaches_12m=1, reported=False),
    dict(sector="finance", size_band="micro", breached_12m=True, breaches_12m=3, cost_direct=300,
         cost_recovery=0, cost_long_term=0, phishing=False, mfa=False),
    dict(sector="finance", size_band="micro", breached_12m=False, breaches_12m=0, mfa=True),
    dict(sector="trade", size_band="small", breached_12m=True, breaches_12m=1, cost_direct=10,
         cost_recovery=10, cost_long_term=20, reported=True, phishing=True, mfa=True),
    dict(sector="trade", size_band="small", breached_12m=False, breaches_12m=0, mfa=False),
    dict(sector="trade", size_band="small", breached_12m=False, breaches_12m=0, mfa=False),
    dict(sector="trade", size_band="small", breached_12m=False, breaches_12m=0, mfa=False),
    dict(sector="trade", size_band="small", breached_12m=NA, breaches_12m=NA, mfa=False),
]
HAND_WEIGHTS = [THIRD] * 6 + [8.0] * 5
# Hand-worked headline figures (see the module docstring).
P_HAND = 108 / 232
N_HAND = 240
MEAN_COST_HAND = (THIRD * 150 + THIRD * 300 + 8 * 40) / (THIRD * 2 + 8) * 0.5


def incidents_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["incident_id", "reported_on", "category", "victim_type", "sector", "financial_loss"]
    )
    frame["reported_on"] = pd.to_datetime(frame["reported_on"], format="ISO8601")
    frame["cni"] = pd.array([NA] * len(frame), dtype="boolean")
    frame["status"] = "open"
    frame["financial_loss"] = frame["financial_loss"].astype("float64")
    return frame


HAND_INCIDENTS = [
    ("I1", "2025-01-01", "fraud", "business", "trade", 1000.0),  # first day: counted
    ("I2", "2025-12-31 23:30", "intrusions", "public_body", "public_administration", NAN),  # last day
    ("I3", "2024-12-31", "fraud", "business", "trade", 50.0),  # before the period
    ("I4", "2026-01-01", "fraud", "business", "trade", 50.0),  # after the period
    ("I5", "2025-06-15", "fraud", "individual", None, 70.0),  # individuals are not counted
    ("I6", "2025-06-15", "malicious-code", "public_body", "health", 500.0),
]


@pytest.fixture
def hand_survey() -> pd.DataFrame:
    return survey_frame(HAND_ROWS)


@pytest.fixture
def hand_register() -> pd.DataFrame:
    return register(HAND_REGISTER)


def reasonable(n: int = 600, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A survey big enough for the bootstrap to behave: 8 cells, about 75 each."""
    rng = np.random.default_rng(seed)
    cells = [(s, b) for s in ("trade", "finance", "health", "ict") for b in ("micro", "small")]
    pick = rng.integers(0, len(cells), n)
    sector = [cells[i][0] for i in pick]
    band = [cells[i][1] for i in pick]
    breached = rng.random(n) < np.where(np.array(band) == "micro", 0.2, 0.4)
    rows = [
        dict(sector=s, size_band=b, breached_12m=bool(y), breaches_12m=int(y) * int(rng.integers(1, 4)),
             cost_direct=float(rng.lognormal(8, 1)) if y else NAN, reported=bool(rng.random() < 0.2) if y else NA,
             phishing=bool(rng.random() < 0.8) if y else NA, mfa=bool(rng.random() < 0.5))
        for s, b, y in zip(sector, band, breached)
    ]
    frame = register([(s, b, 1000 if b == "micro" else 200) for s, b in cells])
    return survey_frame(rows), frame


# --------------------------------------------------------------------------- weights


def test_post_stratified_weights_collapse_and_uncovered_band(hand_survey, hand_register):
    result = impact.post_stratified_weights(hand_survey, hand_register)
    assert result.method == "post-stratified"
    assert result.weights.index.equals(hand_survey.index)
    np.testing.assert_allclose(result.weights.to_numpy(), HAND_WEIGHTS)
    assert result.covered_entities == 240
    assert result.frame_entities == 250
    assert result.coverage == pytest.approx(0.96)
    assert result.uncovered_size_bands == ("large",)
    status = result.cells.set_index(["sector", "size_band"])["status"]
    assert status[("ict", "micro")] == "collapsed"
    assert status[("trade", "large")] == "uncovered"
    assert status[("trade", "small")] == "sampled"
    # The covered weights add up to the covered frame.
    assert result.weights.sum() == pytest.approx(240)


def test_weights_follow_survey_index_and_do_not_mutate(hand_survey, hand_register):
    shuffled = hand_survey.iloc[::-1].set_axis(range(100, 111))
    before = shuffled.copy()
    result = impact.post_stratified_weights(shuffled, hand_register)
    assert list(result.weights.index) == list(range(100, 111))
    np.testing.assert_allclose(result.weights.to_numpy(), HAND_WEIGHTS[::-1])
    pd.testing.assert_frame_equal(shuffled, before)


def test_design_weights_used_when_present(hand_survey, hand_register):
    survey = hand_survey.assign(weight=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
    result = impact.post_stratified_weights(survey, hand_register)
    assert result.method == "design"
    np.testing.assert_allclose(result.weights.to_numpy(), survey["weight"].to_numpy())
    assert result.coverage == pytest.approx(0.96)
    summary = impact.assess_impact(survey, hand_register, profile(), min_cell_size=1).summary
    # breached rows with known y: weights 1, 4, 5, 7; known y: rows 0-9 (weights 1..10 = 55)
    assert summary["prevalence"]["estimate"] == pytest.approx((1 + 4 + 5 + 7) / 55)
    assert summary["weighting"] == "design"


def test_design_weight_not_positive_is_refused(hand_survey, hand_register):
    survey = hand_survey.assign(weight=[1.0] * 10 + [0.0])
    with pytest.raises(ValueError, match="design weight"):
        impact.post_stratified_weights(survey, hand_register)


def test_respondent_cell_missing_from_register_names_it(hand_survey):
    frame = register([("trade", "micro", 100), ("finance", "micro", 50)])
    with pytest.raises(DataFileError, match="trade/small"):
        impact.post_stratified_weights(hand_survey, frame)


def test_band_whose_sampled_cells_hold_no_entities_is_uncovered():
    survey = survey_frame([dict(sector="trade", size_band="medium", breached_12m=True)] * 2
                          + [dict(sector="trade", size_band="micro", breached_12m=False)] * 2)
    frame = register([("trade", "medium", 0), ("ict", "medium", 30), ("trade", "micro", 70)])
    result = impact.post_stratified_weights(survey, frame)
    assert result.uncovered_size_bands == ("medium",)
    assert result.covered_entities == 70
    np.testing.assert_allclose(result.weights.to_numpy(), [0.0, 0.0, 35.0, 35.0])


# --------------------------------------------------------------------------- headline figures


def test_headline_figures_match_hand_calculation(hand_survey, hand_register):
    incidents = incidents_frame(HAND_INCIDENTS)
    inputs_before = (hand_survey.copy(), hand_register.copy(), incidents.copy())
    result = impact.assess_impact(
        hand_survey, hand_register, profile(), incidents=incidents, min_cell_size=1
    )
    for before, after in zip(inputs_before, (hand_survey, hand_register, incidents)):
        pd.testing.assert_frame_equal(before, after)  # inputs are never modified
    s = result.summary
    assert s["respondents"] == 11
    assert s["entities"] == 240
    assert s["coverage"] == pytest.approx(0.96)
    assert s["prevalence"]["estimate"] == pytest.approx(P_HAND)
    prevalence = s["prevalence"]
    assert prevalence["ci_low"] < P_HAND < prevalence["ci_high"]
    # A logit interval: symmetric about the estimate on the log-odds scale.
    assert _logit(prevalence["ci_low"]) + _logit(prevalence["ci_high"]) == pytest.approx(2 * _logit(P_HAND))
    assert prevalence["n_eff"] == pytest.approx(P_HAND * (1 - P_HAND) / prevalence["se"] ** 2)
    assert prevalence["cv"] == pytest.approx(prevalence["se"] / P_HAND)
    assert s["ci_method"] == "design_based"
    assert s["breached_entities"] == pytest.approx(P_HAND * 240)
    assert s["estimated_breaches"] == pytest.approx(240 * 208 / 232)
    assert s["mean_cost_usd"] == pytest.approx(MEAN_COST_HAND)
    annual = P_HAND * N_HAND * MEAN_COST_HAND
    assert s["annual_cost_usd"]["estimate"] == pytest.approx(annual)
    assert s["cost_pct_gdp"] == pytest.approx(100 * annual / 1.0e6)
    assert s["reporting_rate"] == pytest.approx((THIRD + 8) / (2 * THIRD + 8))
    assert s["reported_incidents"] == 3  # I1, I2, I6
    assert s["underreporting_ratio"] == pytest.approx(240 * 208 / 232 / 3)
    assert s["denominators"] == {
        "prevalence": 10, "estimated_breaches": 10, "mean_cost_usd": 3, "reporting_rate": 3,
    }


def test_annual_cost_estimate_matches_assessment(hand_survey, hand_register):
    alone = impact.annual_cost_estimate_usd(hand_survey, hand_register, profile(), min_cell_size=1)
    assert alone == pytest.approx(P_HAND * N_HAND * MEAN_COST_HAND)
    # With the default threshold the cost rests on 3 respondents: suppressed.
    assert impact.annual_cost_estimate_usd(hand_survey, hand_register, profile()) is None


def test_summary_has_the_published_keys(hand_survey, hand_register):
    s = impact.assess_impact(hand_survey, hand_register, profile()).summary
    published = [
        "respondents", "entities", "coverage", "prevalence", "breached_entities",
        "estimated_breaches", "mean_cost_usd", "annual_cost_usd", "cost_pct_gdp",
        "reporting_rate", "reported_incidents", "underreporting_ratio", "by_sector",
        "by_size_band", "attack_mix",
    ]
    assert list(s)[: len(published)] == published
    assert set(s["prevalence"]) == {"estimate", "ci_low", "ci_high", "se", "cv", "deff", "n_eff",
                                    "reliability"}
    assert set(s["annual_cost_usd"]) == {"estimate", "ci_low", "ci_high", "se", "cv", "deff",
                                         "reliability"}


def test_group_prevalence_and_interval(hand_survey, hand_register):
    s = impact.assess_impact(hand_survey, hand_register, profile(), min_cell_size=1).summary
    micro = s["by_size_band"]["micro"]
    # 6 micro respondents, equal weights, 3 breached: p = 0.5, its logit interval
    # symmetric about it.
    assert micro["n"] == 6
    assert micro["estimate"] == pytest.approx(0.5)
    assert micro["ci_low"] + micro["ci_high"] == pytest.approx(1.0)
    assert micro["reliability"] == sd.CAUTION  # an effective sample of a handful
    small = s["by_size_band"]["small"]
    assert small["n"] == 4  # the respondent with unknown breached_12m is not counted
    assert small["estimate"] == pytest.approx(0.25)
    trade = s["by_sector"]["trade"]
    assert trade["n"] == 8
    assert trade["estimate"] == pytest.approx((2 * THIRD + 8) / (4 * THIRD + 4 * 8))
    assert s["by_size_band"]["large"] == {
        "n": 0, "estimate": None, "ci_low": None, "ci_high": None, "se": None, "cv": None,
        "deff": None, "n_eff": None, "reliability": None, "suppressed": True,
    }


def test_suppression_below_five_respondents(hand_survey, hand_register):
    result = impact.assess_impact(hand_survey, hand_register, profile())
    s = result.summary
    assert s["by_sector"]["finance"] == {
        "n": 2, "estimate": None, "ci_low": None, "ci_high": None, "se": None, "cv": None,
        "deff": None, "n_eff": None, "reliability": None, "suppressed": True,
    }
    assert s["by_sector"]["ict"]["suppressed"] is True  # in the register, no respondent
    assert s["by_size_band"]["small"]["suppressed"] is True  # n = 4
    # Trade (n = 8) and micro (n = 6) have respondents enough, but only 2 and 3 of
    # them were breached: a numerator of 1-4 organisations is withheld too.
    assert s["by_sector"]["trade"]["suppressed"] is True
    assert s["by_size_band"]["micro"]["suppressed"] is True
    # The rule: fewer than 5 respondents, or 1-4 of them with the attribute (0 is fine).
    assert disclosure.too_few_to_publish([4, 8, 8, 8, 8], [0, 0, 2, 4, 5], 5).tolist() == [
        True, False, True, True, False]
    # The mean cost rests on 3 respondents: it and the annual cost are withheld.
    assert s["mean_cost_usd"] is None
    assert s["annual_cost_usd"] == {"estimate": None, "ci_low": None, "ci_high": None, "se": None,
                                    "cv": None, "deff": None, "reliability": None}
    assert "mean_cost_usd" in s["suppressed"]
    # The tables behind the charts carry no suppressed estimate either.
    finance = result.groups.set_index(["dimension", "group"]).loc[("sector", "finance")]
    assert finance["suppressed"] and np.isnan(finance["estimate"]) and np.isnan(finance["ci_low"])
    json.dumps(s, allow_nan=False)


def test_attack_mix_denominators_are_breached_respondents_who_answered(hand_survey, hand_register):
    result = impact.assess_impact(hand_survey, hand_register, profile(), min_cell_size=1)
    # breached with a phishing answer: row 0 (yes, 100/3), row 4 (no, 100/3), row 6 (yes, 8);
    # row 1 said yes but was not breached, row 3 was breached but did not answer.
    detail = result.summary["attack_mix_detail"]["phishing"]
    assert detail["n"] == 3
    assert result.summary["attack_mix"]["phishing"] == pytest.approx((THIRD + 8) / (2 * THIRD + 8))
    assert result.summary["attack_mix"]["ransomware"] is None  # nobody answered
    suppressed = impact.assess_impact(hand_survey, hand_register, profile())
    assert suppressed.summary["attack_mix"]["phishing"] is None
    assert suppressed.summary["attack_mix_detail"]["phishing"]["suppressed"] is True


def test_controls_by_band_and_with_without(hand_survey, hand_register):
    result = impact.assess_impact(hand_survey, hand_register, profile(), min_cell_size=1)
    mfa = result.summary["controls"]["mfa"]
    assert mfa["micro"]["n"] == 5 and mfa["micro"]["estimate"] == pytest.approx(3 / 5)
    assert mfa["small"]["n"] == 5 and mfa["small"]["estimate"] == pytest.approx(1 / 5)
    assert mfa["all"]["estimate"] == pytest.approx((3 * THIRD + 8) / (5 * THIRD + 5 * 8))
    split = result.summary["controls_prevalence"]["mfa"]
    assert split["with"]["n"] == 4
    assert split["with"]["estimate"] == pytest.approx((THIRD + 8) / (3 * THIRD + 8))
    assert split["without"]["n"] == 5  # row 10 has no breach answer
    assert split["without"]["estimate"] == pytest.approx(THIRD / (2 * THIRD + 3 * 8))
    # With the default threshold small bands and splits of fewer than 5 are withheld.
    default = impact.assess_impact(hand_survey, hand_register, profile())
    assert default.summary["controls_prevalence"]["mfa"]["with"]["suppressed"] is True
    # "without" is withheld too: the national figure would give "with" back.
    assert default.summary["controls_prevalence"]["mfa"]["without"]["suppressed"] is True
    # micro: n = 5, but only 3 have MFA (a numerator of 1-4).
    assert default.summary["controls"]["mfa"]["micro"]["suppressed"] is True
    assert default.summary["controls"]["backups"]["micro"]["n"] == 0


# --------------------------------------------------------------------------- incidents


def test_incidents_in_period_by_victim_type_and_losses():
    summary = impact.summarise_incidents(incidents_frame(HAND_INCIDENTS), profile(), min_cell_size=1)
    assert summary.reported == 3
    assert summary.in_period_all_victims == 4  # I1, I2, I5, I6
    assert summary.outside_period == 2
    assert summary.incidents_with_loss == 2  # I1 and I6 (I2 has none recorded)
    assert summary.recorded_loss_usd == pytest.approx((1000 + 500) * 0.5)
    months = summary.by_month.set_index("month")["incidents"]
    assert len(months) == 12 and months["2025-01"] == 1 and months["2025-06"] == 1
    assert months["2025-12"] == 1 and months.sum() == 3
    victims = summary.by_victim_type.set_index("victim_type")
    assert victims.loc["individual", "incidents"] == 1
    assert not victims.loc["individual", "counted"]
    categories = summary.by_category.set_index("category")["incidents"]
    assert categories["fraud"] == 1 and categories["intrusions"] == 1 and categories["malicious-code"] == 1
    # Loss sums resting on fewer than 5 incidents are withheld by default.
    default = impact.summarise_incidents(incidents_frame(HAND_INCIDENTS), profile())
    assert default.recorded_loss_usd is None


def test_underreporting_ratio_null_without_reported_incidents(hand_survey, hand_register):
    outside = incidents_frame([HAND_INCIDENTS[2], HAND_INCIDENTS[3], HAND_INCIDENTS[4]])
    s = impact.assess_impact(hand_survey, hand_register, profile(), incidents=outside).summary
    assert s["reported_incidents"] == 0
    assert s["underreporting_ratio"] is None
    none = impact.assess_impact(hand_survey, hand_register, profile()).summary
    assert none["reported_incidents"] is None and none["incidents"] is None
    json.dumps(s, allow_nan=False)


# --------------------------------------------------------------------------- precision


def test_money_and_counts_carry_a_t_interval_and_a_reliability_flag():
    survey, frame = reasonable()
    s = impact.assess_impact(survey, frame, profile()).summary
    cost = s["annual_cost_usd"]
    df = s["degrees_of_freedom"]
    t = sd.t_quantile(df)
    assert (cost["ci_low"], cost["ci_high"]) == pytest.approx(
        (cost["estimate"] - t * cost["se"], cost["estimate"] + t * cost["se"]))
    assert cost["cv"] == pytest.approx(cost["se"] / cost["estimate"])
    assert cost["reliability"] == (sd.CAUTION if cost["cv"] > sd.MAX_CV else sd.OK)
    for name in ("estimated_breaches_detail", "mean_cost_usd_detail", "reporting_rate_detail"):
        detail = s[name]
        assert detail["ci_low"] <= detail["estimate"] <= detail["ci_high"], name
        assert detail["se"] > 0 and detail["reliability"] in (sd.OK, sd.CAUTION), name
    assert s["estimated_breaches_detail"]["estimate"] == pytest.approx(s["estimated_breaches"])


def test_missing_survey_column_is_refused(hand_survey, hand_register):
    with pytest.raises(ValueError, match="mfa"):
        impact.assess_impact(hand_survey.drop(columns=["mfa"]), hand_register, profile())


# --------------------------------------------------------------------------- charts


def test_charts_build_and_mark_suppressed_groups(hand_survey, hand_register):
    result = impact.assess_impact(
        hand_survey, hand_register, profile(), incidents=incidents_frame(HAND_INCIDENTS)
    )
    sector = impact_charts.prevalence_by_group_chart(result, "sector")
    bars = sector.data[0]
    labels = list(bars.y)
    finance = labels.index("Finance (n=2)")
    assert bars.text[finance] == disclosure.SUPPRESSED_TEXT
    assert bars.marker.pattern.shape[finance] == "/"
    assert bars.error_x.array[finance] == 0
    assert any(t.name == "Suppressed to protect respondents" for t in sector.data)
    trade = labels.index("Trade (n=8)")  # only 2 breached: withheld, and hatched
    assert bars.text[trade] == disclosure.SUPPRESSED_TEXT and bars.marker.pattern.shape[trade] == "/"
    # A hatch pattern only on a trace with a suppressed bar (plotly.js warns about a
    # per-bar pattern with per-bar colours even where it draws none).
    for chart in (sector, impact_charts.prevalence_by_group_chart(result, "size_band"),
                  impact_charts.attack_mix_chart(result)):
        for trace in chart.data:
            if trace.type == "bar" and trace.text is not None and not isinstance(trace.text, str):
                hatched = any(t == disclosure.SUPPRESSED_TEXT for t in trace.text)
                assert (trace.marker.pattern.shape is not None) == hatched
    assert "1 Jan 2025 to 31 Dec 2025" in sector.layout.title.subtitle.text
    # The cost is withheld here: the chart says so in words instead of drawing.
    cost = impact_charts.annual_cost_exceedance_chart(result)
    assert "cannot be estimated" in cost.layout.annotations[0].text
    for chart in (
        impact_charts.prevalence_by_group_chart(result, "size_band"),
        impact_charts.attack_mix_chart(result),
        impact_charts.dark_figure_chart(result),
        impact_charts.incidents_by_month_chart(result),
        impact_charts.incidents_by_category_chart(result),
        impact_charts.controls_prevalence_chart(result),
        impact_charts.controls_in_place_chart(result),
    ):
        assert chart.layout.title.text
        chart.to_json()
    with pytest.raises(ValueError):
        impact_charts.prevalence_by_group_chart(result, "region")


def test_exceedance_curve_and_dark_figure_on_a_reasonable_survey():
    survey, frame = reasonable()
    incidents = incidents_frame([("I1", "2025-03-01", "fraud", "business", "trade", NAN)])
    result = impact.assess_impact(survey, frame, profile(), incidents=incidents)
    chart = impact_charts.annual_cost_exceedance_chart(result)
    curve = chart.data[0]
    assert len(curve.x) == impact_charts.EXCEEDANCE_POINTS
    assert curve.y[0] > 99.8 and curve.y[-1] < 0.2 and list(curve.y) == sorted(curve.y, reverse=True)
    cost = result.summary["annual_cost_usd"]
    # Half the chance above the estimate, 2.5% above the interval's high end.
    middle = np.interp(cost["estimate"], curve.x, curve.y)
    assert middle == pytest.approx(50, abs=0.5)
    assert np.interp(cost["ci_high"], curve.x, curve.y) == pytest.approx(2.5, abs=0.3)
    marked = [shape.x0 for shape in chart.layout.shapes]
    assert marked == pytest.approx([cost["ci_low"], cost["ci_high"]])
    dark = impact_charts.dark_figure_chart(result)
    assert list(dark.data[0].y) == [1]
    assert dark.data[1].y[0] == pytest.approx(result.summary["estimated_breaches"])
    headline = impact.headline_figures(result)
    assert "Annual cost to the country" in set(headline["Figure"])


def test_no_incidents_file_gives_a_plain_message(hand_survey, hand_register):
    result = impact.assess_impact(hand_survey, hand_register, profile())
    for chart in (
        impact_charts.dark_figure_chart(result),
        impact_charts.incidents_by_month_chart(result),
        impact_charts.incidents_by_category_chart(result),
    ):
        assert "No incidents file" in chart.layout.annotations[0].text


def test_chart_presentation_legend_small_values_and_money_ticks(hand_survey, hand_register):
    result = impact.assess_impact(hand_survey, hand_register, profile())
    sector = impact_charts.prevalence_by_group_chart(result, "sector")
    legend = next(t for t in sector.data if t.name == "Suppressed to protect respondents")
    # Plotly lists a bar trace in the legend only if it has a point, even an empty one.
    assert list(legend.x) == [None] and legend.showlegend
    # The bars' own legend swatch is a separate entry in the bar colour, not grey.
    swatch = next(t for t in sector.data if t.type == "bar" and t.name == "Breached in the period"
                  and t.showlegend is not False)
    assert swatch.marker.color == impact_charts.BLUE

    # A share too small to be written inside its bar is written past its interval.
    frame = pd.DataFrame({"estimate": [0.5, 0.03], "ci_low": [0.4, 0.01], "ci_high": [0.6, 0.08],
                          "n": [50, 50], "suppressed": [False, False]})
    bar, label, _ = impact_charts._share_bar(frame, ["a", "b"], name="x", colour="#000000",
                                             horizontal=True, suppressed_text="s")
    assert list(bar.text) == ["50%", ""]
    assert list(label.text) == ["", "3%"]
    assert label.x[1] == pytest.approx(9.0)  # interval end 8% + 1 point
    assert math.isnan(label.x[0])

    survey, register_frame = reasonable()
    big = impact.assess_impact(survey, register_frame, profile(usd_per_unit=1.0e4))
    cost = impact_charts.annual_cost_exceedance_chart(big)
    assert all(t.startswith("USD ") for t in cost.layout.xaxis.ticktext)
    assert not any("G" in t for t in cost.layout.xaxis.ticktext)


# --------------------------------------------------------------------------- number limit


@pytest.mark.parametrize("weighting", ["design", "post-stratified"])
def test_inputs_at_the_number_limit_cannot_overflow(weighting):
    """Every number the loader lets through is at most schemas.NUMBER_LIMIT in size; with
    every input at that limit at once, no product or sum of the method overflows."""
    top = schemas.NUMBER_LIMIT
    rows = [
        dict(sector=sector, size_band=band, breached_12m=breached, breaches_12m=int(top) if breached else 0,
             cost_direct=top if breached else NAN, cost_recovery=top if breached else NAN,
             cost_long_term=top if breached else NAN, reported=breached, phishing=breached, mfa=True)
        for sector in vocab.SECTORS for band in vocab.SIZE_BANDS for breached in (True, False)
    ]
    survey = survey_frame(rows)
    if weighting == "design":
        survey = survey.assign(weight=top)
    frame = register([(sector, band, int(top)) for sector in vocab.SECTORS for band in vocab.SIZE_BANDS])
    incidents = incidents_frame([(f"I{i}", "2025-06-01", "fraud", "business", "trade", top)
                                 for i in range(50)])
    edge = profile(usd_per_unit=top, gdp_usd=top, budget_usd_per_year=top)
    with np.errstate(over="raise"):  # any overflow in numpy raises, not only Python's
        result = impact.assess_impact(survey, frame, edge, incidents=incidents,
                                      min_cell_size=1)
        figures = impact.headline_figures(result)
    s = result.summary
    assert s["weighting"] == weighting
    cells = len(vocab.SECTORS) * len(vocab.SIZE_BANDS)
    mean_cost = 3 * top * top
    assert s["prevalence"]["estimate"] == pytest.approx(0.5)
    assert s["mean_cost_usd"] == pytest.approx(mean_cost)
    assert s["annual_cost_usd"]["estimate"] == pytest.approx(0.5 * cells * top * mean_cost)
    assert all(s["annual_cost_usd"][key] is not None for key in ("ci_low", "ci_high", "se"))
    assert s["estimated_breaches"] == pytest.approx(cells * top * top / 2)
    assert s["cost_pct_gdp"] is not None and math.isfinite(s["cost_pct_gdp"])
    assert not figures.empty
