"""Gap analysis (METHODS.md section 2) on small frames whose figures are worked out by hand.

The hand example (framework tests/fixtures/frameworks/mini_csf.yaml):

pillars: protect (weight 0.6), respond (0.4)
indicators: PR-N1 national w1, PR-O1 organisation w2 (protect);
            RS-N1 national w1, RS-O1 organisation w1 (respond)

entity    type          crit  PR-N1/PR-O1 level->target  RS-N1/RS-O1 level->target
NATIONAL  national      5     2 -> 4 (framework)         3 -> 3 (framework)
GOV1      government    2     1 -> 3 (framework)         blank -> 4 (GOV1 override)
CNI1      cni_operator  5     2 -> 5 (type override)     1 -> 3 (framework)
CNI2      cni_operator  3     4 -> 3 (CNI2 beats type)   no row -> 3
CNI3      cni_operator  1     0 -> 5 (type override)     2 -> 3
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from workbench import framework_doc, gaps, gaps_charts, notebook, paths, stages
from workbench.framework import Framework, Levels, load_framework
from workbench.loading import load_country

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "frameworks" / "mini_csf.yaml"

SHIPPED_IDS = [
    "LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05",
    "TEC-01", "TEC-02", "TEC-10", "TEC-11", "TEC-12", "TEC-13", "TEC-14", "TEC-15", "TEC-16",
    "ORG-01", "ORG-02", "ORG-03", "ORG-10",
    "CAP-01", "CAP-02", "CAP-03", "CAP-04", "CAP-10", "CAP-11",
    "COO-01", "COO-02", "COO-03", "COO-10",
]


# --------------------------------------------------------------------------- fixtures


def _entities() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_id": pd.array(["NATIONAL", "GOV1", "CNI1", "CNI2", "CNI3"], dtype="str"),
        "name": pd.array(["Testland", "Ministry <b>of</b> Finance", "Grid Co", "Water Co", "Small Grid"],
                         dtype="str"),
        "entity_type": pd.array(["national", "government", "cni_operator", "cni_operator", "cni_operator"],
                                dtype="str"),
        "sector": pd.array([None, "public_administration", "energy", "water", "energy"], dtype="str"),
        "criticality": pd.array([5, 2, 5, 3, 1], dtype="Int64"),
    })


def _assessment() -> pd.DataFrame:
    rows = [
        ("NATIONAL", "PR-N1", 2, "Act of 2019", "2025-02-03"),
        ("NATIONAL", "RS-N1", 3, "CIRT running", "2025-02-03"),
        ("GOV1", "PR-O1", 1, "<script>alert(1)</script>", "2025-02-10"),
        ("GOV1", "RS-O1", None, "workshop postponed", None),
        ("CNI1", "PR-O1", 2, "", "2025-03-01"),
        ("CNI1", "RS-O1", 1, None, "2025-03-01"),
        ("CNI2", "PR-O1", 4, "ISO 27001 certified", "2025-03-15"),
        ("CNI3", "PR-O1", 0, None, "2025-03-20"),
        ("CNI3", "RS-O1", 2, None, "2025-03-20"),
    ]
    frame = pd.DataFrame(rows, columns=["entity_id", "indicator_id", "level", "evidence", "assessed_on"])
    return frame.astype({"entity_id": "str", "indicator_id": "str", "level": "Int64", "evidence": "str",
                         "assessed_on": "datetime64[ns]"})


def _targets() -> pd.DataFrame:
    return pd.DataFrame({
        "applies_to": pd.array(["cni_operator", "CNI2", "GOV1"], dtype="str"),
        "indicator_id": pd.array(["PR-O1", "PR-O1", "RS-O1"], dtype="str"),
        "target": pd.array([5, 3, 4], dtype="Int64"),
    })


@pytest.fixture(scope="module")
def mini() -> Framework:
    return load_framework(MINI)


@pytest.fixture(scope="module")
def result(mini: Framework) -> gaps.GapResult:
    return gaps.analyse_gaps(mini, _entities(), _assessment(), _targets())


def _pair(pairs: pd.DataFrame, entity: str, indicator: str) -> pd.Series:
    hit = pairs[(pairs["entity_id"] == entity) & (pairs["indicator_id"] == indicator)]
    assert len(hit) == 1
    return hit.iloc[0]


# --------------------------------------------------------------------------- pairs


def test_pairs_columns_and_types(mini):
    pairs = gaps.assessment_pairs(mini, _entities(), _assessment(), _targets())
    assert list(pairs.columns) == [
        "entity_id", "entity_name", "entity_type", "sector", "criticality", "indicator_id",
        "indicator_title", "pillar_id", "scope", "indicator_weight", "pillar_weight", "level",
        "target", "gap", "priority", "evidence", "assessed",
    ]
    assert str(pairs["level"].dtype) == "Int64"
    assert str(pairs["target"].dtype) == "Int64"
    assert str(pairs["gap"].dtype) == "Int64"
    assert pairs["priority"].dtype == "float64"
    assert pairs["assessed"].dtype == bool
    assert pd.api.types.is_string_dtype(pairs["evidence"])


def test_expected_pairs_follow_scope(mini):
    pairs = gaps.assessment_pairs(mini, _entities(), _assessment(), _targets())
    # 2 national indicators for NATIONAL + 2 organisation indicators x 4 organisations
    assert len(pairs) == 2 + 2 * 4
    national = pairs[pairs["entity_id"] == "NATIONAL"]
    assert sorted(national["indicator_id"]) == ["PR-N1", "RS-N1"]
    orgs = pairs[pairs["entity_id"] != "NATIONAL"]
    assert set(orgs["indicator_id"]) == {"PR-O1", "RS-O1"}
    # NATIONAL comes first, indicators in framework order
    assert pairs["entity_id"].iloc[0] == "NATIONAL"
    assert list(pairs["indicator_id"].iloc[:2]) == ["PR-N1", "RS-N1"]


def test_target_resolution_entity_beats_type_beats_framework(mini):
    pairs = gaps.assessment_pairs(mini, _entities(), _assessment(), _targets())
    expected = {
        ("NATIONAL", "PR-N1"): 4,  # framework national
        ("GOV1", "PR-O1"): 3,  # framework government
        ("GOV1", "RS-O1"): 4,  # entity override
        ("CNI1", "PR-O1"): 5,  # type override
        ("CNI2", "PR-O1"): 3,  # entity override beats type override 5
        ("CNI3", "PR-O1"): 5,  # type override
        ("CNI3", "RS-O1"): 3,  # framework cni_operator
    }
    for (entity, indicator), target in expected.items():
        assert _pair(pairs, entity, indicator)["target"] == target, (entity, indicator)


def test_without_targets_framework_targets_stand(mini):
    for none_like in (None, _targets().iloc[0:0]):
        pairs = gaps.assessment_pairs(mini, _entities(), _assessment(), none_like)
        assert _pair(pairs, "CNI2", "PR-O1")["target"] == 4
        assert _pair(pairs, "GOV1", "RS-O1")["target"] == 2


def test_gaps_and_unassessed_pairs(mini):
    pairs = gaps.assessment_pairs(mini, _entities(), _assessment(), _targets())
    assert _pair(pairs, "NATIONAL", "PR-N1")["gap"] == 2
    assert _pair(pairs, "NATIONAL", "RS-N1")["gap"] == 0
    assert _pair(pairs, "CNI1", "PR-O1")["gap"] == 3
    assert _pair(pairs, "CNI2", "PR-O1")["gap"] == 0  # level 4 above target 3: no negative gap
    assert _pair(pairs, "CNI3", "PR-O1")["gap"] == 5
    # blank level and missing row: not assessed, no gap, no priority, never read as 0
    for entity in ("GOV1", "CNI2"):
        row = _pair(pairs, entity, "RS-O1")
        assert not row["assessed"]
        assert pd.isna(row["level"]) and pd.isna(row["gap"]) and math.isnan(row["priority"])
    assert _pair(pairs, "GOV1", "RS-O1")["evidence"] == "workshop postponed"
    assert _pair(pairs, "CNI2", "RS-O1")["evidence"] == ""
    assert _pair(pairs, "CNI3", "PR-O1")["assessed"]  # level 0 is assessed


def test_priorities(mini):
    pairs = gaps.assessment_pairs(mini, _entities(), _assessment(), _targets())
    # priority = v * gap, v = 100/(5-0) * pillar share * indicator share * criticality share:
    # protect 0.6 (PR-N1 1/3, PR-O1 2/3; PR-O1 criticality 2+5+3+1 = 11 assessed),
    # respond 0.4 (RS-N1 1/2, RS-O1 1/2; RS-O1 criticality 5+1 = 6 assessed).
    assert _pair(pairs, "NATIONAL", "PR-N1")["priority"] == pytest.approx(20 * 0.6 / 3 * 2)
    assert _pair(pairs, "GOV1", "PR-O1")["priority"] == pytest.approx(8 * 2 / 11 * 2)
    assert _pair(pairs, "CNI1", "PR-O1")["priority"] == pytest.approx(8 * 5 / 11 * 3)
    assert _pair(pairs, "CNI1", "RS-O1")["priority"] == pytest.approx(4 * 5 / 6 * 2)
    assert _pair(pairs, "CNI3", "RS-O1")["priority"] == pytest.approx(4 * 1 / 6 * 1)


def test_inputs_not_mutated(mini):
    entities, assessment, targets = _entities(), _assessment(), _targets()
    copies = (entities.copy(), assessment.copy(), targets.copy())
    gaps.analyse_gaps(mini, entities, assessment, targets)
    for before, after in zip(copies, (entities, assessment, targets)):
        pd.testing.assert_frame_equal(before, after)


def test_repeated_assessment_or_entity_is_refused(mini):
    doubled = pd.concat([_assessment(), _assessment().iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="NATIONAL, PR-N1"):
        gaps.assessment_pairs(mini, _entities(), doubled)
    with pytest.raises(ValueError, match="entities"):
        gaps.assessment_pairs(mini, pd.concat([_entities(), _entities().iloc[[1]]]), _assessment())


# --------------------------------------------------------------------------- scores


def test_coverage(result):
    # 8 assessed of 10 expected (GOV1 RS-O1 blank, CNI2 RS-O1 missing)
    assert result.summary["expected_pairs"] == 10
    assert result.summary["assessed_pairs"] == 8
    assert result.summary["coverage"] == 0.8


def test_indicator_scores_are_criticality_weighted(result):
    scores = result.indicator_scores.set_index("indicator_id")
    assert scores.loc["PR-N1", "score"] == pytest.approx(2)
    assert scores.loc["RS-N1", "score"] == pytest.approx(3)
    # PR-O1: (2*1 + 5*2 + 3*4 + 1*0) / (2+5+3+1) = 24/11
    assert scores.loc["PR-O1", "score"] == pytest.approx(24 / 11)
    # RS-O1: only CNI1 (5, level 1) and CNI3 (1, level 2) assessed: 7/6
    assert scores.loc["RS-O1", "score"] == pytest.approx(7 / 6)
    assert scores.loc["RS-O1", "entities_assessed"] == 2
    assert scores.loc["RS-O1", "entities_expected"] == 4
    # targets over the same assessed pairs: (2*3 + 5*5 + 3*3 + 1*5)/11
    assert scores.loc["PR-O1", "target_score"] == pytest.approx(45 / 11)


def test_pillar_and_overall_scores(result):
    protect = 100 * (1.0 * 2 / 5 + 2.0 * (24 / 11) / 5) / 3.0  # 42.4242...
    respond = 100 * (1.0 * 3 / 5 + 1.0 * (7 / 6) / 5) / 2.0  # 41.6667
    overall = (0.6 * protect + 0.4 * respond) / 1.0  # 1390/33
    assert protect == pytest.approx(1400 / 33)
    assert overall == pytest.approx(1390 / 33)
    assert result.summary["pillar_scores"] == {"protect": round(protect, 2), "respond": round(respond, 2)}
    assert result.summary["overall_score"] == round(overall, 2)
    target_protect = 100 * (4 / 5 + 2 * (45 / 11) / 5) / 3
    assert result.summary["target_pillar_scores"]["protect"] == round(target_protect, 2)
    assert result.summary["target_pillar_scores"]["respond"] == 60.0


def test_overall_is_withheld_when_the_published_pillars_carry_too_little_weight(mini):
    # Only protect (weight 0.6 of 1.0) assessed: below the 80% the coverage rule asks.
    assessment = _assessment()
    assessment = assessment[assessment["indicator_id"].str.startswith("PR")]
    res = gaps.analyse_gaps(mini, _entities(), assessment, _targets())
    assert res.summary["pillar_scores"] == {"protect": round(1400 / 33, 2), "respond": None}
    assert res.summary["overall_score"] is None
    assert res.summary["target_overall_score"] is None
    assert res.summary["withheld"] == {"overall": {"published_pillar_weight": 0.6, "needed": 0.8}}


def test_a_pillar_assessed_below_min_coverage_is_withheld_with_the_coverage_found(mini):
    # respond: 3 of 5 expected pairs assessed (0.6). With min_coverage 0.7 it is
    # withheld; protect (5 of 5) carries 0.6 of the weight, so the overall goes too.
    res = gaps.analyse_gaps(mini, _entities(), _assessment(), _targets(), min_coverage=0.7)
    respond = 100 * (1.0 * 3 / 5 + 1.0 * (7 / 6) / 5) / 2.0
    assert res.summary["pillar_scores"]["respond"] is None
    assert res.summary["withheld"] == {
        "respond": {"coverage": 0.6, "needed": 0.7, "score_unpublished": round(respond, 2)},
        "overall": {"published_pillar_weight": 0.6, "needed": 0.8}}
    assert res.summary["min_coverage"] == 0.7
    # At the default 0.5 nothing is withheld and the two overall scores agree.
    assert gaps.analyse_gaps(mini, _entities(), _assessment(), _targets()).summary["withheld"] == {}


def test_scores_on_a_one_to_four_scale_by_hand(mini):
    # The same assessment on a framework whose levels run 1-4 (levels clipped to it):
    # u = (level - 1) / 3.
    tiers = mini.model_copy(update={"levels": Levels(min=1, max=4, names={1: "Partial", 4: "Adaptive"})})
    assessment = _assessment()
    assessment["level"] = assessment["level"].clip(lower=1, upper=4)
    targets = _targets().assign(target=lambda t: t["target"].clip(upper=4))
    res = gaps.analyse_gaps(tiers, _entities(), assessment, targets)
    # PR-N1 level 2; PR-O1 (2*1 + 5*2 + 3*4 + 1*1) / 11 = 25/11; weights 1 and 2.
    protect = 100 * (1 * (2 - 1) / 3 + 2 * (25 / 11 - 1) / 3) / 3
    # RS-N1 level 3; RS-O1 (5*1 + 1*2) / 6 = 7/6.
    respond = 100 * ((3 - 1) / 3 + (7 / 6 - 1) / 3) / 2
    assert res.summary["pillar_scores"] == {"protect": round(protect, 2), "respond": round(respond, 2)}
    assert res.summary["overall_score"] == round(0.6 * protect + 0.4 * respond, 2)
    assert res.summary["levels"] == {"min": 1, "max": 4, "names": {"1": "Partial", "4": "Adaptive"}}
    # A top-level assessment scores 100; the bottom of the scale 0.
    top = assessment.assign(level=4)
    assert gaps.analyse_gaps(tiers, _entities(), top, targets).summary["overall_score"] == 100.0
    bottom = assessment.assign(level=1)
    assert gaps.analyse_gaps(tiers, _entities(), bottom, targets).summary["overall_score"] == 0.0
    view = gaps.evidence_view(res.pairs, levels=tiers.levels)
    assert "Level (1-4)" in view.columns and "Target (1-4)" in view.columns
    assert set(view["Level (1-4)"]) >= {"1 Partial", "2", "4 Adaptive", "not assessed"}


def test_the_summary_names_the_framework_its_pillars_and_levels(result):
    assert result.summary["framework"] == "mini_csf"
    assert result.summary["framework_title"] == "Mini CSF profile"
    assert result.summary["pillars"] == {"protect": "Protect", "respond": "Respond"}
    assert result.summary["levels"]["min"] == 0 and result.summary["levels"]["names"]["3"] == "established"


def test_nothing_assessed(mini):
    empty = _assessment().iloc[0:0]
    res = gaps.analyse_gaps(mini, _entities(), empty)
    assert res.summary["coverage"] == 0.0
    assert res.summary["overall_score"] is None
    assert res.summary["top_gaps"] == []
    assert all(v is None for v in res.summary["pillar_scores"].values())


def test_top_gaps_order_by_score_points(result):
    top = result.summary["top_gaps"]
    # The overall-score points closing each gap adds (v * gap, worked out above).
    assert [(g["entity_id"], g["indicator_id"]) for g in top] == [
        ("CNI1", "PR-O1"),  # 8 * 5/11 * 3 = 10.91
        ("NATIONAL", "PR-N1"),  # 4 * 2 = 8
        ("CNI1", "RS-O1"),  # 4 * 5/6 * 2 = 6.67
        ("CNI3", "PR-O1"),  # 8 * 1/11 * 5 = 3.64
        ("GOV1", "PR-O1"),  # 8 * 2/11 * 2 = 2.91
        ("CNI3", "RS-O1"),  # 4 * 1/6 * 1 = 0.67
    ]
    assert top[0] == {"entity_id": "CNI1", "indicator_id": "PR-O1", "level": 2, "target": 5,
                      "gap": 3, "priority": round(120 / 11, 9), "pillar_id": "protect",
                      "indicator_title": "Data protected at rest and in transit"}
    # The words for the key findings, never an entity's name (the summary names none).
    assert all("entity_name" not in g for g in top)
    assert [g["priority"] for g in top] == pytest.approx(
        [120 / 11, 8.0, 20 / 3, 40 / 11, 32 / 11, 2 / 3])


def test_top_n_limits_and_ties_by_indicator(mini):
    res = gaps.analyse_gaps(mini, _entities(), _assessment(), _targets(), top_n=2)
    assert [(g["entity_id"], g["indicator_id"]) for g in res.summary["top_gaps"]] == [
        ("CNI1", "PR-O1"), ("NATIONAL", "PR-N1")]
    # same entity, same priority: indicator_id decides
    pairs = pd.DataFrame({
        "entity_id": ["E", "E"], "indicator_id": ["B-2", "A-1"], "gap": pd.array([1, 2], dtype="Int64"),
        "priority": [1.2, 1.2],
    })
    assert list(gaps.rank_gaps(pairs)["indicator_id"]) == ["A-1", "B-2"]


def test_views_by_entity_type_and_cni_sector(result):
    by_type = result.by_entity_type.set_index("entity_type")
    assert list(result.by_entity_type["entity_type"]) == ["national", "government", "cni_operator"]
    assert by_type.loc["government", "coverage"] == pytest.approx(0.5)
    assert by_type.loc["cni_operator", "assessed"] == 5
    # government: protect only, PR-O1 level 1 -> 20
    assert by_type.loc["government", "overall_score"] == pytest.approx(20.0)
    # cni: PR-O1 (5*2+3*4+1*0)/9 = 22/9, RS-O1 7/6; 0.6*100*(22/9)/5 + 0.4*100*(7/6)/5
    assert by_type.loc["cni_operator", "overall_score"] == pytest.approx(348 / 9)
    by_sector = result.by_cni_sector.set_index("sector")
    assert sorted(by_sector.index) == ["energy", "water"]
    # energy: CNI1 + CNI3; PR-O1 (5*2+1*0)/6 = 5/3, RS-O1 7/6
    assert by_sector.loc["energy", "overall_score"] == pytest.approx(0.6 * 100 * (5 / 3) / 5 + 0.4 * 100 * (7 / 6) / 5)
    assert by_sector.loc["water", "overall_score"] == pytest.approx(80.0)
    assert by_sector.loc["water", "coverage"] == pytest.approx(0.5)
    assert result.summary["by_cni_sector"]["water"]["open_gaps"] == 0
    assert result.summary["by_entity_type"]["national"]["open_gaps"] == 1


def test_crosswalk_scores(result):
    table = result.crosswalk.set_index("group")
    # shares: PR-N1 0.6*1/3, PR-O1 0.6*2/3, RS-N1 0.4*1/2, RS-O1 0.4*1/2
    pr = 100 / 5 * (0.2 * 2 + 0.4 * 24 / 11 + 0.2 * 7 / 6) / 0.8
    assert table.loc["PR", "score"] == pytest.approx(pr)
    assert table.loc["GV", "score"] == pytest.approx(60.0)
    assert table.loc["PR", "indicators"] == 3
    # the groups, weighted by their shares, average back to the overall score
    assert (table["share"] * table["score"]).sum() == pytest.approx(1390 / 33)
    assert result.summary["crosswalk_scores"] == {"nist_csf": {"GV": 60.0, "PR": round(pr, 2)}}
    assert gaps.crosswalk_group("D4.1") == "D4" and gaps.crosswalk_group("GV.OC") == "GV"


def test_assessed_period(result):
    assert result.summary["assessed_from"] == "2025-02-03"
    assert result.summary["assessed_to"] == "2025-03-20"
    assert result.assessed_period == "assessed 3 Feb 2025 to 20 Mar 2025"


def test_summary_is_json_safe(result):
    import json

    text = json.dumps(result.summary, allow_nan=False)
    assert "NaN" not in text


# --------------------------------------------------------------------------- escaping


def test_evidence_escaped_in_rendered_tables(result):
    view = gaps.evidence_view(result.pairs)
    row = view[view["Evidence"].str.contains("script")].iloc[0]
    assert row["Level (0-5)"] == "1 start-up"
    rendered = notebook.table_html(view)._repr_html_()
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<b>of</b>" not in rendered
    assert "not assessed" in rendered


def test_charts_escape_free_text(result):
    heat = gaps_charts.gap_heatmap(result)
    assert all("<b>" not in label for label in heat.data[0].y)
    evidence = heat.data[0].customdata[..., 2].ravel().tolist()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evidence


def test_heatmap_marks_unassessed_cells(result):
    heat = gaps_charts.gap_heatmap(result)
    gap_layer, grey_layer = heat.data[0], heat.data[1]
    rows = [str(y) for y in gap_layer.y]
    cols = list(gap_layer.x)
    r, c = next(i for i, y in enumerate(rows) if y.startswith("Water Co")), cols.index("RS-O1")
    assert math.isnan(gap_layer.z[r][c]) and grey_layer.z[r][c] == 1 and grey_layer.text[r][c] == "?"
    r_cni1 = next(i for i, y in enumerate(rows) if y.startswith("Grid Co"))
    assert gap_layer.z[r_cni1][cols.index("PR-O1")] == 3
    assert math.isnan(grey_layer.z[r_cni1][cols.index("PR-O1")])


def test_charts_build(result):
    peers = gaps.peer_benchmark("KE", result.summary["overall_score"])
    for fig in (gaps_charts.pillar_radar(result), gaps_charts.coverage_chart(result),
                gaps_charts.crosswalk_chart(result, "nist_csf"), gaps_charts.peer_chart(peers)):
        assert fig.layout.title.text
    assert "not the same scale" in gaps_charts.peer_chart(peers).layout.title.text


# --------------------------------------------------------------------------- peers


def _reference() -> pd.DataFrame:
    return pd.DataFrame({
        "iso2": ["AA", "BB", "CC", "DD", "EE", "FF"],
        "name": ["Aland", "Bland", "Cland", "Dland", "Eland", "Fland"],
        "commonwealth_region": ["X", "X", "Y", "Y", "Y", "Z"],
        "gci2020_score": [40.0, 90.0, 60.0, 70.0, 20.0, 10.0],
        "gdp_usd": [1000.0, 5000.0, 1900.0, 2100.0, 500.0, 3000.0],
        "population": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    })


def test_peer_benchmark_groups():
    peers = gaps.peer_benchmark("AA", 55.5, reference=_reference())
    assert peers.iloc[0]["instrument"] == gaps.WORKBENCH_INSTRUMENT and peers.iloc[0]["score"] == 55.5
    assert peers.iloc[1]["instrument"] == gaps.GCI_INSTRUMENT and peers.iloc[1]["score"] == 40.0
    others = peers.iloc[2:].set_index("iso2")
    # BB same region (5x richer); CC 1.9x and EE 0.5x similar income; DD 2.1x and FF out
    assert list(others.index) == ["BB", "CC", "EE"]  # highest GCI first
    assert others.loc["BB", "same_region"] and not others.loc["BB", "similar_income"]
    assert others.loc["CC", "similar_income"] and others.loc["EE", "similar_income"]
    block = gaps.peer_summary(peers)
    assert block["country_gci2020"] == 40.0
    assert block["region_peers"] == 1 and block["region_median_gci2020"] == 90.0
    assert block["income_peers"] == 2 and block["income_median_gci2020"] == 40.0
    assert "not the same scale" in block["caveat"]


def test_peer_benchmark_non_member():
    peers = gaps.peer_benchmark("FR", 30.0, reference=_reference())
    assert len(peers) == 1 and peers.iloc[0]["score"] == 30.0
    block = gaps.peer_summary(peers)
    assert block["commonwealth_member"] is False and block["peers"] == []


def test_shipped_gci_table():
    table = gaps.load_gci_reference()
    assert len(table) == 56 and table["iso2"].is_unique
    assert "NA" in set(table["iso2"])  # Namibia, not a missing value
    assert table["gci2020_score"].between(0, 100).all()
    assert (table["gdp_per_capita_usd"] > 0).all()
    ke = table.set_index("iso2").loc["KE"]
    assert ke["commonwealth_region"] == "Africa" and ke["gci2020_score"] == pytest.approx(81.70)
    header = paths.GCI_CSV.read_text(encoding="utf-8").splitlines()[:10]
    assert any("Global Cybersecurity Index 2020" in line for line in header)
    assert any("CC BY 4.0" in line for line in header)


def test_analyse_with_country_adds_peer_block(mini):
    res = gaps.analyse_gaps(mini, _entities(), _assessment(), _targets(), country="KE")
    block = res.summary["peer_benchmark"]
    assert block["workbench_overall_score"] == round(1390 / 33, 2)
    assert block["country_gci2020"] == 81.7
    assert block["commonwealth_region"] == "Africa"


# --------------------------------------------------------------------------- end to end


def _write_country(folder: Path, framework_file: Path | None) -> None:
    folder.mkdir(parents=True)
    (folder / "profile.yaml").write_text(
        "country: KE\nname: Testland\ncurrency: KES\nusd_per_unit: 0.0077\ngdp_usd: 1.0e11\n"
        "population: 5.0e7\nperiod_start: 2025-01-01\nperiod_end: 2025-12-31\n"
        "budget_usd_per_year: 1.0e6\nhorizon_years: 3\nsynthetic: true\n"
    )
    _entities().to_csv(folder / "entities.csv", index=False)
    assessment = _assessment()
    assessment["assessed_on"] = assessment["assessed_on"].dt.strftime("%Y-%m-%d")
    assessment.to_csv(folder / "capability_assessment.csv", index=False)
    _targets().to_csv(folder / "targets.csv", index=False)
    if framework_file is not None:
        (folder / "framework.yaml").write_text(framework_file.read_text())


def test_second_framework_end_to_end(tmp_path):
    folder = tmp_path / "KE"
    _write_country(folder, MINI)
    data = load_country(folder, tables=("entities", "capability_assessment", "targets"))
    assert data.framework.id == "mini_csf"
    res = stages.gap_analysis(data)
    assert res.summary["overall_score"] == round(1390 / 33, 2)
    assert res.summary["coverage"] == 0.8
    assert res.summary["top_gaps"][3] == {"entity_id": "CNI3", "indicator_id": "PR-O1", "level": 0,
                                          "target": 5, "gap": 5, "priority": round(40 / 11, 9),
                                          "pillar_id": "protect",
                                          "indicator_title": "Data protected at rest and in transit"}


def test_targets_are_the_frameworks_without_a_targets_file(tmp_path):
    folder = tmp_path / "KE"
    _write_country(folder, MINI)
    (folder / "targets.csv").unlink()
    data = load_country(folder, tables=("entities", "capability_assessment", "targets"))
    assert stages.optional_table(data, "targets") is None
    framework_targets = gaps.analyse_gaps(data.framework, data.table("entities"),
                                          data.table("capability_assessment"), country=data.code)
    assert stages.gap_analysis(data).summary == framework_targets.summary


# --------------------------------------------------------------------------- shipped framework


def test_shipped_framework_is_complete():
    framework = load_framework()
    # Every NIST CSF code is a real CSF 2.0 subcategory: one of the ref_ids of the CSF
    # framework the Canadian sample is assessed on (imported from NIST's library).
    csf = load_framework(paths.SAMPLES_DIR / "CA" / "framework.yaml")
    assert csf.id == "nist-csf-2.0" and len(csf.indicators) == 106
    subcategories = {getattr(i, "ref_id") for i in csf.indicators}
    unknown = {ind.id: sorted(set(ind.crosswalk["nist_csf"]) - subcategories)
               for ind in framework.indicators if set(ind.crosswalk["nist_csf"]) - subcategories}
    assert unknown == {}
    assert [i.id for i in framework.indicators] == SHIPPED_IDS
    assert [p.id for p in framework.pillars] == ["legal", "technical", "organizational", "capacity", "cooperation"]
    for ind in framework.indicators:
        assert ind.description.strip(), ind.id
        assert sorted(ind.levels) == [0, 1, 2, 3, 4, 5], ind.id
        assert all(text.strip() for text in ind.levels.values()), ind.id
        assert ind.crosswalk["cmm"], ind.id
        assert all(re.fullmatch(r"D[1-5]\.[1-6]", code) for code in ind.crosswalk["cmm"]), ind.id
        assert ind.crosswalk["nist_csf"], ind.id
        assert all(re.fullmatch(r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}", code)
                   for code in ind.crosswalk["nist_csf"]), ind.id
        assert any("CMM" in s for s in ind.sources), ind.id
        assert any("NIST CSF" in s for s in ind.sources), ind.id
        if ind.scope == "national":
            assert any("ITU GCI" in s for s in ind.sources), ind.id
    # the raw YAML must parse to the same titles (a comma in an inline mapping once cut one)
    raw = yaml.safe_load(paths.SHIPPED_FRAMEWORK.read_text(encoding="utf-8"))
    assert all(set(i) <= {"id", "pillar", "scope", "title", "title_fr", "weight", "target", "crosswalk", "description",
                          "levels", "sources"} for i in raw["indicators"])


def test_framework_doc_matches_yaml():
    doc = (ROOT / "docs" / "framework.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- framework-table:start -->\n(.*?)\n<!-- framework-table:end -->", doc, re.S)
    assert found, "docs/framework.md has no generated table"
    assert found.group(1) == framework_doc.framework_markdown(load_framework()), (
        "docs/framework.md is out of date: regenerate its table with workbench.framework_doc.framework_markdown"
    )


def test_framework_table_columns():
    table = framework_doc.framework_table(load_framework(MINI))
    assert list(table["id"]) == ["PR-N1", "PR-O1", "RS-N1", "RS-O1"]
    assert table.loc[1, "default targets"] == "government 3; cni_operator 4"
    assert table.loc[3, "NIST CSF 2.0"] == "PR.IR"
    assert "a\\|b" in framework_doc.markdown_table(pd.DataFrame({"x": ["a|b"]}))


def test_group_display_reads_in_words(result):
    table = gaps.group_display(result.by_entity_type, "entity_type", "Entity type").set_index("Entity type")
    assert list(table.index) == ["National (the country as a whole)", "Government departments", "CNI operators"]
    # government: half its checks assessed, scored 20 (see the views test above)
    assert table.loc["Government departments", "Coverage"] == "50%"
    assert table.loc["Government departments", "Score now (0-100)"] == "20.0"
    sectors = gaps.group_display(result.by_cni_sector, "sector", "Sector")
    assert sorted(sectors["Sector"]) == ["Energy", "Water"]
    assert list(gaps.group_display(result.by_cni_sector.iloc[0:0], "sector", "Sector").columns) == ["Sector"]


def test_heatmap_and_crosswalk_labels(result):
    heat = gaps_charts.gap_heatmap(result)
    rows = [str(y) for y in heat.data[0].y]
    assert any(r.endswith("(CNI operator)") for r in rows)
    assert not any("cni operator" in r for r in rows)
    nist = gaps_charts.crosswalk_chart(result, "nist_csf")
    order = [str(y).split(" ")[0] for y in nist.data[0].y]
    assert order == [c for c in gaps_charts.NIST_ORDER if c in order]


def test_evidence_view_leaves_missing_numbers_blank(result):
    view = gaps.evidence_view(result.pairs)
    unassessed = view[view["Level (0-5)"] == "not assessed"]
    assert len(unassessed) > 0 and set(unassessed["Gap (levels)"]) == {""}
    assessed = view[view["Level (0-5)"] != "not assessed"]
    assert all(g.isdigit() for g in assessed["Gap (levels)"])
    rendered = notebook.table_html(view)._repr_html_()
    assert "&lt;NA&gt;" not in rendered and "<NA>" not in rendered


def test_an_indicator_titled_by_its_id_is_not_named_twice():
    pairs = pd.DataFrame({
        "entity_name": ["Grid Co", "Grid Co"], "indicator_id": ["GV.OC-01", "TEC-13"],
        "indicator_title": ["GV.OC-01: The organizational mission is understood…",
                            "Multi-factor authentication"],
        "level": pd.array([2, None], dtype="Int64"), "target": pd.array([3, 3], dtype="Int64"),
        "gap": pd.array([1, None], dtype="Int64"), "evidence": ["", ""],
    })
    view = gaps.evidence_view(pairs)
    assert list(view["Indicator"]) == ["GV.OC-01: The organizational mission is understood…",
                                       "TEC-13 Multi-factor authentication"]
