"""Gap analysis: government departments, CNI operators and the country as a whole
against an assessment framework (the shipped one, or the country's own).

Implements docs/methods.md section 2 (docs/gaps.md explains it with a worked example):

- the target of an (entity, indicator) pair is the targets.csv row for the
  entity_id, else the row for its entity_type, else the framework's target for
  its entity_type;
- gap = max(0, target - level) for assessed pairs; unassessed pairs have no gap
  and lower ``coverage`` = assessed pairs / expected pairs;
- indicator score = NATIONAL's level (national scope) or the criticality-weighted
  mean level of the entities assessed on it (organisation scope);
- pillar score = 100 * sum(weight * u(score)) / sum(weight) over the pillar's
  scored indicators, u = (score - min) / (max - min) on the framework's level scale;
  ``overall_score`` = pillar-weighted mean of pillar scores;
- coverage rule: a pillar score is published only when at least ``min_coverage`` of
  its expected pairs are assessed, the overall score only when the published pillars
  carry at least 80% of the pillar weight; otherwise ``withheld`` says why;
- priority = v(pair) * gap, the overall-score points closing the gap adds
  (``score_value.pair_values``); ``top_gaps`` are the highest, ties by entity_id
  then indicator_id.

Everything here is a pure function of DataFrames and the framework: nothing is
read from disk except the shipped peer-benchmark table (``gci_2020.csv``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import paths, vocab
from workbench.formatting import format_date, format_number, format_pct, format_range
from workbench.framework import DEFAULT_LEVELS, Framework, Levels
from workbench.i18n import N_, _, current_language, ngettext
from workbench.score_value import pair_values
from workbench.summary_types import GapsNames, GapsSummary, GroupScore, PeerBenchmark

# The exact columns of ``assessment_pairs`` (the business case reads them).
PAIR_COLUMNS: tuple[str, ...] = (
    "entity_id",
    "entity_name",
    "entity_type",
    "sector",
    "criticality",
    "indicator_id",
    "indicator_title",
    "pillar_id",
    "scope",
    "indicator_weight",
    "pillar_weight",
    "level",
    "target",
    "gap",
    "priority",
    "evidence",
    "assessed",
)

TOP_N = 20
# The coverage rule (docs/methods.md section 2): a pillar score needs this share of
# its expected pairs assessed (the profile's min_coverage), the overall score
# published pillars carrying this share of the pillar weight.
DEFAULT_MIN_COVERAGE = 0.5
OVERALL_MIN_PILLAR_WEIGHT = 0.8
# Priorities are products and quotients of weights; rounding away float noise
# (3 * 0.2 = 0.6000000000000001) keeps equal priorities equal, so that ties fall to
# entity_id then indicator_id as docs/methods.md says.
PRIORITY_DECIMALS = 9
SCORE_DECIMALS = 2

# Names of the crosswalk groups the shipped framework uses (other codes are shown as they are).
CROSSWALK_SCHEMES: dict[str, str] = {
    "cmm": N_("Oxford CMM 2021 dimension"),
    "nist_csf": N_("NIST CSF 2.0 function"),
}
CROSSWALK_GROUP_TITLES: dict[str, dict[str, str]] = {
    "cmm": {
        "D1": N_("Cybersecurity policy and strategy"),
        "D2": N_("Cybersecurity culture and society"),
        "D3": N_("Building cybersecurity knowledge and capabilities"),
        "D4": N_("Legal and regulatory frameworks"),
        "D5": N_("Standards and technologies"),
    },
    "nist_csf": {
        "GV": N_("Govern"),
        "ID": N_("Identify"),
        "PR": N_("Protect"),
        "DE": N_("Detect"),
        "RS": N_("Respond"),
        "RC": N_("Recover"),
    },
}

# Peer benchmark: "similar income" = GDP per capita within this factor either side
# of the country's. World Bank income groups rest on GNI per capita (Atlas method),
# which the shipped table does not hold; a symmetric band on GDP per capita is
# simple, reproducible and gives a handful of peers for most members.
SIMILAR_INCOME_FACTOR = 2.0
WORKBENCH_INSTRUMENT = "This assessment (workbench overall score, 0-100)"
GCI_INSTRUMENT = "ITU Global Cybersecurity Index 2020 (0-100)"
PEER_CAVEAT = (
    "Different instruments: the ITU GCI 2020 score measures national commitments from "
    "a questionnaire; the workbench score measures assessed maturity against this "
    "framework's targets. Both run 0-100 but they are not the same scale."
)


# --------------------------------------------------------------------------- pairs


def _names_in_language(framework: Framework, levels: Levels, top: pd.DataFrame) -> GapsNames:
    """The framework's, pillars', levels' and largest gaps' indicators' names in the
    language the run writes, for the pages built from summary.json (its other names
    stay the framework's own, in English)."""
    titles = {i.id: i.local_title for i in framework.indicators}
    return {
        "language": current_language(),
        "framework_title": framework.local_title,
        "pillars": {p.id: p.local_title for p in framework.pillars},
        "level_names": {str(k): v for k, v in levels.local_names.items()},
        "indicators": {str(i): titles.get(str(i), str(i)) for i in top["indicator_id"]},
    }


def _framework_indicators(framework: Framework) -> pd.DataFrame:
    """indicator_id, indicator_title, pillar_id, scope, indicator_weight, pillar_weight, order."""
    frame = framework.indicators_frame()[
        ["indicator_id", "title", "pillar_id", "scope", "weight", "pillar_weight"]
    ].rename(columns={"title": "indicator_title", "weight": "indicator_weight"})
    frame["_indicator_order"] = np.arange(len(frame))
    return frame


def _framework_targets(framework: Framework) -> pd.DataFrame:
    """Long form of the framework's targets: indicator_id, entity_type, framework_target."""
    return pd.DataFrame(
        [
            {"indicator_id": ind.id, "entity_type": etype, "framework_target": level}
            for ind in framework.indicators
            for etype, level in ind.target.items()
        ],
        columns=["indicator_id", "entity_type", "framework_target"],
    )


def _check_unique(frame: pd.DataFrame, keys: list[str], what: str) -> None:
    repeated = frame[frame.duplicated(keys, keep=False)]
    if not repeated.empty:
        first = repeated.iloc[0]
        raise ValueError(
            f"{what}: ({', '.join(str(first[k]) for k in keys)}) appears more than once"
        )


def assessment_pairs(
    framework: Framework,
    entities: pd.DataFrame,
    assessment: pd.DataFrame,
    targets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per expected (entity, indicator) pair, with its level, target, gap and priority.

    Expected pairs: each national-scope indicator for the NATIONAL entity, each
    organisation-scope indicator for every government and cni_operator entity.
    Assessment rows outside these pairs take no part (the loader quarantines them).

    Args:
        framework: the assessment framework.
        entities: valid rows of entities.csv (entity_id, name, entity_type, sector, criticality).
        assessment: valid rows of capability_assessment.csv (entity_id, indicator_id,
            level, evidence; a blank level means not assessed).
        targets: valid rows of targets.csv (applies_to, indicator_id, target) or None.

    Returns:
        Columns ``PAIR_COLUMNS``: level, target and gap are Int64 (<NA> = not
        assessed for level and gap), priority float (NaN when not assessed),
        evidence str ("" when none), assessed bool. Rows are ordered NATIONAL
        first, then entities as listed, indicators in framework order.

    Raises:
        ValueError: an entity or an (entity, indicator) assessment appears twice,
            or a targets row repeats (applies_to, indicator_id).
    """
    _check_unique(entities, ["entity_id"], "entities")
    _check_unique(assessment, ["entity_id", "indicator_id"], "capability assessment")

    people = entities.loc[entities["entity_type"].isin(vocab.ENTITY_TYPES)].copy()
    people["_entity_order"] = np.where(
        people["entity_type"] == "national", -1, np.arange(len(people))
    )
    people["scope"] = np.where(people["entity_type"] == "national", "national", "organisation")
    people = people.rename(columns={"name": "entity_name"})[
        ["entity_id", "entity_name", "entity_type", "sector", "criticality", "scope", "_entity_order"]
    ]
    pairs = people.merge(_framework_indicators(framework), on="scope", how="inner")

    pairs = pairs.merge(_framework_targets(framework), on=["indicator_id", "entity_type"], how="left")
    if targets is not None and not targets.empty:
        _check_unique(targets, ["applies_to", "indicator_id"], "targets")
        overrides = targets[["applies_to", "indicator_id", "target"]]
        by_id = overrides.rename(columns={"applies_to": "entity_id", "target": "_target_id"})
        by_type = overrides.rename(columns={"applies_to": "entity_type", "target": "_target_type"})
        pairs = pairs.merge(by_id, on=["entity_id", "indicator_id"], how="left")
        pairs = pairs.merge(by_type, on=["entity_type", "indicator_id"], how="left")
        target = (
            pairs["_target_id"].astype("Int64")
            .fillna(pairs["_target_type"].astype("Int64"))
            .fillna(pairs["framework_target"].astype("Int64"))
        )
    else:
        target = pairs["framework_target"].astype("Int64")
    pairs["target"] = target.astype("Int64")

    found = assessment[["entity_id", "indicator_id", "level", "evidence"]]
    pairs = pairs.merge(found, on=["entity_id", "indicator_id"], how="left")
    pairs["level"] = pairs["level"].astype("Int64")
    pairs["assessed"] = pairs["level"].notna().astype(bool)
    pairs["gap"] = (pairs["target"] - pairs["level"]).clip(lower=0).astype("Int64")
    pairs["criticality"] = pairs["criticality"].astype("Int64")
    # The overall-score points closing the gap adds (docs/methods.md section 2).
    raw_priority = pairs["gap"].astype("float64") * pair_values(pairs, framework.levels)
    pairs["priority"] = raw_priority.round(PRIORITY_DECIMALS)
    pairs["evidence"] = pairs["evidence"].fillna("").astype("str")
    pairs = pairs.sort_values(["_entity_order", "_indicator_order"], kind="stable")
    return pairs[list(PAIR_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class ScoreTables:
    """Scores of one set of pairs, optionally split by grouping columns."""

    indicators: pd.DataFrame  # by + indicator_id, pillar_id, weights, entities_assessed, score, target_score
    pillars: pd.DataFrame  # by + pillar_id, pillar_weight, indicators_scored, score, target_score
    overall: pd.DataFrame  # by + score, target_score


def score_tables(pairs: pd.DataFrame, by: list[str] | tuple[str, ...] = (),
                 levels: Levels = DEFAULT_LEVELS) -> ScoreTables:
    """Indicator, pillar and overall scores of ``pairs`` (docs/methods.md section 2).

    The indicator score is the criticality-weighted mean level of the assessed
    pairs (for national scope only NATIONAL is assessed, so it is NATIONAL's
    level). ``target_score`` applies the same formula to the targets of the same
    assessed pairs, so current and target compare like with like. Pillar scores
    use only scored indicators; the overall score only scored pillars.

    Args:
        pairs: rows of ``assessment_pairs``.
        by: grouping columns (e.g. ``["entity_type"]``); empty for the whole country.
        levels: the framework's level scale (scores are normalised on it).

    Returns:
        ScoreTables with indicator scores in levels and 0-100 (pillars, overall).
    """
    by = list(by)
    done = pairs.loc[pairs["assessed"]]
    weight = done["criticality"].astype("float64")
    done = done.assign(
        _w=weight,
        _wl=weight * done["level"].astype("float64"),
        _wt=weight * done["target"].astype("float64"),
    )
    ind_keys = by + ["indicator_id", "pillar_id", "indicator_weight", "pillar_weight"]
    indicators = done.groupby(ind_keys, as_index=False, sort=False, dropna=False).agg(
        entities_assessed=("entity_id", "size"), _w=("_w", "sum"), _wl=("_wl", "sum"), _wt=("_wt", "sum")
    )
    indicators["score"] = indicators["_wl"] / indicators["_w"]
    indicators["target_score"] = indicators["_wt"] / indicators["_w"]
    indicators = indicators.drop(columns=["_w", "_wl", "_wt"])

    weighted = indicators.assign(
        _ws=indicators["indicator_weight"] * levels.normalised(indicators["score"]),
        _wt=indicators["indicator_weight"] * levels.normalised(indicators["target_score"]),
    )
    pillars = weighted.groupby(by + ["pillar_id", "pillar_weight"], as_index=False, sort=False, dropna=False).agg(
        indicators_scored=("indicator_id", "size"),
        _sw=("indicator_weight", "sum"),
        _ws=("_ws", "sum"),
        _wt=("_wt", "sum"),
    )
    pillars["score"] = 100 * pillars["_ws"] / pillars["_sw"]
    pillars["target_score"] = 100 * pillars["_wt"] / pillars["_sw"]
    pillars = pillars.drop(columns=["_sw", "_ws", "_wt"])

    pw = pillars.assign(
        _ps=pillars["pillar_weight"] * pillars["score"],
        _pt=pillars["pillar_weight"] * pillars["target_score"],
    )
    if by:
        overall = pw.groupby(by, as_index=False, sort=False, dropna=False).agg(
            _w=("pillar_weight", "sum"), _ps=("_ps", "sum"), _pt=("_pt", "sum")
        )
    else:
        overall = pd.DataFrame(
            {"_w": [pw["pillar_weight"].sum()], "_ps": [pw["_ps"].sum()], "_pt": [pw["_pt"].sum()]}
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        overall["score"] = overall["_ps"] / overall["_w"].where(overall["_w"] > 0)
        overall["target_score"] = overall["_pt"] / overall["_w"].where(overall["_w"] > 0)
    overall = overall.drop(columns=["_w", "_ps", "_pt"])
    return ScoreTables(indicators=indicators, pillars=pillars, overall=overall)


def _group_counts(pairs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """entities, expected, assessed, coverage, gaps_open, total_gap, mean_gap, total_priority."""
    counts = pairs.assign(
        _open=(pairs["gap"].fillna(0) > 0),
        _gap=pairs["gap"].astype("float64"),
        _priority=pairs["priority"],
    ).groupby(by, as_index=False, sort=True, dropna=False).agg(
        entities=("entity_id", "nunique"),
        expected=("entity_id", "size"),
        assessed=("assessed", "sum"),
        gaps_open=("_open", "sum"),
        total_gap=("_gap", "sum"),
        mean_gap=("_gap", "mean"),
        total_priority=("_priority", "sum"),
    )
    counts["coverage"] = counts["assessed"] / counts["expected"]
    return counts


def group_view(pairs: pd.DataFrame, by: str, levels: Levels = DEFAULT_LEVELS) -> pd.DataFrame:
    """One row per value of ``by``: counts, coverage, gaps and the group's scores.

    The group's ``overall_score`` applies the whole method to the group's pairs
    alone (so a group of organisations is scored on organisation-scope indicators).

    Args:
        pairs: rows of ``assessment_pairs``.
        by: the grouping column (``entity_type`` or ``sector``).

    Returns:
        Columns: ``by``, entities, expected, assessed, coverage, gaps_open,
        total_gap, mean_gap (over assessed pairs), total_priority,
        overall_score, target_score and one ``score_<pillar_id>`` per pillar.
    """
    if pairs.empty:
        return pd.DataFrame(columns=[by, "entities", "expected", "assessed", "coverage"])
    counts = _group_counts(pairs, [by])
    scores = score_tables(pairs, [by], levels)
    overall = scores.overall.rename(columns={"score": "overall_score"})
    pillar_wide = scores.pillars.pivot_table(
        index=by, columns="pillar_id", values="score", aggfunc="first", dropna=False
    )
    pillar_wide.columns = [f"score_{c}" for c in pillar_wide.columns]
    view = counts.merge(overall, on=by, how="left").merge(
        pillar_wide.reset_index(), on=by, how="left"
    )
    return view


def entity_type_view(pairs: pd.DataFrame, levels: Levels = DEFAULT_LEVELS) -> pd.DataFrame:
    """``group_view`` by entity type (national, government, cni_operator, in that order)."""
    view = group_view(pairs, "entity_type", levels)
    order = {t: i for i, t in enumerate(vocab.ENTITY_TYPES)}
    return view.sort_values("entity_type", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def cni_sector_view(pairs: pd.DataFrame, levels: Levels = DEFAULT_LEVELS) -> pd.DataFrame:
    """``group_view`` of CNI operators by sector (blank sector shown as "unspecified")."""
    cni = pairs.loc[pairs["entity_type"] == "cni_operator"]
    cni = cni.assign(sector=cni["sector"].fillna("unspecified").astype("str"))
    return group_view(cni, "sector", levels)


# --------------------------------------------------------------------------- top gaps


def rank_gaps(pairs: pd.DataFrame, top_n: int | None = TOP_N) -> pd.DataFrame:
    """Open gaps (gap > 0) by priority, highest first; ties by entity_id then indicator_id.

    Args:
        pairs: rows of ``assessment_pairs``.
        top_n: how many to keep (None = all).
    """
    open_gaps = pairs.loc[pairs["gap"].fillna(0) > 0]
    ranked = open_gaps.sort_values(
        ["priority", "entity_id", "indicator_id"], ascending=[False, True, True], kind="stable"
    )
    if top_n is not None:
        ranked = ranked.head(top_n)
    ranked = ranked.reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked


# --------------------------------------------------------------------------- crosswalk


def crosswalk_group(code: str) -> str:
    """The group a crosswalk code belongs to: the part before the first dot.

    ``"D4.1"`` -> ``"D4"`` (CMM dimension), ``"GV.OC"`` -> ``"GV"`` (CSF function).
    """
    return str(code).split(".", 1)[0].strip()


def crosswalk_scores(framework: Framework, indicator_scores: pd.DataFrame) -> pd.DataFrame:
    """The same scores re-expressed through the framework's crosswalk.

    Each scored indicator carries the share of the overall score it carries in
    the pillar method: share = (pillar weight / sum of scored pillars' weights) *
    (indicator weight / sum of the scored indicators' weights in its pillar). A
    crosswalk group's score is the share-weighted mean of its indicators' scores,
    normalised on the level scale, times 100. An indicator mapped to several codes
    of a scheme counts in each of their groups, once per group. Where every
    indicator maps to one group, the groups' scores, weighted by their shares,
    average back to the overall score.

    Args:
        framework: the assessment framework (its indicators' ``crosswalk``).
        indicator_scores: ``score_tables(pairs).indicators`` for the whole country.

    Returns:
        One row per (scheme, group): scheme, scheme_title, group, group_title,
        indicators (mapped), indicators_scored, share, score, target_score.
    """
    mapping = pd.DataFrame(
        [
            {"indicator_id": ind.id, "scheme": scheme, "code": code}
            for ind in framework.indicators
            for scheme, codes in ind.crosswalk.items()
            for code in codes
        ],
        columns=["indicator_id", "scheme", "code"],
    )
    columns = ["scheme", "scheme_title", "group", "group_title", "indicators",
               "indicators_scored", "share", "score", "target_score"]
    if mapping.empty:
        return pd.DataFrame(columns=columns)
    mapping["group"] = mapping["code"].map(crosswalk_group)
    mapping = mapping.drop_duplicates(["indicator_id", "scheme", "group"])
    scored = indicator_scores[["indicator_id", "pillar_id", "indicator_weight", "pillar_weight",
                               "score", "target_score"]]
    if not scored.empty:
        in_pillar = scored.groupby("pillar_id")["indicator_weight"].transform("sum")
        pillar_total = scored.drop_duplicates("pillar_id")["pillar_weight"].sum()
        scored = scored.assign(
            share=(scored["pillar_weight"] / pillar_total) * (scored["indicator_weight"] / in_pillar)
        )
    else:
        scored = scored.assign(share=pd.Series(dtype="float64"))
    joined = mapping.merge(scored[["indicator_id", "share", "score", "target_score"]],
                           on="indicator_id", how="left")
    joined = joined.assign(
        _s=joined["share"] * joined["score"],
        _t=joined["share"] * joined["target_score"],
        _scored=joined["score"].notna(),
    )
    table = joined.groupby(["scheme", "group"], as_index=False, sort=True).agg(
        indicators=("indicator_id", "size"),
        indicators_scored=("_scored", "sum"),
        share=("share", "sum"),
        _s=("_s", "sum"),
        _t=("_t", "sum"),
    )
    has = table["share"] > 0
    levels = framework.levels
    table["score"] = (100 * levels.normalised(table["_s"] / table["share"])).where(has)
    table["target_score"] = (100 * levels.normalised(table["_t"] / table["share"])).where(has)
    table["scheme_title"] = table["scheme"].map(CROSSWALK_SCHEMES).fillna(table["scheme"])
    titles = [CROSSWALK_GROUP_TITLES.get(s, {}).get(g, g) for s, g in zip(table["scheme"], table["group"])]
    table["group_title"] = pd.Series(titles, index=table.index, dtype="str")
    return table[columns]


# --------------------------------------------------------------------------- peers


def load_gci_reference(path: Path | None = None) -> pd.DataFrame:
    """The shipped Commonwealth table: iso2, iso3, name, commonwealth_region,
    gci2020_score, gdp_usd, gdp_year, population, population_year, gdp_per_capita_usd."""
    table = pd.read_csv(
        path or paths.GCI_CSV,
        comment="#",
        keep_default_na=False,  # "NA" is Namibia
        na_values=[""],
        dtype={"iso2": "str", "iso3": "str", "name": "str", "commonwealth_region": "str"},
    )
    table["gdp_per_capita_usd"] = table["gdp_usd"] / table["population"]
    return table


def peer_benchmark(
    country_code: str,
    overall_score: float | None,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The country's overall score beside the ITU GCI 2020 scores of its Commonwealth peers.

    Peers are Commonwealth members (other than the country) in its Commonwealth
    region, or of similar income: GDP per capita (World Bank GDP / population)
    between 1/``SIMILAR_INCOME_FACTOR`` and ``SIMILAR_INCOME_FACTOR`` times the
    country's. The GCI is a different instrument; the ``instrument`` column says
    which row is which and ``PEER_CAVEAT`` must be shown with it.

    Args:
        country_code: ISO 3166-1 alpha-2 code.
        overall_score: the workbench overall score (0-100), or None.
        reference: the table of ``load_gci_reference`` (the shipped one when None).

    Returns:
        Rows: the workbench score, the country's own GCI 2020 score (when it is a
        member), then peers by GCI score, highest first. Columns: iso2, name,
        commonwealth_region, gdp_per_capita_usd, score, instrument, is_country,
        same_region, similar_income. Only the workbench row when the country is
        not a Commonwealth member.
    """
    ref = load_gci_reference() if reference is None else reference
    if "gdp_per_capita_usd" not in ref.columns:
        ref = ref.assign(gdp_per_capita_usd=ref["gdp_usd"] / ref["population"])
    own = ref.loc[ref["iso2"] == country_code]
    name = own["name"].iloc[0] if not own.empty else country_code
    region = own["commonwealth_region"].iloc[0] if not own.empty else None
    gdppc = float(own["gdp_per_capita_usd"].iloc[0]) if not own.empty else math.nan
    workbench_row = pd.DataFrame({
        "iso2": [country_code], "name": [name], "commonwealth_region": [region],
        "gdp_per_capita_usd": [gdppc],
        "score": [math.nan if overall_score is None else float(overall_score)],
        "instrument": [WORKBENCH_INSTRUMENT], "is_country": [True],
        "same_region": [True], "similar_income": [True],
    })
    columns = list(workbench_row.columns)
    if own.empty:
        return workbench_row.astype({"same_region": bool, "similar_income": bool})
    ratio = ref["gdp_per_capita_usd"] / gdppc
    marked = ref.assign(
        score=ref["gci2020_score"].astype("float64"),
        instrument=GCI_INSTRUMENT,
        is_country=ref["iso2"] == country_code,
        same_region=ref["commonwealth_region"] == region,
        similar_income=(ratio >= 1 / SIMILAR_INCOME_FACTOR) & (ratio <= SIMILAR_INCOME_FACTOR),
    )
    own_gci = marked.loc[marked["is_country"]]
    peers = marked.loc[~marked["is_country"] & (marked["same_region"] | marked["similar_income"])]
    peers = peers.sort_values(["score", "iso2"], ascending=[False, True], kind="stable")
    out = pd.concat([workbench_row, own_gci[columns], peers[columns]], ignore_index=True)
    return out.astype({"is_country": bool, "same_region": bool, "similar_income": bool})


def peer_summary(peers: pd.DataFrame) -> PeerBenchmark:
    """The ``peer_benchmark`` block of the gaps summary (medians of each peer group)."""
    workbench = peers.loc[peers["instrument"] == WORKBENCH_INSTRUMENT].iloc[0]
    gci = peers.loc[peers["instrument"] == GCI_INSTRUMENT]
    own = gci.loc[gci["is_country"]]
    others = gci.loc[~gci["is_country"]]
    region_peers = others.loc[others["same_region"]]
    income_peers = others.loc[others["similar_income"]]
    return {
        "caveat": PEER_CAVEAT,
        "instrument": GCI_INSTRUMENT,
        "similar_income_rule": (
            f"GDP per capita (World Bank GDP / population) between 1/{SIMILAR_INCOME_FACTOR:g} "
            f"and {SIMILAR_INCOME_FACTOR:g} times the country's"
        ),
        "commonwealth_member": not own.empty,
        "commonwealth_region": workbench["commonwealth_region"],
        "workbench_overall_score": _num(workbench["score"]),
        "country_gci2020": _num(own["score"].iloc[0]) if not own.empty else None,
        "region_peers": int(len(region_peers)),
        "region_median_gci2020": _num(region_peers["score"].median()) if len(region_peers) else None,
        "income_peers": int(len(income_peers)),
        "income_median_gci2020": _num(income_peers["score"].median()) if len(income_peers) else None,
        "peers": [
            {"iso2": r.iso2, "gci2020": _num(r.score), "same_region": bool(r.same_region),
             "similar_income": bool(r.similar_income)}
            for r in others.itertuples(index=False)
        ],
    }


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class GapResult:
    """Everything the gap analysis produces: the published block and frames for views."""

    summary: GapsSummary
    pairs: pd.DataFrame
    indicator_scores: pd.DataFrame
    pillar_scores: pd.DataFrame
    top_gaps: pd.DataFrame
    by_entity_type: pd.DataFrame
    by_cni_sector: pd.DataFrame
    crosswalk: pd.DataFrame
    peers: pd.DataFrame | None = None
    assessed_period: str = ""
    framework_title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    levels: Levels = DEFAULT_LEVELS


def _num(value: Any, decimals: int = SCORE_DECIMALS) -> float | None:
    """A JSON-safe rounded float (None for missing)."""
    if value is None or pd.isna(value):
        return None
    return round(float(value), decimals)


def _assessed_period(pairs: pd.DataFrame, assessment: pd.DataFrame) -> tuple[str, str | None, str | None]:
    """The span of ``assessed_on`` over the assessed pairs, in words and ISO dates."""
    if "assessed_on" not in assessment.columns:
        return _("assessment dates not recorded"), None, None
    done = pairs.loc[pairs["assessed"], ["entity_id", "indicator_id"]]
    dates = done.merge(assessment[["entity_id", "indicator_id", "assessed_on"]],
                       on=["entity_id", "indicator_id"], how="left")["assessed_on"]
    dates = pd.to_datetime(dates, errors="coerce").dropna()
    if dates.empty:
        return _("assessment dates not recorded"), None, None
    first, last = dates.min(), dates.max()
    words = _("assessed {start} to {end}").format(start=format_date(first.date()),
                                                  end=format_date(last.date()))
    return words, first.date().isoformat(), last.date().isoformat()


def analyse_gaps(
    framework: Framework,
    entities: pd.DataFrame,
    assessment: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    top_n: int = TOP_N,
    country: str | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
) -> GapResult:
    """Run the gap analysis of METHODS.md section 2.

    Args:
        framework: the assessment framework.
        entities: valid rows of entities.csv.
        assessment: valid rows of capability_assessment.csv.
        targets: valid rows of targets.csv, or None for the framework's targets.
        top_n: how many gaps ``top_gaps`` lists.
        country: ISO code; when given, the summary gains a ``peer_benchmark``
            block (ITU GCI 2020 scores of Commonwealth peers, a different instrument).
        min_coverage: the coverage rule's share of a pillar's expected pairs that
            must be assessed for its score to be published.

    Returns:
        GapResult whose ``summary`` is the ``gaps`` block of summary.json.
    """
    levels = framework.levels
    pairs = assessment_pairs(framework, entities, assessment, targets)
    scores = score_tables(pairs, levels=levels)
    pillars_meta = framework.pillars_frame().rename(columns={"title": "pillar_title", "weight": "pillar_weight"})
    counts_by_pillar = pairs.groupby("pillar_id", as_index=False).agg(
        indicators=("indicator_id", "nunique"), expected=("assessed", "size"), assessed=("assessed", "sum")
    )
    pillar_scores = (
        pillars_meta.merge(counts_by_pillar, on="pillar_id", how="left")
        .merge(scores.pillars.drop(columns=["pillar_weight"]), on="pillar_id", how="left")
    )
    pillar_scores["indicators"] = pillar_scores["indicators"].fillna(0).astype("int64")
    pillar_scores["expected"] = pillar_scores["expected"].fillna(0).astype("int64")
    pillar_scores["assessed"] = pillar_scores["assessed"].fillna(0).astype("int64")
    pillar_scores["indicators_scored"] = pillar_scores["indicators_scored"].fillna(0).astype("int64")
    pillar_scores["coverage"] = (pillar_scores["assessed"] / pillar_scores["expected"].where(pillar_scores["expected"] > 0))
    withheld = _coverage_rule(pillar_scores, min_coverage)

    ind_meta = _framework_indicators(framework).drop(columns=["_indicator_order"])
    ind_counts = pairs.groupby("indicator_id", as_index=False).agg(
        entities_expected=("entity_id", "size"), gaps_open=("gap", lambda g: int((g.fillna(0) > 0).sum()))
    )
    indicator_scores = ind_meta.merge(ind_counts, on="indicator_id", how="left").merge(
        scores.indicators[["indicator_id", "entities_assessed", "score", "target_score"]],
        on="indicator_id", how="left",
    )
    indicator_scores["entities_expected"] = indicator_scores["entities_expected"].fillna(0).astype("int64")
    indicator_scores["entities_assessed"] = indicator_scores["entities_assessed"].fillna(0).astype("int64")
    indicator_scores["gaps_open"] = indicator_scores["gaps_open"].fillna(0).astype("int64")

    overall, target_overall = _published_overall(pillar_scores, withheld)
    expected, assessed = len(pairs), int(pairs["assessed"].sum())
    coverage = assessed / expected if expected else math.nan
    top = rank_gaps(pairs, top_n)
    by_type = entity_type_view(pairs, levels)
    by_sector = cni_sector_view(pairs, levels)
    crosswalk = crosswalk_scores(framework, scores.indicators)
    period_words, period_from, period_to = _assessed_period(pairs, assessment)

    summary: GapsSummary = {
        "framework": framework.id,
        "framework_title": framework.title,
        "levels": {"min": levels.min, "max": levels.max,
                   "names": {str(k): v for k, v in levels.names.items()}},
        "pillars": {p.id: p.title for p in framework.pillars},
        "names": _names_in_language(framework, levels, top),
        "pillar_scores": {r.pillar_id: _num(r.score) for r in pillar_scores.itertuples()},
        "overall_score": _num(overall),
        "coverage": _num(coverage, 4),
        "min_coverage": min_coverage,
        "withheld": withheld,
        "top_gaps": [
            {"entity_id": r.entity_id, "indicator_id": r.indicator_id, "level": int(r.level),
             "target": int(r.target), "gap": int(r.gap),
             "priority": _num(r.priority, PRIORITY_DECIMALS),
             "indicator_title": str(r.indicator_title), "pillar_id": str(r.pillar_id)}
            for r in top.itertuples()
        ],
        "target_pillar_scores": {r.pillar_id: _num(r.target_score) for r in pillar_scores.itertuples()},
        "target_overall_score": _num(target_overall),
        "expected_pairs": expected,
        "assessed_pairs": assessed,
        "open_gaps": int((pairs["gap"].fillna(0) > 0).sum()),
        "assessed_from": period_from,
        "assessed_to": period_to,
        "indicator_scores": {
            r.indicator_id: {"score": _num(r.score, 3), "target_score": _num(r.target_score, 3),
                             "entities_assessed": int(r.entities_assessed),
                             "entities_expected": int(r.entities_expected)}
            for r in indicator_scores.itertuples()
        },
        "by_entity_type": _group_block(by_type, "entity_type"),
        "by_cni_sector": _group_block(by_sector, "sector"),
        "crosswalk_scores": {
            scheme: {r.group: _num(r.score) for r in part.itertuples()}
            for scheme, part in crosswalk.groupby("scheme", sort=True)
        },
    }
    peers = None
    if country is not None:
        peers = peer_benchmark(country, None if pd.isna(overall) else float(overall))
        summary["peer_benchmark"] = peer_summary(peers)
    return GapResult(
        summary=summary,
        pairs=pairs,
        indicator_scores=indicator_scores,
        pillar_scores=pillar_scores,
        top_gaps=top,
        by_entity_type=by_type,
        by_cni_sector=by_sector,
        crosswalk=crosswalk,
        peers=peers,
        assessed_period=period_words,
        framework_title=framework.local_title,
        levels=levels,
    )


def _coverage_rule(pillar_scores: pd.DataFrame, min_coverage: float) -> dict[str, dict[str, Any]]:
    """Withhold the scores of pillars assessed below ``min_coverage`` (in place: their
    score and target_score become NaN); what was withheld, with the coverage found."""
    low = pillar_scores["score"].notna() & ~(pillar_scores["coverage"] >= min_coverage)
    withheld = {
        str(r.pillar_id): {"coverage": _num(r.coverage, 4), "needed": min_coverage,
                           "score_unpublished": _num(r.score)}
        for r in pillar_scores.loc[low].itertuples()
    }
    pillar_scores.loc[low, ["score", "target_score"]] = np.nan
    pillar_scores["withheld"] = low
    return withheld


def _published_overall(pillar_scores: pd.DataFrame,
                       withheld: dict[str, dict[str, Any]]) -> tuple[float, float]:
    """The overall score and its target over the published pillars, or NaN (and an
    ``overall`` entry in ``withheld``) when they carry too little of the pillar weight."""
    published = pillar_scores.loc[pillar_scores["score"].notna()]
    weight = published["pillar_weight"].sum()
    share = weight / pillar_scores["pillar_weight"].sum() if len(pillar_scores) else 0.0
    if not published.empty and share >= OVERALL_MIN_PILLAR_WEIGHT - 1e-12:
        return ((published["pillar_weight"] * published["score"]).sum() / weight,
                (published["pillar_weight"] * published["target_score"]).sum() / weight)
    withheld["overall"] = {"published_pillar_weight": _num(share, 4),
                           "needed": OVERALL_MIN_PILLAR_WEIGHT}
    return math.nan, math.nan


def _group_block(view: pd.DataFrame, key: str) -> dict[str, GroupScore]:
    """summary.json form of a group view."""
    if view.empty:
        return {}
    return {
        str(r[key]): {
            "entities": int(r["entities"]), "expected_pairs": int(r["expected"]),
            "assessed_pairs": int(r["assessed"]), "coverage": _num(r["coverage"], 4),
            "open_gaps": int(r["gaps_open"]), "overall_score": _num(r["overall_score"]),
            "target_score": _num(r["target_score"]),
        }
        for _index, r in view.iterrows()
    }


# --------------------------------------------------------------------------- views


def level_label(values: pd.Series, levels: Levels = DEFAULT_LEVELS) -> pd.Series:
    """``3`` -> ``"3 established"`` (the level's name on the framework's scale, the
    number alone when it has none); missing -> ``"not assessed"``."""
    def words(value: Any) -> str:
        if pd.isna(value):
            return _("not assessed")
        name = levels.local_names.get(int(value))
        return f"{int(value)} {name}" if name else str(int(value))

    return values.map(words).astype("str")


def _whole_or_blank(values: pd.Series) -> pd.Series:
    """``3.0`` -> ``"3"``; missing -> ``""``."""
    return values.map(lambda v: "" if pd.isna(v) else str(int(v))).astype("str")


def _indicator_words(ids: pd.Series, titles: pd.Series) -> pd.Series:
    """``LEG-01 Substantive cybercrime legislation``; a title that already starts with
    its id (an imported node without a name: ``GV.OC-01: The organizational ...``) is
    shown as it is."""
    ids, titles = ids.astype("str"), titles.astype("str")
    prefixed = pd.Series([t.startswith(i) for i, t in zip(ids, titles)], index=titles.index)
    return titles.where(prefixed, ids + " " + titles).astype("str")


def evidence_view(pairs: pd.DataFrame, entity_id: str | None = None, *,
                  levels: Levels = DEFAULT_LEVELS) -> pd.DataFrame:
    """Readable rows of pairs with the evidence beside the level (raw text: render
    with ``notebook.table_html`` or ``escaped``, which escape it).

    Args:
        pairs: rows of ``assessment_pairs`` (or of ``rank_gaps``).
        entity_id: keep one entity only.
        levels: the framework's level scale (column titles, level names).
    """
    scale = f"({levels.min}-{levels.max})"
    rows = pairs if entity_id is None else pairs.loc[pairs["entity_id"] == entity_id]
    view = pd.DataFrame({
        _("Entity"): rows["entity_name"].astype("str"),
        _("Indicator"): _indicator_words(rows["indicator_id"], rows["indicator_title"]),
        _("Level {scale}").format(scale=scale): level_label(rows["level"], levels),
        # Whole numbers as text: a missing one (no target, not assessed) shows blank,
        # where an Int64 column would print "<NA>".
        _("Target {scale}").format(scale=scale): _whole_or_blank(rows["target"]),
        _("Gap (levels)"): _whole_or_blank(rows["gap"]),
        _("Evidence"): rows["evidence"].astype("str"),
    })
    if "rank" in rows.columns:
        view.insert(0, _("Rank"), rows["rank"].to_numpy())
        view.insert(5, _("Closing it adds (score points)"), rows["priority"].round(2).to_numpy())
    return view.reset_index(drop=True)


def framework_description(result: GapResult) -> str:
    """What the assessment was made on, in plain words from the framework itself:
    its pillars, its levels and what a score of 100 means."""
    levels = result.levels
    pillars = result.pillar_scores["pillar_title"].astype(str).tolist()
    indicators = len(result.indicator_scores)
    named = ", ".join(pillars[:8]) + (
        _(" and {count} more").format(count=len(pillars) - 8) if len(pillars) > 8 else "")

    def level(value: int) -> str:
        name = levels.local_names.get(value)
        return f"{value} ({name})" if name else str(value)

    counted = (ngettext("{count} indicator", "{count} indicators", indicators)
               .format(count=indicators) + " "
               + ngettext("in {count} pillar", "in {count} pillars", len(pillars))
               .format(count=len(pillars)))
    return _(
        "Assessed on {framework}: {counted} ({named}). Each indicator gets a level from "
        "{lowest} to {highest} and has a target level; a gap is how many levels an "
        "organisation is below its target. Scores run from 0 to 100: 100 means every "
        "assessed indicator is at the top level, {highest}; 0 that every one is at {lowest}."
    ).format(framework=result.framework_title, counted=counted, named=named,
             lowest=level(levels.min), highest=level(levels.max))


def withheld_notes(result: GapResult) -> list[str]:
    """One sentence per score the coverage rule withholds (empty when none is)."""
    withheld = result.summary.get("withheld", {})
    titles = dict(zip(result.pillar_scores["pillar_id"].astype(str),
                      result.pillar_scores["pillar_title"].astype(str)))
    notes = [
        _("The {pillar} score is withheld: {share} of its expected checks were assessed, "
          "and a score needs at least {needed}.").format(
            pillar=titles.get(pillar, pillar), share=format_pct(entry["coverage"] or 0, 0),
            needed=format_pct(entry["needed"], 0))
        for pillar, entry in withheld.items() if pillar != "overall"
    ]
    if "overall" in withheld:
        entry = withheld["overall"]
        notes.append(
            _("The overall score is withheld: the pillars with a published score carry "
              "{share} of the pillar weight, and it needs at least {needed}.").format(
                share=format_pct(entry["published_pillar_weight"] or 0, 0),
                needed=format_pct(entry["needed"], 0)))
    return notes


def headline_table(result: GapResult) -> pd.DataFrame:
    """The gap analysis in five lines, in plain words (for the top of the page)."""
    s = result.summary

    withheld = s.get("withheld", {})

    def score(value: float | None) -> str:
        if value is None and "overall" in withheld:
            return _("withheld (too little assessed)")
        if value is None:
            return _("not assessed")
        return _("{score} of 100").format(score=format_number(value, 1))

    coverage = _("none expected") if s["coverage"] is None else (
        _("{share} ({assessed} of {expected} checks)").format(
            share=format_pct(s["coverage"], 0), assessed=s["assessed_pairs"],
            expected=s["expected_pairs"]))
    lowest, highest = result.levels.min, result.levels.max
    level_range = format_range(lowest, highest, str)
    if result.levels.names:
        level_range += " ({})".format(format_range(
            lowest, highest, lambda v: result.levels.name(int(v or 0))))
    rows = [
        (_("Overall capability score now"), score(s["overall_score"])),
        (_("Score if every assessed check met its target"), score(s["target_overall_score"])),
        (_("Share of expected checks assessed"), coverage),
        (_("Checks below target"), str(s["open_gaps"])),
        (_("Framework"), result.framework_title),
        (_("Levels"), level_range),
    ]
    return pd.DataFrame(rows, columns=[_("Measure"), _("Value")], dtype="str")


def group_words(value: str) -> str:
    """An entity type or sector code as a reader writes it, in the page's language."""
    words = {  # spelled out so that the catalogue's extraction finds each one
        "national": _("National (the country as a whole)"),
        "government": _("Government departments"),
        "cni_operator": _("CNI operators"),
        "ict": _("ICT"),
    }
    return words.get(value) or vocab.sector_words(value)


def group_display(view: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    """A group view with plain column names for a table."""
    if view.empty:
        return pd.DataFrame(columns=[label])

    def score(value: float) -> str:
        return _("not assessed") if pd.isna(value) else format_number(value, 1)

    label = {"Entity type": _("Entity type"), "Sector": _("Sector")}.get(label, label)
    return pd.DataFrame({
        label: view[key].astype("str").map(group_words),
        _("Entities"): view["entities"],
        _("Checks expected"): view["expected"],
        _("Checks assessed"): view["assessed"],
        _("Coverage"): view["coverage"].map(lambda v: "" if pd.isna(v) else format_pct(v, 0)),
        _("Open gaps"): view["gaps_open"],
        _("Score now (0-100)"): view["overall_score"].map(score),
        _("Target score (0-100)"): view["target_score"].map(score),
    })
