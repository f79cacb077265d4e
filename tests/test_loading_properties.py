"""Properties of the loaders over generated files: whatever rows a survey or an
incidents file holds (valid values, blanks, text, odd unicode, inf and nan, numbers
beyond any real value, ragged rows), loading either gives a file-level error or splits
every row into valid or set aside, each set-aside row with a reason naming its column,
and every valid row keeps the data contract.

Hypothesis runs derandomized and without its example database, so every run (and CI)
tries the same examples.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from pathlib import Path

import pandas as pd
from conftest import SURVEY_HEADER, write_country
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from workbench import loading, schemas, table_validation, vocab
from workbench.errors import WorkbenchError

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Cells that break a rule in a way programs and people really write.
ODD_CELLS = [
    "", " ", "inf", "-inf", "Infinity", "nan", "NaN", "1e309", "-1", "1,000", "$5", "1e16",
    "0x10", "١٢", "½", "yes please", "\u00a0", "\ufeffyes", "=1+1", "2025-02-30", "25/01/2025",
    "null", "None", "'", '"', "a,b", "line\nbreak", "\u202eevil", "😀",
]
VALID_BY_KIND = {
    "id": [f"X{n}" for n in range(40)],
    "yesno": ["yes", "no", "Y", "n", "TRUE", "0"],
    "int": ["0", "1", "3", "12"],
    "number": ["0", "12.5", "1000", "1e3"],
    "date": ["2025-01-15", "2025-06-30", "2024-12-31"],
    "text": ["closed", "a note"],
    "idlist": ["A;B"],
}


def _valid_values(table: str, column: str) -> list[str]:
    field = schemas.columns(schemas.TABLES[table])[column]
    for check in field.checks:
        allowed = check.statistics.get("allowed_values")
        if allowed:
            return [str(v) for v in allowed]
    return VALID_BY_KIND[field.metadata["kind"]]


def _odd_cell(table: str, header: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_CELLS),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
        # A value another column allows (a date in a number column, a code in a date).
        st.sampled_from(sorted({v for c in header for v in _valid_values(table, c)})),
    )


def _rows(table: str, header: list[str]) -> st.SearchStrategy[list[list[str]]]:
    """Rows of valid values with up to two cells spoilt each, and now and then a
    last row of a field too few or too many."""
    valid = st.tuples(*[st.sampled_from(_valid_values(table, c)) for c in header]).map(list)
    spoilt = st.lists(st.tuples(st.integers(0, len(header) - 1), _odd_cell(table, header)),
                      max_size=2)

    def spoil(parts: tuple[list[str], list[tuple[int, str]]]) -> list[str]:
        row, changes = parts
        if "breached_12m" in header:  # a valid row's breach count agrees with its answer
            breached = row[header.index("breached_12m")].lower() in ("yes", "y", "true", "1")
            count = row[header.index("breaches_12m")]
            row[header.index("breaches_12m")] = (count if count != "0" else "1") if breached else "0"
        for position, text in changes:
            row[position] = text
        return row

    row = st.tuples(valid, spoilt).map(spoil)
    ragged = st.tuples(row, st.sampled_from([-1, 1])).map(
        lambda pair: [pair[0][:-1] if pair[1] < 0 else [*pair[0], "extra"]])
    return st.tuples(st.lists(row, min_size=1, max_size=8), st.integers(0, 9), ragged).map(
        lambda parts: parts[0] + (parts[2] if parts[1] == 0 else []))


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


SURVEY = SURVEY_HEADER.split(",")
# A register with every cell, so that a row with valid codes is never refused for its cell.
FRAME = "sector,size_band,entities\n" + "".join(
    f"{sector},{band},10\n" for sector in vocab.SECTORS for band in vocab.SIZE_BANDS)
INCIDENTS = list(schemas.columns(schemas.Incidents))
# The survey is checked against the register's cells, so both are loaded.
SURVEY_TABLES = ("survey_responses", "business_population")


def _check(load: loading.TableLoad, table: str, header: list[str]) -> None:
    if load.error is not None:
        event("a file-level error")  # ragged rows, say: the other clear outcome
        # The error is published (summary, manifest, index): it names the file, the
        # row or the rule, never an organisation's answers.
        assert load.error.startswith(load.file_name), load.error
        assert not re.search(r"\bX\d+\b", load.error), load.error
        return
    event(f"valid rows: {'some' if len(load.valid) else 'none'}, "
          f"set aside: {'some' if len(load.quarantine) else 'none'}")
    assert load.rows == len(load.valid) + len(load.quarantine)
    labels = {*header, *(" + ".join(k) for k in _unique_keys(table))}
    if len(load.quarantine):
        assert load.quarantine.columns[0] == table_validation.ROW_COLUMN
        rows = load.quarantine[table_validation.ROW_COLUMN]
        assert rows.is_unique and rows.between(table_validation.FIRST_DATA_ROW, load.rows + 1).all()
        for reason in load.quarantine[table_validation.REASON_COLUMN]:
            assert reason.split(":")[0] in labels, reason
        assert set(load.set_aside["column"]) <= labels
        assert load.set_aside["rows"].sum() >= len(load.quarantine)
    _keeps_the_contract(load.valid, table)


def _unique_keys(table: str) -> list[list[str]]:
    keys = [[name] for name, col in schemas.columns(schemas.TABLES[table]).items()
            if col.metadata["kind"] == "id"]
    unique = getattr(schemas.TABLES[table].Config, "unique", None)
    return [*keys, *([list(unique)] if unique else [])]


def _keeps_the_contract(valid: pd.DataFrame, table: str) -> None:
    schema = schemas.TABLES[table].to_schema()
    schema = schema.remove_columns([c for c in schema.columns if c not in valid.columns])
    schema.validate(valid, lazy=True)
    fields = schemas.columns(schemas.TABLES[table])
    for column in valid.columns:
        kind = fields[column].metadata["kind"]
        if kind == "id":
            assert valid[column].is_unique, column
        if kind in ("int", "number"):
            numbers = valid[column].dropna().astype("float64")
            assert all(math.isfinite(v) and abs(v) <= schemas.NUMBER_LIMIT for v in numbers)


def _load(files: dict[str, str], tables: tuple[str, ...]) -> loading.CountryData | None:
    with tempfile.TemporaryDirectory() as root:
        folder = write_country(Path(root), files={"business_population.csv": FRAME, **files})
        try:
            return loading.load_country(folder, tables=tables)
        except WorkbenchError:
            # A country-level refusal is a clear error too; anything else is a bug.
            event("a country-level error")
            return None


@SETTINGS
@given(rows=_rows("survey_responses", SURVEY))
def test_any_survey_rows_load_into_valid_or_set_aside(rows: list[list[str]]) -> None:
    data = _load({"survey_responses.csv": _csv(SURVEY, rows)}, SURVEY_TABLES)
    if data is not None:
        survey = data.tables["survey_responses"]
        _check(survey, "survey_responses", SURVEY)
        if survey.error is None and len(survey.valid):
            # The survey's own row rules hold for every valid row.
            breached, count = survey.valid["breached_12m"], survey.valid["breaches_12m"]
            assert not ((breached == False) & (count > 0)).fillna(False).any()  # noqa: E712
            assert not ((breached == True) & (count == 0)).fillna(False).any()  # noqa: E712


@SETTINGS
@given(rows=_rows("incidents", INCIDENTS))
def test_any_incident_rows_load_into_valid_or_set_aside(rows: list[list[str]]) -> None:
    data = _load({"incidents.csv": _csv(INCIDENTS, rows)}, ("incidents",))
    if data is not None:
        _check(data.tables["incidents"], "incidents", INCIDENTS)


def test_the_generated_cells_reach_both_outcomes() -> None:
    """The strategies are not all-valid or all-broken: a fixed mix gives both valid
    and set-aside rows, so the properties above are exercised on both sides."""
    valid = ["R9", "finance", "micro", "private", "no", "no", "0",
             *[""] * 8, "", "", "", "no", "yes", "no", "no", "no", "no"]
    broken = [*valid[:6], "inf", *valid[7:]]
    broken[0] = "R10"
    data = _load({"survey_responses.csv": _csv(SURVEY, [valid, broken])}, SURVEY_TABLES)
    survey = data.tables["survey_responses"]
    assert survey.error is None and len(survey.valid) == 1 and len(survey.quarantine) == 1
    assert survey.quarantine[table_validation.REASON_COLUMN].iloc[0].startswith("breaches_12m:")
    assert vocab.SECTORS[0] in _valid_values("survey_responses", "sector")


def test_a_row_that_does_not_fit_the_header_is_named_not_quoted(tmp_path: Path) -> None:
    header = "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status"
    rows = ["I1,2025-01-15,fraud,business,finance,no,500,closed",
            "ACME-LTD-CASE-7,2025-01-16,fraud,business,finance,no,500,closed,extra"]
    folder = write_country(tmp_path, files={"incidents.csv": "\n".join([header, *rows]) + "\n"})
    error = loading.load_country(folder, tables=("incidents",)).tables["incidents"].error
    assert error == "incidents.csv: row 3 has 9 cells where the header has 8"
