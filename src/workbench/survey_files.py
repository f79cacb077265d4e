"""A country's survey file, whatever the tool that wrote it, turned into the contract's rows.

``survey_responses`` may be a CSV or XLSX in the contract's shape, an SPSS ``.sav`` or
Stata ``.dta`` file with coded values and value labels (read with pyreadstat), or a
KoboToolbox / ODK export (group paths in the column names, select-multiple questions
as space-separated codes or one 0/1 column per choice). The country's
``survey_mapping.yaml`` (:mod:`workbench.survey_mapping`) says which column and
answer is which; without it, the contract's own names and the workbench form's
questions are looked for.

The result is a text table of the contract's columns that the one table check
(:func:`workbench.table_validation.validate_table`) parses and checks like any CSV.
Rows it sets aside are given back as they were in the file (its own columns and
codes), with their row (or case) number and a reason naming the contract column and
the file's column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench import vocab
from workbench.errors import DataFileError
from workbench.input_files import checked_file
from workbench.spreadsheet import SheetText
from workbench.survey_mapping import (
    DEFAULT_MAPPING,
    KOBO_METADATA,
    KOBO_METADATA_GROUPS,
    NO,
    YES,
    SurveyMapping,
    contract_columns,
    load_mapping,
    scalar_text,
)
from workbench.table_validation import REASON_COLUMN, ROW_COLUMN, RowReason, read_text_table

SURVEY_STEM = "survey_responses"
SURVEY_SUFFIXES = (".csv", ".xlsx", ".sav", ".dta")
STATISTICS_FORMATS = {".sav": "an SPSS .sav file", ".dta": "a Stata .dta file"}


def find_survey_file(folder: Path) -> Path | None:
    """The country's one survey file (``survey_responses`` .csv, .xlsx, .sav or .dta);
    two or more present is an error naming them."""
    found = [path for suffix in SURVEY_SUFFIXES
             if (path := checked_file(folder, SURVEY_STEM + suffix)) is not None]
    if len(found) > 1:
        names = [path.name for path in found]
        raise DataFileError(names[0], f"{' and '.join(names)} are all survey files; keep one")
    return found[0] if found else None


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class SourceTable:
    """A survey file as read: its own columns as text, the value labels of its coded
    columns (column -> {code as text: label}), and each row's number."""

    file_name: str
    sheet: SheetText
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def _texts(values: pd.Series) -> pa.Array:
    """A statistics package's column as text: whole numbers without a decimal point,
    missing values (system- or user-missing) blank."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    words = np.array([_cell_text(value) for value in uniques] + [None], dtype=object)
    return pa.array(words[codes], pa.string())


def _cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    text = scalar_text(value.item() if isinstance(value, np.generic) else value)
    return text or None


def read_statistics_file(path: Path) -> SourceTable:
    """An SPSS .sav or Stata .dta file, with its value labels. Values the file declares
    missing (user-missing in SPSS, .a to .z in Stata) are blank."""
    import pyreadstat  # imported here: CSV-only runs never need it

    reader = pyreadstat.read_sav if path.suffix.lower() == ".sav" else pyreadstat.read_dta
    try:
        frame, meta = reader(str(path), user_missing=False)
    except Exception as exc:  # pyreadstat raises its own kinds for a broken file
        raise DataFileError(
            path.name, f"cannot be read as {STATISTICS_FORMATS[path.suffix.lower()]} ({exc})"
        ) from None
    if frame.shape[1] == 0:
        raise DataFileError(path.name, "the file has no variables")
    table = pa.table({name: _texts(frame[name]) for name in frame.columns})
    labels = {name: {scalar_text(code): str(label) for code, label in table_labels.items()}
              for name, table_labels in (meta.variable_value_labels or {}).items()}
    # The case number SPSS and Stata show: the first case is 1.
    return SourceTable(path.name, SheetText(table, np.arange(1, frame.shape[0] + 1, dtype=np.int64)),
                       labels)


def read_source(path: Path) -> SourceTable:
    """Any survey file as text (a CSV or XLSX exactly as the other tables are read)."""
    if path.suffix.lower() in STATISTICS_FORMATS:
        return read_statistics_file(path)
    sheet = read_text_table(path)
    if sheet.table.num_columns == 1 and ";" in sheet.table.column_names[0]:
        raise DataFileError(path.name, "the header is one column holding ';': the file is "
                            "separated by semicolons; export it with commas, or as XLSX")
    return SourceTable(path.name, sheet)


# --------------------------------------------------------------------------- columns


class _Headers:
    """The file's column names, found by name or by the end of their group path."""

    def __init__(self, names: list[str], separator: str, file_name: str) -> None:
        self.names, self.separator, self.file_name = names, separator, file_name
        self.questions = [name for name in names if not self._is_metadata(name)]

    def _is_metadata(self, name: str) -> bool:
        parts = name.split(self.separator)
        return name.startswith("_") or parts[-1] in KOBO_METADATA or parts[0] in KOBO_METADATA_GROUPS

    def find(self, wanted: str, *, among_all: bool = False) -> str | None:
        """The column named ``wanted``, or the one whose group path ends with it, or
        (SPSS and Stata names ignore case) the one named so in another case."""
        if wanted in self.names:
            return wanted
        pool = self.names if among_all else self.questions
        tail = self.separator + wanted
        found = [name for name in pool if name.endswith(tail)]
        if not found:
            found = [name for name in pool if name.casefold() == wanted.casefold()]
        if len(found) > 1:
            raise DataFileError(self.file_name, f"columns {', '.join(found)} all end in "
                                f"{wanted!r}; name the one to use in survey_mapping.yaml under "
                                "columns:")
        return found[0] if found else None


