"""environment.yml (conda) names the same dependencies, with the same ranges, as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# pip extras that conda-forge ships as separate packages.
CONDA_SPLITS = {"dask[distributed]": ["dask", "distributed"]}
# Tools conda installs beside Python that pip cannot: Node.js builds the dashboard's
# own plotly.js (workbench.dashboard.bundle); a pip install uses the machine's.
CONDA_ONLY = {"nodejs": ">=20"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower(), match.group(2).replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted: dict[str, str] = {}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, spec = _split(requirement)
        for conda_name in CONDA_SPLITS.get(name, [name]):
            wanted[conda_name] = spec
    return wanted


def _environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    found: dict[str, str] = {}
    for entry in env["dependencies"]:
        if isinstance(entry, str) and not entry.startswith(("python=", "pip")):
            name, spec = _split(entry)
            found[name] = spec
    return found


def test_environment_yml_matches_pyproject() -> None:
    assert _environment_requirements() == _pyproject_requirements() | CONDA_ONLY


def test_environment_yml_installs_the_package_itself() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [e["pip"] for e in env["dependencies"] if isinstance(e, dict) and "pip" in e]
    assert pip_sections == [["-e ."]]
    assert "python=3.11" in env["dependencies"]
