"""One table checked against its contract: read as text, parsed column by column,
every row that breaks a rule set aside with its reason.

The engine :mod:`workbench.loading` runs for each of a country's tables. A table is
read as text (:func:`read_text_table`: a CSV or the first sheet of a workbook,
nothing inferred), then :func:`validate_table` parses each column according to its
pandera schema (``workbench.schemas``) and applies the schema's checks, the unique
keys and the table's row rules, all vectorised. A rejected row is kept exactly as it
was read, with its spreadsheet row number and a ``reason`` naming the column and the
rule; per (column, rule), only the count of rows set aside is kept for publication.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_lib
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from workbench import schemas, vocab
from workbench.errors import DataFileError
from workbench.input_files import checked_file
from workbench.spreadsheet import SheetText, read_first_sheet

# The spreadsheet row number of the first data row (the header is row 1).
FIRST_DATA_ROW = 2
ROW_COLUMN = "row"
REASON_COLUMN = "reason"
# The columns of TableLoad.set_aside: rows set aside by each rule, no cell values.
SET_ASIDE_COLUMNS = ("column", "rule", "rows")


# --------------------------------------------------------------------------- reading


def find_table_file(folder: Path, stem: str) -> Path | None:
    """``<stem>.csv`` or ``<stem>.xlsx`` in ``folder``; both at once is an error, and so
    is either name held by something other than a regular file inside ``folder``."""
    csv_path = checked_file(folder, f"{stem}.csv")
    xlsx_path = checked_file(folder, f"{stem}.xlsx")
    if csv_path and xlsx_path:
        raise DataFileError(
            csv_path.name, f"both {csv_path.name} and {xlsx_path.name} are present; keep one"
        )
    return csv_path or xlsx_path


def read_text_table(path: Path) -> SheetText:
    """Read a CSV (UTF-8, with or without BOM) or the first sheet of an XLSX, all as text.

    Nothing is inferred: ``NA`` (Namibia) stays the text ``NA``; only empty cells
    are missing. Column names are stripped of spaces.
    """
    if path.suffix.lower() == ".xlsx":
        sheet = read_first_sheet(path)
    else:
        table = _read_csv(path)
        sheet = SheetText(table, np.arange(table.num_rows, dtype=np.int64) + FIRST_DATA_ROW)
    names = [str(c).strip() for c in sheet.table.column_names]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataFileError(path.name, "the column appears twice in the header", column=name)
        seen.add(name)
    return SheetText(sheet.table.rename_columns(names), sheet.row_numbers, sheet.not_values)


def _read_csv(path: Path) -> pa_lib.Table:
    header = _csv_header(path)
    try:
        return pa_csv.read_csv(
            path,
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa_lib.string() for name in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa_lib.ArrowInvalid as exc:
        message = str(exc)
        if "utf8" in message.lower():
            raise DataFileError(path.name, "the file is not UTF-8 text") from None
        # Arrow's message quotes the offending line, a respondent's answers: the error
        # is published (summary, manifest, index), so it names the row instead.
        first_line = _QUOTED_LINE.sub(r"\1", message.splitlines()[0])
        problem = _misfit_row(path, len(header)) or f"cannot be read as CSV ({first_line})"
        raise DataFileError(path.name, problem) from None


# What follows "Expected 24 columns, got 3" in Arrow's message: the line itself.
_QUOTED_LINE = re.compile(r"(got \d+):.*")


def _misfit_row(path: Path, width: int) -> str | None:
    """The first row that does not fit the header: too few or too many cells, or a
    line break inside a quoted cell (the reader takes each line for a row)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, cells in enumerate(csv.reader(handle), start=1):
            if number == 1 or not cells:
                continue
            if len(cells) != width:
                return f"row {number} has {len(cells)} cells where the header has {width}"
            if any("\n" in cell or "\r" in cell for cell in cells):
                return f"row {number}: a cell holds a line break; write each row on one line"
    return None


