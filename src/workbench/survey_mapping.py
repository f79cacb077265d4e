"""survey_mapping.yaml: which of a survey file's columns and answers stand for the contract's.

A statistics office's SPSS or Stata file, or a KoboToolbox / ODK export, carries the
survey under its own column names and codes. The mapping file in the country folder
says which column is which contract column, which label or code means each sector,
size band, yes or no, and which select-multiple question holds which yes/no columns
(docs/data-formats.md). Without the file, the defaults below apply: the contract's
own names, and the select-multiple questions of the workbench's own form
(``workbench survey-form``), so that form's export needs no mapping at all.

A problem in the file is a :class:`DataFileError` naming the mapping file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from workbench import schemas, vocab
from workbench.errors import DataFileError
from workbench.input_files import checked_file

MAPPING_FILE = "survey_mapping.yaml"

# The contract's own spelling of a yes/no answer.
YES, NO = "yes", "no"
# The choice of a select-multiple question meaning "none of these" (every column no).
NONE_CHOICE = "none"
# The select-multiple questions of the workbench's own form: question name -> the
# yes/no contract columns its choices stand for (each choice named as its column).
FORM_SELECT_MULTIPLE: dict[str, tuple[str, ...]] = {
    "attacks": vocab.ATTACK_KINDS,
    "controls": vocab.CONTROLS,
}
DEFAULT_GROUP_SEPARATOR = "/"

# Columns a KoboToolbox or ODK export adds about the submission itself; never taken
# for a question (a mapping may still name one, e.g. respondent_id: _uuid).
KOBO_METADATA = frozenset({
    "start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
    "phonenumber", "audit", "instanceID", "__version__",
    # ODK Central's CSV export
    "SubmissionDate", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
})
KOBO_METADATA_GROUPS = frozenset({"meta", "formhub"})

SECTIONS = ("columns", "values", "yes_no", "select_multiple", "group_separator")


@dataclass(frozen=True)
class SurveyMapping:
    """A survey file's names for the contract's columns and answers.

    ``values``: contract column -> {label or code, case-folded: contract value, or None
    for blank (unknown)}; ``select_multiple``: question -> {choice, case-folded:
    contract yes/no column, or None for a "none of these" choice}.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    yes_terms: frozenset[str] = frozenset()
    no_terms: frozenset[str] = frozenset()
    select_multiple: dict[str, dict[str, str | None]] = field(default_factory=dict)
    group_separator: str = DEFAULT_GROUP_SEPARATOR
    file: str | None = None  # the mapping file's name; None for the defaults

    def question_of(self, column: str) -> list[tuple[str, list[str]]]:
        """The select-multiple questions (and their choices) that give ``column``."""
        return [(question, [code for code, target in choices.items() if target == column])
                for question, choices in self.select_multiple.items()
                if column in choices.values()]


def form_choices() -> dict[str, dict[str, str | None]]:
    """The select-multiple questions of the workbench's own form, as a mapping reads them."""
    return {question: {**{name: name for name in columns}, NONE_CHOICE: None}
            for question, columns in FORM_SELECT_MULTIPLE.items()}


DEFAULT_MAPPING = SurveyMapping(select_multiple=form_choices())


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. Under YAML 1.1 rules ``yes``, ``no``, ``on``
    and ``off`` would become booleans, and a label ``No`` would be lost as False."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class _Problem(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key, self.problem = key, problem


