"""The output folder's guard: no command writes over, into or around a country's data,
and one run or batch at a time writes to an output folder.

Every refusal here happens before any kernel starts, so these tests are fast.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import write_country
from typer.testing import CliRunner

from workbench import batch, out_guard, runner
from workbench.cli import app
from workbench.errors import WorkbenchError

VERIS_FIXTURES = Path(__file__).parent / "fixtures" / "veris"


def tree_state(root: Path) -> dict[str, str]:
    """Every entry under ``root``: a file's SHA-256, a link's target, or "dir"."""
    state = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            state[key] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            state[key] = "dir"
        else:
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_country(root, "FJ", name="Fiji", currency="FJD")
    write_country(root, "KE")
    return root


# Each layout: (what it is, a function of tmp_path giving (data root, --out), and the
# relation the refusal names, with the data folder it names, relative to tmp_path).
Layout = Callable[[Path], tuple[Path, Path]]


def _symlink_to_data(tmp: Path) -> tuple[Path, Path]:
    (tmp / "link").symlink_to(tmp / "data")
    return tmp / "data", tmp / "link"


def _symlink_into_country(tmp: Path) -> tuple[Path, Path]:
    (tmp / "link").symlink_to(tmp / "data" / "FJ")
    return tmp / "data", tmp / "link" / "reports"


def _country_folder_inside_out(tmp: Path) -> tuple[Path, Path]:
    # FJ's data lives in the output folder, reached through a link in the data root.
    (tmp / "out").mkdir()
    (tmp / "data" / "FJ").rename(tmp / "out" / "FJ")
    (tmp / "data" / "FJ").symlink_to(tmp / "out" / "FJ")
    return tmp / "data", tmp / "out"


def _private_is_data(tmp: Path) -> tuple[Path, Path]:
    (tmp / "data").rename(tmp / "reports.private")
    return tmp / "reports.private", tmp / "reports"


LAYOUTS: dict[str, tuple[Layout, str, str]] = {
    "out is the data root": (lambda t: (t / "data", t / "data"), "is", "data"),
    "out is the country folder": (lambda t: (t / "data", t / "data" / "FJ"), "is", "data/FJ"),
    "out inside the country folder": (
        lambda t: (t / "data", t / "data" / "FJ" / "reports"), "is inside", "data/FJ"),
    "out contains the data": (lambda t: (t / "data", t), "contains", "data"),
    "out inside another country's folder": (
        lambda t: (t / "data", t / "data" / "KE" / "out"), "is inside", "data/KE"),
    "out spelt with ..": (lambda t: (t / "data", t / "data" / "KE" / ".." / "FJ"), "is", "data/FJ"),
    "out where a country folder would be": (
        lambda t: (t / "data", t / "data" / "NZ"), "under a country code (NZ)", "data"),
    "out a symlink to the data root": (_symlink_to_data, "is", "data"),
    "out through a symlink into a country folder": (_symlink_into_country, "is inside", "data/FJ"),
    "a country folder linked from inside out": (_country_folder_inside_out, "contains", "out/FJ"),
    "out.private is the data root": (_private_is_data, "is", "reports.private"),
}


def _layout(name: str, tmp_path: Path) -> tuple[Path, Path, str, Path]:
    make, relation, named = LAYOUTS[name]
    data_root, out = make(tmp_path)
    return data_root, out, relation, (tmp_path / named).resolve()


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_run_refuses_an_output_overlapping_data_and_changes_nothing(
        name: str, data: Path, tmp_path: Path) -> None:
    data_root, out, relation, named = _layout(name, tmp_path)
    before = tree_state(tmp_path)
    result = CliRunner().invoke(app, ["run", "FJ", "--data", str(data_root), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert relation in lines[0] and str(named) in lines[0]
    assert str(out) in lines[0]  # the path as given, and what it resolves to when that differs
    assert tree_state(tmp_path) == before


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_library_refuses_too(name: str, data: Path, tmp_path: Path) -> None:
    data_root, out, relation, named = _layout(name, tmp_path)
    before = tree_state(tmp_path)
    for start in (lambda: runner.run_country("FJ", data_root=data_root, out_root=out),
                  lambda: batch.run_batch(data_root, out, workers=1)):
        with pytest.raises(WorkbenchError) as refused:
            start()
        assert relation in str(refused.value) and str(named) in str(refused.value)
    assert tree_state(tmp_path) == before


@pytest.mark.parametrize("name", ["out is the data root", "out a symlink to the data root",
                                  "out inside the country folder"])
def test_batch_command_refuses_an_output_overlapping_data(
        name: str, data: Path, tmp_path: Path) -> None:
    data_root, out, relation, named = _layout(name, tmp_path)
    before = tree_state(tmp_path)
    result = CliRunner().invoke(app, ["batch", "--data", str(data_root), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert relation in result.output and str(named) in result.output
    assert tree_state(tmp_path) == before


def test_an_output_folder_beside_the_countries_in_the_data_root_is_allowed(data: Path) -> None:
    out_guard.check_out_apart_from_data(data, data / "reports")
    out_guard.check_out_apart_from_data(data, data.parent / "reports")


@pytest.mark.parametrize("out", ["data/FJ", "data/FJ/check", "data", "data/KE", "link/check"])
def test_validate_refuses_an_output_overlapping_data(out: str, data: Path, tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(data / "FJ")
    before = tree_state(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(data / "FJ"), "--out", str(tmp_path / out)])
    assert result.exit_code == 2, result.output
    assert "the output folder" in result.output and "the data folder" in result.output
    assert tree_state(tmp_path) == before


def test_validate_writes_an_output_apart_from_data(data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(data / "FJ"), "--out",
                                      str(tmp_path / "checks")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "checks" / "data_quality.json").is_file()


def _import(source: Path, out: Path, *extra: str, country: str = "KE"):
    return CliRunner().invoke(app, ["import-veris", str(source), "--country", country,
                                    "--out", str(out), *extra])


@pytest.mark.parametrize("case, match", [
    ("another input of the country", "would replace a file of KE's data folder"),
    ("another input through a link", "would replace a file of KE's data folder"),
    ("another country's incidents", "in the data folder of FJ, not of KE"),
    ("the source itself", "is the VERIS input"),
    ("inside the source folder", "is inside the VERIS input"),
    ("skipped list is --out", "--skipped and --out are the same file"),
    ("skipped list in a data folder", "--skipped .* is in the data folder"),
    ("beside an incidents.xlsx", "would hold two incidents files"),
])
def test_import_refuses_to_overwrite_inputs(case: str, match: str, data: Path,
                                            tmp_path: Path) -> None:
    source = tmp_path / "veris"
    source.mkdir()
    (source / "records.json").write_bytes(next(VERIS_FIXTURES.glob("*.json")).read_bytes())
    incidents = data / "KE" / "incidents.csv"
    (tmp_path / "link").symlink_to(data / "KE")
    out, extra = {
        "another input of the country": (data / "KE" / "survey_responses.csv", ()),
        "another input through a link": (tmp_path / "link" / "survey_responses.csv", ()),
        "another country's incidents": (data / "FJ" / "incidents.csv", ()),
        "the source itself": (source / "records.json", ()),
        "inside the source folder": (source / "incidents.csv", ()),
        "skipped list is --out": (tmp_path / "incidents.csv",
                                  ("--skipped", str(tmp_path / "incidents.csv"))),
        "skipped list in a data folder": (incidents, ("--skipped", str(data / "KE" / "skip.csv"))),
        "beside an incidents.xlsx": (data / "FJ" / "incidents.csv", ()),
    }[case]
    country = "FJ" if case == "beside an incidents.xlsx" else "KE"
    if case == "beside an incidents.xlsx":
        (data / "FJ" / "incidents.csv").rename(data / "FJ" / "incidents.xlsx")
    given = source if case == "inside the source folder" else source / "records.json"
    before = tree_state(tmp_path)
    result = _import(given, out, *extra, country=country)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert re.search(match, result.output), result.output
    assert tree_state(tmp_path) == before


def test_import_writes_the_country_s_own_incidents_file(data: Path, tmp_path: Path) -> None:
    source = next(VERIS_FIXTURES.glob("*.json"))
    result = _import(source, data / "KE" / "incidents.csv", "--skipped",
                     str(tmp_path / "skipped.csv"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "skipped.csv").is_file()


# --------------------------------------------------------------------------- the lock


HOLD_LOCK = """
import sys
from workbench import out_guard
with out_guard.writer_lock(sys.argv[1], sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def lock_held_elsewhere(tmp_path: Path):
    """Hold the output folder's lock from another process, as a running batch does."""
    out = tmp_path / "out"
    out.mkdir()
    holders = []

    def hold(holder: str) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out), holder],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                   env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        holders.append(process)
        assert process.stdout.readline().strip() == "held"  # waits until it holds the lock
        return process

    yield out, hold
    for process in holders:
        process.stdin.close()
        process.wait()


