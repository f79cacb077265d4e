"""Roadmaps and their charts shared by the kernels of one dashboard server.

Every page of the dashboard has a kernel of its own, and each worked out the plans of
its budget slider by itself: the same few seconds of solving for every visitor, and a
visitor who moved the slider at once still waited for the solver. `workbench
dashboard` now makes a private folder for its run (removed when it stops) and names it
in ``WORKBENCH_DASHBOARD_PLANS``; a kernel that works a plan out writes it there, and
every other kernel reads it instead of solving again. Beside Voilà, the server runs
``python -m workbench.plan_store <data folder>`` once, at the lowest CPU priority: it
works out every country's slider positions into the folder and exits. Whoever starts a
position first claims it, so no two processes work on the same one in the background.
Nothing ever waits for that process (or for a claim): a page that needs a plan not yet
in the folder works it out itself, at its own priority, so a busy machine starving the
low-priority process only means less is ready ahead.

A file's name holds the country, an identity of its input files as they are on disk
(``inputs_id``), the budget and the horizon, so a country whose data change while the
server runs is worked out afresh. Files are written whole or not at all (a rename),
so a kernel never reads half a plan. Plans are pickled: the folder is made by the
server with permissions for its own user only, and nothing else writes there.

Without the variable (JupyterLab, papermill) nothing is shared and nothing is written.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

STORE_ENV = "WORKBENCH_DASHBOARD_PLANS"


def store_folder() -> Path | None:
    """The server's shared folder, or None when there is none."""
    folder = os.environ.get(STORE_ENV)
    return Path(folder) if folder and Path(folder).is_dir() else None


def inputs_id(paths: Iterable[Path]) -> str:
    """A short identity of files as they are now: it changes when any of them is
    added, removed, rewritten or touched (name, size and modification time)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def folder_files(folder: Path) -> list[Path]:
    """Every file under ``folder``."""
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def read(name: str) -> bytes | None:
    """The shared file ``name``'s bytes; None when it is not there (yet)."""
    folder = store_folder()
    if folder is None:
        return None
    try:
        return (folder / name).read_bytes()
    except OSError:
        return None


def has(names: Iterable[str]) -> bool:
    """Whether every one of the shared files is there."""
    folder = store_folder()
    return folder is not None and all((folder / name).is_file() for name in names)


def claim(name: str) -> bool:
    """Take the background work on ``name``: True for the first process to ask, False
    for every later one (another process is on it, or has done it). Without a shared
    folder, or when the folder cannot tell, the answer is True: work done twice, never
    work left undone. A page that needs the answer at once never waits for a claim."""
    folder = store_folder()
    if folder is None:
        return True
    try:
        os.close(os.open(folder / f".claim-{name}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return True
    return True


def write(name: str, payload: bytes) -> None:
    """Share ``payload`` as ``name``, whole (written aside, then renamed into place).
    A failure to write (disk full, folder removed) only means it is not shared."""
    folder = store_folder()
    if folder is None:
        return
    staged: str | None = None
    try:
        handle, staged = tempfile.mkstemp(dir=folder, prefix=".writing-")
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(staged, folder / name)
    except OSError:
        if staged is not None:
            Path(staged).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m workbench.plan_store <data folder>``: what `workbench dashboard` runs
    beside Voilà (see the module's docstring). Prints one line when it is done."""
    from workbench import dashboard  # imported here: dashboard itself uses this module

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or store_folder() is None:
        print(f"usage: {STORE_ENV}=<folder> python -m workbench.plan_store <data folder>",
              file=sys.stderr)
        return 2
    os.nice(19)  # every page's kernel, and the browser, go first
    try:
        done = dashboard.fill_shared_plans(args[0])
    except Exception as exc:  # the pages still work their plans out themselves
        print(f"shared plans: stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"shared plans: {done} budget-slider positions worked out for every page", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
