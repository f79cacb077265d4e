"""The synthetic samples' gap-analysis files for any framework: entities.csv,
capability_assessment.csv and targets.csv (workbench.samples writes the rest).

The assessment follows the country's framework: its indicators and their scopes
(national-scope indicators are assessed for NATIONAL, organisation-scope ones for
every government body and CNI operator), and its level scale. Levels are drawn on
the shipped framework's 0-5 scale and moved to the same place of the framework's
scale (``min + x * (max - min) / 5``); the evidence wording follows the same place
(``evidence_step``). Indicator shifts are stated for the shipped framework's
indicators and carried to another framework's through its crosswalk, as the
shipped catalogue is (workbench.crosswalk).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench import vocab
from workbench.crosswalk import Crosswalk
from workbench.framework import Framework, Levels, load_framework

# Entities assessed besides NATIONAL: clip(12 + 9 * log10(GDP / 1e9)), 15-60; about
# 45% government bodies, the rest CNI operators across the six CNI sectors.
ENTITIES_RANGE = (15, 60)
GOVERNMENT_SHARE = 0.45

# Generic names (no real organisation), in priority order: (id, name, sector, criticality).
GOVERNMENT_BODIES: tuple[tuple[str, str, str, int], ...] = (
    ("MOF", "Ministry of Finance", "public_administration", 5),
    ("REV", "National Revenue Authority", "public_administration", 5),
    ("MOH", "Ministry of Health", "health", 4),
    ("MOICT", "Ministry of ICT and Digital Economy", "ict", 4),
    ("MOI", "Ministry of Interior and National Security", "public_administration", 5),
    ("CABINET", "Cabinet Office", "public_administration", 4),
    ("MOE", "Ministry of Education", "education", 3),
    ("ELECT", "Electoral Commission", "public_administration", 4),
    ("IMM", "Department of Immigration", "public_administration", 4),
    ("SOCSEC", "National Social Security Fund", "finance", 4),
    ("POLICE", "National Police Service", "public_administration", 4),
    ("MOFA", "Ministry of Foreign Affairs", "public_administration", 3),
    ("LANDS", "Lands Registry", "real_estate", 3),
    ("MOT", "Ministry of Transport", "transport", 3),
    ("MOJ", "Ministry of Justice", "public_administration", 3),
    ("PROC", "Public Procurement Authority", "public_administration", 3),
    ("MOEN", "Ministry of Energy", "energy", 3),
    ("REG", "Business Registration Service", "public_administration", 3),
    ("AUDIT", "Office of the Auditor General", "public_administration", 3),
    ("DEF", "Ministry of Defence", "public_administration", 5),
    ("CITY", "Capital City Council", "public_administration", 3),
    ("MOA", "Ministry of Agriculture", "agriculture", 2),
    ("STATS", "National Statistics Office", "public_administration", 2),
    ("EXAMS", "National Examinations Council", "education", 3),
    ("MOTOUR", "Ministry of Tourism", "hospitality", 2),
    ("MOL", "Ministry of Labour", "public_administration", 2),
    ("ARCHIVES", "National Archives", "public_administration", 1),
)
CNI_OPERATORS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "energy": (
        ("PWR-GRID", "Electricity Transmission Operator", 5),
        ("PWR-GEN", "National Power Generation Company", 5),
        ("PWR-DIST", "Power Distribution Company", 4),
        ("FUEL", "National Oil and Fuel Storage Company", 4),
        ("GAS", "Gas Supply Company", 3),
    ),
    "finance": (
        ("CBANK", "Central Bank", 5),
        ("PAYSW", "National Payment Switch", 5),
        ("BANK-A", "Commercial Bank A (large, domestic)", 4),
        ("MOBMONEY", "Mobile Money Operator", 4),
        ("BANK-B", "Commercial Bank B (regional group subsidiary)", 3),
        ("SEC-EX", "Securities Exchange", 3),
        ("INSURE", "Insurance Company A", 2),
    ),
    "ict": (
        ("TEL-A", "Mobile Network Operator A", 5),
        ("DATACTR", "Government Data Centre", 5),
        ("TEL-B", "Mobile Network Operator B", 4),
        ("IXP", "Internet Exchange Point", 4),
        ("CABLE", "Submarine Cable Landing Station Operator", 4),
        ("CCTLD", "Country-code Domain Registry", 2),
    ),
    "water": (
        ("WATER-CAP", "Capital City Water and Sewerage Company", 5),
        ("WATER-NAT", "National Water Utility", 4),
        ("WATER-RES", "Water Resources Authority", 2),
    ),
    "transport": (
        ("PORT", "National Ports Authority", 5),
        ("AIRPORT", "Airports Authority", 4),
        ("CAA", "Civil Aviation Authority", 4),
        ("RAIL", "National Railway Corporation", 3),
        ("TRANSIT", "Urban Transit Authority", 1),
    ),
    "health": (
        ("HOSP-REF", "National Referral Hospital", 5),
        ("MEDSTORE", "Central Medical Stores", 4),
        ("LAB", "National Public Health Laboratory", 4),
        ("HOSP-TEACH", "University Teaching Hospital", 3),
        ("BLOOD", "National Blood Transfusion Service", 3),
    ),
}

# Mean maturity level of a country: 0.6 + 2.6 * M + 0.25 * log10(GDP / 1e10)
# (assumption: richer and larger countries are further along on average).
# Shifts by entity kind and by indicator, and the noise, are assumptions too.
ENTITY_KIND_SHIFT = {
    "finance": 0.5, "ict": 0.4, "energy": 0.0, "transport": -0.2, "water": -0.3,
    "health": -0.4, "government": -0.2,
}
INDICATOR_SHIFT = {
    "LEG-01": 0.6, "LEG-03": 0.4, "TEC-01": 0.3, "ORG-01": 0.3, "TEC-02": -0.4,
    "CAP-04": -0.8, "COO-02": -0.2, "TEC-10": -0.2, "TEC-12": 0.3, "TEC-13": 0.1,
    "TEC-14": -0.3, "TEC-16": -0.6, "CAP-11": -0.5, "COO-10": -0.2,
}
# A framework other than the shipped one gets these shifts through its crosswalk (an
# indicator reached by several shifted ones takes their mean); ids it does not reach
# shift nothing.
ENTITY_SD = 0.5
LEVEL_NOISE_SD = 0.6
# Share of expected (entity, indicator) pairs left unassessed (blank level), at least 2.
UNASSESSED_SHARE = 0.04
# Assessment workshops fall between these dates.
ASSESSMENT_WINDOW = (dt.date(2025, 2, 1), dt.date(2025, 10, 31))

# Evidence wording by step 0-5 of the shipped scale; evidence_step picks the step at
# the same place of another framework's scale.
EVIDENCE_BY_LEVEL = {
    0: "Nothing in place",
    1: "Ad hoc practice, nothing written down",
    2: "Draft policy or procedure, not yet approved",
    3: "Documented, approved and applied across the organisation",
    4: "Documented, tested in the last 12 months and reviewed by management",
    5: "Continuously improved and independently audited",
}
EVIDENCE_SOURCES = (
    "document review", "interview with the security lead", "workshop self-assessment",
    "site visit", "follow-up interview",
)
NATIONAL_EVIDENCE_BY_LEVEL = {
    0: "Nothing in place",
    1: "Under discussion, no text or body yet",
    2: "Draft or pilot stage, not yet adopted",
    3: "Adopted and in operation",
    4: "In operation, resourced and reviewed in the last two years",
    5: "Mature, regularly reviewed and shared as regional good practice",
}
NATIONAL_EVIDENCE_SOURCES = (
    "desk review of legislation", "ministry interview", "national workshop",
    "questionnaire answers of the national agency",
)

# Targets above the framework's own, by entity type (NATIONAL for a national-scope
# indicator) and by entity_id (an entity_id beats its type). A row applies when the
# framework holds its indicator in a fitting scope (and the entity is assessed); its
# target is kept within the framework's scale.
TARGET_OVERRIDES: tuple[tuple[str, str, int], ...] = (
    # the shipped framework (0-5)
    ("government", "TEC-13", 4),  # MFA everywhere in government, a policy decision
    ("cni_operator", "TEC-16", 4),  # supplier security raised for CNI operators
    (vocab.NATIONAL_ENTITY_ID, "COO-02", 4),
    # NIST CSF 2.0 (1-4, every outcome organisation scope): the same decisions
    ("government", "PR.AA-03", 4),  # users, services and hardware authenticated (MFA)
    ("cni_operator", "GV.SC-05", 4),  # supply chain requirements in contracts
)
ENTITY_TARGET_OVERRIDES: tuple[tuple[str, str, int], ...] = (
    ("PWR-GRID", "TEC-12", 5), ("CBANK", "TEC-14", 5), ("MOF", "TEC-13", 5),
    ("PWR-GRID", "PR.DS-11", 4),  # backups created, protected and tested
    ("CBANK", "DE.CM-01", 4),  # networks monitored
)


# =========================================================================== files


def clip_round(value: float, bounds: tuple[int, int]) -> int:
    """``value`` rounded to a whole number within ``bounds`` (the samples' size rules)."""
    return int(np.clip(round(value), *bounds))


def entities(profile: Mapping[str, object]) -> pd.DataFrame:
    """NATIONAL, then government bodies and CNI operators in priority order."""
    n_org = clip_round(12 + 9 * math.log10(profile["gdp_usd"] / 1e9), ENTITIES_RANGE)
    n_gov = round(GOVERNMENT_SHARE * n_org)
    n_cni = n_org - n_gov
    rows = [(vocab.NATIONAL_ENTITY_ID, f"{profile['name']} (national level)", "national",
             None, 5)]
    rows += [(i, name, "government", sector, crit)
             for i, name, sector, crit in GOVERNMENT_BODIES[:n_gov]]
    # CNI operators: round-robin over the sectors so that each is covered.
    taken = {sector: 0 for sector in CNI_OPERATORS}
    order = ("energy", "finance", "ict", "water", "transport", "health")
    while n_cni > 0:
        for sector in order:
            if n_cni == 0:
                break
            if taken[sector] < len(CNI_OPERATORS[sector]):
                i, name, crit = CNI_OPERATORS[sector][taken[sector]]
                rows.append((i, name, "cni_operator", sector, crit))
                taken[sector] += 1
                n_cni -= 1
    frame = pd.DataFrame(rows, columns=["entity_id", "name", "entity_type", "sector",
                                        "criticality"])
    frame["criticality"] = frame["criticality"].astype("Int64")
    return frame.astype({c: "str" for c in ("entity_id", "name", "entity_type", "sector")})


def indicator_shifts(framework: Framework) -> dict[str, float]:
    """INDICATOR_SHIFT in the framework's terms: as stated for the shipped framework,
    carried through the crosswalk to any other (the mean where several land)."""
    shipped = load_framework(None)
    if framework.id == shipped.id:
        return dict(INDICATOR_SHIFT)
    crosswalk = Crosswalk(framework, shipped)
    landed: dict[str, list[float]] = {}
    for indicator_id, shift in INDICATOR_SHIFT.items():
        for own in crosswalk.resolve(indicator_id):
            landed.setdefault(own, []).append(shift)
    return {own: sum(shifts) / len(shifts) for own, shifts in landed.items()}


def scale_levels(latent: np.ndarray, levels: Levels) -> np.ndarray:
    """Levels drawn on the 0-5 scale, moved to the same place of ``levels`` and
    rounded to its whole levels (0-5 itself is unchanged)."""
    span = levels.max - levels.min
    return np.clip(np.round(levels.min + latent * (span / 5)), levels.min, levels.max)


def evidence_step(level: int, levels: Levels) -> int:
    """The step (0-5) of the evidence wording for a level of the framework's scale:
    the step at the same place. A scale from 0 spans steps 0-5; a scale without a
    zero has no "nothing in place" level and spans steps 1-5 (1-4: 1, 2, 4, 5)."""
    u = levels.normalised(level)
    if levels.min == 0:
        return math.floor(5 * u + 0.5)
    return 1 + math.floor(4 * u + 0.5)


def assessment(
    entity_frame: pd.DataFrame, framework: Framework, profile: Mapping[str, object],
    m_index: float, rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per expected (entity, indicator) pair; a few left with a blank level."""
    country_mean = 0.6 + 2.6 * m_index + 0.25 * math.log10(profile["gdp_usd"] / 1e10)
    indicators = framework.indicators_frame()
    pairs = []
    for entity in entity_frame.itertuples(index=False):
        scope = "national" if entity.entity_type == "national" else "organisation"
        ids = indicators.loc[indicators["scope"] == scope, "indicator_id"]
        pairs.append(pd.DataFrame({"entity_id": entity.entity_id, "indicator_id": ids}))
    frame = pd.concat(pairs, ignore_index=True)
    info = entity_frame.set_index("entity_id")
    kind = np.where(info["entity_type"] == "cni_operator", info["sector"],
                    info["entity_type"])
    entity_shift = pd.Series(kind, index=info.index).map(ENTITY_KIND_SHIFT).fillna(0.0)
    entity_shift = entity_shift + rng.normal(0.0, ENTITY_SD, len(entity_shift))
    entity_shift[vocab.NATIONAL_ENTITY_ID] = 0.3  # national bodies lead organisations
    mean = (country_mean + frame["entity_id"].map(entity_shift).to_numpy()
            + frame["indicator_id"].map(indicator_shifts(framework)).fillna(0.0).to_numpy())
    levels = scale_levels(mean + rng.normal(0.0, LEVEL_NOISE_SD, len(frame)), framework.levels)
    level_col = pd.array(levels.astype(np.int64), dtype="Int64")

    workshop = {
        e: ASSESSMENT_WINDOW[0] + dt.timedelta(days=int(d))
        for e, d in zip(info.index, rng.integers(
            0, (ASSESSMENT_WINDOW[1] - ASSESSMENT_WINDOW[0]).days + 1, len(info)))
    }
    national = (frame["entity_id"] == vocab.NATIONAL_ENTITY_ID).to_numpy()
    org_sources = rng.choice(EVIDENCE_SOURCES, size=len(frame))
    national_sources = rng.choice(NATIONAL_EVIDENCE_SOURCES, size=len(frame))
    steps = [evidence_step(int(lv), framework.levels) for lv in levels]
    evidence = [
        f"{NATIONAL_EVIDENCE_BY_LEVEL[step]} ({nsrc})" if is_nat
        else f"{EVIDENCE_BY_LEVEL[step]} ({osrc})"
        for step, is_nat, osrc, nsrc in zip(steps, national, org_sources, national_sources)
    ]
    assessed_on = [workshop[e].isoformat() for e in frame["entity_id"]]

    # At least two blanks, never more than half the pairs (a framework of one or two
    # national indicators has only that many).
    blanks = min(max(2, round(UNASSESSED_SHARE * len(frame))), len(frame) // 2)
    unassessed = rng.choice(len(frame), size=blanks, replace=False)
    level_col[unassessed] = pd.NA
    for row in unassessed:
        evidence[row] = "Not assessed: evidence not provided in time"
        assessed_on[row] = None
    frame["level"] = level_col
    frame["evidence"] = pd.Series(evidence, dtype="str")
    frame["assessed_on"] = pd.Series(assessed_on, dtype="str")
    return frame.astype({"entity_id": "str", "indicator_id": "str"})


def _applicable(rows: tuple[tuple[str, str, int], ...], framework: Framework,
                assessed: set[str]) -> list[tuple[str, str, int]]:
    """The override rows the framework can take, their targets within its scale."""
    scope = {i.id: i.scope for i in framework.indicators}
    levels = framework.levels
    kept = []
    for applies_to, indicator_id, target in rows:
        wanted = "national" if applies_to == vocab.NATIONAL_ENTITY_ID else "organisation"
        if scope.get(indicator_id) != wanted:
            continue
        if applies_to not in vocab.ENTITY_TYPES and applies_to not in assessed:
            continue
        kept.append((applies_to, indicator_id, min(max(target, levels.min), levels.max)))
    return kept


def _one_level_up(framework: Framework, entity_frame: pd.DataFrame) -> list[tuple[str, str, int]]:
    """Overrides for a framework no stated row applies to: one level above the
    framework's target for government on its first organisation indicator, for CNI
    operators on its last and for NATIONAL on its first national indicator; the top
    level for the first CNI operator on the first organisation indicator."""
    top = framework.levels.max
    organisation = [i for i in framework.indicators if i.scope == "organisation"]
    national = [i for i in framework.indicators if i.scope == "national"]
    rows = []
    if organisation:
        first, last = organisation[0], organisation[-1]
        rows += [("government", first.id, min(top, first.target["government"] + 1)),
                 ("cni_operator", last.id, min(top, last.target["cni_operator"] + 1))]
    if national:
        rows.append((vocab.NATIONAL_ENTITY_ID, national[0].id,
                     min(top, national[0].target["national"] + 1)))
    operators = entity_frame.loc[entity_frame["entity_type"] == "cni_operator", "entity_id"]
    if organisation and not operators.empty:
        rows.append((operators.iloc[0], organisation[0].id, top))
    return rows


def targets(entity_frame: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """A few overrides: by entity type and by entity_id (an entity_id beats its type)."""
    assessed = set(entity_frame["entity_id"])
    rows = (_applicable(TARGET_OVERRIDES, framework, assessed)
            + _applicable(ENTITY_TARGET_OVERRIDES, framework, assessed))
    if not rows:
        rows = _one_level_up(framework, entity_frame)
    frame = pd.DataFrame(rows, columns=["applies_to", "indicator_id", "target"])
    frame["target"] = frame["target"].astype("Int64")
    return frame.astype({"applies_to": "str", "indicator_id": "str"})
