"""Tables written as CSV or Excel that a spreadsheet will not run as formulas.

Every CSV or XLSX the workbench writes goes through this module: the dashboard's
downloads, the rows set aside (quarantine), ``validate --out`` and ``import-veris``.
A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is what a
spreadsheet reads as a formula (OWASP, "CSV Injection"); such a cell gets a leading
single quote. Numbers are never touched. A file that is read back by the workbench
(an incidents.csv from ``import-veris``, a quarantine file fixed and re-imported)
keeps that quote in the text: delete it when the cell really is meant to start so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.output_files import write_atomic

# A spreadsheet reads a cell starting with one of these as a formula (OWASP,
# "CSV Injection"); tab and carriage return are on OWASP's list too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"


def neutralise_cell(value: object) -> object:
    """A cell a spreadsheet will not run: text starting with =, +, -, @, tab or
    carriage return gets a leading single quote (OWASP CSV-injection guidance).
    Numbers and everything else are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return NEUTRALISING_PREFIX + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_string_dtype(series):
            risky = series.str.startswith(FORMULA_PREFIXES, na=False)
            if risky.any():
                out[column] = series.where(~risky, NEUTRALISING_PREFIX + series.astype(str))
        elif series.dtype == object:
            # Text mixed with other values: checked cell by cell.
            out[column] = series.map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **to_csv: Any) -> Path:
    """Write ``frame`` (neutralised, without its index) to ``path`` as CSV.

    ``to_csv`` passes options such as ``float_format`` on to pandas.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_frame(frame)
    # Whole or not at all: a full disk leaves the previous file, never half of one.
    return write_atomic(path, lambda temporary: safe.to_csv(temporary, index=False, **to_csv))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as CSV (UTF-8 with byte-order mark, which spreadsheets need to read
    accents), every text cell neutralised."""
    return neutralise_frame(frame).to_csv(
        index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").encode("utf-8-sig")


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in '[]:*?/\\')[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def xlsx_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook with one sheet per table, every text cell neutralised (openpyxl
    would otherwise store a text starting with = as a formula)."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for title, frame in tables.items():
            neutralise_frame(frame).to_excel(writer, sheet_name=_sheet_name(title, used), index=False)
    return buffer.getvalue()

