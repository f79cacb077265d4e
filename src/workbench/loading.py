"""Load a country's folder against the data contract: valid rows and quarantined rows.

Every table is read as text, parsed column by column according to its pandera
schema (``workbench.schemas``), and checked with the schema's own checks, all
vectorised. A row that breaks a rule is quarantined exactly as it was read, with
its spreadsheet row number and a ``reason`` naming the column and the rule; for
every file ``rows = valid + quarantined``. A file-level problem (missing,
unreadable, undecodable, empty, a required column missing, survey cells missing
from the frame, a name that is not a regular file inside the country folder, a
workbook that unpacks to an absurd size) is recorded as the table's ``error`` and
stops only the stages that need that file.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_lib
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from workbench import paths, safe_tables, schemas, vocab
from workbench.errors import DataFileError, StageSkipped
from workbench.framework import Framework, load_framework
from workbench.input_files import checked_file, input_sha256
from workbench.output_files import write_text_atomic
from workbench.profile import Profile, load_profile
from workbench.spreadsheet import SheetText, read_first_sheet

# The spreadsheet row number of the first data row (the header is row 1).
FIRST_DATA_ROW = 2
ROW_COLUMN = "row"
REASON_COLUMN = "reason"
# The columns of TableLoad.set_aside: rows set aside by each rule, no cell values.
SET_ASIDE_COLUMNS = ("column", "rule", "rows")

# What each stage needs. A table in `optional` may be absent; a file-level error
# in it is still reported but does not stop the stage.
STAGE_INPUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "impact": {
        "required": ("business_population", "survey_responses"),
        "optional": ("incidents",),
    },
    "gaps": {
        "required": ("entities", "capability_assessment"),
        "optional": ("targets",),
    },
    "business_case": {
        "required": ("entities", "capability_assessment", "interventions"),
        "optional": ("targets",),
    },
}

# Tables the contract marks optional: absence is not a problem.
OPTIONAL_TABLES = frozenset({"incidents", "targets", "interventions"})


@dataclass
class TableLoad:
    """The outcome of loading one table."""

    name: str
    path: Path | None
    rows: int = 0
    valid: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Rows set aside by each (column, rule): counts only, safe to publish.
    set_aside: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SET_ASIDE_COLUMNS)))
    error: str | None = None
    source: str = "country"  # "country", "shipped" (a default the workbench supplies) or "absent"
    # The input whose problem kept this file from being checked ("entities",
    # "framework"): that input's problem is the one reported, not this file's.
    blocked_by: str | None = None

    @property
    def usable(self) -> bool:
        return self.error is None and self.source != "absent"

    @property
    def file_name(self) -> str:
        return self.path.name if self.path else f"{self.name}.csv"

    def quality(self) -> dict[str, object]:
        """This table's entry in summary.json's ``data_quality``."""
        if self.source == "absent":
            return {"status": "absent"}
        entry: dict[str, object] = {
            "file": self.file_name,
            "rows": self.rows,
            "valid": len(self.valid),
            "quarantined": len(self.quarantine),
        }
        if self.source == "shipped":
            entry["source"] = "shipped default"
        if self.error:
            # Counts stay when rows were read (every one of them set aside).
            entry = {**(entry if self.rows else {"file": self.file_name}), "error": self.error}
        return entry


@dataclass(frozen=True)
class InputProblem:
    """Why an input keeps stages from running, and what that does to the run.

    ``fails_run``: a present input that is unusable (or a missing profile.yaml)
    fails the whole run; otherwise (an absent file, a shipped default that does not
    serve the country) only ``stages`` are skipped and the run is partial.
    """

    file: str
    reason: str
    stages: tuple[str, ...]
    fails_run: bool


@dataclass
class CountryData:
    """Everything loaded from one country's folder."""

    code: str
    root: Path
    profile: Profile | None
    profile_error: str | None
    framework: Framework | None
    framework_error: str | None
    framework_source: str
    tables: dict[str, TableLoad]
    file_hashes: dict[str, str]

    def table(self, name: str) -> pd.DataFrame:
        """The valid rows of a table; raises StageSkipped when it is unusable."""
        load = self.tables[name]
        if not load.usable:
            raise StageSkipped(load.error or f"{load.file_name} is missing")
        return load.valid

    def input_problems(self) -> list[InputProblem]:
        """Every problem of the country's inputs, classified: the one place that
        decides between a run that fails (a present input unusable, the profile
        missing) and one that skips stages (a required file absent)."""
        every_stage = tuple(STAGE_INPUTS)
        problems = []
        if self.profile is None:
            problems.append(InputProblem(
                "profile.yaml", self.profile_error or "profile.yaml is unusable",
                every_stage, fails_run=True))
        if self.framework is None:
            problems.append(InputProblem(
                "framework.yaml", self.framework_error or "framework.yaml is unusable",
                ("gaps", "business_case"), fails_run=True))
        for name, load in self.tables.items():
            needed_by = tuple(s for s, inputs in STAGE_INPUTS.items() if name in inputs["required"])
            if load.source == "absent":
                if needed_by:
                    problems.append(InputProblem(
                        load.file_name, f"{load.file_name} is missing (it is required for this stage)",
                        needed_by, fails_run=False))
            elif load.error and load.blocked_by is None:
                problems.append(InputProblem(load.file_name, load.error, needed_by,
                                             fails_run=load.source != "shipped"))
        return problems

    def unusable_inputs(self) -> list[InputProblem]:
        """The problems that fail a run (and make ``workbench validate`` exit 2)."""
        return [p for p in self.input_problems() if p.fails_run]

    def problems_for(self, stage: str) -> list[str]:
        """Why ``stage`` cannot run (empty when it can)."""
        return [p.reason for p in self.input_problems() if stage in p.stages]

    def require(self, stage: str) -> None:
        """Raise StageSkipped with every reason ``stage`` cannot run."""
        problems = self.problems_for(stage)
        if problems:
            raise StageSkipped("; ".join(problems))

    def data_quality(self) -> dict[str, dict[str, object]]:
        """summary.json's ``data_quality``: rows / valid / quarantined for every file."""
        quality: dict[str, dict[str, object]] = {
            "profile": {"file": "profile.yaml", "error": self.profile_error}
            if self.profile_error
            else {"file": "profile.yaml", "status": "ok"},
            "framework": {"error": self.framework_error}
            if self.framework_error
            else {"source": self.framework_source, "id": self.framework.id if self.framework else None},
        }
        for name, load in self.tables.items():
            quality[name] = load.quality()
        return quality

    @property
    def quarantined_rows(self) -> int:
        return sum(len(t.quarantine) for t in self.tables.values())


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
class _Reason:
    """The reasons of one rule: the column and the rule, named without any cell value
    (what may be published), and how to word each rejected row's reason (which may
    quote the cells as read: analyst-only)."""

    column: str
    rule: str
    build: Callable[[np.ndarray], list[str]]

    def __call__(self, rows: np.ndarray) -> list[str]:
        return self.build(rows)

    @classmethod
    def per_row(cls, column: str, rule: str, texts: pd.Series) -> _Reason:
        """A rule whose reasons were worded for every row of the frame at once."""
        values = texts.to_numpy(dtype=object)
        return cls(column, rule, lambda rows: list(values[rows]))


