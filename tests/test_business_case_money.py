"""The uncertainty on the business case's money (docs/methods.md §3): Monte Carlo with
a fixed seed, checked on cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from workbench import business_case_money as money

ONE_YEAR = np.array([[True]])
NAN = np.array([np.nan])


def test_the_same_seed_gives_the_same_figures_and_another_seed_others():
    effect = np.array([[False, True, True], [False, False, True]])
    args = dict(annual_cost_usd=1e6, annual_cost_se_usd=2e5, total_cost_usd=3e5)
    ranges = [np.array([0.1, 0.2]), np.array([0.05, 0.1]), np.array([0.2, 0.4])]
    first = money.money_ranges(effect, *ranges, **args)
    again = money.money_ranges(effect, *ranges, **args)
    other = money.money_ranges(effect, *ranges, **args, seed=money.SEED + 1)
    assert first == again
    assert first.avoided_loss_usd != other.avoided_loss_usd
    assert first.draws == money.DRAWS >= 10_000


def test_nothing_uncertain_gives_the_point_itself():
    # se 0 and no range: every draw is the point; R = 0.3 in the one year.
    ranges = money.money_ranges(ONE_YEAR, np.array([0.3]), NAN, NAN, annual_cost_usd=1000.0,
                                annual_cost_se_usd=0.0, total_cost_usd=200.0)
    assert ranges.avoided_loss_usd == {"p05": pytest.approx(300.0), "p95": pytest.approx(300.0)}
    assert ranges.rosi == {"p05": pytest.approx(0.5), "p95": pytest.approx(0.5), "p_positive": 1.0}


def test_a_normal_annual_cost_gives_its_known_percentiles():
    # Losses avoided = 0.5 x Normal(1000, 100) (truncation at 0 is ten standard errors
    # away): its 5th and 95th percentiles are 500 -/+ 1.645 x 50; the plan costs 500, so
    # it pays for itself in half of the draws.
    ranges = money.money_ranges(ONE_YEAR, np.array([0.5]), NAN, NAN, annual_cost_usd=1000.0,
                                annual_cost_se_usd=100.0, total_cost_usd=500.0)
    z = stats.norm.ppf(0.95)
    # the percentile of 10,000 draws has a standard error of about 1.1 here
    assert ranges.avoided_loss_usd["p05"] == pytest.approx(500 - 50 * z, abs=5)
    assert ranges.avoided_loss_usd["p95"] == pytest.approx(500 + 50 * z, abs=5)
    assert ranges.rosi["p_positive"] == pytest.approx(0.5, abs=0.02)
    assert ranges.rosi["p05"] == pytest.approx(-0.1 * z, abs=0.01)


def test_the_annual_cost_is_truncated_at_zero():
    draws = money.truncated_normal(np.random.default_rng(1), 0.0, 1.0, 20_000)
    assert draws.min() >= 0
    # the half-normal's mean is sqrt(2 / pi)
    assert draws.mean() == pytest.approx(np.sqrt(2 / np.pi), abs=0.02)


def test_pert_draws_have_the_pert_mean_and_stay_in_range():
    draws = money.pert(np.random.default_rng(2), 0.01, 0.02, 0.07, 50_000)
    assert draws.min() >= 0.01 and draws.max() <= 0.07
    assert draws.mean() == pytest.approx((0.01 + 4 * 0.02 + 0.07) / 6, abs=2e-4)
    assert (money.pert(np.random.default_rng(2), 0.02, 0.02, 0.02, 5) == 0.02).all()


def test_a_range_on_the_loss_reduction_widens_the_money_ranges():
    fixed = money.money_ranges(ONE_YEAR, np.array([0.2]), NAN, NAN, annual_cost_usd=1000.0,
                               annual_cost_se_usd=0.0, total_cost_usd=150.0)
    ranged = money.money_ranges(ONE_YEAR, np.array([0.2]), np.array([0.1]), np.array([0.4]),
                                annual_cost_usd=1000.0, annual_cost_se_usd=0.0,
                                total_cost_usd=150.0)
    assert fixed.avoided_loss_usd["p05"] == fixed.avoided_loss_usd["p95"] == pytest.approx(200.0)
    assert 100 <= ranged.avoided_loss_usd["p05"] < 200 < ranged.avoided_loss_usd["p95"] <= 400
    # the plan pays for itself when the share drawn is above 0.15
    beta = stats.beta(1 + 4 * 0.1 / 0.3, 1 + 4 * 0.2 / 0.3)
    assert ranged.rosi["p_positive"] == pytest.approx(beta.sf((0.15 - 0.1) / 0.3), abs=0.02)


def test_chance_words():
    assert money.chance_words(1.0) == "almost certain"
    assert money.chance_words(0.93) == "about 9 chances in 10"
    assert money.chance_words(0.12) == "about 1 chance in 10"
    assert money.chance_words(0.0) == "almost no chance"
