"""Import VERIS incident records into ``incidents.csv`` rows of the data contract.

VERIS (the Vocabulary for Event Recording and Incident Sharing, schema 1.3) describes
one incident per JSON object. This module reads such records from a file, a folder,
a JSON array or JSON lines, keeps those whose victim is in one country, and maps
each to the contract's columns. Every mapping rule lives in a small table shipped
with the package (``data/veris_rsit_map.csv`` and ``data/veris_naics_sectors.csv``)
so that the documentation and the code read the same rules. A record that cannot be
placed is never dropped silently: it goes to ``ImportResult.skipped`` with a reason.

The rules, in short (docs/veris-import.md has them in full):

- ``incident_id``: the record's ``incident_id``, else ``plus.master_id``.
- ``reported_on``: ``timeline.incident`` (VERIS has no "reported" date). A missing
  day is read as the 1st of the month, a missing month as 1 January: the start of the
  period the record names. ``details.date_precision`` and the counts say how many.
- ``category``: every action variety and attribute of the record is looked up in the
  category table (its own rule, else the "any" rule of its action or attribute); of
  the rules reached, the smallest ``rank`` wins. No match gives ``other``
  (undetermined). A "Near miss" that would be ``intrusions`` or
  ``malicious-code`` becomes ``intrusion-attempts``.
- ``victim_type`` / ``sector``: longest NAICS prefix of ``victim.industry`` in the
  sector table (92 = public body, 814 = private household, i.e. an individual).
- ``cni``: blank (unknown); VERIS does not record it.
- ``financial_loss``: ``impact.overall_amount`` when it is in the local currency, or
  in USD with a known ``usd_per_unit``; otherwise blank and counted.
- ``status``: ``closed`` when ``timeline.containment`` gives a duration, else blank.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import paths, safe_tables, schemas
from workbench.countries import validate_country_code
from workbench.errors import DataFileError

CATEGORY_MAP_CSV = paths.SHIPPED_DATA / "veris_rsit_map.csv"
NAICS_MAP_CSV = paths.SHIPPED_DATA / "veris_naics_sectors.csv"

# Keys the reader adds to each record it returns: where the record came from and,
# for an entry that could not be parsed, why. Prefixed so they cannot collide with
# VERIS fields.
SOURCE_KEY = "_workbench_source"
ERROR_KEY = "_workbench_error"

# The contract's column order for incidents.csv.
INCIDENT_COLUMNS: tuple[str, ...] = tuple(schemas.columns(schemas.Incidents))

# Skip reasons (the ``reason`` column of ImportResult.skipped), in the order checked.
SKIP_UNREADABLE = "unreadable record"
SKIP_COUNTRY_UNKNOWN = "victim country unknown"
SKIP_OTHER_COUNTRY = "victim in another country"
SKIP_NOT_INCIDENT = "not a security incident"
SKIP_NO_ID = "no incident id"
SKIP_NO_YEAR = "no incident year"
SKIP_DUPLICATE = "duplicate incident id"
SKIP_REASONS: tuple[str, ...] = (
    SKIP_UNREADABLE,
    SKIP_COUNTRY_UNKNOWN,
    SKIP_OTHER_COUNTRY,
    SKIP_NOT_INCIDENT,
    SKIP_NO_ID,
    SKIP_NO_YEAR,
    SKIP_DUPLICATE,
)

# timeline.containment units that mean the incident was contained (VERIS 1.3 enum;
# "Never", "NA" and "Unknown" do not).
CONTAINED_UNITS = frozenset({"seconds", "minutes", "hours", "days", "weeks", "months", "years"})

# VERIS year bounds (the schema allows 1950-2050); wider here so an odd but real
# year is kept, narrow enough that a typo such as 20014 is refused.
YEAR_RANGE = (1900, 2100)

# VCDB sub-sources whose records were collected on purpose rather than at random.
NON_RANDOM_SUB_SOURCES = frozenset({"phidbr", "priority"})

# The rule used when no rule of the category table matches.
UNDETERMINED_RULE = {
    "rank": 99, "field": "(no rule matches)", "value": "", "category": "other",
    "rsit_type": "undetermined", "why": "nothing in the record says what happened",
}


# --------------------------------------------------------------------------- tables


def category_table() -> pd.DataFrame:
    """The VERIS -> Reference Security Incident Taxonomy rules, in precedence order.

    Columns: rank (smaller wins), field (a VERIS path), value (a VERIS enumeration
    value; ``*`` on an action or attribute = the rule for its varieties that have no
    rule of their own, or for the action listed without a variety), category (contract
    vocabulary), rsit_type (the taxonomy's sub-class, for information), why.
    """
    table = pd.read_csv(CATEGORY_MAP_CSV, dtype=str, keep_default_na=False)
    table["rank"] = table["rank"].astype(int)
    return table


def naics_table() -> pd.DataFrame:
    """The NAICS prefix -> victim_type / sector rules (the longest prefix wins).

    A blank ``sector`` is written blank: unknown for organisations, and always blank
    for individuals as the contract requires.
    """
    return pd.read_csv(NAICS_MAP_CSV, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- reading


def read_veris_records(path: str | Path) -> list[dict[str, Any]]:
    """Read VERIS records from a file or a folder.

    Accepted: one JSON object per file, a JSON array of objects, JSON lines (one
    object per line; ``.jsonl`` or any file whose lines each hold an object), or a
    folder searched recursively for ``*.json`` and ``*.jsonl`` files. The format of a
    file is detected from its content, not its name.

    Each returned record carries ``SOURCE_KEY`` (file, and line or array position).
    An entry that cannot be used (a line that is not JSON, an array item that is not
    an object, a broken file inside a folder) is returned as a placeholder with
    ``ERROR_KEY`` set, so that the import reports it instead of losing it.

    Raises:
        DataFileError: the path does not exist, a single file cannot be read or
            parsed at all, or a folder holds no JSON files.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".jsonl"))
        if not files:
            raise DataFileError(str(path), "the folder holds no .json or .jsonl files")
        records: list[dict[str, Any]] = []
        for file in files:
            label = str(file.relative_to(path))
            try:
                records.extend(_read_file(file, label))
            except DataFileError as exc:
                records.append({SOURCE_KEY: label, ERROR_KEY: exc.problem})
        return records
    if not path.exists():
        raise DataFileError(str(path), "no such file or folder")
    return _read_file(path, path.name)