@dataclass(frozen=True)
class _Source:
    """Where a contract column comes from: one column, or a select-multiple question."""

    header: str
    question: str | None = None  # set when header holds the question's space-separated codes
    choices: tuple[str, ...] = ()  # per-choice columns (one 0/1 column per choice)


def _locate(mapping: SurveyMapping, headers: _Headers) -> dict[str, _Source]:
    sources: dict[str, _Source] = {}
    for column in contract_columns():
        if column in mapping.columns:
            named = mapping.columns[column]
            found = headers.find(named, among_all=True)
            if found is None:
                raise DataFileError(mapping.file or "survey_mapping.yaml",
                                    f"key columns.{column}: column {named!r} is not in "
                                    f"{headers.file_name}")
            sources[column] = _Source(found)
            continue
        direct = headers.find(column)
        if direct is not None:
            sources[column] = _Source(direct)
            continue
        for question, codes in mapping.question_of(column):
            per_choice = tuple(h for code in codes if (h := _choice_column(headers, question, code)))
            if per_choice:
                sources[column] = _Source(per_choice[0], choices=per_choice)
                break
            whole = headers.find(question)
            if whole is not None:
                sources[column] = _Source(whole, question=question)
                break
    return sources


def _choice_column(headers: _Headers, question: str, code: str) -> str | None:
    """The 0/1 column of one choice: ``question/code`` (KoboToolbox, and ODK Central,
    whose group separator is ``-`` but whose choice separator stays ``/``), or the
    question and choice joined by the group separator."""
    for name in dict.fromkeys((f"{question}/{code}", f"{question}{headers.separator}{code}")):
        found = headers.find(name)
        if found is not None:
            return found
    return None


def _missing_questions(mapping: SurveyMapping, sources: dict[str, _Source], file_name: str) -> None:
    """Required columns a select-multiple question should have given: say which."""
    required = [name for name, column in contract_columns().items()
                if column.metadata["required"] and name not in sources]
    questions = sorted({question for name in required for question, _ in mapping.question_of(name)})
    if questions:
        listed = ", ".join(required)
        raise DataFileError(
            file_name,
            f"required columns missing: {listed}; neither these columns nor the select-multiple "
            f"question{'s' if len(questions) > 1 else ''} {', '.join(questions)} (one column of "
            "space-separated choices, or one 0/1 column per choice) are in the file",
            column=required[0])


# --------------------------------------------------------------------------- answers


