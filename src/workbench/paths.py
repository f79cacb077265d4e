"""Paths and defaults, declared once and anchored on the package (never on the CWD)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DATA = PACKAGE_DIR / "data"
SHIPPED_FRAMEWORK = SHIPPED_DATA / "framework_gca.yaml"
SHIPPED_INTERVENTIONS = SHIPPED_DATA / "interventions.csv"
COMMONWEALTH_CSV = SHIPPED_DATA / "commonwealth.csv"
GCI_CSV = SHIPPED_DATA / "gci_2020.csv"

# The project checkout (the package is installed from it in editable mode).
PROJECT_ROOT = PACKAGE_DIR.parents[1]
NOTEBOOKS_DIR = Path(os.environ.get("WORKBENCH_NOTEBOOKS", PROJECT_ROOT / "notebooks"))
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"

# The stage notebooks `workbench run` executes, in order.
STAGE_NOTEBOOKS: tuple[tuple[str, str], ...] = (
    ("data_quality", "01_data_quality.ipynb"),
    ("impact", "02_impact.ipynb"),
    ("gaps", "03_gaps.ipynb"),
    ("business_case", "04_business_case.ipynb"),
)
# The notebook `workbench dashboard` serves with Voilà.
DASHBOARD_NOTEBOOK = "country_dashboard.ipynb"
# Where a stage notebook publishes its summary.json block, under the run's folder
# (workbench.notebook.publish writes it; the runner, which need not import the
# analysis to read it, collects it).
STAGES_SUBDIR = "stages"


def resolve(path: str | os.PathLike[str]) -> Path:
    """A path as given, relative paths taken from the project root.

    Notebooks' parameters hold literal paths such as ``data/samples``; resolving
    them here makes a notebook work whether it is opened in JupyterLab from
    ``notebooks/`` or executed by papermill from anywhere else.
    """
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (PROJECT_ROOT / candidate).resolve()


# Rows set aside by the checks hold respondents' answers: they go to a folder beside
# the report folder, never inside what is shared (reports/ -> reports.private/).
PRIVATE_SUFFIX = ".private"
PRIVATE_MODE = 0o700


def private_root(out_root: str | os.PathLike[str]) -> Path:
    """The analyst-only folder that goes with the report folder ``out_root``.

    ``<out_root>.private``: beside ``out_root`` and named after it, so that copying
    or serving ``out_root`` never takes it along.
    """
    out = Path(out_root).expanduser().resolve()
    return out.with_name(out.name + PRIVATE_SUFFIX)


def make_private_dir(folder: Path) -> Path:
    """Create ``folder`` (and missing parents) readable by its owner only (mode 0700,
    whatever the umask); an existing folder is set to 0700 too."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(PRIVATE_MODE)
    return folder
