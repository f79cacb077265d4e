"""Import VERIS incident records into ``incidents.csv`` rows of the data contract.

VERIS (the Vocabulary for Event Recording and Incident Sharing, schema 1.3) describes
one incident per JSON object. This module maps such records (read by
``workbench.veris_reading`` from a file, a folder, a JSON array or JSON lines) to the
contract's columns, for one victim country or for every one. Every mapping rule lives in a small table shipped
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
  ``malicious-code`` becomes ``intrusion-attempts``. A malware ``Ransomware`` on a
  record that disclosed data and lost no availability is the VERIS data's marker of
  data-theft extortion (MOVEit / Cl0p), not encrypting malware: it ranks nothing.
- ``victim_type`` / ``sector``: longest NAICS prefix of ``victim.industry`` in the
  sector table (92 = public body, 814 = private household, i.e. an individual); a
  ``victim.government`` level (Federal, Regional, Local, Tribal, Other) makes any
  victim a public body.
- ``source``: ``open_source`` unless the import is told otherwise; ``date_precision``:
  day, month or year, from the parts of ``timeline.incident`` that are valid.

Precedence of the category rules (the ``rank`` of data/veris_rsit_map.csv), and why:

    rank  what happened                         why it comes here
    10    ransomware (something encrypted)      the harm the victim reports, whatever the way in
    20    denial of service                     an availability incident, whatever the way in
    25    money taken (fraudulent transaction)  the outcome victims and police call fraud
    30    other malware                         malicious code ran on the victim's systems
    40    hacking                               VERIS records hacking that took place: a compromise
    45-50 embezzlement, skimmers, phishing,     deception or theft for gain: fraud
          forgery, scams
    60    insider misuse, theft of devices      the data is lost or leaked: what the victim lost
    61    pretexting                            the way in to a leak or a theft ranked above it;
                                                alone (or with money taken, rank 25) it is fraud
    62-68 errors, other misuse and social       failures and misuse of resources
    70-76 illicit content, spam, environment,   the rest of the actions
          physical intrusion
    80    reconnaissance                        only when nothing else happened
    90-95 attributes (disclosure, defacement,   only when the actions say nothing (Unknown)
          interruption ...)
    96    extortion alone, assault              no RSIT class fits
    99    nothing matches                       other (undetermined)
- ``cni``: blank (unknown); VERIS does not record it.
- ``financial_loss``: ``impact.overall_amount`` when it is in the local currency, or
  in USD with a known ``usd_per_unit``; otherwise blank and counted.
- ``status``: ``closed`` when ``timeline.containment`` gives a duration, else blank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import paths, safe_tables, schemas, vocab
from workbench.countries import validate_country_code
from workbench.errors import InvalidCountryCode
from workbench.veris_reading import (  # noqa: F401 - the reader is part of this module's interface
    ERROR_KEY,
    SOURCE_KEY,
    iter_veris_records,
    read_veris_records,
)

CATEGORY_MAP_CSV = paths.SHIPPED_DATA / "veris_rsit_map.csv"
NAICS_MAP_CSV = paths.SHIPPED_DATA / "veris_naics_sectors.csv"


# The contract's column order for incidents.csv.
INCIDENT_COLUMNS: tuple[str, ...] = tuple(schemas.columns(schemas.Incidents))

# Skip reasons (the ``reason`` column of ImportResult.skipped), in the order checked.
SKIP_UNREADABLE = "unreadable record"
SKIP_COUNTRY_UNKNOWN = "victim country unknown"
SKIP_BAD_COUNTRY = "victim country not an ISO 3166-1 code"
SKIP_OTHER_COUNTRY = "victim in another country"
SKIP_NOT_INCIDENT = "not a security incident"
SKIP_NO_ID = "no incident id"
SKIP_NO_YEAR = "no incident year"
SKIP_DUPLICATE = "duplicate incident id"
SKIP_REASONS: tuple[str, ...] = (
    SKIP_UNREADABLE,
    SKIP_COUNTRY_UNKNOWN,
    SKIP_BAD_COUNTRY,
    SKIP_OTHER_COUNTRY,
    SKIP_NOT_INCIDENT,
    SKIP_NO_ID,
    SKIP_NO_YEAR,
    SKIP_DUPLICATE,
)

# The VERIS field each skip reason is about (the ``field`` of a set-aside record).
SKIP_FIELDS: dict[str, str] = {
    SKIP_UNREADABLE: "(the JSON itself)",
    SKIP_COUNTRY_UNKNOWN: "victim.country",
    SKIP_BAD_COUNTRY: "victim.country",
    SKIP_OTHER_COUNTRY: "victim.country",
    SKIP_NOT_INCIDENT: "security_incident",
    SKIP_NO_ID: "incident_id",
    SKIP_NO_YEAR: "timeline.incident.year",
    SKIP_DUPLICATE: "incident_id",
}

# What every imported row's ``source`` says unless the import is told otherwise:
# VERIS records found in public databases (VCDB) come from the press and public
# breach notices, not from a national CERT's or the police's own files.
DEFAULT_SOURCE = "open_source"

# victim.government values that make the victim a public body (VERIS 1.3: the level
# of government of a government victim; "NA" = not a government, "Unknown").
PUBLIC_GOVERNMENT_LEVELS = frozenset({"federal", "national", "state", "regional", "local",
                                      "tribal", "other"})

# timeline.containment units that mean the incident was contained (VERIS 1.3 enum;
# "Never", "NA" and "Unknown" do not).
CONTAINED_UNITS = frozenset({"seconds", "minutes", "hours", "days", "weeks", "months", "years"})

# VERIS year bounds (the schema allows 1950-2050); wider here so an odd but real
# year is kept, narrow enough that a typo such as 20014 is refused.
YEAR_RANGE = (1900, 2100)

# VCDB sub-sources whose records were collected on purpose rather than at random.
NON_RANDOM_SUB_SOURCES = frozenset({"phidbr", "priority"})

# The fact a Ransomware variety becomes when it marks data-theft extortion: a field no
# rule names, so it ranks nothing (docs/veris-import.md, "Ransomware and extortion").
RANSOMWARE_MARKER_FIELD = "action.malware.variety (extortion marker)"

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
    return _category_table().copy()


@lru_cache(maxsize=1)
def _category_table() -> pd.DataFrame:
    table = pd.read_csv(CATEGORY_MAP_CSV, dtype=str, keep_default_na=False)
    table["rank"] = table["rank"].astype(int)
    return table


def naics_table() -> pd.DataFrame:
    """The NAICS prefix -> victim_type / sector rules (the longest prefix wins).

    A blank ``sector`` is written blank: unknown for organisations, and always blank
    for individuals as the contract requires.
    """
    return pd.read_csv(NAICS_MAP_CSV, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- mapping


@dataclass
class ImportResult:
    """The outcome of an import (of one batch of records, when an import streams).

    Attributes:
        rows: incidents.csv rows, contract column order and typed as
            ``workbench.loading`` returns them (dates datetime64, cni boolean).
        skipped: one row per record not imported: source (file and line or
            position), incident_id, reason (one of ``SKIP_REASONS``), field (the
            VERIS field at fault), detail.
        details: one row per imported row, how it was mapped: incident_id, country,
            source (file and line), id_from (incident_id or plus.master_id),
            date_precision (day/month/year), category_rule, rsit_type, industry,
            government, loss_note, sub_source.
        country: the ISO 3166-1 alpha-2 code imported; None when every victim
            country was imported (``details["country"]`` says whose each row is).
        read: number of records read (imported + skipped).
        counts: the figures ``workbench import-veris`` prints (``counts_frame``
            lays them out): read, imported, skipped by reason, partial dates,
            categories, undetermined categories, unknown industries, losses.
    """

    rows: pd.DataFrame
    skipped: pd.DataFrame
    details: pd.DataFrame
    country: str | None
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
        "records_imported": result.read - len(result.skipped),
        "skipped": len(result.skipped),
        "skipped_by_reason": {r: int(by_reason.get(r, 0)) for r in SKIP_REASONS if by_reason.get(r, 0)},
        "by_country": {str(k): int(v) for k, v in details["country"].value_counts().sort_index().items()},
        "partial_dates": {
            "day_missing": int((details["date_precision"] == "month").sum()),
            "month_missing": int((details["date_precision"] == "year").sum()),
        },
        "category": {k: int(v) for k, v in result.rows["category"].value_counts().items()},
        "id_from_master_id": int((details["id_from"] == "plus.master_id").sum()),
        "category_undetermined": int((details["rsit_type"] == "undetermined").sum()),
        "public_body_from_government": int(
            (details["government"].notna() & result.rows["victim_type"].eq("public_body")
             & ~details["industry"].fillna("").str.replace(r"\D", "", regex=True).str.startswith("92")
             ).sum()),
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
    country: str | None,
    *,
    currency: str | None = None,
    usd_per_unit: float | None = None,
    source: str = DEFAULT_SOURCE,
    seen: dict[str, str] | None = None,
    money: Callable[[str], tuple[str | None, float | None]] | None = None,
) -> ImportResult:
    """Map VERIS records to incidents.csv rows for one victim country, or for all.

    Args:
        records: VERIS records (dicts), as ``iter_veris_records`` yields them or
            built in code (then their source is "record <n>").
        country: ISO 3166-1 alpha-2 code (any case: ``gb`` is GB); a record is kept
            when its ``victim.country`` lists it. None: every record with a victim
            country is kept, one row for each country it lists.
        currency: the country's ISO 4217 currency; amounts in it are kept as they are.
        usd_per_unit: 1 unit of local currency in USD; with it, USD amounts are
            converted (amount / usd_per_unit).
        source: the ``source`` of every row (DATA.md: national_cert, police,
            open_source or other); open_source unless the records are known to be
            a CERT's or the police's own.
        seen: incident ids already imported (id -> where) by earlier batches of the
            same import; updated in place, so that a repeat in a later batch is
            skipped as a duplicate too.
        money: country code -> (currency, usd_per_unit) of that country, for an
            import of every country (each row's loss in its own country's currency);
            ``currency`` and ``usd_per_unit`` serve every country when it is None.

    Returns:
        ImportResult with rows, skipped records (with reasons), details and counts.

    Raises:
        InvalidCountryCode: ``country`` is not an ISO 3166-1 alpha-2 code.
        ValueError: ``usd_per_unit`` is not positive, or ``source`` is not a source
            of the data contract.
    """
    if country is not None:
        country = validate_country_code(country.strip().upper() if isinstance(country, str) else country)
    if usd_per_unit is not None and not usd_per_unit > 0:
        raise ValueError("usd_per_unit must be positive")
    if source not in vocab.INCIDENT_SOURCES:
        raise ValueError(f"source {source!r} is not one of {', '.join(vocab.INCIDENT_SOURCES)}")
    seen = {} if seen is None else seen
    # Anything that is not a mapping is reported as unreadable, like a broken line.
    records = [r if isinstance(r, dict) else {ERROR_KEY: "not a JSON object"} for r in records]
    flat = _flatten(records)
    reason, detail = _skip_reasons(flat, country, seen)
    kept = flat[reason.isna()]
    rule = _category_rules(records, kept)
    victim = _victims(kept["industry"], kept["government"])
    reported_on, precision = _incident_dates(kept)
    # One row per (record, victim country imported).
    row_country = kept["valid_countries"].str.split(";").explode()
    if country is not None:
        row_country = row_country[row_country == country]
    at = row_country.index
    loss, loss_note = _losses_by_country(kept.loc[at], row_country, currency, usd_per_unit, money)

    rows = pd.DataFrame({
        "incident_id": kept["incident_id"],
        "reported_on": reported_on,
        "category": rule["category"],
        "victim_type": victim["victim_type"],
        "sector": victim["sector"],
        "cni": pd.Series(pd.NA, index=kept.index, dtype="boolean"),
        "financial_loss": np.nan,
        "status": kept["containment_unit"].str.lower().isin(CONTAINED_UNITS).map(
            {True: "closed", False: np.nan}
        ).astype("str"),
        "source": pd.Series(source, index=kept.index, dtype="str"),
        "date_precision": precision,
    }, index=kept.index)[list(INCIDENT_COLUMNS)].loc[at].reset_index(drop=True)
    rows["financial_loss"] = loss
    details = pd.DataFrame({
        "incident_id": kept["incident_id"],
        "source": kept["source"],
        "id_from": kept["id_from"],
        "date_precision": precision,
        "category_rule": rule["field"] + np.where(rule["value"].isin(["*", ""]), "", " = " + rule["value"]),
        "rsit_type": rule["rsit_type"],
        "industry": kept["industry"],
        "government": kept["government"],
        "loss_note": np.nan,
        "sub_source": kept["sub_source"],
    }, index=kept.index).loc[at].reset_index(drop=True)
    details["loss_note"] = loss_note
    details.insert(1, "country", row_country.to_numpy())
    skipped = pd.DataFrame({
        "source": flat["source"],
        "incident_id": flat["incident_id"],
        "reason": reason,
        "field": reason.map(SKIP_FIELDS),
        "detail": detail,
    })[reason.notna()]
    return ImportResult(
        rows=rows,
        skipped=skipped.reset_index(drop=True),
        details=details,
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
        # Lower-cased ";"-joined levels; NA and Unknown say "not a government" / unknown.
        "government": [
            ";".join(str(g).strip().lower() for g in _as_list(_get(r, "victim", "government")) if _text(g))
            or None
            for r in records
        ],
        "amount": [_text(_get(r, "impact", "overall_amount")) for r in records],
        "amount_currency": [_text(_get(r, "impact", "iso_currency_code")) for r in records],
        "containment_unit": [_text(_get(r, "timeline", "containment", "unit")) for r in records],
        "sub_source": [_text(_get(r, "plus", "sub_source")) for r in records],
    }, dtype="str")
    return flat


@lru_cache(maxsize=512)
def _is_country(code: str) -> bool:
    try:
        validate_country_code(code)
    except InvalidCountryCode:
        return False
    return True


def _valid_codes(codes: str) -> str:
    return ";".join(c for c in codes.split(";") if c and _is_country(c))


def _skip_reasons(
    flat: pd.DataFrame, country: str | None, seen: dict[str, str]
) -> tuple[pd.Series, pd.Series]:
    """The first reason each record cannot be imported (NaN when it can).

    Adds ``valid_countries`` to ``flat``: the ISO codes its victim.country lists.
    ``seen`` (id -> where first imported) spans the batches of one import.
    """
    reason = pd.Series(np.nan, index=flat.index, dtype="str")
    detail = pd.Series(np.nan, index=flat.index, dtype="str")

    def mark(mask: pd.Series, why: str, what: pd.Series | str) -> None:
        hit = mask & reason.isna()
        reason[hit] = why
        detail[hit] = what[hit] if isinstance(what, pd.Series) else what

    # ";"-joined codes; "Unknown" and "Other" are VERIS's words for no usable code.
    known = flat["countries"].str.replace(r"(?:^|;)(?:UNKNOWN|OTHER)(?=;|$)", "", regex=True).str.strip(";")
    flat["valid_countries"] = known.map(_valid_codes)
    listed = "victim.country " + flat["countries"]
    mark(flat["error"].notna(), SKIP_UNREADABLE, flat["error"])
    mark(known == "", SKIP_COUNTRY_UNKNOWN, listed.where(flat["countries"] != "", "victim.country missing"))
    mark(flat["valid_countries"] == "", SKIP_BAD_COUNTRY, listed)
    if country is not None:
        in_country = (";" + flat["valid_countries"] + ";").str.contains(f";{country};", regex=False)
        mark(~in_country, SKIP_OTHER_COUNTRY, listed)
    not_incident = flat["security_incident"].str.lower().eq("false positive").fillna(False)
    mark(not_incident, SKIP_NOT_INCIDENT, "security_incident " + flat["security_incident"])
    mark(flat["incident_id"].isna(), SKIP_NO_ID, "neither incident_id nor plus.master_id")
    year = pd.to_numeric(flat["year"], errors="coerce")
    bad_year = ~(year.between(*YEAR_RANGE) & (year == np.floor(year)))
    mark(bad_year, SKIP_NO_YEAR,
         ("timeline.incident.year " + flat["year"]).fillna("timeline.incident.year missing"))
    # Repeats: of an id imported by an earlier batch, or earlier in this one.
    placed = reason.isna()
    earlier = flat["incident_id"].map(seen).where(placed)
    mark(earlier.notna(), SKIP_DUPLICATE, "first kept: " + earlier.astype("str"))
    placed = reason.isna()
    repeat = flat["incident_id"].where(placed).duplicated(keep="first") & placed
    first = flat[placed].drop_duplicates("incident_id").set_index("incident_id")["source"]
    mark(repeat, SKIP_DUPLICATE, "first kept: " + flat["incident_id"].map(first).astype("str"))
    seen.update(first.to_dict())
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
        marker = _ransomware_marks_data_theft(record)
        for action, body in (actions.items() if isinstance(actions, dict) else ()):
            group = f"action.{str(action).lower()}"
            start = len(rows)
            varieties(position, group, body)
            if marker and group == "action.malware":
                # Ransomware recorded for an extortion over stolen data: a marker, not
                # malware that encrypted anything; it ranks nothing (RANSOMWARE_MARKER).
                rows[start:] = [(pos, grp, RANSOMWARE_MARKER_FIELD if val == "ransomware" else fld, val)
                                for pos, grp, fld, val in rows[start:]]
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


def _ransomware_marks_data_theft(record: dict[str, Any]) -> bool:
    """Whether the record's malware ``Ransomware`` stands for extortion over stolen
    data rather than for malware that encrypted or seized something.

    VERIS defines Ransomware as malware that encrypts or seizes the victim's assets,
    which shows as a loss of availability (``attribute.availability``: Obscuration for
    encryption, Interruption, Loss ...). Since the 1.4 migration the VERIS data no
    longer uses social Extortion for ransomware and marks data-theft extortion (the
    2023 MOVEit / Cl0p campaign: files stolen, nothing encrypted) with Ransomware too.
    A record that says data was disclosed (``Yes``) and records no availability loss
    at all is such a case: what happened to the victim is the theft of its data.
    """
    malware = _get(record, "action", "malware", "variety")
    if not any(str(v).strip().lower() == "ransomware" for v in _as_list(malware)):
        return False
    availability = _get(record, "attribute", "availability", "variety")
    if any(_text(v) and str(v).strip().lower() not in ("unknown", "other") for v in _as_list(availability)):
        return False
    disclosure = _text(_get(record, "attribute", "confidentiality", "data_disclosure"))
    # "Potentially" is not enough: a ransomware infection of unknown effect (a hacked
    # site spreading it) often says data may have been exposed.
    return (disclosure or "").lower() == "yes"


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


@lru_cache(maxsize=1)
def _naics_rules() -> dict[str, tuple[str, str | None]]:
    """NAICS prefix -> (victim_type, sector or None)."""
    return {r.naics_prefix: (r.victim_type, r.sector or None) for r in naics_table().itertuples()}


def _victim_of(industry: str | None, government: str | None) -> tuple[str, str | None]:
    """victim_type and sector of one victim: the longest NAICS prefix in the table
    (2213, water, beats 22, utilities); a level of government makes a public body."""
    rules = _naics_rules()
    digits = "".join(ch for ch in industry or "" if ch.isdigit())
    victim_type, sector = "business", None
    for length in range(len(digits), 1, -1):
        if digits[:length] in rules:
            victim_type, sector = rules[digits[:length]]
            break
    if PUBLIC_GOVERNMENT_LEVELS.intersection((government or "").split(";")):
        return "public_body", sector or "public_administration"
    return victim_type, sector


def _victims(industry: pd.Series, government: pd.Series) -> pd.DataFrame:
    """victim_type and sector of each record (``_victim_of``); a victim whose
    ``victim.government`` names a level of government is a public body (its sector
    from its NAICS code, public_administration when that is unknown)."""
    pairs = [_victim_of(i, g) for i, g in zip(industry.astype(object).where(industry.notna(), None),
                                               government.astype(object).where(government.notna(), None))]
    return pd.DataFrame({
        "victim_type": pd.Series([p[0] for p in pairs], index=industry.index, dtype="str"),
        "sector": pd.Series([p[1] for p in pairs], index=industry.index, dtype="str"),
    })


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


def _losses_by_country(
    rows: pd.DataFrame,
    row_country: pd.Series,
    currency: str | None,
    usd_per_unit: float | None,
    money: Callable[[str], tuple[str | None, float | None]] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """financial_loss and its note for each (record, country) row, positionally."""
    rows = rows.reset_index(drop=True)
    codes = row_country.reset_index(drop=True)
    loss = np.full(len(rows), np.nan)
    note = np.full(len(rows), np.nan, dtype=object)
    for code in codes.unique():
        here = (codes == code).to_numpy()
        local, rate = money(code) if money is not None else (currency, usd_per_unit)
        part_loss, part_note = _losses(rows[here], local, rate)
        loss[here] = part_loss.to_numpy()
        note[here] = part_note.to_numpy(dtype=object)
    return loss, note


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


def contract_text(rows: pd.DataFrame) -> pd.DataFrame:
    """Imported rows as the data contract writes them: ISO dates, yes/no/blank for
    ``cni``, blank for unknown values (``financial_loss`` stays a number)."""
    rows = rows.copy()
    rows["reported_on"] = rows["reported_on"].dt.strftime("%Y-%m-%d")
    rows["cni"] = rows["cni"].map({True: "yes", False: "no"}, na_action="ignore")
    return rows


# Two decimals: money in the local currency.
LOSS_FORMAT = "%.2f"


def write_incidents(result: ImportResult, out_path: str | Path, skipped_path: str | Path | None = None) -> Path:
    """Write ``result.rows`` as incidents.csv (and the skipped report, if asked).

    The file follows the data contract: ISO dates, yes/no/blank for ``cni``, plain
    numbers for ``financial_loss``, blank for unknown values.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    safe_tables.write_csv(contract_text(result.rows), out_path, float_format=LOSS_FORMAT)
    if skipped_path is not None:
        safe_tables.write_csv(result.skipped, skipped_path)
    return out_path


def counts_frame(result: ImportResult) -> pd.DataFrame:
    """The counts as a two-column table (what, records), for display."""
    return counts_frame_of(result.counts)


def counts_frame_of(counts: dict[str, Any]) -> pd.DataFrame:
    """Counts (``ImportResult.counts``, or their sum over an import's batches) as a
    two-column table (what, records)."""
    lines: list[tuple[str, int]] = [("records read", counts["read"]), ("imported", counts["imported"])]
    if counts["records_imported"] != counts["imported"]:
        lines.append(("records imported (one row per victim country they list)", counts["records_imported"]))
    lines += [(f"skipped: {reason}", n) for reason, n in counts["skipped_by_reason"].items()]
    if len(counts["by_country"]) > 1:
        lines += [(f"imported for {code}", n) for code, n in counts["by_country"].items()]
    lines += [
        ("imported, public body from victim.government", counts["public_body_from_government"]),
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
