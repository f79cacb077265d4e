"""The folder of a dashboard server's slider grid: written whole, read by the pages."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from workbench.dashboard.plans import STORE_ENV, PlanFolder, Position, folder_files, inputs_id


@pytest.fixture
def plans(tmp_path: Path) -> PlanFolder:
    folder = tmp_path / "plans"
    folder.mkdir()
    return PlanFolder(folder)


def test_without_a_server_folder_there_is_no_grid(tmp_path: Path) -> None:
    assert PlanFolder.of_server({}) is None
    assert PlanFolder.of_server({STORE_ENV: str(tmp_path / "gone")}) is None  # removed
    assert PlanFolder.of_server({STORE_ENV: str(tmp_path)}) == PlanFolder(tmp_path)


def test_a_file_is_read_back_whole_and_replaced_whole(plans: PlanFolder) -> None:
    assert plans.read("KE-plan") is None
    plans.write("KE-plan", b"first")
    plans.write("KE-plan", b"second")
    plans.write("KE-chart0", b"")
    assert plans.read("KE-plan") == b"second" and plans.read("KE-chart0") == b""
    assert sorted(p.name for p in plans.folder.iterdir()) == ["KE-chart0", "KE-plan"]


def test_a_failed_write_leaves_nothing_behind(plans: PlanFolder) -> None:
    with pytest.raises(OSError):
        plans.write("no/such/folder/KE-plan", b"x")  # the rename fails
    assert list(plans.folder.iterdir()) == []


def test_a_position_is_written_charts_first_and_read_back(plans: PlanFolder) -> None:
    position = Position("KE", "0123456789abcdef", 1_250_000.0, 3)
    assert position.file_name("plan.pickle") == "KE-0123456789abcdef-1250000.00-3-plan.pickle"
    assert not plans.holds(position) and plans.read_plan(position) is None
    plans.write_position(position, {"a plan": 1}, ['{"data": []}', None])
    assert plans.holds(position) and plans.read_plan(position) == {"a plan": 1}
    assert plans.read_chart(position, 0) == '{"data": []}'
    assert plans.read_chart(position, 1) is None  # no such chart: written empty
    names = [p.name for p in sorted(plans.folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)]
    assert names[-1].endswith("plan.pickle")  # the plan last: whoever finds it finds its charts
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in plans.folder.iterdir())


def test_the_inputs_id_follows_every_change_to_the_files(tmp_path: Path) -> None:
    survey, profile = tmp_path / "survey.csv", tmp_path / "profile.yaml"
    survey.write_text("a\n1\n")
    profile.write_text("country: KE\n")
    first = inputs_id([survey, profile])
    assert inputs_id([profile, survey]) == first  # order does not matter
    assert len(first) == 16
    survey.write_text("a\n1\n2\n")  # rewritten
    rewritten = inputs_id([survey, profile])
    assert rewritten != first
    status = survey.stat()
    os.utime(survey, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000))  # touched
    assert inputs_id([survey, profile]) not in (first, rewritten)
    extra = tmp_path / "incidents.csv"
    extra.write_text("b\n")
    assert inputs_id(folder_files(tmp_path)) != inputs_id([survey, profile])  # a file added
