"""The first sheet of an ``.xlsx`` workbook, read as text, cell by cell.

The workbook is inspected before it is read: an ``.xlsx`` is a zip archive, and one
whose members unpack to an absurd size (a "zip bomb") is refused from the archive's
central directory alone, before any of it is unpacked. The sizes there bound what
Python's ``zipfile`` (which openpyxl reads through) will ever unpack: it stops at a
member's declared size and fails the CRC check if the data goes on.

Cells are read with their formulas (openpyxl without ``data_only``). A formula is
not a value: what it showed depends on the program that last saved the file (a file
written by a script carries no result at all), so such cells are reported, never
read as blank or as a stale cached result. Spreadsheet error values (``#N/A``,
``#DIV/0!``) are reported the same way. Every row keeps the row number the analyst
sees in the spreadsheet, blank rows skipped.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from workbench.errors import DataFileError

# All members of the archive together may unpack to at most this many bytes. A sheet
# of 200 MB holds some 200,000 rows of 20 columns; larger tables belong in CSV.
MAX_UNPACKED_BYTES = 200_000_000
# A member larger than this may unpack to at most MAX_RATIO times its packed size.
# Real sheets pack 5-30:1 (measured: 16:1 for 50,000 survey rows, 17:1 for a sheet of
# one repeated value); only crafted data packs beyond 100:1.
RATIO_CHECKED_BYTES = 10_000_000
MAX_RATIO = 100

FORMULA = "is a formula, not a value"
ERROR_VALUE = "is a spreadsheet error, not a value"


@dataclass(frozen=True)
class SheetText:
    """A sheet as text: the table, the sheet row number of each of its rows, and the
    cells that hold no value (column -> {row position: problem})."""

    table: pa.Table
    row_numbers: np.ndarray
    not_values: dict[str, dict[int, str]] = field(default_factory=dict)


def check_unpacked_size(path: Path) -> None:
    """Refuse a workbook whose archive unpacks to an absurd size (before reading it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFileError(path.name, f"cannot be read as an Excel workbook ({exc})") from None
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        raise DataFileError(
            path.name,
            f"unpacks to {total / 1e6:,.0f} MB, more than the {MAX_UNPACKED_BYTES / 1e6:,.0f} MB "
            "a workbook may hold; save the table as CSV instead",
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_BYTES and ratio > MAX_RATIO:
            raise DataFileError(
                path.name,
                f"its part {member.filename} unpacks {ratio:,.0f} times its packed size "
                f"(more than {MAX_RATIO}:1 is not a real sheet); save the table as CSV instead",
            )


def _text(value: object) -> str | None:
    """A cell's value as text, as a spreadsheet shows it (None when empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Whole numbers as integers (Excel stores every number as a float).
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return str(value)
    return str(getattr(value, "text", value))  # array formulas carry their text


def read_first_sheet(path: Path) -> SheetText:
    """The first sheet of ``path`` as text; the first non-blank row is the header."""
    check_unpacked_size(path)
    from openpyxl import load_workbook  # imported here: CSV-only runs never need it

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise DataFileError(path.name, f"cannot be read as an Excel workbook ({exc})") from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise DataFileError(path.name, "the workbook has no sheet")
        sheet = sheets[0]
        sheet.reset_dimensions()  # declared dimensions may be wrong: read what is there
        header: list[str] | None = None
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        not_values: list[tuple[int, int, str]] = []  # (position, column index, problem)
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            texts = [_text(cell.value) for cell in cells]
            if not any(text not in (None, "") for text in texts):
                continue
            if header is None:
                header = [text.strip() if text else "" for text in texts]
                continue
            position = len(rows)
            for index, cell in enumerate(cells[:len(header)]):
                if cell.data_type == "f":
                    not_values.append((position, index, FORMULA))
                elif cell.data_type == "e":
                    not_values.append((position, index, ERROR_VALUE))
            rows.append(texts)
            numbers.append(number)
    except DataFileError:
        raise
    except Exception as exc:
        raise DataFileError(path.name, f"cannot be read as an Excel workbook ({exc})") from None
    finally:
        book.close()
    if header is None:
        raise DataFileError(path.name, "the first sheet is empty")
    names = [name or f"Unnamed: {index}" for index, name in enumerate(header)]
    # A column with neither a name nor a value is only formatting.
    kept = [index for index, name in enumerate(header)
            if name or any(index < len(row) and row[index] is not None for row in rows)]
    table = pa.Table.from_arrays(
        [pa.array([row[index] if index < len(row) else None for row in rows], pa.string())
         for index in kept],
        names=[names[index] for index in kept],
    )
    cells_not_values: dict[str, dict[int, str]] = {}
    for position, index, problem in not_values:
        cells_not_values.setdefault(names[index], {})[position] = problem
    return SheetText(
        table=table,
        row_numbers=np.asarray(numbers, dtype=np.int64),
        not_values=cells_not_values,
    )