def _read_file(path: Path, label: str) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(str(path), "the file is not UTF-8 text") from None
    except OSError as exc:
        raise DataFileError(str(path), f"cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise DataFileError(str(path), "the file is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return _read_json_lines(text, path, label)
    if isinstance(document, dict):
        return [_tagged(document, label)]
    if isinstance(document, list):
        return [
            _tagged(item, f"{label}[{position}]") if isinstance(item, dict)
            else {SOURCE_KEY: f"{label}[{position}]", ERROR_KEY: "array item is not a JSON object"}
            for position, item in enumerate(document)
        ]
    raise DataFileError(str(path), "holds neither a JSON object nor an array of objects")


def _read_json_lines(text: str, path: Path, label: str) -> list[dict[str, Any]]:
    """JSON lines, or objects written one after another.

    When every line is an object, the file is JSON lines. Otherwise, if the whole
    text is a stream of objects (pretty-printed, one after another), that is read.
    Otherwise the lines that are objects are kept and the others reported; a file
    with no object line at all is not VERIS.
    """
    entries: list[dict[str, Any]] = []
    objects = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{label}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            entries.append({SOURCE_KEY: where, ERROR_KEY: f"line is not JSON ({exc.msg})"})
            continue
        if isinstance(item, dict):
            objects += 1
            entries.append(_tagged(item, where))
        else:
            entries.append({SOURCE_KEY: where, ERROR_KEY: "line is not a JSON object"})
    if objects == len(entries):
        return entries
    stream = _object_stream(text)
    if stream:
        return [_tagged(item, f"{label}#{n}") for n, item in enumerate(stream, start=1)]
    if objects:
        return entries
    raise DataFileError(str(path), "is not JSON, a JSON array or JSON lines")


def _object_stream(text: str) -> list[dict[str, Any]]:
    """Objects written one after another; empty unless the whole text is such objects."""
    decoder = json.JSONDecoder()
    items: list[dict[str, Any]] = []
    position, end = 0, len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            return items
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return []
        if not isinstance(item, dict):
            return []
        items.append(item)


def _tagged(record: dict[str, Any], source: str) -> dict[str, Any]:
    return {**record, SOURCE_KEY: source}


# --------------------------------------------------------------------------- mapping


@dataclass
class ImportResult:
    """The outcome of an import.

    Attributes:
        rows: incidents.csv rows, contract column order and typed as
            ``workbench.loading`` returns them (dates datetime64, cni boolean).
        skipped: one row per record not imported: source, incident_id, reason
            (one of ``SKIP_REASONS``), detail.
        details: one row per imported incident, how it was mapped: incident_id,
            source, id_from (incident_id or plus.master_id), date_precision (day/month/year), category_rule, rsit_type,
            industry, loss_note, sub_source.
        country: the ISO 3166-1 alpha-2 code imported.
        read: number of records read (imported + skipped).
        counts: the figures ``workbench import-veris`` prints (``counts_frame``
            lays them out): read, imported, skipped by reason, partial dates,
            categories, undetermined categories, unknown industries, losses.
    """

    rows: pd.DataFrame
    skipped: pd.DataFrame
    details: pd.DataFrame
    country: str
    read: int
    counts: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = _counts(self)


def _counts(result: ImportResult) -> dict[str, Any]:
    details = result.details
    by_reason = result.skipped["reason"].value_counts()
    loss_notes = details["loss_note"].dropna().value_counts()
    return {
        "read": result.read,
        "imported": len(result.rows),
        "skipped": len(result.skipped),
        "skipped_by_reason": {r: int(by_reason.get(r, 0)) for r in SKIP_REASONS if by_reason.get(r, 0)},
        "partial_dates": {
            "day_missing": int((details["date_precision"] == "month").sum()),
            "month_missing": int((details["date_precision"] == "year").sum()),
        },
        "category": {k: int(v) for k, v in result.rows["category"].value_counts().items()},
        "id_from_master_id": int((details["id_from"] == "plus.master_id").sum()),
        "category_undetermined": int((details["rsit_type"] == "undetermined").sum()),
        "industry_unknown": int(
            (result.rows["victim_type"].ne("individual") & result.rows["sector"].isna()).sum()
        ),
        "financial_loss": {
            "with_amount": int(result.rows["financial_loss"].notna().sum()),
            "blank_by_reason": {k: int(v) for k, v in loss_notes.items() if k.startswith("blank")},
        },
        "non_random_sub_source": int(details["sub_source"].isin(NON_RANDOM_SUB_SOURCES).sum()),
    }


def veris_to_incidents(
    records: Iterable[dict[str, Any]],
    country: str,
    *,
    currency: str | None = None,
    usd_per_unit: float | None = None,
) -> ImportResult:
    """Map VERIS records to incidents.csv rows for one victim country.

    Args:
        records: VERIS records (dicts), as ``read_veris_records`` returns them or
            built in code (then their source is "record <n>").
        country: ISO 3166-1 alpha-2 code; a record is kept when its
            ``victim.country`` lists it.
        currency: the country's ISO 4217 currency; amounts in it are kept as they are.
        usd_per_unit: 1 unit of local currency in USD; with it, USD amounts are
            converted (amount / usd_per_unit).

    Returns:
        ImportResult with rows, skipped records (with reasons), details and counts.

    Raises:
        InvalidCountryCode: ``country`` is not an ISO 3166-1 alpha-2 code.
        ValueError: ``usd_per_unit`` is not positive.
    """
    country = validate_country_code(country)
    if usd_per_unit is not None and not usd_per_unit > 0:
        raise ValueError("usd_per_unit must be positive")
    # Anything that is not a mapping is reported as unreadable, like a broken line.
    records = [r if isinstance(r, dict) else {ERROR_KEY: "not a JSON object"} for r in records]
    flat = _flatten(records)
    reason, detail = _skip_reasons(flat, country)
    kept = flat[reason.isna()]
    rule = _category_rules(records, kept)
    victim = _victims(kept["industry"])
    reported_on, precision = _incident_dates(kept)
    loss, loss_note = _losses(kept, currency, usd_per_unit)

    rows = pd.DataFrame({
        "incident_id": kept["incident_id"],
        "reported_on": reported_on,
        "category": rule["category"],
        "victim_type": victim["victim_type"],
        "sector": victim["sector"],
        "cni": pd.Series(pd.NA, index=kept.index, dtype="boolean"),
        "financial_loss": loss,
        "status": kept["containment_unit"].str.lower().isin(CONTAINED_UNITS).map(
            {True: "closed", False: np.nan}
        ).astype("str"),
    }, index=kept.index)[list(INCIDENT_COLUMNS)]
    details = pd.DataFrame({
        "incident_id": kept["incident_id"],
        "source": kept["source"],
        "id_from": kept["id_from"],
        "date_precision": precision,
        "category_rule": rule["field"] + np.where(rule["value"].isin(["*", ""]), "", " = " + rule["value"]),
        "rsit_type": rule["rsit_type"],
        "industry": kept["industry"],
        "loss_note": loss_note,
        "sub_source": kept["sub_source"],
    }, index=kept.index)
    skipped = pd.DataFrame({
        "source": flat["source"],
        "incident_id": flat["incident_id"],
        "reason": reason,
        "detail": detail,
    })[reason.notna()]
    return ImportResult(
        rows=rows.reset_index(drop=True),
        skipped=skipped.reset_index(drop=True),
        details=details.reset_index(drop=True),
        country=country,
        read=len(flat),
    )


def _get(record: dict[str, Any], *keys: str) -> Any:
    value: Any = record
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value: Any) -> str | None:
    """A scalar as stripped text; None for missing, blank or non-scalar values."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def _flatten(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per record with the scalar fields the mapping needs (all text)."""
    flat = pd.DataFrame({
        "source": [_text(r.get(SOURCE_KEY)) or f"record {n}" for n, r in enumerate(records, start=1)],
        "error": [_text(r.get(ERROR_KEY)) for r in records],
        "incident_id": [_text(r.get("incident_id")) or _text(_get(r, "plus", "master_id")) for r in records],
        "id_from": [
            "incident_id" if _text(r.get("incident_id")) else
            ("plus.master_id" if _text(_get(r, "plus", "master_id")) else None)
            for r in records
        ],
        # Codes compared as text: "NA" (Namibia) is a code here, never a missing value.
        "countries": [
            ";".join(str(c).strip().upper() for c in _as_list(_get(r, "victim", "country")) if _text(c))
            for r in records
        ],
        "security_incident": [_text(r.get("security_incident")) for r in records],
        "year": [_text(_get(r, "timeline", "incident", "year")) for r in records],
        "month": [_text(_get(r, "timeline", "incident", "month")) for r in records],
        "day": [_text(_get(r, "timeline", "incident", "day")) for r in records],
        "industry": [_text(_get(r, "victim", "industry")) for r in records],
        "amount": [_text(_get(r, "impact", "overall_amount")) for r in records],
        "amount_currency": [_text(_get(r, "impact", "iso_currency_code")) for r in records],
        "containment_unit": [_text(_get(r, "timeline", "containment", "unit")) for r in records],
        "sub_source": [_text(_get(r, "plus", "sub_source")) for r in records],
    }, dtype="str")
    return flat


