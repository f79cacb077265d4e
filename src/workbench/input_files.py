"""A country folder's files, looked at before anything opens them.

A contract file must be a regular file inside its country folder. Anything else
under a contract name is a file-level error, never "absent": a folder, a device or
pipe (opening a FIFO would block the reader forever), a symbolic link loop, a
dangling link, or a link leading outside the country folder (the folder is the unit
an analyst checks and hands over; nothing outside it may reach a report). A link
that stays inside the folder and reaches a regular file is followed, so a table may
point at a dated export (``survey_responses.csv -> survey_2025-06.csv``).

Everything here only inspects names and modes (``lstat``/``stat``, ``realpath``);
nothing is opened.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from workbench.errors import DataFileError
from workbench.hashing import file_sha256

NOT_A_FILE = "is a folder, not a file"
OUTSIDE = "is a symbolic link leading outside the country folder"
LOOP = "is a symbolic link loop (it never reaches a file)"
DANGLING = "is a symbolic link to nothing (its target does not exist)"
SPECIAL = "is a device or pipe, not a file"


def _kind_problem(mode: int) -> str | None:
    """Why an entry of this mode cannot be read as a file (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return NOT_A_FILE
    return SPECIAL


def checked_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` when it is safe to read; None when nothing has that name.

    Raises DataFileError naming the file when the entry exists but is not a regular
    file inside ``folder`` (see the module docstring).
    """
    entry = Path(folder) / name
    try:
        own = entry.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise DataFileError(name, f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISLNK(own.st_mode):
        problem = _kind_problem(own.st_mode)
        if problem:
            raise DataFileError(name, problem)
        return entry
    # realpath without strict never raises and never opens: judge where the link
    # leads before following it at all.
    home = Path(os.path.realpath(folder))
    target = Path(os.path.realpath(entry))
    if not target.is_relative_to(home):
        raise DataFileError(name, OUTSIDE)
    try:
        reached = os.stat(entry)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataFileError(name, LOOP) from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise DataFileError(name, DANGLING) from None
        raise DataFileError(name, f"cannot be read ({exc.strerror})") from None
    problem = _kind_problem(reached.st_mode)
    if problem:
        raise DataFileError(name, problem)
    return entry


def country_files(folder: Path) -> dict[str, Path]:
    """Every file of a country folder that is safe to read, by name (hidden files
    left out). Entries :func:`checked_file` refuses are left out too: the loaders
    report them when they carry a contract name."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    files = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        try:
            path = checked_file(folder, entry.name)
        except DataFileError:
            continue
        if path is not None:
            files[entry.name] = path
    return files


def input_sha256(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a country folder that is safe to read, by name."""
    return {name: file_sha256(path) for name, path in country_files(folder).items()}