def _csv_header(path: Path) -> list[str]:
    """The CSV's column names (a byte-order mark is not part of the first name)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise DataFileError(path.name, "the file is not UTF-8 text") from None
    except OSError as exc:
        raise DataFileError(path.name, f"cannot be read ({exc.strerror})") from None
    if not header or not any(cell.strip() for cell in header):
        raise DataFileError(path.name, "the file is empty")
    return header


# --------------------------------------------------------------------------- parsing

# A plain decimal number: what the contract calls "plain" (no thousands separators,
# no currency signs, no inf/nan).
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
# Infinity and not-a-number as programs write them (matched ignoring case).
_NON_FINITE = r"^[+-]?(inf|infinity|nan)$"


@dataclass(frozen=True)
class RowReason:
    """The reasons of one rule: the column and the rule, named without any cell value
    (what may be published), and how to word each rejected row's reason (which may
    quote the cells as read: analyst-only)."""

    column: str
    rule: str
    build: Callable[[np.ndarray], list[str]]

    def __call__(self, rows: np.ndarray) -> list[str]:
        return self.build(rows)

    @classmethod
    def per_row(cls, column: str, rule: str, texts: pd.Series) -> RowReason:
        """A rule whose reasons were worded for every row of the frame at once."""
        values = texts.to_numpy(dtype=object)
        return cls(column, rule, lambda rows: list(values[rows]))


def _column_and_rule(reason: str | pd.Series | Callable) -> tuple[str, str]:
    """What a reason given to ``_Rejections.add`` says without any cell value."""
    if isinstance(reason, RowReason):
        return reason.column, reason.rule
    if isinstance(reason, str):  # a fixed text "<column>: <rule>"
        column, _, rule = reason.partition(": ")
        return (column, rule) if rule else ("", reason)
    return "", "other check"


class _Rejections:
    """Per-row reasons, gathered cheaply: work grows with the failures, not the rows.

    Columns are parsed on several threads at once; each ``add`` appends one
    (rows, reasons, rank) entry in a single list operation, which is atomic in
    CPython, so rows and their reasons never get out of step. ``rank`` (the column's
    place in the schema) keeps a row's reasons in the same order whichever thread
    finished first.
    """

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self._found: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._counted: list[tuple[int, str, str, int]] = []  # rank, column, rule, rows

    def add(self, mask: np.ndarray | pd.Series, reason: str | pd.Series | Callable,
            rank: int = 1_000) -> None:
        """Reject the rows in ``mask`` with ``reason``: a text, a per-row Series, or a
        callable mapping the rejected row positions to their reasons."""
        if isinstance(mask, pd.Series):  # row rules give nullable booleans: unknown is no
            mask = mask.fillna(False).to_numpy(dtype=bool)
        hit = np.flatnonzero(np.asarray(mask, dtype=bool))
        if hit.size == 0:
            return
        if callable(reason):
            texts = np.asarray(reason(hit), dtype=object)
        elif isinstance(reason, pd.Series):
            texts = reason.to_numpy(dtype=object)[hit]
        else:
            texts = np.full(hit.size, reason, dtype=object)
        self._found.append((hit, texts, rank))
        self._counted.append((rank, *_column_and_rule(reason), int(hit.size)))

    def counts(self) -> pd.DataFrame:
        """Rows set aside by each (column, rule), in the schema's column order."""
        if not self._counted:
            return pd.DataFrame(columns=list(SET_ASIDE_COLUMNS))
        counted = pd.DataFrame(sorted(self._counted, key=lambda entry: entry[0]),
                               columns=["rank", *SET_ASIDE_COLUMNS])
        return (counted.groupby(["column", "rule"], sort=False, as_index=False)["rows"].sum()
                .reset_index(drop=True))

    def reasons(self) -> pd.Series:
        """Rejected row position -> '; '-joined reasons, in row order."""
        if not self._found:
            return pd.Series([], dtype=object)
        found = sorted(self._found, key=lambda entry: entry[2])  # stable: keeps add order
        joined = pd.Series(np.concatenate([texts for _, texts, _ in found]),
                           index=np.concatenate([rows for rows, _, _ in found]))
        return joined.groupby(level=0, sort=True).agg("; ".join)