def _map_unique(column: pa.ChunkedArray, resolve: Callable[[str | None], str | None]) -> pa.Array:
    """Apply ``resolve`` to each distinct cell once."""
    values = pd.Series(column.to_pylist(), dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    words = np.array([resolve(value) for value in uniques] + [resolve(None)], dtype=object)
    return pa.array(words[codes], pa.string())


def _answer_resolver(mapping: SurveyMapping, column: str, labels: dict[str, str]
                     ) -> Callable[[str | None], str | None] | None:
    """How a cell of ``column`` becomes contract text: its value list in the mapping,
    then the mapping's yes/no terms, then its label, then the cell as it is. None
    when every cell stays as it is."""
    values = mapping.values.get(column, {})
    yes_no = contract_columns()[column].metadata["kind"] == "yesno"
    terms = (mapping.yes_terms or mapping.no_terms) and yes_no
    if not (values or terms or labels):
        return None

    def resolve(cell: str | None) -> str | None:
        if cell is None:
            return None
        stripped = cell.strip()
        label = labels.get(stripped)
        for key in (label, stripped):
            if key is None:
                continue
            folded = key.strip().casefold()
            if folded in values:
                return values[folded]
            if yes_no and folded in mapping.yes_terms:
                return YES
            if yes_no and folded in mapping.no_terms:
                return NO
        return label if label is not None else cell

    return resolve


def _yes_no_of(cell: str | None, mapping: SurveyMapping, labels: dict[str, str]) -> bool | None | str:
    """A per-choice cell as True / False / None (blank), or the text when it is neither."""
    if cell is None or not cell.strip():
        return None
    for key in (labels.get(cell.strip()), cell):
        if key is None:
            continue
        folded = key.strip().casefold()
        if folded in vocab.YES_VALUES or folded in mapping.yes_terms:
            return True
        if folded in vocab.NO_VALUES or folded in mapping.no_terms:
            return False
    return cell


@dataclass
class _RowProblems:
    """Row problems found while mapping (unknown choices): a row rule for the check."""

    n_rows: int
    found: list[tuple[np.ndarray, RowReason]] = field(default_factory=list)

    def add(self, mask: np.ndarray, column: str, rule: str, texts: np.ndarray) -> None:
        if mask.any():
            self.found.append((mask, RowReason.per_row(column, rule, pd.Series(texts, dtype=object))))

    def rule(self, frame: pd.DataFrame) -> list[tuple[np.ndarray, RowReason]]:
        return list(self.found)


def _expand_question(source: _Source, targets: list[str], mapping: SurveyMapping,
                     column: pa.ChunkedArray, problems: _RowProblems,
                     file_name: str) -> dict[str, pa.Array]:
    """A select-multiple column of space-separated choices -> one yes/no text per target."""
    choices = mapping.select_multiple[source.question]
    where = f"column {source.header!r} of {file_name}"
    cells = column.to_pylist()
    out = {target: np.full(len(cells), None, dtype=object) for target in targets}
    bad = np.zeros(len(cells), dtype=bool)
    reasons = np.full(len(cells), None, dtype=object)
    for position, cell in enumerate(cells):
        if cell is None or not cell.strip():
            continue
        picked = cell.split()
        unknown = [code for code in picked if code.casefold() not in choices]
        named = {choices[code.casefold()] for code in picked if code.casefold() in choices}
        if unknown:
            bad[position] = True
            reasons[position] = (f"{source.question} ({where}): {cell!r} names "
                                 f"choices not in the question's list: {', '.join(unknown)}")
            continue
        if None in named and len(picked) > 1:
            bad[position] = True
            reasons[position] = (f"{source.question} ({where}): {cell!r} picks "
                                 "'none of these' with other choices")
            continue
        for target in targets:
            out[target][position] = YES if target in named else NO
    problems.add(bad, source.question, "names choices not in the question's list", reasons)
    return {target: pa.array(values, pa.string()) for target, values in out.items()}


def _combine_choices(source: _Source, table: pa.Table, mapping: SurveyMapping,
                     labels: dict[str, dict[str, str]]) -> pa.Array:
    """One or more 0/1 choice columns giving one yes/no column: yes when any is yes."""
    columns = [table.column(name).to_pylist() for name in source.choices]
    combined = []
    for cells in zip(*columns):
        answers = [_yes_no_of(cell, mapping, labels.get(name, {}))
                   for cell, name in zip(cells, source.choices)]
        texts = [a for a in answers if isinstance(a, str)]
        if True in answers:
            combined.append(YES)
        elif texts:
            combined.append(texts[0])  # neither yes nor no: the check sets the row aside
        elif answers and all(a is False for a in answers):
            combined.append(NO)
        else:
            combined.append(None)
    return pa.array(combined, pa.string())


# --------------------------------------------------------------------------- the survey


@dataclass(frozen=True)
class SurveyInput:
    """A survey file turned into the contract's text columns.

    ``rules``: row problems found while mapping, as row rules for the table check;
    ``origins``: contract column -> the file's column(s) it was read from, when they
    differ; ``passthrough``: the file is in the contract's shape already (its rows
    set aside are its own).
    """

    source: SourceTable
    sheet: SheetText
    rules: list[Callable] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)
    passthrough: bool = False

    def original_rows(self, quarantine: pd.DataFrame) -> pd.DataFrame:
        """The rows set aside as they are in the file, with row and reason."""
        if self.passthrough or quarantine.empty:
            return quarantine
        position = {int(number): index for index, number in enumerate(self.source.sheet.row_numbers)}
        picked = [position[int(number)] for number in quarantine[ROW_COLUMN]]
        rows = self.source.sheet.table.take(pa.array(picked, pa.int64())).to_pandas()
        rows.columns = [f"{name} (file)" if name in (ROW_COLUMN, REASON_COLUMN) else name
                        for name in rows.columns]
        rows.insert(0, ROW_COLUMN, quarantine[ROW_COLUMN].to_numpy())
        rows[REASON_COLUMN] = [self._reworded(reason) for reason in quarantine[REASON_COLUMN]]
        return rows

    def _reworded(self, reason: str) -> str:
        """Name the file's column beside the contract's in each part of a reason."""
        for column, origin in self.origins.items():
            reason = re.sub(rf"(^|; ){re.escape(column)}: ", rf"\g<1>{column} ({origin}): ", reason)
        return reason


