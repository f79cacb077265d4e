"""The output folder's guard: where reports may go, and one writer at a time.

A run swaps its report folder in whole over ``<out>/<CC>/``, a batch rewrites
``manifest.json`` and ``index.html`` at the top of ``<out>``, and the rows set aside
for analysts go to ``<out>.private/``. None of that may land on a country's input
files, so an output folder that is, holds or sits inside a data country folder is
refused before anything is written (:func:`check_out_apart_from_data`); the same for
what ``import-veris`` writes (:func:`check_import_targets`).

Two processes writing to one output folder would swap reports in under each other
and record them wrongly in the manifest, so every run and batch holds the folder's
lock (:func:`writer_lock`) while it writes; another one is refused at once, naming
the holder. A batch's own country processes run under the batch's lock and do not
take it again.

Paths are compared once resolved (symlinks followed, ``..`` removed), so a link or a
roundabout spelling cannot get past the check.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench import paths
from workbench.countries import validate_country_code
from workbench.errors import InvalidCountryCode, WorkbenchError

LOCK_NAME = ".workbench.lock"
# The only file of a country's data folder an import may write.
IMPORTED_FILE = "incidents.csv"
_KEEP_APART = "keep the output apart from the data"


def _is_country_code(name: str) -> bool:
    try:
        validate_country_code(name)
    except InvalidCountryCode:
        return False
    return True


def data_country_folders(data_root: Path) -> list[Path]:
    """The country folders of ``data_root`` (named by an ISO code), each resolved."""
    data_root = Path(data_root)
    if not data_root.is_dir():
        return []
    return sorted(child.resolve() for child in data_root.iterdir()
                  if _is_country_code(child.name) and child.is_dir())


def _relation(target: Path, other: Path) -> str | None:
    """How ``target`` overlaps ``other``: "is", "is inside", "contains" or None."""
    if target == other:
        return "is"
    if target.is_relative_to(other):
        return "is inside"
    if other.is_relative_to(target):
        return "contains"
    return None


def _shown(given: Path, resolved: Path) -> str:
    """A path as the user gave it, and what it resolves to when that differs."""
    return str(given) if given == resolved else f"{given} (that is {resolved})"


def _overlap(label: str, target: Path, data_root: Path, countries: list[Path]) -> str | None:
    """Why ``target`` may not be written to, or None when it is apart from the data.

    ``label`` names the target as the user gave it; the paths compared are resolved.
    """
    relation = _relation(target, data_root)
    if relation in ("is", "contains"):
        return (f"{label} {relation} the data folder {data_root}: reports written "
                f"there would replace its country folders; {_KEEP_APART}")
    for country in countries:
        relation = _relation(target, country)
        if relation:
            return (f"{label} {relation} the data folder {country}: reports written "
                    f"there would replace or mix with its input files; {_KEEP_APART}")
    if _relation(target, data_root) == "is inside":
        first = target.relative_to(data_root).parts[0]
        if _is_country_code(first):
            return (f"{label} is in the data folder {data_root} under a country "
                    f"code ({first}): it would be read as that country's data; {_KEEP_APART}")
    return None


def check_out_apart_from_data(data_root: Path | str, out_root: Path | str, *,
                              with_private: bool = True) -> None:
    """Refuse an output folder that would write over, into or around country data.

    The output folder (and, with ``with_private``, its analyst-only folder
    ``<out>.private``) may not be a data country folder, sit inside one, or contain
    one; nor be or contain ``data_root``; nor sit in ``data_root`` under a country
    code's name, where it would be read as that country's data. An output folder
    elsewhere in ``data_root`` (``data/reports``) is allowed.

    Raises:
        WorkbenchError: one line naming the output folder and the data folder.
    """
    data_root = Path(data_root).resolve()
    given, out_root = Path(out_root), Path(out_root).resolve()
    countries = data_country_folders(data_root)
    targets = [(f"the output folder {_shown(given, out_root)}", out_root)]
    if with_private:
        private = paths.private_root(out_root)
        given_private = given.parent / f"{given.name}{paths.PRIVATE_SUFFIX}"
        targets.append((f"the analyst-only folder {_shown(given_private, private)}", private))
    for label, target in targets:
        problem = _overlap(label, target, data_root, countries)
        if problem:
            raise WorkbenchError(problem)


def check_import_targets(source: Path | str, out: Path | str, country: str,
                         skipped: Path | str | None = None) -> None:
    """Refuse an import that would overwrite its own input or a country's data.

    ``out`` (the incidents file) and ``skipped`` (the list of records not imported)
    may not be the source or sit inside a source folder, nor be one file. In a
    country's data folder (a folder named by a country code) the import may write
    only ``incidents.csv``, only for that country, and only when no incidents.xlsx
    is there beside it; the skipped list goes outside data folders.

    Raises:
        WorkbenchError: one line naming the paths.
    """
    source = Path(source).resolve()
    out = Path(out).resolve()
    targets = [("--out", out)]
    if skipped is not None:
        skipped = Path(skipped).resolve()
        if skipped == out:
            raise WorkbenchError(f"--skipped and --out are the same file ({out}): the skipped "
                                 "list would replace the incidents; name another file")
        targets.append(("--skipped", skipped))
    for label, target in targets:
        relation = _relation(target, source)
        if relation:
            raise WorkbenchError(f"{label} {target} {relation} the VERIS input {source}: it "
                                 "would be overwritten or read as input; write elsewhere")
    folder = out.parent
    if _is_country_code(folder.name):
        if folder.name != country:
            raise WorkbenchError(f"--out {out} is in the data folder of {folder.name}, not of "
                                 f"{country}: it would replace that country's data")
        if out.name != IMPORTED_FILE:
            raise WorkbenchError(f"--out {out} would replace a file of {country}'s data folder "
                                 f"{folder}: the import writes {IMPORTED_FILE} only")
        beside = folder / f"{Path(IMPORTED_FILE).stem}.xlsx"
        if beside.exists():
            raise WorkbenchError(f"{beside} is already there: with {out} beside it the "
                                 "folder would hold two incidents files; move it away first")
    if skipped is not None and _is_country_code(skipped.parent.name):
        raise WorkbenchError(f"--skipped {skipped} is in the data folder {skipped.parent}: "
                             "it would be read with the country's data; write it elsewhere")


def check_import_folder(source: Path | str, out_dir: Path | str, rejected: Path | str) -> None:
    """Refuse an import of every country that would overwrite its own input.

    ``out_dir`` (the folder that receives ``<CC>/incidents.csv``) may be a data root,
    but not a country's folder, the VERIS input, inside it or holding it; the
    rejected-records file goes neither into the input nor into a country's folder.

    Raises:
        WorkbenchError: one line naming the paths.
    """
    source = Path(source).resolve()
    out_dir = Path(out_dir).resolve()
    rejected = Path(rejected).resolve()
    if _is_country_code(out_dir.name):
        raise WorkbenchError(f"--out {out_dir} is a country's data folder: without --country, "
                             "--out is the data root that holds one folder per country")
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkbenchError(f"--out {out_dir} is a file: without --country, --out is a folder")
    # The input may sit inside the data root (data/vcdb/): only .csv files are written.
    for label, target, relation in (("--out", out_dir, _relation(out_dir, source)),
                                    ("--skipped", rejected, _relation(rejected, source))):
        if relation in ("is", "is inside") or (label == "--skipped" and relation):
            raise WorkbenchError(f"{label} {target} {relation} the VERIS input {source}: it "
                                 "would be overwritten or read as input; write elsewhere")
    if _is_country_code(rejected.parent.name):
        raise WorkbenchError(f"--skipped {rejected} is in the data folder {rejected.parent}: "
                             "it would be read with the country's data; write it elsewhere")


# --------------------------------------------------------------------------- lock


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@contextmanager
def writer_lock(out_root: Path | str, holder: str) -> Iterator[None]:
    """Hold the lock of ``out_root`` while writing to it (``out_root`` must exist).

    The lock file is ``<out_root>.private/.workbench.lock``: it names a process and a
    host, which have no place in the folder that is shared.

    ``holder`` says who holds it ("workbench batch", "workbench run KE"); it is
    written into the lock file with the process id, host and time, and named to
    whoever is refused. The lock is released when the block ends or the process
    dies (an ``flock``: nothing to clean up after a kill).

    Raises:
        WorkbenchError: another run or batch holds the lock (at once, no waiting).
    """
    path = paths.private_root(out_root) / LOCK_NAME
    try:
        paths.make_private_dir(path.parent)
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise WorkbenchError(f"cannot lock {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{holder}, pid {os.getpid()} on {socket.gethostname()} since {_now()}\n")
            handle.flush()
        except BlockingIOError:
            handle.seek(0)
            other = " ".join(handle.read().split()) or "holder unknown"
            raise WorkbenchError(
                f"another workbench process is writing to {out_root} ({other}); "
                "wait for it to end") from None
        except OSError as exc:  # a file system without locks, a full disk
            raise WorkbenchError(f"cannot lock {path}: {exc.strerror or exc}") from None
        yield
    finally:
        handle.close()  # releases the lock