class _ColumnRejections:
    """One column's view of the rejections: every reason carries the column's rank."""

    def __init__(self, rejections: _Rejections, rank: int) -> None:
        self._rejections, self._rank = rejections, rank

    def add(self, mask: np.ndarray | pd.Series, reason: str | pd.Series | Callable) -> None:
        self._rejections.add(mask, reason, self._rank)


def _to_bool(array: pa_lib.ChunkedArray | pa_lib.Array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _quoted(raw: pa_lib.ChunkedArray, column: str, problem: str) -> RowReason:
    """A reason builder quoting the rejected cells as they were read."""

    def build(rows: np.ndarray) -> list[str]:
        values = raw.take(pa_lib.array(rows)).to_pylist()
        return [f"{column}: {v!r} {problem}" for v in values]

    return RowReason(column, problem, build)


def _blank_to_null(raw: pa_lib.ChunkedArray) -> pa_lib.ChunkedArray:
    """Strip surrounding spaces; an all-space cell is blank like an empty one."""
    trimmed = pc.utf8_trim_whitespace(raw)
    emptied = pc.equal(trimmed, "")
    if not pc.any(emptied).as_py():  # the usual case: skip a copy of the column
        return trimmed
    return pc.if_else(emptied, pa_lib.scalar(None, pa_lib.string()), trimmed)


def _parse_numbers(text: pa_lib.ChunkedArray) -> pa_lib.ChunkedArray:
    """Plain decimal numbers to float64; anything else (including inf and nan) to null."""
    try:
        numbers = pc.cast(text, pa_lib.float64())
    except (pa_lib.ArrowInvalid, pa_lib.ArrowNotImplementedError):
        numbers = None
    if numbers is not None and pc.all(pc.is_finite(numbers)).as_py() is not False:
        return numbers
    # Some cell is not a plain number: cast only those that are.
    plain = pc.match_substring_regex(text, _NUMBER)
    return pc.cast(pc.if_else(plain, text, pa_lib.scalar(None, pa_lib.string())),
                   pa_lib.float64())


def _written_as_parsed(text: pa_lib.ChunkedArray, dates: pa_lib.ChunkedArray) -> pa_lib.ChunkedArray:
    """Whether each parsed date has the month and day that were written.

    Comparing the written month and day with the parsed ones catches a rolled-over
    day; formatting the dates back to text would too, but Arrow's strftime is some
    twenty times slower.
    """
    canonical = pc.and_(pc.is_valid(dates), pc.equal(pc.utf8_length(text), 10))
    written = pc.if_else(canonical, text, pa_lib.scalar("0000-00-00"))
    try:
        month = pc.cast(pc.utf8_slice_codeunits(written, 5, 7), pa_lib.int64())
        day = pc.cast(pc.utf8_slice_codeunits(written, 8, 10), pa_lib.int64())
    except pa_lib.ArrowInvalid:  # an odd form strptime accepted: compare as text
        return pc.equal(pc.strftime(dates, format="%Y-%m-%d"), text)
    return pc.and_(canonical, pc.and_(pc.equal(pc.month(dates), month),
                                      pc.equal(pc.day(dates), day)))


def _parse_column(
    text: pa_lib.ChunkedArray,
    raw: pa_lib.ChunkedArray,
    kind: str,
    column: str,
    rejections: _Rejections | _ColumnRejections,
) -> pa_lib.ChunkedArray:
    """Parse one column (``text``: trimmed, blanks null; ``raw``: as read, for reasons)
    to its typed form, rejecting cells that do not parse."""
    if kind in ("id", "text", "ref", "idlist"):
        return text
    # Vocabularies are ASCII, so ASCII lower-casing gives the same matches as full
    # Unicode lower-casing, some twenty times faster.
    if kind == "code":
        return pc.ascii_lower(text)
    present = _to_bool(pc.is_valid(text))
    if kind == "yesno":
        lowered = pc.ascii_lower(text)
        yes = pc.is_in(lowered, value_set=pa_lib.array(sorted(vocab.YES_VALUES)))
        no = pc.is_in(lowered, value_set=pa_lib.array(sorted(vocab.NO_VALUES)))
        bad = present & ~_to_bool(yes) & ~_to_bool(no)
        rejections.add(bad, _quoted(raw, column, "is not yes or no"))
        return pc.if_else(yes, True, pc.if_else(no, False, pa_lib.scalar(None, pa_lib.bool_())))
    if kind in ("int", "number"):
        numbers = _parse_numbers(text)
        unparsed = present & ~_to_bool(pc.is_valid(numbers))
        if unparsed.any():
            infinite = unparsed & _to_bool(
                pc.match_substring_regex(text, _NON_FINITE, ignore_case=True))
            rejections.add(infinite, _quoted(raw, column, "is not a finite number"))
            rejections.add(unparsed & ~infinite, _quoted(raw, column, "is not a number"))
        # Beyond the limit (1e309 parses to infinity) is no real value, and the
        # products the methods form (weight x entities x cost) could overflow.
        beyond = _to_bool(pc.greater(pc.abs(numbers), schemas.NUMBER_LIMIT))
        if beyond.any():
            rejections.add(beyond, _quoted(raw, column, schemas.BEYOND_LIMIT))
            numbers = pc.if_else(pa_lib.array(beyond), pa_lib.scalar(None, pa_lib.float64()),
                                 numbers)
        if kind == "number":
            return numbers
        whole = pc.equal(pc.floor(numbers), numbers)
        rejections.add(_to_bool(pc.invert(whole)), _quoted(raw, column, "is not a whole number"))
        return pc.cast(pc.if_else(whole, numbers, pa_lib.scalar(None, pa_lib.float64())),
                       pa_lib.int64())
    if kind == "date":
        dates = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls impossible days over (2025-02-30 becomes 2025-03-02), always
        # onto the 1st to 3rd of the next month: only those dates need the written
        # month and day compared with the parsed ones.
        suspects = np.flatnonzero(_to_bool(pc.less_equal(pc.day(dates), 3)))
        if suspects.size:
            picked = pa_lib.array(suspects)
            exact = _to_bool(_written_as_parsed(text.take(picked), dates.take(picked)))
            rolled = np.zeros(len(dates), dtype=bool)
            rolled[suspects[~exact]] = True
            if rolled.any():
                dates = pc.if_else(pa_lib.array(rolled), pa_lib.scalar(None, dates.type), dates)
        unparsed = present & ~_to_bool(pc.is_valid(dates))
        if unparsed.any():
            # Rarely reached: ISO 8601 forms other than YYYY-MM-DD (e.g. a time part,
            # as spreadsheets write dates). Parsed one by one, only for these cells.
            rows = np.flatnonzero(unparsed)
            retry = pd.to_datetime(
                pd.Series(text.take(pa_lib.array(rows)).to_pylist(), dtype=object),
                format="ISO8601", errors="coerce",
            ).dt.floor("s")
            if retry.notna().any():
                mask = np.zeros(len(unparsed), dtype=bool)
                mask[rows] = True
                replacements = pa_lib.array(retry.to_numpy(dtype="datetime64[s]"), type=dates.type,
                                            from_pandas=True)
                dates = pc.replace_with_mask(dates.combine_chunks(), pa_lib.array(mask), replacements)
            still = np.zeros(len(unparsed), dtype=bool)
            still[rows] = retry.isna().to_numpy()
            rejections.add(still, _quoted(raw, column, "is not a date (YYYY-MM-DD)"))
        return dates
    raise ValueError(f"unknown column kind {kind!r}")


def _check_failures(check: pa.Check, typed: pa_lib.ChunkedArray) -> tuple[np.ndarray, str]:
    """Evaluate a pandera check of the schema on an Arrow column: (failing rows, problem)."""
    stats = check.statistics or {}
    if check.name == "isin":
        allowed = list(stats["allowed_values"])
        outside = pc.invert(pc.is_in(typed, value_set=pa_lib.array(allowed)))
        listed = ", ".join(map(str, allowed[:6])) + (", ..." if len(allowed) > 6 else "")
        # Blank cells are the nullable rule's business, not this check's.
        return _to_bool(pc.and_(outside, pc.is_valid(typed))), (
            f"is not one of the allowed values ({listed})")
    if check.name == "greater_than_or_equal_to":
        bound = stats["min_value"]
        return _to_bool(pc.less(typed, bound)), "is negative" if bound == 0 else f"is below {bound}"
    if check.name == "greater_than":
        bound = stats["min_value"]
        problem = "is not positive" if bound == 0 else f"is not above {bound}"
        return _to_bool(pc.less_equal(typed, bound)), problem
    if check.name == "less_than_or_equal_to":
        bound = stats["max_value"]
        return _to_bool(pc.greater(typed, bound)), f"is above {bound}"
    # Any other pandera check runs as pandera defines it.
    series = typed.to_pandas()
    present = series.notna()
    result = check(series[present])
    passed = result.check_output.reindex(series.index, fill_value=True).astype(bool)
    return ~passed.to_numpy(), f"fails the check {check.name}"


def _duplicates(frame: pd.DataFrame, keys: list[str],
                row_numbers: np.ndarray) -> tuple[np.ndarray, RowReason]:
    """Rows whose key repeats an earlier row's key (the first one stays)."""
    complete = frame[keys].notna().all(axis=1)
    dup = (frame[keys].duplicated(keep="first") & complete).to_numpy()
    label = " + ".join(keys)

    def build(rows: np.ndarray) -> list[str]:
        first = (
            frame.loc[complete, keys]
            .assign(_row=row_numbers[np.flatnonzero(complete.to_numpy())])
            .drop_duplicates(keys, keep="first")
            .set_index(keys)["_row"]
        )
        reasons = []
        for row in rows:
            key = tuple(frame.iloc[row][keys])
            earlier = first.loc[key if len(keys) > 1 else key[0]]
            reasons.append(f"{label}: {' / '.join(map(str, key))!r} repeats row {earlier}")
        return reasons

    return dup, RowReason(label, "repeats an earlier row", build)


def _has_repeats(column: pa_lib.ChunkedArray) -> bool:
    """Whether any non-blank value repeats. Sorting and comparing neighbours is the
    cheapest exact test Arrow offers (hash-based distinct counts are slower here)."""
    values = column.filter(pc.is_valid(column)) if column.null_count else column
    if len(values) < 2:
        return False
    ordered = values.take(pc.array_sort_indices(values))
    return pc.any(pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))).as_py()