def read_survey(folder: Path, path: Path) -> SurveyInput:
    """Read the survey file ``path`` of ``folder`` with its mapping (if any)."""
    own_mapping = load_mapping(folder)
    mapping = own_mapping or DEFAULT_MAPPING
    source = read_source(path)
    table = source.sheet.table
    headers = _Headers(list(table.column_names), mapping.group_separator, source.file_name)
    sources = _locate(mapping, headers)
    _missing_questions(mapping, sources, source.file_name)
    if own_mapping is None and all(
            src.header == name and src.question is None and len(src.choices) <= 1
            and not source.labels.get(src.header) for name, src in sources.items()):
        return SurveyInput(source, source.sheet, passthrough=True)

    problems = _RowProblems(table.num_rows)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    origins: dict[str, str] = {}
    expanded: dict[str, dict[str, pa.Array]] = {}
    not_values: dict[str, dict[int, str]] = {}
    for name, src in sources.items():
        if src.question is not None:
            if src.header not in expanded:
                targets = [n for n, s in sources.items() if s == src]
                expanded[src.header] = _expand_question(src, targets, mapping,
                                                        table.column(src.header), problems,
                                                        source.file_name)
            columns[name] = expanded[src.header][name]
            origins[name] = f"select-multiple column {src.header!r} of {source.file_name}"
            continue
        if len(src.choices) > 1:
            columns[name] = _combine_choices(src, table, mapping, source.labels)
            origins[name] = (f"columns {', '.join(repr(c) for c in src.choices)} of "
                             f"{source.file_name}")
            continue
        raw = table.column(src.header)
        resolve = _answer_resolver(mapping, name, source.labels.get(src.header, {}))
        columns[name] = raw if resolve is None else _map_unique(raw, resolve)
        if src.header in source.sheet.not_values:
            not_values[name] = source.sheet.not_values[src.header]
        if src.header != name:
            origins[name] = f"column {src.header!r} of {source.file_name}"
    sheet = SheetText(pa.table(columns), source.sheet.row_numbers, not_values)
    rules = [problems.rule] if problems.found else []
    return SurveyInput(source, sheet, rules, origins)