def _skip_reasons(flat: pd.DataFrame, country: str) -> tuple[pd.Series, pd.Series]:
    """The first reason each record cannot be imported (NaN when it can)."""
    reason = pd.Series(np.nan, index=flat.index, dtype="str")
    detail = pd.Series(np.nan, index=flat.index, dtype="str")

    def mark(mask: pd.Series, why: str, what: pd.Series | str) -> None:
        hit = mask & reason.isna()
        reason[hit] = why
        detail[hit] = what[hit] if isinstance(what, pd.Series) else what

    # ";"-joined codes; "Unknown" and "Other" are VERIS's words for no usable code.
    known = flat["countries"].str.replace(r"(?:^|;)(?:UNKNOWN|OTHER)(?=;|$)", "", regex=True).str.strip(";")
    in_country = (";" + known + ";").str.contains(f";{country};", regex=False)
    mark(flat["error"].notna(), SKIP_UNREADABLE, flat["error"])
    mark(known == "", SKIP_COUNTRY_UNKNOWN,
         ("victim.country " + flat["countries"]).where(flat["countries"] != "", "victim.country missing"))
    mark(~in_country, SKIP_OTHER_COUNTRY, "victim.country " + flat["countries"])
    not_incident = flat["security_incident"].str.lower().eq("false positive").fillna(False)
    mark(not_incident, SKIP_NOT_INCIDENT, "security_incident " + flat["security_incident"])
    mark(flat["incident_id"].isna(), SKIP_NO_ID, "neither incident_id nor plus.master_id")
    year = pd.to_numeric(flat["year"], errors="coerce")
    bad_year = ~(year.between(*YEAR_RANGE) & (year == np.floor(year)))
    mark(bad_year, SKIP_NO_YEAR,
         ("timeline.incident.year " + flat["year"]).fillna("timeline.incident.year missing"))
    placed = reason.isna()
    repeat = flat["incident_id"].where(placed).duplicated(keep="first") & placed
    first_source = flat[placed].drop_duplicates("incident_id").set_index("incident_id")["source"]
    mark(repeat, SKIP_DUPLICATE, "first kept: " + flat["incident_id"].map(first_source).astype("str"))
    return reason, detail