# Rough relative cost of parsing a column of each kind (for scheduling only).
_PARSE_COST = {"date": 3, "id": 3, "number": 2, "int": 2, "yesno": 1, "code": 1}

_PANDAS_TYPES = {
    pa_lib.string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa_lib.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa_lib.bool_(): pd.BooleanDtype(),
    pa_lib.int64(): pd.Int64Dtype(),
}


def validate_table(
    raw: pa_lib.Table | SheetText,
    model: type[pa.DataFrameModel],
    file_name: str,
    extra_rules: list[RowRule] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split a text table into (valid typed rows, quarantined rows as read, with reasons,
    rows set aside by each column and rule).

    A bare table's rows are numbered from FIRST_DATA_ROW; a sheet carries its own
    row numbers and the cells that hold no value (formulas), each rejected as such.
    Raises DataFileError when a required column is missing.
    """
    if isinstance(raw, SheetText):
        sheet = raw
    else:
        sheet = SheetText(raw, np.arange(raw.num_rows, dtype=np.int64) + FIRST_DATA_ROW)
    raw = sheet.table
    columns = schemas.columns(model)
    missing = [
        name for name, col in columns.items()
        if col.metadata["required"] and name not in raw.column_names
    ]
    if missing:
        raise DataFileError(
            file_name,
            "required column missing" if len(missing) == 1
            else f"required columns missing: {', '.join(missing)}",
            column=missing[0],
        )
    rejections = _Rejections(raw.num_rows)
    repeated: dict[str, bool] = {}
    present = [(name, col) for name, col in columns.items() if name in raw.column_names]

    rank = {name: position for position, (name, _) in enumerate(present)}

    def parse(item: tuple[str, pa.Column]) -> pa_lib.ChunkedArray:
        name, column = item
        kind = column.metadata["kind"]
        text = _blank_to_null(raw.column(name))
        found = _ColumnRejections(rejections, rank[name])
        not_value = _reject_not_values(raw.column(name), name, sheet.not_values.get(name), found)
        if not_value is not None:  # parsed as blank: reported once, as what it is
            text = pc.if_else(pa_lib.array(not_value), pa_lib.scalar(None, pa_lib.string()), text)
        typed = _parse_column(text, raw.column(name), kind, name, found)
        if not column.nullable:
            # Judged on the text, so that a value that did not parse is reported once,
            # as such, and not also as blank.
            blank = _to_bool(pc.is_null(text))
            found.add(blank if not_value is None else blank & ~not_value,
                      f"{name}: blank, a value is required")
        for check in column.checks:
            failing, problem = _check_failures(check, typed)
            found.add(failing, _quoted(raw.column(name), name, problem))
        if kind == "id":
            repeated[name] = _has_repeats(typed)
        return typed

    # Arrow kernels release the GIL: parse columns on every core, the costliest
    # kinds first so that the cores finish together.
    order = sorted(present, key=lambda item: _PARSE_COST.get(item[1].metadata["kind"], 0),
                   reverse=True)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parsed = dict(zip([n for n, _ in order], pool.map(parse, order)))
        typed = pa_lib.table({name: parsed[name] for name, _ in present})
        valid, quarantine = _split_rows(typed, raw, model, rejections, repeated, extra_rules, pool,
                                        sheet.row_numbers)
    return valid, quarantine, rejections.counts()


def _reject_not_values(
    raw: pa_lib.ChunkedArray,
    column: str,
    cells: dict[int, str] | None,
    rejections: _ColumnRejections,
) -> np.ndarray | None:
    """Reject the column's cells that hold no value (a formula, an error value);
    returns their mask."""
    if not cells:
        return None
    mask = np.zeros(len(raw), dtype=bool)
    mask[list(cells)] = True

    def build(rows: np.ndarray) -> list[str]:
        values = raw.take(pa_lib.array(rows)).to_pylist()
        return [f"{column}: {v!r} {cells[int(r)]}" for v, r in zip(values, rows)]

    rejections.add(mask, RowReason(column, "a formula or an error value, not a value", build))
    return mask


def _split_rows(
    typed: pa_lib.Table,
    raw: pa_lib.Table,
    model: type[pa.DataFrameModel],
    rejections: _Rejections,
    repeated: dict[str, bool],
    extra_rules: list[RowRule] | None,
    pool: ThreadPoolExecutor,
    row_numbers: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the whole-table rules, then split the rows into valid and quarantined."""

    keys = [[name] for name, has_repeats in repeated.items() if has_repeats]
    unique_keys = getattr(model.Config, "unique", None)
    if unique_keys:
        keys.append(list(unique_keys))
    # The pandas frame is built only when a rule needs it (converting a million rows
    # twice would cost more than every check together).
    frame = typed.to_pandas(types_mapper=_PANDAS_TYPES.get) if keys or extra_rules else None
    for key in keys:
        rejections.add(*_duplicates(frame, key, row_numbers))
    for rule in extra_rules or []:
        for mask, reason in rule(frame):
            rejections.add(mask, reason)

    reasons = rejections.reasons()
    bad = np.zeros(raw.num_rows, dtype=bool)
    bad[reasons.index.to_numpy(dtype=np.int64)] = True
    if frame is not None and not bad.any():
        valid = frame
    else:  # filtering in Arrow (a column per core) beats boolean indexing in pandas
        keep = pa_lib.array(~bad)
        kept = pa_lib.table(dict(zip(typed.column_names, pool.map(
            lambda column: column.filter(keep), typed.columns)))) if bad.any() else typed
        valid = kept.to_pandas(types_mapper=_PANDAS_TYPES.get)
    quarantine = raw.take(pa_lib.array(np.flatnonzero(bad))).to_pandas(
        types_mapper=_PANDAS_TYPES.get)
    quarantine.insert(0, ROW_COLUMN, row_numbers[reasons.index.to_numpy(dtype=np.int64)])
    quarantine[REASON_COLUMN] = reasons.to_numpy()
    return valid, quarantine


# A row rule maps the typed frame to (mask, reason) pairs; reason may be per row.
RowRule = Callable[[pd.DataFrame], list[tuple[pd.Series, object]]]