def _column_and_rule(reason: str | pd.Series | Callable) -> tuple[str, str]:
    """What a reason given to ``_Rejections.add`` says without any cell value."""
    if isinstance(reason, _Reason):
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


def _quoted(raw: pa_lib.ChunkedArray, column: str, problem: str) -> _Reason:
    """A reason builder quoting the rejected cells as they were read."""

    def build(rows: np.ndarray) -> list[str]:
        values = raw.take(pa_lib.array(rows)).to_pylist()
        return [f"{column}: {v!r} {problem}" for v in values]

    return _Reason(column, problem, build)


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
                row_numbers: np.ndarray) -> tuple[np.ndarray, _Reason]:
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

    return dup, _Reason(label, "repeats an earlier row", build)


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

    rejections.add(mask, _Reason(column, "a formula or an error value, not a value", build))
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


# --------------------------------------------------------------------------- table rules


def _survey_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    breached, count = frame["breached_12m"], frame["breaches_12m"]
    return [
        (
            (breached == False) & (count > 0),  # noqa: E712 - nullable boolean comparison
            "breaches_12m: more than 0 although breached_12m is no",
        ),
        (
            (breached == True) & (count == 0),  # noqa: E712
            "breaches_12m: 0 although breached_12m is yes",
        ),
    ]


