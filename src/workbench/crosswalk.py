"""Interventions that name another framework's indicators, carried over through the
crosswalk (docs/data-contract.md, interventions.csv).

The shipped catalogue names the indicators of the shipped framework (LEG-01,
TEC-13 ...). A country assessed on another framework (NIST CSF 2.0, the CISA goals,
its own) can still use it: an indicator id the country's framework does not hold is
carried over to every indicator of the country's framework that

1. lists that id in its own ``crosswalk`` (any scheme), or
2. shares a crosswalk code with it: the shipped framework's indicator lists codes of
   a scheme (``nist_csf: [PR.AA-03]``), and the country's indicator lists the same
   code in the same scheme, or is that code (its id or its library ``ref_id``, as an
   imported NIST CSF 2.0 subcategory is).

A row carried over takes the pillar of the country's framework that holds most of
the indicators it lifts (the first in the framework's order on a tie), and its
``raises_to`` moves to the same place on the country's level scale:
min + round(u * (max - min)), u its position on the shipped framework's scale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pandas as pd

from workbench.framework import Framework


def split_ids(value: object) -> list[str]:
    """``a;b`` -> ['a', 'b'] (blank -> [])."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


class Crosswalk:
    """Where each foreign indicator id lands in the country's framework."""

    def __init__(self, framework: Framework, reference: Framework | None) -> None:
        self.framework = framework
        self.reference = reference
        self.own_ids = [i.id for i in framework.indicators]
        self._pillar = {i.id: i.pillar for i in framework.indicators}
        self._order = {i.id: n for n, i in enumerate(framework.indicators)}
        self._pillar_order = {p.id: n for n, p in enumerate(framework.pillars)}
        # (scheme, code) -> country indicators carrying it; a bare code -> indicators
        # whose id or ref_id it is.
        self._by_code: dict[tuple[str, str], list[str]] = {}
        self._by_name: dict[str, list[str]] = {}
        for indicator in framework.indicators:
            for scheme, codes in indicator.crosswalk.items():
                for code in codes:
                    self._by_code.setdefault((scheme, code), []).append(indicator.id)
                    self._by_name.setdefault(code, []).append(indicator.id)
            ref_id = getattr(indicator, "ref_id", None)
            for name in {indicator.id, str(ref_id) if ref_id else indicator.id}:
                self._by_name.setdefault(name, []).append(indicator.id)
        self._reference_codes = (
            {i.id: i.crosswalk for i in reference.indicators} if reference is not None else {})

    def is_own(self, indicator_id: str) -> bool:
        return indicator_id in self._pillar

    def resolve(self, indicator_id: str) -> list[str]:
        """The country's indicators a named id lifts (itself when it is one of them)."""
        if self.is_own(indicator_id):
            return [indicator_id]
        found: list[str] = list(self._by_name.get(indicator_id, []))
        for scheme, codes in self._reference_codes.get(indicator_id, {}).items():
            for code in codes:
                found += self._by_code.get((scheme, code), [])
                found += self._by_name.get(code, [])
        return sorted(set(found), key=self._order.__getitem__)

    def resolve_all(self, ids: Iterable[str]) -> tuple[list[str], list[str]]:
        """(the country indicators the ids lift, the ids that lift nothing)."""
        lifted: list[str] = []
        unresolved: list[str] = []
        for indicator_id in ids:
            landed = self.resolve(indicator_id)
            if landed:
                lifted += [i for i in landed if i not in lifted]
            else:
                unresolved.append(indicator_id)
        return sorted(lifted, key=self._order.__getitem__), unresolved

    def pillar_of(self, indicator_ids: Iterable[str]) -> str:
        """The pillar holding most of the indicators (framework order on a tie)."""
        counts = Counter(self._pillar[i] for i in indicator_ids)
        return min(counts, key=lambda p: (-counts[p], self._pillar_order[p]))

    def level(self, reference_level: int) -> int:
        """A level of the reference framework's scale at the same place of the country's."""
        source = self.reference.levels if self.reference is not None else self.framework.levels
        target = self.framework.levels
        u = min(max(source.normalised(reference_level), 0.0), 1.0)
        return int(target.min + round(u * (target.max - target.min)))


def carried_over(row_ids: list[str], crosswalk: Crosswalk) -> bool:
    """Whether a row names any indicator that is not the country framework's own."""
    return any(not crosswalk.is_own(i) for i in row_ids)


def translate_catalogue(interventions: pd.DataFrame, crosswalk: Crosswalk) -> pd.DataFrame:
    """The valid catalogue rows in the country's framework's terms: rows naming
    foreign indicators lift the country's indicators they land on, in the pillar
    holding most of them, up to the level at the same place of the country's scale.
    Rows naming only the country's own indicators are left as they are."""
    if interventions.empty:
        return interventions
    out = interventions.copy()
    for index, row in interventions.iterrows():
        ids = split_ids(row["indicators"])
        if not carried_over(ids, crosswalk):
            continue
        lifted, _ = crosswalk.resolve_all(ids)
        out.at[index, "indicators"] = ";".join(lifted)
        out.at[index, "pillar"] = crosswalk.pillar_of(lifted)
        out.at[index, "raises_to"] = crosswalk.level(int(row["raises_to"]))
    return out