def _facts(records: list[dict[str, Any]], positions: pd.Index) -> pd.DataFrame:
    """Long frame (position, group, field, value) of what each record says happened.

    ``group`` is the action or attribute (``action.hacking``, ``attribute.integrity``);
    ``field`` the VERIS path of the value. An action or attribute listed without any
    variety yields one variety fact with the value "" (unknown), so that its "any"
    rule still applies. Names and values are lower-cased: VERIS files spell the
    unknown action both "Unknown" and "unknown".
    """
    rows: list[tuple[int, str, str, str]] = []

    def varieties(position: int, group: str, body: Any, part: str = "variety") -> None:
        values = [str(v).lower() for v in _as_list(_get(body, part)) if _text(v)]
        if part == "variety" and not values:
            values = [""]
        rows.extend((position, group, f"{group}.{part}", v) for v in values)

    for position in positions:
        record = records[position]
        actions = _get(record, "action")
        for action, body in (actions.items() if isinstance(actions, dict) else ()):
            group = f"action.{str(action).lower()}"
            varieties(position, group, body)
            varieties(position, group, body, "vector")
        for attribute in ("confidentiality", "integrity", "availability"):
            body = _get(record, "attribute", attribute)
            if not isinstance(body, dict):
                continue
            group = f"attribute.{attribute}"
            if attribute == "confidentiality":
                disclosure = _text(body.get("data_disclosure"))
                if disclosure:
                    rows.append((position, group, f"{group}.data_disclosure", disclosure.lower()))
            else:
                varieties(position, group, body)
    return pd.DataFrame(rows, columns=["position", "group", "field", "value"]).astype(
        {"position": "int64", "group": "str", "field": "str", "value": "str"}
    )