def _entity_rules(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    is_national_id = frame["entity_id"] == vocab.NATIONAL_ENTITY_ID
    is_national_type = frame["entity_type"] == "national"
    return [
        (
            is_national_type & ~is_national_id,
            f"entity_type: national is for the single row {vocab.NATIONAL_ENTITY_ID} only",
        ),
        (
            is_national_id & frame["entity_type"].notna() & ~is_national_type,
            f"entity_type: {vocab.NATIONAL_ENTITY_ID} must have entity_type national",
        ),
    ]


def _assessment_rules(entities: pd.DataFrame, framework: Framework):
    entity_type = entities.set_index("entity_id")["entity_type"]
    scope = {i.id: i.scope for i in framework.indicators}

    def rules(frame: pd.DataFrame) -> list[tuple[pd.Series, object]]:
        known_entity = frame["entity_id"].isin(entity_type.index)
        known_indicator = frame["indicator_id"].isin(list(scope))
        types = frame["entity_id"].map(entity_type)
        scopes = frame["indicator_id"].map(scope)
        out_of_scope = (
            known_entity & known_indicator
            & (((scopes == "national") & (types != "national"))
               | ((scopes == "organisation") & (types == "national")))
        )
        return [
            (frame["entity_id"].notna() & ~known_entity, _Reason.per_row(
                "entity_id", "is not in entities.csv",
                "entity_id: '" + frame["entity_id"].astype(str) + "' is not in entities.csv")),
            (frame["indicator_id"].notna() & ~known_indicator, _Reason.per_row(
                "indicator_id", f"is not an indicator of framework {framework.id}",
                "indicator_id: '" + frame["indicator_id"].astype(str)
                + f"' is not an indicator of framework {framework.id}")),
            (out_of_scope, _Reason.per_row(
                "indicator_id", "is out of scope for the organisation's type",
                "indicator_id: '" + frame["indicator_id"].astype(str) + "' is "
                + scopes.astype(str) + "-scope and cannot be assessed for "
                + frame["entity_id"].astype(str))),
        ]

    return rules


def _target_rules(entities: pd.DataFrame | None, framework: Framework):
    known_targets = set(vocab.ENTITY_TYPES)
    if entities is not None:
        known_targets |= set(entities["entity_id"])
    indicator_ids = [i.id for i in framework.indicators]

    def rules(frame: pd.DataFrame) -> list[tuple[pd.Series, object]]:
        return [
            (frame["applies_to"].notna() & ~frame["applies_to"].isin(list(known_targets)),
             _Reason.per_row(
                 "applies_to", "is neither an entity_type nor an entity_id of entities.csv",
                 "applies_to: '" + frame["applies_to"].astype(str)
                 + "' is neither an entity_type nor an entity_id of entities.csv")),
            (frame["indicator_id"].notna() & ~frame["indicator_id"].isin(indicator_ids),
             _Reason.per_row(
                 "indicator_id", f"is not an indicator of framework {framework.id}",
                 "indicator_id: '" + frame["indicator_id"].astype(str)
                 + f"' is not an indicator of framework {framework.id}")),
        ]

    return rules


def _split_ids(values: pd.Series) -> pd.Series:
    """``a;b`` -> ['a', 'b'] (blank -> [])."""
    return values.fillna("").str.split(";").map(lambda ids: [i.strip() for i in ids if i.strip()])


def _intervention_rules(framework: Framework):
    pillar_ids = {p.id for p in framework.pillars}
    indicator_ids = {i.id for i in framework.indicators}

    def rules(frame: pd.DataFrame) -> list[tuple[pd.Series, object]]:
        ids = set(frame["intervention_id"].dropna())
        indicators = _split_ids(frame["indicators"])
        requires = _split_ids(frame["requires"])
        unknown_ind = indicators.map(lambda xs: ", ".join(x for x in xs if x not in indicator_ids))
        unknown_req = requires.map(lambda xs: ", ".join(x for x in xs if x not in ids))
        return [
            (frame["pillar"].notna() & ~frame["pillar"].isin(list(pillar_ids)),
             _Reason.per_row("pillar", f"is not a pillar of framework {framework.id}",
                             "pillar: '" + frame["pillar"].astype(str)
                             + f"' is not a pillar of framework {framework.id}")),
            (unknown_ind != "",
             _Reason.per_row("indicators", f"names indicators not in framework {framework.id}",
                             "indicators: " + unknown_ind + f" not in framework {framework.id}")),
            (frame["indicators"].notna() & (indicators.map(len) == 0),
             "indicators: no indicator id given"),
            (unknown_req != "",
             _Reason.per_row("requires", "names interventions not in this catalogue",
                             "requires: " + unknown_req + " not in this catalogue")),
        ]

    return rules


# --------------------------------------------------------------------------- country


def load_table(
    folder: Path,
    name: str,
    extra_rules=None,
    *,
    fallback: Path | None = None,
) -> TableLoad:
    """Load one contract table from ``folder`` (or the shipped ``fallback``)."""
    model = schemas.TABLES[name]
    try:
        path = find_table_file(folder, name)
    except DataFileError as exc:
        return TableLoad(name, folder / exc.file, error=str(exc))
    source = "country"
    if path is None and fallback is not None:
        path, source = fallback, "shipped"
    if path is None:
        return TableLoad(name, None, source="absent",
                         error=None if name in OPTIONAL_TABLES else f"{name}.csv is missing")
    try:
        sheet = read_text_table(path)
        valid, quarantine, set_aside = validate_table(sheet, model, path.name, extra_rules)
    except DataFileError as exc:
        return TableLoad(name, path, source=source, error=str(exc))
    return TableLoad(name, path, rows=sheet.table.num_rows, valid=valid, quarantine=quarantine,
                     set_aside=set_aside, source=source)


def _check_survey_cells(survey: TableLoad, frame: TableLoad) -> None:
    """A survey cell missing from the frame is a file-level error naming the cells."""
    if not (survey.usable and frame.usable):
        return
    cells = survey.valid[["sector", "size_band"]].drop_duplicates()
    known = frame.valid.set_index(["sector", "size_band"]).index
    missing = cells[~pd.MultiIndex.from_frame(cells).isin(known)]
    if missing.empty:
        return
    listed = ", ".join(f"{s}/{b}" for s, b in missing.itertuples(index=False))
    survey.error = str(DataFileError(
        survey.file_name,
        f"respondents in cells missing from business_population.csv: {listed}",
        column="sector, size_band",
    ))


def load_country(folder: str | Path, tables: tuple[str, ...] | None = None) -> CountryData:
    """Load one country's folder. ``tables`` limits which tables are read."""
    folder = Path(folder)
    code = folder.name
    wanted = tables or tuple(schemas.TABLES)
    profile, profile_error = None, None
    try:
        profile = load_profile(folder / "profile.yaml", expected_country=code)
    except DataFileError as exc:
        profile_error = str(exc)

    framework, framework_error, framework_source = None, None, "shipped"
    try:
        own_framework = checked_file(folder, "framework.yaml")
        if own_framework is not None:
            framework_source = "country"
        framework = load_framework(own_framework)
    except DataFileError as exc:
        framework_error = str(exc)

    loads: dict[str, TableLoad] = {}
    for name in schemas.TABLES:
        if name not in wanted:
            continue
        if name == "survey_responses":
            loads[name] = load_table(folder, name, [_survey_rules])
        elif name == "entities":
            loads[name] = load_table(folder, name, [_entity_rules])
        elif name in ("capability_assessment", "targets", "interventions"):
            loads[name] = _load_framework_table(folder, name, framework, framework_error, loads)
        else:
            loads[name] = load_table(folder, name)
        _require_usable_rows(loads[name], framework)

    if "entities" in loads and loads["entities"].usable:
        national = loads["entities"].valid["entity_id"] == vocab.NATIONAL_ENTITY_ID
        if not national.any():
            loads["entities"].error = str(DataFileError(
                loads["entities"].file_name,
                f"no {vocab.NATIONAL_ENTITY_ID} row (the country as a whole must be listed once)",
                column="entity_id",
            ))
    if "survey_responses" in loads and "business_population" in loads:
        _check_survey_cells(loads["survey_responses"], loads["business_population"])

    return CountryData(
        code=code, root=folder, profile=profile, profile_error=profile_error,
        framework=framework, framework_error=framework_error,
        framework_source=framework_source, tables=loads, file_hashes=input_sha256(folder),
    )


def _load_framework_table(
    folder: Path,
    name: str,
    framework: Framework | None,
    framework_error: str | None,
    loads: dict[str, TableLoad],
) -> TableLoad:
    """Tables whose rows reference the framework (and, for some, entities.csv)."""
    fallback = paths.SHIPPED_INTERVENTIONS if name == "interventions" else None
    if framework is None:
        return _blocked_table(folder, name, "framework", framework_error or "framework.yaml is unusable",
                              fallback)
    entities = loads.get("entities")
    entity_frame = entities.valid if entities is not None and entities.usable else None
    if name == "capability_assessment":
        if entity_frame is None:
            missing = entities is None or entities.source == "absent"
            return _blocked_table(folder, name, "entities",
                                  f"entities.csv is {'missing' if missing else 'unusable'}")
        return load_table(folder, name, [_assessment_rules(entity_frame, framework)])
    if name == "targets":
        return load_table(folder, name, [_target_rules(entity_frame, framework)])
    return load_table(folder, name, [_intervention_rules(framework)], fallback=fallback)


def _blocked_table(folder: Path, name: str, blocked_by: str, why: str,
                   fallback: Path | None = None) -> TableLoad:
    """A table that cannot be checked because the input ``blocked_by`` is absent or
    unusable (that input's problem is the one reported); absent when it is absent."""
    try:
        path = find_table_file(folder, name)
    except DataFileError as exc:
        return TableLoad(name, folder / exc.file, error=str(exc))
    if path is None and fallback is None:
        return TableLoad(name, None, source="absent",
                         error=None if name in OPTIONAL_TABLES else f"{name}.csv is missing")
    return TableLoad(name, path or fallback, source="country" if path else "shipped",
                     error=f"cannot be checked: {why}", blocked_by=blocked_by)


def _require_usable_rows(load: TableLoad, framework: Framework | None) -> None:
    """A present file none of whose rows is usable is unusable (DATA.md): a header
    with no rows, or every row set aside. The shipped catalogue that has nothing
    for the country's framework only skips the business case."""
    if load.error or load.source == "absent" or not load.valid.empty:
        return
    if load.source == "shipped":
        framework_id = framework.id if framework else "in use"
        load.error = (f"{load.file_name} (the shipped catalogue): none of its {load.rows} "
                      f"interventions applies to framework {framework_id}; put the country's own "
                      "interventions.csv in its folder (docs/business-case.md)")
    elif load.rows == 0:
        load.error = str(DataFileError(load.file_name, "the file has a header but no rows"))
    else:
        # The rules broken, never a cell's value: this line reaches the manifest and
        # the index, which are shared.
        rules = "; ".join(
            f"{rule.column + ': ' if rule.column else ''}{rule.rule} ({_rows(rule.rows)})"
            for rule in load.set_aside.head(3).itertuples(index=False))
        every = "its only row was" if load.rows == 1 else f"all {load.rows} rows were"
        load.error = str(DataFileError(
            load.file_name,
            f"no usable row: {every} set aside ({rules}); the rows and their reasons are "
            "in the analyst-only quarantine"))


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def write_quarantine(country: CountryData, out_dir: Path) -> list[Path]:
    """Write every table's rejected rows to ``out_dir/<file>.csv``; returns the files.

    These hold whole rows as read (respondents' answers): write them only to an
    analyst's private place, never beside a report that is shared. Cells a
    spreadsheet would run as formulas get a leading quote (``safe_tables``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for load in country.tables.values():
        if load.quarantine.empty:
            continue
        written.append(safe_tables.write_csv(load.quarantine, out_dir / f"{load.name}.csv"))
    return written


def quality_table(country: CountryData) -> pd.DataFrame:
    """One row per file: file, status, rows, valid, quarantined, problem."""
    records = []
    for load in country.tables.values():
        status = "absent" if load.source == "absent" else ("unusable" if load.error else "ok")
        records.append({
            "file": load.file_name + (" (shipped default)" if load.source == "shipped" else ""),
            "status": status,
            "rows": load.rows if status == "ok" else None,
            "valid": len(load.valid) if status == "ok" else None,
            "quarantined": len(load.quarantine) if status == "ok" else None,
            "problem": load.error or "",
        })
    frame = pd.DataFrame(records)
    for col in ("rows", "valid", "quarantined"):
        frame[col] = frame[col].astype("Int64")
    return frame


def set_aside_table(country: CountryData) -> pd.DataFrame:
    """Rows set aside in every file, by column and rule: file, column, rule, rows.

    Counts only, never a cell's value: this is what a shared report shows of the
    quarantine. A row breaking two rules counts under both.
    """
    frames = [load.set_aside.assign(file=load.file_name)
              for load in country.tables.values() if not load.set_aside.empty]
    if not frames:
        return pd.DataFrame(columns=["file", *SET_ASIDE_COLUMNS])
    table = pd.concat(frames, ignore_index=True)[["file", *SET_ASIDE_COLUMNS]]
    table["rows"] = table["rows"].astype("int64")
    return table


def file_problems(country: CountryData) -> list[str]:
    """Every problem that makes the country's folder unusable (a run of it fails),
    one line each naming the file: what ``workbench validate`` reports."""
    return [problem.reason for problem in country.unusable_inputs()]


def write_data_quality(country: CountryData, target: Path) -> Path:
    """Write ``data_quality`` (as in summary.json) to ``target``."""
    import json

    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(target, json.dumps(country.data_quality(), indent=2))
