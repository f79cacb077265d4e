"""Writing output files so that a failed write (a full disk, a quota, a read-only
folder) leaves nothing half-written behind and is told in one line naming the file.

A file is written to a temporary name beside its target and renamed over it only
once complete: readers see the old file or the new one, never a truncated one, and
the temporary file is removed whatever stopped the write.
"""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from workbench.errors import WorkbenchError

# What only a write runs into: a full disk or quota, a file too large, a read-only
# file system.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


class OutputWriteError(WorkbenchError):
    """An output file could not be written; the message names it and says why."""


def os_error_line(exc: OSError) -> str:
    """One line for an OSError: the file and the reason, no errno or traceback.

    ``cannot write reports/KE/summary.json: No space left on device`` for what only
    a write runs into, ``<file>: <reason>`` for anything else.
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    if not exc.filename:
        return f"{'cannot write: ' if exc.errno in WRITE_ERRNOS else ''}{reason}"
    verb = "cannot write " if exc.errno in WRITE_ERRNOS else ""
    return f"{verb}{exc.filename}: {reason}"


def cannot_write(target: Path | str, exc: OSError) -> OutputWriteError:
    """The one-line error for ``target`` that could not be written.

    A failing ``write()`` (a full disk) raises an OSError that names no file: the
    caller, which knows what it was writing, names it here.
    """
    return OutputWriteError(f"cannot write {target}: {exc.strerror or exc or type(exc).__name__}")


def temporary_name(target: Path) -> Path:
    """The hidden name a file is written under before it is renamed to ``target``."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")


def write_atomic(target: Path | str, write: Callable[[Path], object]) -> Path:
    """Write ``target`` through ``write(temporary_path)``, then rename it into place.

    Raises:
        OutputWriteError: the file could not be written (the temporary file is
            removed; an existing ``target`` is left as it was).
    """
    target = Path(target)
    temporary = temporary_name(target)
    try:
        write(temporary)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise cannot_write(target, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(target: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` as :func:`write_atomic` does."""
    return write_atomic(target, lambda path: path.write_text(text, encoding="utf-8"))