def test_run_is_refused_at_once_while_a_batch_writes_to_the_folder(
        data: Path, lock_held_elsewhere) -> None:
    out, hold = lock_held_elsewhere
    holder = hold("workbench batch")
    result = CliRunner().invoke(app, ["run", "KE", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert f"another workbench process is writing to {out}" in line
    assert f"workbench batch, pid {holder.pid} on " in line
    assert not list(out.iterdir())  # nothing started


def test_batch_is_refused_while_a_run_writes_to_the_folder(data: Path, lock_held_elsewhere) -> None:
    out, hold = lock_held_elsewhere
    holder = hold("workbench run KE")
    with pytest.raises(WorkbenchError, match=f"workbench run KE, pid {holder.pid} on "):
        batch.run_batch(data, out, workers=1)
    with pytest.raises(WorkbenchError, match="another workbench process is writing"):
        runner.run_country("FJ", data_root=data, out_root=out)
    assert not list(out.iterdir())


def test_the_lock_is_free_again_when_its_holder_ends(tmp_path: Path) -> None:
    with out_guard.writer_lock(tmp_path, "workbench run KE"):
        with pytest.raises(WorkbenchError, match="workbench run KE, pid"):
            with out_guard.writer_lock(tmp_path, "workbench batch"):
                pass
    with out_guard.writer_lock(tmp_path, "workbench batch"):
        lock_file = tmp_path.with_name(tmp_path.name + ".private") / out_guard.LOCK_NAME
        assert "workbench batch, pid" in lock_file.read_text()
