"""The budget slider: a finite grid of round budgets around the profile's budget.

The grid's positions are what the server works out once per start (``grid``) and
every page reads (``cache``); the page reads a slider value as these functions do,
rounded to the cent, so a position is found under the same key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.formatting import nice_step


@dataclass(frozen=True)
class SliderRange:
    """The budget slider's range in USD million: min, max, step and readout decimals."""

    minimum: float
    maximum: float
    step: float
    decimals: int


def budget_slider_range(default_usd: float, current_usd: float | None = None) -> SliderRange:
    """From one step to three times the profile's budget (wider if ``current_usd`` is
    above), in about 60 steps of a round size."""
    default_m = max(float(default_usd), 1.0) / 1e6
    step = nice_step(default_m / 20)
    top = max(3 * default_m, (current_usd or 0) / 1e6)
    maximum = math.ceil(top / step - 1e-9) * step
    mantissa = round(step / 10.0 ** math.floor(math.log10(step)), 6)
    decimals = max(0, -math.floor(math.log10(step)) + (1 if mantissa == 2.5 else 0))
    return SliderRange(round(step, 10), round(maximum, 10), round(step, 10), decimals)


def slider_budgets_usd(bounds: SliderRange, current_usd: float) -> list[float]:
    """Every position of the budget slider in USD per year, rounded to the cent as the
    page reads the slider, nearest to ``current_usd`` first (the likeliest next moves)."""
    count = int(round((bounds.maximum - bounds.minimum) / bounds.step)) + 1
    values = [round(round(bounds.minimum + k * bounds.step, 10) * 1e6, 2) for k in range(count)]
    return sorted(values, key=lambda usd: (abs(usd - current_usd), usd))



def grid_budgets_usd(default_usd: float) -> list[float]:
    """The budgets of a country's grid, as the server works them out: the profile's
    budget (what the page opens on), then every slider position, nearest to it first."""
    default = round(float(default_usd), 2)
    positions = slider_budgets_usd(budget_slider_range(default), default)
    return list(dict.fromkeys([default, *positions]))
