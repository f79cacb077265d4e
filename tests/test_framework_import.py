"""`workbench import-framework`: CISO Assistant framework libraries as framework.yaml."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from workbench import framework_import as fi
from workbench.cli import app
from workbench.framework import load_framework

FIXTURES = Path(__file__).parent / "fixtures" / "frameworks"
TIERS = FIXTURES / "tiers-1-4.yaml"
DEPTHS = FIXTURES / "depths-0-5.yaml"


def _library(path: Path = TIERS) -> dict[str, Any]:
    return fi.read_library(path)


def _nodes(library: dict[str, Any]) -> list[dict[str, Any]]:
    return library["objects"]["framework"]["requirement_nodes"]


def _by_id(imported: fi.ImportedFramework) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in imported.framework["indicators"]}


def test_top_level_nodes_become_pillars_and_assessable_nodes_indicators() -> None:
    imported = fi.import_library(_library(), source="tiers-1-4.yaml")
    framework = imported.framework
    assert [(p["id"], p["title"], p["weight"], p["ref_id"]) for p in framework["pillars"]] == [
        ("gv", "Govern", 1.0, "GV"), ("pr", "Protect", 1.0, "PR")]
    indicators = _by_id(imported)
    assert list(indicators) == ["GV.OC-01", "GV.OC-02", "PR.AA-01", "PR.AA-03", "PR.DS-11"]
    assert {i["pillar"] for i in indicators.values()} == {"gv", "pr"}
    assert indicators["PR.AA-01"] == {
        "id": "PR.AA-01", "pillar": "pr", "scope": "organisation", "title": "Identities are managed",
        "weight": 1.0, "target": {"government": 3, "cni_operator": 3},
        "urn": "urn:test:node:pr.aa-01", "ref_id": "PR.AA-01",
        "implementation_groups": ["core", "extended"]}
    # Grouping nodes are folded into their pillar; a pillar with nothing to assess is left out.
    assert imported.folded == 3
    assert imported.left_out == [("EX", "a pillar with no assessable node under it")]


def test_a_node_without_a_name_is_titled_by_its_ref_id_and_the_start_of_its_description() -> None:
    indicators = _by_id(fi.import_library(_library()))
    assert indicators["GV.OC-01"]["title"] == (
        "GV.OC-01: The organizational mission is understood and informs cybersecurity risk…")
    assert indicators["GV.OC-01"]["description"] == (
        "The organizational mission is understood and informs cybersecurity risk management")
    title = _by_id(fi.import_library(_library(DEPTHS)))["B.1.a"]["title"]
    assert title.startswith("B.1.a: Security events are collected centrally") and title.endswith("…")
    assert len(title) <= len("B.1.a: ") + fi.TITLE_CHARACTERS + 1


def test_the_librarys_scores_become_the_level_scale_and_the_default_target_two_thirds_up() -> None:
    tiers = fi.import_library(_library()).framework
    assert tiers["levels"] == {"min": 1, "max": 4, "names": {
        1: "Partial", 2: "Risk informed", 3: "Repeatable", 4: "Adaptive"}}
    assert {t for i in tiers["indicators"] for t in i["target"].values()} == {3}  # 1 + 2/3 * 3
    depths = fi.import_library(_library(DEPTHS)).framework
    assert depths["levels"] == {"min": 0, "max": 5, "names": {}}
    assert {t for i in depths["indicators"] for t in i["target"].values()} == {3}  # 0 + 2/3 * 5


def test_the_written_file_loads_as_a_framework_with_its_scale(tmp_path: Path) -> None:
    imported = fi.import_library(_library(), source="tiers-1-4.yaml")
    out = tmp_path / "framework.yaml"
    out.write_text(imported.yaml_text("tiers-1-4.yaml"))
    framework = load_framework(out)
    assert framework.id == "tiers-1" and framework.title == "Tiers test framework"
    assert (framework.levels.min, framework.levels.max) == (1, 4)
    assert framework.levels.name(2) == "Risk informed"
    assert framework.levels.normalised(4) == 1.0 and framework.levels.normalised(1) == 0.0
    assert len(framework.indicators) == 5
    assert framework.sources[0].startswith("Test tiers framework, provider Workbench tests")


def test_nodes_without_parent_urn_hang_under_the_nearest_node_one_level_up() -> None:
    imported = fi.import_library(_library(DEPTHS))
    indicators = _by_id(imported)
    assert {k: v["pillar"] for k, v in indicators.items()} == {
        "A": "a", "B.1.a": "b", "B.2": "b", "c1": "c"}
    # An assessable top-level node is both a pillar and an indicator of it.
    assert indicators["A"]["title"] == "Strategy in place"
    # A node with no ref_id keeps its urn and takes its id from the urn's last part.
    assert indicators["c1"]["urn"] == "urn:test:d:c1" and indicators["c1"]["ref_id"] == ""


def test_pillar_depth_makes_deeper_nodes_the_pillars() -> None:
    imported = fi.import_library(_library(), pillar_depth=2)
    assert [p["ref_id"] for p in imported.framework["pillars"]] == ["GV.OC", "PR.AA", "PR.DS"]
    assert _by_id(imported)["PR.DS-11"]["pillar"] == "pr.ds"
    with pytest.raises(fi.FrameworkImportError, match="assessable at depth 1, above the pillar depth 2"):
        fi.import_library(_library(DEPTHS), pillar_depth=2)
    with pytest.raises(fi.FrameworkImportError, match="nodes go only to depth 3"):
        fi.import_library(_library(), pillar_depth=4)


def test_overrides_change_scope_weights_targets_and_groups() -> None:
    overrides = fi.ImportOverrides(
        id="tiers-national", title="Tiers, national profile",
        scope={"GV": "national"}, weights={"PR": 2, "PR.AA-03": 0.5},
        targets={"GV.OC-02": 4, "PR": {"government": 2, "cni_operator": 4}},
        implementation_groups=["core"])
    imported = fi.import_library(_library(), overrides=overrides)
    framework = imported.framework
    assert (framework["id"], framework["title"]) == ("tiers-national", "Tiers, national profile")
    assert {p["id"]: p["weight"] for p in framework["pillars"]} == {"gv": 1.0, "pr": 2.0}
    indicators = _by_id(imported)
    assert list(indicators) == ["GV.OC-01", "PR.AA-01", "PR.AA-03"]  # core only
    assert indicators["GV.OC-01"]["scope"] == "national"
    assert indicators["GV.OC-01"]["target"] == {"national": 3}
    assert indicators["PR.AA-03"]["weight"] == 0.5
    assert indicators["PR.AA-01"]["target"] == {"government": 2, "cni_operator": 4}
    assert ("GV.OC-02", "not in the implementation groups chosen") in imported.left_out


def test_overrides_give_indicators_a_crosswalk() -> None:
    overrides = fi.ImportOverrides(crosswalk={"PR.AA-01": {"nist_csf": ["PR.AA-01", "PR.AA-05"]},
                                              "urn:test:node:pr.ds-11": {"gca": ["TEC-12"]}})
    indicators = _by_id(fi.import_library(_library(), overrides=overrides))
    assert indicators["PR.AA-01"]["crosswalk"] == {"nist_csf": ["PR.AA-01", "PR.AA-05"]}
    assert indicators["PR.DS-11"]["crosswalk"] == {"gca": ["TEC-12"]}
    assert "crosswalk" not in indicators["PR.AA-03"]
    with pytest.raises(fi.FrameworkImportError, match="crosswalk: XX name no node"):
        fi.import_library(_library(), overrides=fi.ImportOverrides(crosswalk={"XX": {"a": ["b"]}}))


def test_the_shipped_example_crosswalk_for_the_cisa_goals_reads() -> None:
    example = Path(__file__).parents[1] / "docs" / "examples" / "cisa-cpg-2.0-overrides.yaml"
    overrides = fi.read_overrides(example)
    assert len(overrides.crosswalk) == 34
    codes = {code for entry in overrides.crosswalk.values() for code in entry["nist_csf"]}
    assert all(re.fullmatch(r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}", code) for code in codes)


def test_overrides_file_errors_name_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "overrides.yaml"
    bad.write_text("scope: {GV: regional}\n")
    with pytest.raises(fi.WorkbenchError, match=r"overrides.yaml: scope.GV"):
        fi.read_overrides(bad)
    bad.write_text("pilar_depth: 2\n")
    with pytest.raises(fi.WorkbenchError, match="pilar_depth: Extra inputs"):
        fi.read_overrides(bad)
    with pytest.raises(fi.FrameworkImportError, match="weights: NOPE name no node"):
        fi.import_library(_library(), overrides=fi.ImportOverrides(weights={"NOPE": 2}))
    with pytest.raises(fi.FrameworkImportError, match="target for government: 5 is not a level of the scale 1-4"):
        fi.import_library(_library(), overrides=fi.ImportOverrides(targets={"PR": 5}))
    with pytest.raises(fi.FrameworkImportError, match="gives no level for national"):
        fi.import_library(_library(), overrides=fi.ImportOverrides(
            scope={"GV": "national"}, targets={"GV": {"government": 2}}))


def _broken(change) -> dict[str, Any]:
    library = copy.deepcopy(_library())
    change(library)
    return library


@pytest.mark.parametrize(("change", "message"), [
    (lambda lib: _nodes(lib)[2].pop("urn"), "requirement node #3 has no urn"),
    (lambda lib: _nodes(lib)[3].update(urn="urn:test:node:gv.oc-01"),
     "requirement node #4: urn urn:test:node:gv.oc-01 repeats node #3"),
    (lambda lib: _nodes(lib)[2].update(parent_urn="urn:test:node:nowhere"),
     r"requirement node GV.OC-01 \(#3\): parent_urn urn:test:node:nowhere is not a node"),
    (lambda lib: _nodes(lib)[2].update(depth=4),
     r"GV.OC-01 \(#3\): depth 4 does not match its place under its parent \(depth 3\)"),
    (lambda lib: _nodes(lib)[0].update(parent_urn="urn:test:node:gv.oc", depth=None),
     "parent_urn chain loops back"),
    (lambda lib: _nodes(lib)[2].update(assessable="maybe"),
     r"GV.OC-01 \(#3\): assessable must be true or false, got 'maybe'"),
    (lambda lib: _nodes(lib)[2].update(depth="three"),
     "depth must be a whole number from 1, got 'three'"),
    (lambda lib: lib["objects"]["framework"]["scores_definition"].append({"score": 2.5, "name": "x"}),
     "score 2.5 is not a whole number"),
    (lambda lib: lib["objects"]["framework"].update(min_score=4, max_score=1),
     "min_score 4 is not below max_score 1"),
    (lambda lib: lib["objects"]["framework"].update(max_score=3),
     r"scores_definition gives scores \[4\] outside 1-3"),
    (lambda lib: [n.update(assessable=False) for n in _nodes(lib)],
     "no assessable requirement node"),
    (lambda lib: lib["objects"].pop("framework"), "objects.framework is missing"),
    (lambda lib: lib["objects"]["framework"].update(requirement_nodes=[]), "has no requirement_nodes"),
    (lambda lib: _nodes(lib).append({"urn": "urn:test:node:x", "assessable": True, "depth": 1}),
     r"requirement node urn:test:node:x \(#12\): has no name, ref_id or description"),
])
def test_bad_libraries_are_refused_naming_the_node(change, message: str) -> None:
    with pytest.raises(fi.FrameworkImportError, match=message):
        fi.import_library(_broken(change), source="tiers-1-4.yaml")


def test_assessable_given_as_text_is_read() -> None:
    library = _broken(lambda lib: [n.update(assessable=str(n["assessable"])) for n in _nodes(lib)])
    assert len(fi.import_library(library).framework["indicators"]) == 5


def test_unsafe_or_repeated_ref_ids_get_ids_from_the_urn() -> None:
    def change(lib: dict[str, Any]) -> None:
        _nodes(lib)[2]["ref_id"] = "GV OC 01"      # a space: not an id a CSV can carry safely
        _nodes(lib)[3]["ref_id"] = "PR.AA-01"       # repeats a later indicator's ref_id
    indicators = _by_id(fi.import_library(_broken(change)))
    assert "gv.oc-01" in indicators and indicators["gv.oc-01"]["ref_id"] == "GV OC 01"
    assert {"PR.AA-01", "PR.AA-01-2"} <= set(indicators)


def test_import_framework_command_prints_what_became_what(tmp_path: Path) -> None:
    out = tmp_path / "framework.yaml"
    result = CliRunner().invoke(app, ["import-framework", str(TIERS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Tiers test framework (tiers-1): 11 requirement nodes -> 2 pillars, 5 indicators" in result.output
    assert "levels 1-4: 1 Partial, 2 Risk informed, 3 Repeatable, 4 Adaptive" in result.output
    assert "pillar gv" in result.output and "<- GV: Govern; 2 indicators, weight 1 (50% of the overall score)" in result.output
    assert "left out: EX: a pillar with no assessable node under it" in result.output
    assert load_framework(out).id == "tiers-1"
    written = yaml.safe_load(out.read_text())
    assert written["imported_from"]["urn"] == "urn:test:risk:library:tiers"


def test_import_framework_command_options_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "framework.yaml"
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("targets: {PR: 4}\n")
    result = runner.invoke(app, ["import-framework", str(TIERS), "--out", str(out), "--scope", "national",
                                 "--pillar-depth", "2", "--overrides", str(overrides)])
    assert result.exit_code == 0, result.output
    framework = load_framework(out)
    assert {i.scope for i in framework.indicators} == {"national"}
    assert {i.id: i.target for i in framework.indicators}["PR.DS-11"] == {"national": 4}

    broken = tmp_path / "broken.yaml"
    broken.write_text(TIERS.read_text().replace('parent_urn: "urn:test:node:gv.oc",\n         ref_id: GV.OC-02',
                                                'parent_urn: "urn:test:node:zz",\n         ref_id: GV.OC-02'))
    result = runner.invoke(app, ["import-framework", str(broken), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "broken.yaml: requirement node GV.OC-02 (#4): parent_urn urn:test:node:zz" in result.output
    assert not (tmp_path / "x.yaml").exists()

    result = runner.invoke(app, ["import-framework", str(out), "--out", str(out)])
    assert result.exit_code == 2 and "is the library itself" in result.output
    result = runner.invoke(app, ["import-framework", str(tmp_path / "none.yaml"), "--out", str(out)])
    assert result.exit_code == 2 and "none.yaml: the file is missing" in result.output
