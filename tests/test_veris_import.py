"""The VERIS import in one streaming pass: victim types, categories, sources, dates,
every victim country, every record accounted for, and memory flat in the input.

Records built with ``record()`` are invented (VERIS 1.3 shape); those under
tests/fixtures/vcdb/ are real VCDB records (see its README.txt).
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from test_veris import record
from typer.testing import CliRunner

from workbench import veris, veris_import
from workbench.cli import app
from workbench.loading import load_table

VCDB = Path(__file__).parent / "fixtures" / "vcdb"
runner = CliRunner()


def one(rec: dict, country: str = "GB", **kwargs) -> pd.Series:
    result = veris.veris_to_incidents([rec], country, **kwargs)
    assert len(result.rows) == 1, result.skipped
    return result.rows.iloc[0]


# --------------------------------------------------------------------------- victims


@pytest.mark.parametrize(("government", "industry", "victim_type", "sector"), [
    (["Local"], "621111", "public_body", "health"),       # a local-government clinic
    (["Federal"], "000", "public_body", "public_administration"),
    (["Regional"], None, "public_body", "public_administration"),
    (["NA"], "621111", "business", "health"),              # NA: not a government
    (["Unknown"], "541211", "business", "professional"),
    (None, "921110", "public_body", "public_administration"),
])
def test_victim_government_makes_a_public_body(government, industry, victim_type, sector):
    rec = record("G-1", industry=industry)
    if government is not None:
        rec["victim"]["government"] = government
    row = one(rec)
    assert (row["victim_type"], row["sector"]) == (victim_type, sector)


# --------------------------------------------------------------------------- categories

STOLEN = {"confidentiality": {"data_disclosure": "Yes"}}


@pytest.mark.parametrize(("action", "attribute", "category"), [
    # MOVEit / Cl0p: a vulnerability exploited, files stolen, extortion; the 1.4
    # migration's Ransomware marks the extortion, nothing was encrypted.
    ({"hacking": {"variety": ["Exploit vuln"]}, "malware": {"variety": ["Ransomware"]},
      "social": {"variety": ["Extortion"]}}, STOLEN, "intrusions"),
    ({"malware": {"variety": ["Ransomware"]}}, STOLEN, "information-content-security"),
    # Encrypted: ransomware proper, whatever else happened.
    ({"hacking": {"variety": ["Exploit vuln"]}, "malware": {"variety": ["Ransomware"]}},
     {**STOLEN, "availability": {"variety": ["Obscuration"]}}, "malicious-code"),
    ({"malware": {"variety": ["Ransomware"]}}, {}, "malicious-code"),
    ({"malware": {"variety": ["Ransomware"]}},
     {"confidentiality": {"data_disclosure": "Potentially"}}, "malicious-code"),
    # Ransomware beside other malware that stole data: the other malware still counts.
    ({"malware": {"variety": ["Ransomware", "Export data"]}}, STOLEN, "malicious-code"),
    # An insider leak after a pretext: the leak is what the victim lost.
    ({"social": {"variety": ["Pretexting"]}, "misuse": {"variety": ["Data mishandling"]}},
     STOLEN, "information-content-security"),
    # A pretext that took money is fraud.
    ({"social": {"variety": ["Pretexting"]}, "misuse": {"variety": ["Data mishandling"]}},
     {"integrity": {"variety": ["Fraudulent transaction"]}}, "fraud"),
    ({"social": {"variety": ["Pretexting"]}}, STOLEN, "fraud"),
])
def test_categories_follow_the_documented_precedence(action, attribute, category):
    assert one(record("C-1", action=action, attribute=attribute))["category"] == category


def test_real_vcdb_records_get_the_categories_checked_by_hand():
    result = veris.veris_to_incidents(veris.read_veris_records(VCDB), None)
    got = {r.incident_id[:8]: (r.category, r.victim_type, r.sector)
           for r in result.rows.itertuples()}
    assert got == {
        # Pretexted into fitting a KVM to a bank's computer to move money.
        "1AD85AB2": ("fraud", "business", "finance"),
        # Airline employee fed passenger data to the press: insider misuse.
        "743CF9EA": ("information-content-security", "business", "transport"),
        # Court janitor blackmailed into gathering documents (public body).
        "511C2AD1": ("information-content-security", "public_body", "public_administration"),
        "E7F306C0": ("availability", "public_body", "public_administration"),
        "29A83DD0": ("information-content-security", "business", "health"),
        # Police insider pretexted by phone into leaking deployment dates.
        "7FBE1079": ("information-content-security", "public_body", "public_administration"),
        # Ransomware that did not work; card data was disclosed.
        "765ce730": ("information-content-security", "business", "other"),
        # Ransomware spread from a hacked hospital site, data only "potentially" exposed.
        "F83B47B0": ("malicious-code", "business", "health"),
    }
    assert set(result.rows["source"]) == {"open_source"}
    assert result.counts["read"] == 8 == result.counts["records_imported"]


# --------------------------------------------------------------------------- source, dates


@pytest.mark.parametrize(("month", "day", "precision", "date"), [
    (None, None, "year", "2024-01-01"),
    (5, None, "month", "2024-05-01"),
    (5, 17, "day", "2024-05-17"),
    (13, 17, "year", "2024-01-01"),     # an impossible month: only the year is known
    (2, 30, "month", "2024-02-01"),     # 30 February: only the month
])
def test_date_precision_says_which_parts_of_the_date_were_known(month, day, precision, date):
    row = one(record("D-1", month=month, day=day))
    assert (row["date_precision"], row["reported_on"]) == (precision, pd.Timestamp(date))


def test_source_is_open_source_unless_told_otherwise():
    assert one(record("S-1"))["source"] == "open_source"
    assert one(record("S-1"), source="national_cert")["source"] == "national_cert"
    with pytest.raises(ValueError, match="newspaper"):
        veris.veris_to_incidents([record("S-1")], "GB", source="newspaper")


def test_country_codes_in_either_case():
    assert one(record("L-1", country=["gb"]), "gb")["incident_id"] == "L-1"


# --------------------------------------------------------------------------- one pass


def _write_jsonl(path: Path, records: list, extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_one_pass_writes_every_victim_country_and_accounts_for_every_record(tmp_path):
    source = _write_jsonl(tmp_path / "in.jsonl", [
        record("A", country=["GB"], month=3, day=2),
        record("B", country=["ke"]),
        record("C", country=["GB", "IE"], month=7),
        record("D", country=["XX"]),
        record("E", country=["Unknown"]),
        record("A", country=["GB"]),
        record(None),
    ], extra_lines=("{broken",))
    out = tmp_path / "data"
    report = veris_import.import_veris(source, country=None, out=out,
                                       rejected=out / veris_import.REJECTED_FILE, batch_size=2)
    assert sorted(report.written) == ["GB", "IE", "KE"]
    counts = report.counts
    assert counts["read"] == 8 == counts["records_imported"] + counts["skipped"]
    assert (counts["records_imported"], counts["imported"]) == (3, 4)  # C is GB's and IE's
    assert counts["by_country"] == {"GB": 2, "IE": 1, "KE": 1}
    for code, ids in {"GB": ["A", "C"], "IE": ["C"], "KE": ["B"]}.items():
        load = load_table(out / code, "incidents")
        assert load.valid["incident_id"].tolist() == ids and len(load.quarantine) == 0
    gb = load_table(out / "GB", "incidents").valid.set_index("incident_id")
    assert gb["date_precision"].to_dict() == {"A": "day", "C": "month"}
    rejected = pd.read_csv(out / veris_import.REJECTED_FILE, dtype=str, keep_default_na=False)
    assert rejected[["line", "reason", "field"]].values.tolist() == [
        ["4", veris.SKIP_BAD_COUNTRY, "victim.country"],
        ["5", veris.SKIP_COUNTRY_UNKNOWN, "victim.country"],
        ["6", veris.SKIP_DUPLICATE, "incident_id"],   # a repeat from an earlier batch
        ["7", veris.SKIP_NO_ID, "incident_id"],
        ["8", veris.SKIP_UNREADABLE, "(the JSON itself)"],
    ]
    assert set(rejected["file"]) == {"in.jsonl"}
    assert rejected.loc[2, "detail"] == "first kept: in.jsonl:1"


def test_the_vcdb_folder_imports_in_one_pass_with_every_record_placed(tmp_path):
    report = veris_import.import_veris(VCDB / "raw", country=None, out=tmp_path / "data",
                                       rejected=tmp_path / "rejected.csv")
    assert report.counts["read"] == 5 == report.counts["records_imported"]
    assert sorted(report.written) == ["AU", "BD", "CA", "GB"]
    assert pd.read_csv(tmp_path / "rejected.csv").empty


def test_an_incidents_xlsx_in_the_way_stops_the_import_before_anything_is_written(tmp_path):
    (tmp_path / "data" / "KE").mkdir(parents=True)
    (tmp_path / "data" / "KE" / "incidents.xlsx").write_bytes(b"")
    source = _write_jsonl(tmp_path / "in.jsonl", [record("A", country=["GB"]), record("B", country=["KE"])])
    with pytest.raises(veris_import.WorkbenchError, match="incidents.xlsx"):
        veris_import.import_veris(source, country=None, out=tmp_path / "data")
    assert not (tmp_path / "data" / "GB").exists()
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["KE"]  # no staging left


def test_memory_stays_flat_as_the_input_grows(tmp_path):
    def source(n: int) -> Path:
        return _write_jsonl(tmp_path / f"in-{n}.jsonl", [
            record(f"M-{i}", country=["GB" if i % 2 else "KE"], month=1 + i % 12,
                   action={"hacking": {"variety": ["Brute force"]}}, summary="x" * 400)
            for i in range(n)])

    def peak(n: int, *, traced: bool = True) -> int:
        path = source(n)
        if traced:
            tracemalloc.start()
        try:
            report = veris_import.import_veris(path, country=None, out=tmp_path / f"out-{n}",
                                               batch_size=BATCH)
            return tracemalloc.get_traced_memory()[1] if traced else 0
        finally:
            tracemalloc.stop()
            assert report.counts["imported"] == n

    BATCH = 10
    peak(5, traced=False)  # load the rule tables and country codes outside the measure
    one_batch, ten_batches = peak(BATCH), peak(10 * BATCH)
    # Ten times the records: the peak still holds one batch (and the ids seen so far).
    assert ten_batches < 1.5 * one_batch, (one_batch, ten_batches)


# --------------------------------------------------------------------------- command line


def test_cli_imports_every_country_without_country(tmp_path):
    out = tmp_path / "data"
    result = runner.invoke(app, ["import-veris", str(VCDB), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 record(s) read: 8 row(s) imported, 0 set aside" in result.stdout
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["AU", "BD", "CA", "GB", "IN"]
    assert (out / veris_import.REJECTED_FILE).is_file()


def test_cli_accepts_a_lower_case_country_and_a_source(tmp_path):
    out = tmp_path / "GB" / "incidents.csv"
    result = runner.invoke(app, ["import-veris", str(VCDB / "raw"), "--country", "gb",
                                 "--out", str(out), "--source", "police"])
    assert result.exit_code == 0, result.output
    valid = load_table(out.parent, "incidents").valid
    assert sorted(valid["incident_id"].str[:8]) == ["1AD85AB2", "743CF9EA"]
    assert set(valid["source"]) == {"police"}


@pytest.mark.parametrize(("args", "message"), [
    (["--source", "press"], "--source 'press' is not one of"),
    (["--profile", "profile.yaml"], "--profile needs --country"),
])
def test_cli_refuses_bad_options_without_country(tmp_path, args, message):
    result = runner.invoke(app, ["import-veris", str(VCDB), "--out", str(tmp_path / "data"), *args])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