def scalar_text(value: object) -> str:
    """A label or code as text, the way the survey readers write cells: whole numbers
    without a decimal point (1.0 -> '1')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def contract_columns() -> dict[str, object]:
    """The survey table's columns (pandera columns, with the loader's metadata)."""
    return schemas.columns(schemas.SurveyResponses)


def _allowed(column: object) -> list[str] | None:
    for check in column.checks:
        if check.name == "isin":
            return [str(v) for v in check.statistics["allowed_values"]]
    return None


def _target(column_name: str, value: object, key: str) -> str | None:
    """A contract value for ``column_name``, checked against its kind."""
    if value is None:
        return None
    column = contract_columns()[column_name]
    kind = column.metadata["kind"]
    if isinstance(value, (dict, list)):
        raise _Problem(key, "expected a single value (or null for blank)")
    text = scalar_text(value)
    if kind == "code":
        allowed = _allowed(column) or []
        if text.lower() not in allowed:
            raise _Problem(key, f"{text!r} is not a {column_name} of the contract "
                                f"(one of: {', '.join(allowed)})")
        return text.lower()
    if kind == "yesno":
        if text.lower() in vocab.YES_VALUES:
            return YES
        if text.lower() in vocab.NO_VALUES:
            return NO
        raise _Problem(key, f"{text!r} is not yes or no")
    if kind in ("int", "number"):
        try:
            float(text)
        except ValueError:
            raise _Problem(key, f"{text!r} is not a number") from None
        return text
    raise _Problem(key, f"{column_name} takes no value list (its kind is {kind})")


def _mapping_of(raw: object, key: str) -> dict:
    if not isinstance(raw, dict):
        raise _Problem(key, "expected a mapping (name: value, one per line)")
    for name in raw:
        if name is None or isinstance(name, (dict, list)):
            raise _Problem(key, f"{name!r} is not a name")
    return raw


def _contract_column(name: object, key: str) -> str:
    text = scalar_text(name)
    if text not in contract_columns():
        raise _Problem(key, f"{text!r} is not a column of survey_responses "
                            f"(one of: {', '.join(contract_columns())})")
    return text


def _columns(raw: object) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, source in _mapping_of(raw, "columns").items():
        column = _contract_column(name, f"columns.{name}")
        if source is None or isinstance(source, (dict, list)) or not scalar_text(source):
            raise _Problem(f"columns.{name}", "expected the name of a column of the survey file")
        found[column] = scalar_text(source)
    return found


def _values(raw: object) -> dict[str, dict[str, str | None]]:
    found: dict[str, dict[str, str | None]] = {}
    for name, table in _mapping_of(raw, "values").items():
        column = _contract_column(name, f"values.{name}")
        entries = _mapping_of(table, f"values.{name}")
        found[column] = {scalar_text(label).casefold(): _target(column, value, f"values.{name}.{label}")
                         for label, value in entries.items()}
    return found


def _yes_no(raw: object) -> tuple[frozenset[str], frozenset[str]]:
    table = _mapping_of(raw, "yes_no")
    terms: dict[str, frozenset[str]] = {}
    for answer, listed in table.items():
        answer_text = scalar_text(answer).lower()
        if answer_text not in (YES, NO):
            raise _Problem(f"yes_no.{answer}", "expected yes or no")
        items = listed if isinstance(listed, list) else [listed]
        if any(item is None or isinstance(item, (dict, list)) for item in items):
            raise _Problem(f"yes_no.{answer}", "expected a list of labels or codes")
        terms[answer_text] = frozenset(scalar_text(item).casefold() for item in items)
    both = terms.get(YES, frozenset()) & terms.get(NO, frozenset())
    if both:
        raise _Problem("yes_no", f"{', '.join(sorted(both))} listed as both yes and no")
    return terms.get(YES, frozenset()), terms.get(NO, frozenset())


def _select_multiple(raw: object) -> dict[str, dict[str, str | None]]:
    found: dict[str, dict[str, str | None]] = {}
    for question, choices in _mapping_of(raw, "select_multiple").items():
        key = f"select_multiple.{question}"
        table: dict[str, str | None] = {}
        for code, target in _mapping_of(choices, key).items():
            if target is not None:
                column = _contract_column(target, f"{key}.{code}")
                if contract_columns()[column].metadata["kind"] != "yesno":
                    raise _Problem(f"{key}.{code}", f"{column} is not a yes/no column")
                target = column
            table[scalar_text(code).casefold()] = target
        found[scalar_text(question)] = table
    claimed: dict[str, str] = {}
    for question, table in found.items():
        for column in {t for t in table.values() if t}:
            if column in claimed and claimed[column] != question:
                raise _Problem(f"select_multiple.{question}",
                               f"{column} is given by {claimed[column]} too; one question per column")
            claimed[column] = question
    # The form's own questions stay, for the columns no question of the file gives.
    for question, table in form_choices().items():
        if question not in found and not set(table.values()) & set(claimed):
            found[question] = table
    return found


def parse_mapping(raw: object, file: str = MAPPING_FILE) -> SurveyMapping:
    """Check a mapping read from YAML; raises DataFileError naming the file and key."""
    try:
        if raw is None:
            raw = {}
        table = _mapping_of(raw, "(file)")
        unknown = [str(k) for k in table if k not in SECTIONS]
        if unknown:
            raise _Problem(unknown[0], f"unknown key (the keys are: {', '.join(SECTIONS)})")
        yes_terms, no_terms = _yes_no(table.get("yes_no") or {})
        separator = scalar_text(table.get("group_separator", DEFAULT_GROUP_SEPARATOR))
        if not separator or len(separator) > 3:
            raise _Problem("group_separator", "expected one to three characters, e.g. / or -")
        return SurveyMapping(
            columns=_columns(table.get("columns") or {}),
            values=_values(table.get("values") or {}),
            yes_terms=yes_terms, no_terms=no_terms,
            select_multiple=_select_multiple(table.get("select_multiple") or {}),
            group_separator=separator, file=file,
        )
    except _Problem as problem:
        raise DataFileError(file, f"key {problem.key}: {problem.problem}") from None


def load_mapping(folder: Path) -> SurveyMapping | None:
    """The country's survey_mapping.yaml, checked; None when there is none."""
    path = checked_file(folder, MAPPING_FILE)
    if path is None:
        return None
    try:
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        raise DataFileError(MAPPING_FILE, "the file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DataFileError(MAPPING_FILE, f"not valid YAML{where} ({exc.__class__.__name__})") from None
    return parse_mapping(raw)