def _category_rules(records: list[dict[str, Any]], kept: pd.DataFrame) -> pd.DataFrame:
    """The winning rule of the category table for each kept record (by index).

    Each variety is looked up: its own rule when the table has one, else the "any"
    rule of its action or attribute. Vectors and disclosure values match only rules
    that name them. Of all the rules a record reaches, the smallest rank wins (ties:
    the first in the table).
    """
    table = category_table().reset_index(names="order")
    table["key"] = table["value"].str.lower()
    facts = _facts(records, kept.index).reset_index(names="fact")
    named = table[table["value"] != "*"]
    specific = facts.merge(named, left_on=["field", "value"], right_on=["field", "key"],
                           suffixes=("_fact", ""))
    unnamed = facts[facts["field"].str.endswith(".variety") & ~facts["fact"].isin(specific["fact"])]
    fallback = unnamed.merge(table[table["value"] == "*"], left_on="group", right_on="field",
                             suffixes=("_fact", ""))
    matched = pd.concat([specific, fallback], ignore_index=True)
    best = (
        matched.sort_values(["position", "rank", "order"])
        .drop_duplicates("position")
        .set_index("position")[["field", "value", "category", "rsit_type"]]
        .reindex(kept.index)
    )
    none = best["category"].isna()
    for column in ("field", "value", "category", "rsit_type"):
        best.loc[none, column] = UNDETERMINED_RULE[column]
    near_miss = kept["security_incident"].str.lower().eq("near miss").fillna(False)
    attempt = near_miss & best["category"].isin(["intrusions", "malicious-code"])
    best.loc[attempt, "category"] = "intrusion-attempts"
    best.loc[attempt, "rsit_type"] = "near miss: " + best.loc[attempt, "rsit_type"]
    return best


