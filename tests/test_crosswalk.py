"""A country assessed on another framework: the shipped catalogue carried over through
the crosswalk, and what happens when nothing can be carried over."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from workbench import framework_import, paths, stages
from workbench.crosswalk import Crosswalk, translate_catalogue
from workbench.framework import Framework, load_framework
from workbench.loading import load_country

FIXTURES = Path(__file__).parent / "fixtures" / "frameworks"
KE = paths.SAMPLES_DIR / "KE"


def _country(tmp_path: Path, library: Path, *, levels: dict[str, int] | None = None) -> Path:
    """KE's profile and entities, assessed on the framework imported from ``library``
    (every expected pair at the bottom level, or ``levels`` by indicator)."""
    folder = tmp_path / "KE"
    folder.mkdir()
    for name in ("profile.yaml", "entities.csv", "business_population.csv", "survey_responses.csv"):
        shutil.copy(KE / name, folder / name)
    imported = framework_import.import_library(framework_import.read_library(library))
    (folder / "framework.yaml").write_text(imported.yaml_text(library.name))
    framework = load_framework(folder / "framework.yaml")
    entities = pd.read_csv(folder / "entities.csv")
    rows = []
    for indicator in framework.indicators:
        for entity in entities.itertuples():
            if (indicator.scope == "national") == (entity.entity_type == "national"):
                level = (levels or {}).get(indicator.id, framework.levels.min)
                rows.append((entity.entity_id, indicator.id, level, "workshop", "2025-03-01"))
    pd.DataFrame(rows, columns=["entity_id", "indicator_id", "level", "evidence", "assessed_on"]).to_csv(
        folder / "capability_assessment.csv", index=False)
    return folder


def test_the_shipped_catalogue_is_carried_over_to_an_imported_csf_framework(tmp_path: Path) -> None:
    data = load_country(_country(tmp_path, FIXTURES / "tiers-1-4.yaml"))
    assert data.input_problems() == []
    catalogue = data.tables["interventions"]
    assert catalogue.source == "shipped"
    rows = catalogue.valid.set_index("intervention_id")
    # GOV-MFA-BKP names TEC-12 and TEC-13 of the shipped framework, whose crosswalks
    # name PR.DS-11 / RC.RP-03 and PR.AA-03: the fixture holds PR.DS-11 and PR.AA-03.
    assert rows.loc["GOV-MFA-BKP", "indicators"] == "PR.AA-03;PR.DS-11"
    assert rows.loc["GOV-MFA-BKP", "pillar"] == "pr"
    # raises_to 4 on 0-5 is 0.8 of the way up: 1 + round(0.8 * 3) = 3 on 1-4.
    assert rows.loc["GOV-MFA-BKP", "raises_to"] == 3
    # An intervention none of whose indicators reach the fixture is set aside, with why.
    reasons = catalogue.quarantine.set_index("intervention_id")["reason"]
    assert "not in framework tiers-1 nor reached through its crosswalk" in reasons["LAW-CHILD"]
    assert len(catalogue.valid) + len(catalogue.quarantine) == catalogue.rows

    inputs = stages.roadmap_inputs(data)
    roadmap = stages.plan(inputs)
    chosen = set(roadmap.plan["intervention_id"])
    assert chosen and chosen <= set(rows.index)
    assert {p for p in roadmap.plan["pillar"]} <= {"gv", "pr"}
    assert inputs.pillar_titles == {"gv": "Govern", "pr": "Protect"}


def test_a_framework_the_shipped_catalogue_cannot_reach_skips_only_the_business_case(tmp_path: Path) -> None:
    data = load_country(_country(tmp_path, FIXTURES / "depths-0-5.yaml"))
    problems = data.input_problems()
    assert [(p.file, p.stages, p.fails_run) for p in problems] == [
        ("interventions.csv", ("business_case",), False)]
    assert "none of its" in problems[0].reason and "framework depths" in problems[0].reason
    assert stages.gap_analysis(data).summary["framework"] == "depths"


def test_a_countrys_own_catalogue_that_reaches_nothing_fails_the_run(tmp_path: Path) -> None:
    folder = _country(tmp_path, FIXTURES / "depths-0-5.yaml")
    shutil.copy(paths.SHIPPED_INTERVENTIONS, folder / "interventions.csv")
    data = load_country(folder)
    [problem] = data.unusable_inputs()
    assert problem.file == "interventions.csv" and problem.fails_run
    assert "no usable row" in problem.reason
    assert "nor reached through its crosswalk" in problem.reason


def test_an_indicator_naming_the_foreign_id_in_its_own_crosswalk_is_reached() -> None:
    framework = load_framework(FIXTURES / "mini_csf.yaml")
    framework = framework.model_copy(update={"indicators": [
        framework.indicators[0].model_copy(update={"crosswalk": {"gca": ["TEC-99"]}}),
        *framework.indicators[1:]]})
    crosswalk = Crosswalk(framework, None)
    assert crosswalk.resolve("TEC-99") == ["PR-N1"]
    assert crosswalk.resolve("PR-O1") == ["PR-O1"]
    assert crosswalk.resolve("NOPE") == []
    catalogue = pd.DataFrame({"intervention_id": ["A", "B"], "pillar": ["x", "respond"],
                              "indicators": ["TEC-99", "RS-O1"], "raises_to": [5, 4]})
    carried = translate_catalogue(catalogue, crosswalk).set_index("intervention_id")
    assert carried.loc["A"].to_dict() == {"pillar": "protect", "indicators": "PR-N1", "raises_to": 5}
    assert carried.loc["B"].to_dict() == {"pillar": "respond", "indicators": "RS-O1", "raises_to": 4}


@pytest.mark.parametrize(("reference_level", "expected"), [(0, 1), (2, 2), (3, 3), (4, 3), (5, 4)])
def test_levels_move_to_the_same_place_of_the_countrys_scale(reference_level: int, expected: int) -> None:
    tiers = framework_import.import_library(framework_import.read_library(FIXTURES / "tiers-1-4.yaml"))
    crosswalk = Crosswalk(Framework.model_validate(tiers.framework), load_framework(None))
    assert crosswalk.level(reference_level) == expected
