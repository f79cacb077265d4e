"""One streaming pass of VERIS records into incidents.csv files.

``workbench import-veris`` reads its input record by record (``veris.iter_veris_records``),
maps it in batches of ``BATCH_SIZE`` records (``veris.veris_to_incidents``) and appends
each batch's rows to the file of its victim country and its set-aside records to the
rejected-records file, so that memory holds one batch, never the whole input: only the
incident ids already imported are kept, to find repeats. Files are written in a
staging folder beside the output and moved into place at the end, all of them or
none: an import that fails half-way leaves the previous files as they were.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

import pandas as pd

from workbench import safe_tables, veris, vocab
from workbench.countries import validate_country_code
from workbench.errors import WorkbenchError
from workbench.profile import load_profile

BATCH_SIZE = 500
INCIDENTS_FILE = "incidents.csv"
# Beside the per-country folders when every country is imported.
REJECTED_FILE = "import-veris-rejected.csv"
REJECTED_COLUMNS = ("file", "line", "source", "incident_id", "reason", "field", "detail")

# "file.jsonl:12" (a line), "file.json[3]" (an array item), "file.json#2" (the 2nd of
# objects written one after another), "file.json" (the whole file).
_WHERE = re.compile(r"^(?P<file>.*?)(?::(?P<line>\d+)|\[(?P<item>\d+)\]|#(?P<object>\d+))?$")


@dataclass
class ImportReport:
    """What one import did.

    Attributes:
        counts: the figures of ``veris.ImportResult.counts``, summed over batches.
        written: country code -> the incidents.csv written for it.
        rejected: the rejected-records file, when one was written.
    """

    counts: dict[str, Any]
    written: dict[str, Path] = field(default_factory=dict)
    rejected: Path | None = None


def batches(records: Iterable[dict[str, Any]], size: int = BATCH_SIZE) -> Iterator[list[dict[str, Any]]]:
    """The records in lists of at most ``size``."""
    iterator = iter(records)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def merge_counts(total: dict[str, Any] | None, more: dict[str, Any]) -> dict[str, Any]:
    """Two count dicts added key by key (nested dicts too)."""
    if total is None:
        return more
    merged = dict(total)
    for key, value in more.items():
        if isinstance(value, dict):
            merged[key] = merge_counts(total.get(key, {}), value)
        else:
            merged[key] = total.get(key, 0) + value
    return merged


def rejected_rows(skipped: pd.DataFrame) -> pd.DataFrame:
    """Set-aside records with the file and the line (of a JSON-lines file) apart."""
    where = skipped["source"].str.extract(_WHERE)
    return pd.DataFrame({
        "file": where["file"],
        "line": where["line"],
        "source": skipped["source"],
        "incident_id": skipped["incident_id"],
        "reason": skipped["reason"],
        "field": skipped["field"],
        "detail": skipped["detail"],
    })[list(REJECTED_COLUMNS)]


class _Appender:
    """A CSV written batch by batch into the staging folder, moved into place at the end."""

    def __init__(self, staging: Path, name: str, target: Path) -> None:
        self.path = staging / name
        self.target = target
        self._handle: IO[str] | None = None

    def append(self, frame: pd.DataFrame) -> None:
        first = self._handle is None
        if first:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
        safe_tables.neutralise_frame(frame).to_csv(
            self._handle, header=first, index=False, float_format=veris.LOSS_FORMAT)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def commit(self) -> Path:
        self.close()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, self.target)
        return self.target


def profile_money(out_dir: Path) -> Callable[[str], tuple[str | None, float | None]]:
    """Country code -> (currency, usd_per_unit) from ``<out_dir>/<CC>/profile.yaml``
    when it is there, else (None, None): the loss is then left blank and counted."""

    @cache
    def money(code: str) -> tuple[str | None, float | None]:
        path = out_dir / code / "profile.yaml"
        if not path.is_file():
            return None, None
        profile = load_profile(path, expected_country=code)
        return profile.currency, profile.usd_per_unit

    return money


def import_veris(
    source_path: str | Path,
    *,
    country: str | None,
    out: str | Path,
    rejected: str | Path | None = None,
    currency: str | None = None,
    usd_per_unit: float | None = None,
    source: str = veris.DEFAULT_SOURCE,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import every record of ``source_path`` in one pass.

    With ``country``, ``out`` is that country's incidents.csv (written even when no
    record is the country's: a header the loader reads as an empty file). Without
    it, ``out`` is a folder and each victim country found gets
    ``<out>/<CC>/incidents.csv``; losses are converted with each country's
    ``<out>/<CC>/profile.yaml`` when there is one. ``rejected`` lists every record
    not imported, with its file, line, id, reason and the VERIS field at fault.

    Raises:
        DataFileError: the input cannot be read at all (naming it).
        WorkbenchError: a country's folder already holds an incidents.xlsx, which the
            written incidents.csv would contradict (nothing is written then).
    """
    if country is not None:
        country = validate_country_code(country_code(country))
    if source not in vocab.INCIDENT_SOURCES:
        raise WorkbenchError(f"source {source!r} is not one of {', '.join(vocab.INCIDENT_SOURCES)}")
    out = Path(out)
    base = out.parent if country is not None else out
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-veris-", dir=base))
    money = profile_money(out) if country is None and currency is None and usd_per_unit is None else None
    appenders: dict[str, _Appender] = {}
    rejected_appender = (_Appender(staging, "rejected.csv", Path(rejected))
                         if rejected is not None else None)
    seen: dict[str, str] = {}
    counts: dict[str, Any] | None = None

    def target(code: str) -> Path:
        return out if country is not None else out / code / INCIDENTS_FILE

    try:
        for batch in batches(veris.iter_veris_records(source_path), batch_size):
            result = veris.veris_to_incidents(
                batch, country, currency=currency, usd_per_unit=usd_per_unit, source=source,
                seen=seen, money=money)
            counts = merge_counts(counts, result.counts)
            text = veris.contract_text(result.rows)
            for code, rows in text.groupby(result.details["country"].to_numpy(), sort=True):
                if code not in appenders:
                    appenders[code] = _Appender(staging, f"{code}.csv", target(code))
                appenders[code].append(rows)
            if rejected_appender is not None and len(result.skipped):
                rejected_appender.append(rejected_rows(result.skipped))
        if counts is None:  # an input with no record at all (an empty JSON array)
            counts = veris.veris_to_incidents([], country, source=source).counts
        if country is not None and country not in appenders:
            appenders[country] = _Appender(staging, f"{country}.csv", target(country))
            appenders[country].append(veris.contract_text(veris.veris_to_incidents([], country).rows))
        if rejected_appender is not None and rejected_appender._handle is None:
            rejected_appender.append(pd.DataFrame(columns=list(REJECTED_COLUMNS)))
        _refuse_conflicts([a.target for a in appenders.values()])
        written = {code: appenders[code].commit() for code in sorted(appenders)}
        return ImportReport(counts=counts, written=written,
                            rejected=rejected_appender.commit() if rejected_appender else None)
    finally:
        for appender in [*appenders.values(), *([rejected_appender] if rejected_appender else [])]:
            appender.close()
        shutil.rmtree(staging, ignore_errors=True)


def _refuse_conflicts(targets: list[Path]) -> None:
    """An incidents.xlsx beside a written incidents.csv would make two incidents files."""
    clashes = [t.with_suffix(".xlsx") for t in targets if t.with_suffix(".xlsx").exists()]
    if clashes:
        names = ", ".join(str(c) for c in clashes)
        raise WorkbenchError(f"{names} already there: with an incidents.csv beside it the folder "
                             "would hold two incidents files; move it away first (nothing was written)")


def country_code(text: str) -> str:
    """A country code as typed (``gb``, `` GB ``) in the upper case the contract uses."""
    return text.strip().upper()

