"""The folder through which a dashboard server's kernels share the plans they work out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench import plan_store


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir()
    monkeypatch.setenv(plan_store.STORE_ENV, str(folder))
    return folder


def test_without_a_server_folder_nothing_is_shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(plan_store.STORE_ENV, raising=False)
    plan_store.write("KE-plan", b"x")
    assert plan_store.store_folder() is None and plan_store.read("KE-plan") is None
    assert not plan_store.has(["KE-plan"])
    monkeypatch.setenv(plan_store.STORE_ENV, str(tmp_path / "gone"))  # removed: the same
    plan_store.write("KE-plan", b"x")
    assert plan_store.read("KE-plan") is None


def test_a_shared_file_is_read_back_whole_and_replaced_whole(store: Path) -> None:
    assert plan_store.read("KE-plan") is None and not plan_store.has(["KE-plan"])
    plan_store.write("KE-plan", b"first")
    plan_store.write("KE-plan", b"second")
    plan_store.write("KE-chart0", b"")
    assert plan_store.read("KE-plan") == b"second" and plan_store.read("KE-chart0") == b""
    assert plan_store.has(["KE-plan", "KE-chart0"]) and not plan_store.has(["KE-plan", "KE-chart1"])
    assert sorted(p.name for p in store.iterdir()) == ["KE-chart0", "KE-plan"]  # nothing half-written


def test_a_failed_write_leaves_nothing_behind(store: Path) -> None:
    plan_store.write("no/such/folder/KE-plan", b"x")  # the rename fails
    assert list(store.iterdir()) == []


def test_the_inputs_id_follows_every_change_to_the_files(tmp_path: Path) -> None:
    survey, profile = tmp_path / "survey.csv", tmp_path / "profile.yaml"
    survey.write_text("a\n1\n")
    profile.write_text("country: KE\n")
    first = plan_store.inputs_id([survey, profile])
    assert plan_store.inputs_id([profile, survey]) == first  # order does not matter
    assert len(first) == 16
    survey.write_text("a\n1\n2\n")  # rewritten
    rewritten = plan_store.inputs_id([survey, profile])
    assert rewritten != first
    stat = survey.stat()
    os.utime(survey, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # touched
    assert plan_store.inputs_id([survey, profile]) not in (first, rewritten)
    extra = tmp_path / "incidents.csv"
    extra.write_text("b\n")
    assert plan_store.inputs_id(plan_store.folder_files(tmp_path)) != plan_store.inputs_id(
        [survey, profile])  # a file added
