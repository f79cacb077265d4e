"""Errors the workbench raises on bad input, each naming where the problem is."""

from __future__ import annotations


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
        super().__init__(f"{where}: {problem}")


class StageSkipped(WorkbenchError):
    """A stage cannot run because an input it needs is missing or unusable."""


class InvalidCountryCode(WorkbenchError):
    """A country parameter that is not an ISO 3166-1 alpha-2 code."""