def _victims(industry: pd.Series) -> pd.DataFrame:
    """victim_type and sector from the longest matching NAICS prefix."""
    table = naics_table()
    digits = industry.fillna("").str.replace(r"\D", "", regex=True)
    out = pd.DataFrame({"victim_type": "business", "sector": np.nan}, index=industry.index).astype("str")
    matched = pd.Series(False, index=industry.index)
    # Longest prefixes first, so 2213 (water) wins over 22 (energy).
    for row in table.sort_values("naics_prefix", key=lambda s: s.str.len(), ascending=False).itertuples():
        hit = ~matched & digits.str.startswith(row.naics_prefix)
        out.loc[hit, "victim_type"] = row.victim_type
        out.loc[hit, "sector"] = row.sector or np.nan
        matched |= hit
    return out


def _incident_dates(kept: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """timeline.incident as a date, and how much of it was known (day/month/year).

    A missing day is the 1st, a missing month 1 January: the start of the period
    the record names, as ISO 8601 reads "2014-05" or "2014". A month or day that is
    not a valid calendar value is treated as missing.
    """
    year = pd.to_numeric(kept["year"], errors="coerce").astype("Int64")
    month = pd.to_numeric(kept["month"], errors="coerce")
    day = pd.to_numeric(kept["day"], errors="coerce")
    month_ok = month.between(1, 12) & (month == np.floor(month))
    month = month.where(month_ok).astype("Int64")
    full = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month.fillna(1), "day": day.where(day == np.floor(day)).fillna(0)}),
        errors="coerce",
    )
    day_ok = month_ok & full.notna() & day.notna()
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": month.fillna(1), "day": 1}))
    dates = full.where(day_ok, start).astype("datetime64[ns]")
    precision = pd.Series(np.where(day_ok, "day", np.where(month_ok, "month", "year")),
                          index=kept.index, dtype="str")
    return dates, precision


