"""Errors the workbench raises on bad input, each naming where the problem is."""

from __future__ import annotations

import re

# C0 controls (ESC, BEL, NUL, newline ...), DEL, C1 controls (the 8-bit CSI ...) and
# the Unicode bidirectional overrides: text from an input file that a terminal would
# act on (clear the screen, move the cursor, re-order what is shown) instead of show.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written out as a visible escape
    (ESC as ``\\x1b``, a newline as ``\\n``), so that a message quoting a file name
    or a cell prints on one line and does nothing to the terminal."""
    return _CONTROLS.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
        char, f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


class WorkbenchError(Exception):
    """Base class: a problem a user can fix, with a one-line message."""


class DataFileError(WorkbenchError):
    """A file-level problem: the file cannot be used at all.

    The message names the file and, where it applies, the column (or the cells).
    """

    def __init__(self, file: str, problem: str, *, column: str | None = None) -> None:
        self.file = file
        self.column = column
        self.problem = problem
        where = f"{file}, column {column!r}" if column else file
        super().__init__(printable(f"{where}: {problem}"))


class StageSkipped(WorkbenchError):
    """A stage cannot run because an input it needs is missing or unusable."""


class InvalidCountryCode(WorkbenchError):
    """A country parameter that is not an ISO 3166-1 alpha-2 code."""
