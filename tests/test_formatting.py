"""Numbers and money as every page prints them (workbench.formatting)."""

from __future__ import annotations

import math

import pytest

from workbench.formatting import (
    DASH,
    NOT_AVAILABLE,
    format_count,
    format_pct,
    format_range,
    format_usd,
    format_usd_millions,
    format_usd_short,
    nice_step,
    tick_step,
)


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, "USD 0"),
    (850_000.0, "USD 850,000"),
    (999_999.0, "USD 999,999"),
    (1_000_000.0, "USD 1.0 million"),
    (29_460_000.0, "USD 29.5 million"),
    (4_000_000.0, "USD 4.0 million"),
    (1_234_000_000.0, "USD 1.2 billion"),
    (-2_500_000.0, "USD -2.5 million"),
    (None, NOT_AVAILABLE),
    (math.nan, NOT_AVAILABLE),
    (math.inf, NOT_AVAILABLE),
])
def test_usd_in_words(value, expected):
    assert format_usd(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, "USD 0"),
    (999.0, "USD 999"),
    (850_000.0, "USD 850k"),
    (1_500_000.0, "USD 1.5m"),
    (4_000_000.0, "USD 4m"),
    (1_250_000_000.0, "USD 1.25bn"),
    (-2_500_000.0, "USD -2.5m"),
])
def test_usd_short(value, expected):
    assert format_usd_short(value) == expected


def test_usd_short_digits_and_missing():
    assert format_usd_short(10_720_000.0, 1) == "USD 10.7m"
    assert format_usd_short(10_000_000.0, 1) == "USD 10m"
    assert format_usd_short(math.nan) == ""
    assert format_usd_short(math.inf) == ""


@pytest.mark.parametrize(("value", "expected"), [
    (149_800_000.0, "$149.8m"),
    (300_000.0, "$0.3m"),
    (0.0, "$0.0m"),
    (1_250_000_000.0, "$1.25bn"),
    (None, DASH),
])
def test_usd_in_millions(value, expected):
    assert format_usd_millions(value) == expected


def test_percentages():
    assert format_pct(0.4049) == "40.5%"
    assert format_pct(0.4049, digits=0) == "40%"
    assert format_pct(1.0, digits=3) == "100.000%"
    assert format_pct(None) == NOT_AVAILABLE
    assert format_pct(None, digits=0, missing=DASH) == "–"


def test_counts_and_ranges():
    assert format_count(12_345.6) == "12,346"
    assert format_count(None) == NOT_AVAILABLE
    assert format_range(0.1, 0.25, format_pct) == "10.0% to 25.0%"
    assert format_range(None, 0.25, format_pct) == ""
    assert format_range(1e6, None, format_usd) == ""


@pytest.mark.parametrize(("raw", "step"), [
    (0.215, 0.25), (0.05, 0.05), (6.5, 10.0), (0.8, 1.0), (0.155, 0.2), (3.0, 5.0),
    (2.0, 2.0), (24e6, 25e6),
])
def test_nice_step(raw, step):
    assert nice_step(raw) == pytest.approx(step)


def test_nice_step_takes_a_rounding_error_for_the_round_step():
    # 0.2 computed with a relative error of 1e-13 is still a step of 0.2, not 0.25.
    assert nice_step(0.2 * (1 + 1e-13)) == 0.2
    assert nice_step(0.2 * (1 + 1e-9)) == 0.25


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_nice_step_refuses_nonsense(bad):
    with pytest.raises(ValueError, match="positive number"):
        nice_step(bad)


def test_tick_step():
    assert tick_step(10.0, 5) == 2.0
    assert tick_step(12.0, 5) == 2.5
    assert tick_step(30.0, 5) == 10.0
    assert tick_step(120e6) == 25e6
    assert tick_step(0.0) == 1.0
    assert tick_step(-3.0) == 1.0
    assert tick_step(math.nan) == 1.0
    assert tick_step(10.0, 0) == 10.0