def _losses(
    kept: pd.DataFrame, currency: str | None, usd_per_unit: float | None
) -> tuple[pd.Series, pd.Series]:
    """financial_loss in local currency, and a note on each amount's fate."""
    amount = pd.to_numeric(kept["amount"], errors="coerce")
    code = kept["amount_currency"].str.upper()
    local = currency.upper() if currency else None
    present = kept["amount"].notna()
    valid = present & amount.notna() & (amount >= 0)
    in_local = valid & code.eq(local).fillna(False) if local else pd.Series(False, index=kept.index)
    in_usd = valid & ~in_local & code.eq("USD").fillna(False) & (usd_per_unit is not None)
    loss = pd.Series(np.nan, index=kept.index, dtype="float64")
    loss[in_local] = amount[in_local]
    if usd_per_unit is not None:
        loss[in_usd] = amount[in_usd] / usd_per_unit
    note = pd.Series(np.nan, index=kept.index, dtype="str")
    note[in_local] = "kept: amount in " + code[in_local]
    note[in_usd] = "converted from USD"
    blank = present & ~in_local & ~in_usd
    note[blank & ~valid] = "blank: amount is not a non-negative number"
    note[blank & valid & code.isna()] = "blank: currency not stated"
    other = blank & valid & code.notna()
    if local is None:
        note[other] = "blank: local currency not given"
    else:
        usd_needs_rate = other & code.eq("USD")
        note[usd_needs_rate] = "blank: USD amount but no usd_per_unit"
        note[other & ~usd_needs_rate] = "blank: amount in another currency (" + code[other & ~usd_needs_rate] + ")"
    return loss, note


# --------------------------------------------------------------------------- writing


def write_incidents(result: ImportResult, out_path: str | Path, skipped_path: str | Path | None = None) -> Path:
    """Write ``result.rows`` as incidents.csv (and the skipped report, if asked).

    The file follows the data contract: ISO dates, yes/no/blank for ``cni``, plain
    numbers for ``financial_loss``, blank for unknown values.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    rows = result.rows.copy()
    rows["reported_on"] = rows["reported_on"].dt.strftime("%Y-%m-%d")
    rows["cni"] = rows["cni"].map({True: "yes", False: "no"}, na_action="ignore")
    safe_tables.write_csv(rows, out_path, float_format="%.2f")
    if skipped_path is not None:
        safe_tables.write_csv(result.skipped, skipped_path)
    return out_path


def counts_frame(result: ImportResult) -> pd.DataFrame:
    """The counts as a two-column table (what, records), for display."""
    counts = result.counts
    lines: list[tuple[str, int]] = [("records read", counts["read"]), ("imported", counts["imported"])]
    lines += [(f"skipped: {reason}", n) for reason, n in counts["skipped_by_reason"].items()]
    lines += [
        ("imported, day missing or invalid (dated the 1st)", counts["partial_dates"]["day_missing"]),
        ("imported, month missing or invalid (dated 1 January)", counts["partial_dates"]["month_missing"]),
        ("imported, id taken from plus.master_id", counts["id_from_master_id"]),
        ("imported, category undetermined (other)", counts["category_undetermined"]),
        ("imported, industry unknown (sector blank)", counts["industry_unknown"]),
        ("imported, with a financial loss", counts["financial_loss"]["with_amount"]),
    ]
    lines += [(f"loss {reason}", n) for reason, n in counts["financial_loss"]["blank_by_reason"].items()]
    if counts["non_random_sub_source"]:
        lines.append(("imported from non-random sub-sources (phidbr, priority)", counts["non_random_sub_source"]))
    return pd.DataFrame(lines, columns=["what", "records"])


# --------------------------------------------------------------------------- docs


def mapping_tables_markdown() -> str:
    """The two mapping tables as Markdown, as docs/veris-import.md shows them."""
    categories = category_table()
    naics = naics_table()
    lines = [
        "| rank | VERIS field | value | category | RSIT type | why |",
        "| ---: | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {r.rank} | `{r.field}` | {'any' if r.value == '*' else r.value} | {r.category} "
        f"| {r.rsit_type} | {r.why} |"
        for r in categories.itertuples()
    ]
    u = UNDETERMINED_RULE
    lines.append(f"| {u['rank']} | {u['field']} | | {u['category']} | {u['rsit_type']} | {u['why']} |")
    lines += [
        "",
        "| NAICS prefix | NAICS title | victim_type | sector |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {r.naics_prefix} | {r.naics_title} | {r.victim_type} | {r.sector or '(blank)'} |"
        for r in naics.itertuples()
    ]
    return "\n".join(lines) + "\n"
