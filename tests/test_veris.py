"""Tests of the VERIS importer (workbench.veris and `workbench import-veris`).

Every VERIS record here is invented for the tests (VERIS 1.3 shape, no real incident).
Expected values are worked out by hand from the rules in docs/veris-import.md.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench import veris, vocab
from workbench.cli import app
from workbench.errors import DataFileError, InvalidCountryCode
from workbench.loading import load_table

FIXTURES = Path(__file__).parent / "fixtures" / "veris"
DOC = Path(__file__).parents[1] / "docs" / "veris-import.md"


def record(
    incident_id: str | None = "T-1",
    *,
    country: object = ("GB",),
    year: object = 2024,
    month: object = None,
    day: object = None,
    action: dict | None = None,
    attribute: dict | None = None,
    industry: str | None = "541211",
    **extra: object,
) -> dict:
    """A small VERIS 1.3 record; only the fields the importer reads are filled."""
    incident: dict = {} if year is None else {"year": year}
    if month is not None:
        incident["month"] = month
    if day is not None:
        incident["day"] = day
    rec: dict = {
        "schema_version": "1.3.7",
        "security_incident": "Confirmed",
        "action": action if action is not None else {"hacking": {"variety": ["Use of stolen creds"]}},
        "attribute": attribute or {},
        "timeline": {"incident": incident},
        "victim": {"country": list(country) if isinstance(country, tuple) else country,
                   "employee_count": "Unknown"},
        "impact": {"overall_rating": "Unknown"},
    }
    if incident_id is not None:
        rec["incident_id"] = incident_id
    if industry is not None:
        rec["victim"]["industry"] = industry
    rec.update(extra)
    return rec


def one(rec: dict, country: str = "GB", **kwargs: object) -> pd.Series:
    """The single imported row of one record."""
    result = veris.veris_to_incidents([rec], country, **kwargs)
    assert len(result.rows) == 1, result.skipped
    return result.rows.iloc[0]


# --------------------------------------------------------------------------- reading


def test_reads_a_single_record_file():
    records = veris.read_veris_records(FIXTURES / "fx-0001.json")
    assert [r["incident_id"] for r in records] == ["FX-0001"]
    assert records[0][veris.SOURCE_KEY] == "fx-0001.json"


def test_reads_a_folder_recursively_and_ignores_other_files():
    records = veris.read_veris_records(FIXTURES)
    assert sorted(r["incident_id"] for r in records) == ["FX-0001", "FX-0002", "FX-0003"]
    sources = {r["incident_id"]: r[veris.SOURCE_KEY] for r in records}
    assert sources["FX-0002"] == str(Path("more") / "fx-0002.json")


def test_reads_a_json_array_and_reports_items_that_are_not_objects(tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps([record("A-1"), "not a record", record("A-2", country=("NA",))]))
    records = veris.read_veris_records(path)
    assert len(records) == 3
    assert records[1] == {veris.SOURCE_KEY: "array.json[1]", veris.ERROR_KEY: "array item is not a JSON object"}
    result = veris.veris_to_incidents(records, "GB")
    assert result.rows["incident_id"].tolist() == ["A-1"]
    assert result.skipped.set_index("source")["reason"].to_dict() == {
        "array.json[1]": veris.SKIP_UNREADABLE,
        "array.json[2]": veris.SKIP_OTHER_COUNTRY,
    }


def test_reads_json_lines_with_a_broken_line(tmp_path):
    path = tmp_path / "export.jsonl"
    lines = [json.dumps(record("L-1")), "", "{broken", json.dumps(record("L-2"))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")  # with a byte-order mark
    records = veris.read_veris_records(path)
    assert [r.get("incident_id") for r in records] == ["L-1", None, "L-2"]
    assert records[1][veris.SOURCE_KEY] == "export.jsonl:3"
    result = veris.veris_to_incidents(records, "GB")
    assert result.counts["imported"] == 2
    assert result.counts["skipped_by_reason"] == {veris.SKIP_UNREADABLE: 1}


def test_json_lines_detected_by_content_not_name(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(record("L-1")) + "\n" + json.dumps(record("L-2")) + "\n")
    assert [r["incident_id"] for r in veris.read_veris_records(path)] == ["L-1", "L-2"]


def test_reads_concatenated_pretty_printed_objects(tmp_path):
    path = tmp_path / "stream.json"
    path.write_text(json.dumps(record("S-1"), indent=2) + "\n" + json.dumps(record("S-2"), indent=2))
    assert [r["incident_id"] for r in veris.read_veris_records(path)] == ["S-1", "S-2"]


def test_a_broken_file_inside_a_folder_is_reported_not_fatal(tmp_path):
    (tmp_path / "good.json").write_text(json.dumps(record("G-1")))
    (tmp_path / "bad.json").write_text("this is not json")
    records = veris.read_veris_records(tmp_path)
    result = veris.veris_to_incidents(records, "GB")
    assert result.rows["incident_id"].tolist() == ["G-1"]
    assert result.skipped[["source", "reason"]].values.tolist() == [["bad.json", veris.SKIP_UNREADABLE]]


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "no such file"), ("", "empty"), ("   \n", "empty"), ("not json at all", "not JSON"),
     ("42", "neither"), (b"\xff\xfe\x00bad", "UTF-8")],
)
def test_unreadable_input_raises(tmp_path, content, problem):
    path = tmp_path / "input.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(DataFileError, match=problem):
        veris.read_veris_records(path)


def test_a_folder_without_json_raises(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(DataFileError, match="no .json"):
        veris.read_veris_records(tmp_path)


# --------------------------------------------------------------------------- country


def test_country_filter_keeps_namibia_and_reports_the_rest():
    records = [
        record("N-1", country=("NA",)),
        record("N-2", country="NA"),  # a bare string, as some exports write it
        record("N-3", country=("GB", "NA")),
        record("G-1", country=("GB",)),
        record("U-1", country=("Unknown",)),
        record("U-2", country=()),
        record("O-1", country=("Other",)),
    ]
    del records[5]["victim"]["country"]
    result = veris.veris_to_incidents(records, "NA")
    assert result.rows["incident_id"].tolist() == ["N-1", "N-2", "N-3"]
    assert result.skipped.set_index("incident_id")["reason"].to_dict() == {
        "G-1": veris.SKIP_OTHER_COUNTRY,
        "U-1": veris.SKIP_COUNTRY_UNKNOWN,
        "U-2": veris.SKIP_COUNTRY_UNKNOWN,
        "O-1": veris.SKIP_COUNTRY_UNKNOWN,
    }
    assert result.counts["read"] == 7 == result.counts["imported"] + result.counts["skipped"]


@pytest.mark.parametrize("code", ["XX", "GBR", "", "../etc"])
def test_invalid_country_code_is_refused(code):
    with pytest.raises(InvalidCountryCode):
        veris.veris_to_incidents([record()], code)


# --------------------------------------------------------------------------- ids


def test_incident_id_falls_back_to_master_id_and_duplicates_are_reported():
    first = record(None, plus={"master_id": "M-9"})
    records = [record("A"), first, record("A"), record(None), record("B", security_incident="False positive")]
    result = veris.veris_to_incidents(records, "GB")
    assert result.rows["incident_id"].tolist() == ["A", "M-9"]
    assert result.details["id_from"].tolist() == ["incident_id", "plus.master_id"]
    assert result.counts["id_from_master_id"] == 1
    skipped = result.skipped.set_index("source")
    assert skipped.loc["record 3", "reason"] == veris.SKIP_DUPLICATE
    assert skipped.loc["record 3", "detail"] == "first kept: record 1"
    assert skipped.loc["record 4", "reason"] == veris.SKIP_NO_ID
    assert skipped.loc["record 5", "reason"] == veris.SKIP_NOT_INCIDENT


# --------------------------------------------------------------------------- dates


def test_partial_dates_take_the_start_of_the_known_period():
    records = [
        record("D-full", year=2024, month=6, day=14),
        record("D-month", year=2024, month=6),
        record("D-year", year=2024),
        record("D-badday", year=2023, month=2, day=30),  # no 30 February: day unknown
        record("D-dayonly", year=2022, day=9),  # a day without its month says nothing
        record("D-text", year="2021", month="12", day="31"),
        record("D-badmonth", year=2020, month=13, day=5),
    ]
    result = veris.veris_to_incidents(records, "GB")
    got = dict(zip(result.rows["incident_id"], result.rows["reported_on"].dt.strftime("%Y-%m-%d")))
    assert got == {
        "D-full": "2024-06-14", "D-month": "2024-06-01", "D-year": "2024-01-01",
        "D-badday": "2023-02-01", "D-dayonly": "2022-01-01", "D-text": "2021-12-31",
        "D-badmonth": "2020-01-01",
    }
    assert result.details["date_precision"].tolist() == [
        "day", "month", "year", "month", "year", "day", "year"
    ]
    assert result.counts["partial_dates"] == {"day_missing": 2, "month_missing": 3}


@pytest.mark.parametrize("year", [None, "Unknown", 20014, 2024.5, ""])
def test_a_record_without_a_usable_year_is_skipped(year):
    result = veris.veris_to_incidents([record("Y", year=year)], "GB")
    assert result.rows.empty
    assert result.skipped["reason"].tolist() == [veris.SKIP_NO_YEAR]


# --------------------------------------------------------------------------- category

PRECEDENCE_CASES = {
    # phishing (fraud, 50) that led to the use of stolen credentials (hacking, 40)
    "phish+creds": ({"social": {"variety": ["Phishing"]}, "hacking": {"variety": ["Use of stolen creds"]}},
                    {}, "intrusions"),
    # ransomware (10) beats everything that came before it
    "phish+ransom": ({"social": {"variety": ["Phishing"]}, "malware": {"variety": ["Ransomware", "Downloader"]},
                      "hacking": {"variety": ["Use of backdoor or C2"]}}, {}, "malicious-code"),
    "phish": ({"social": {"variety": ["Phishing"]}}, {}, "fraud"),
    # money taken (25) beats the way in (hacking, 40)
    "bec": ({"social": {"variety": ["Phishing"]}, "hacking": {"variety": ["Use of stolen creds"]}},
            {"integrity": {"variety": ["Fraudulent transaction"]}}, "fraud"),
    # reconnaissance (80) only when nothing else happened: Exploit vuln has no rule of
    # its own and takes the hacking "any" rule (40)
    "scan+exploit": ({"hacking": {"variety": ["Scan network", "Exploit vuln"]}}, {}, "intrusions"),
    "scan": ({"hacking": {"variety": ["Scan network"]}}, {}, "information-gathering"),
    # a laptop stolen from a car broken into: theft (60) beats disabled controls (76)
    "car-theft": ({"physical": {"variety": ["Theft", "Disabled controls"]}}, {}, "information-content-security"),
    # a skimmer fitted to an ATM is coded as tampering (50)
    "skimming": ({"physical": {"variety": ["Tampering", "Disabled controls"]}}, {}, "fraud"),
    "dos": ({"hacking": {"variety": ["DoS"]}}, {}, "availability"),
    "misdelivery": ({"error": {"variety": ["Misdelivery"]}}, {}, "information-content-security"),
    "outage": ({"error": {"variety": ["Malfunction"]}}, {}, "availability"),
    "privilege-abuse": ({"misuse": {"variety": ["Privilege abuse", "Email misuse"]}}, {},
                        "information-content-security"),
    "embezzlement": ({"misuse": {"variety": ["Embezzlement", "Privilege abuse"]}}, {}, "fraud"),
    "spam": ({"social": {"variety": ["Spam"]}}, {}, "abusive-content"),
    # unknown action: the attributes say what happened
    "unknown+disclosed": ({"Unknown": {"notes": "nothing known"}},
                          {"confidentiality": {"data_disclosure": "Yes"}}, "information-content-security"),
    "lowercase-unknown+interrupted": ({"unknown": {}}, {"availability": {"variety": ["Interruption"]}},
                                      "availability"),
    "unknown": ({"Unknown": {}}, {"confidentiality": {"data_disclosure": "Unknown"}}, "other"),
    "no-action+defaced": ({}, {"integrity": {"variety": ["Defacement"]}}, "intrusions"),
    # hacking listed without any variety still counts as hacking
    "hacking-no-variety": ({"hacking": {"vector": ["Web application"]}}, {}, "intrusions"),
    # extortion (96) yields to the attribute that says data was taken (90)
    "extortion+disclosed": ({"social": {"variety": ["Extortion"]}},
                            {"confidentiality": {"data_disclosure": "Potentially"}},
                            "information-content-security"),
    "extortion": ({"social": {"variety": ["Extortion"]}}, {}, "other"),
}


@pytest.mark.parametrize("case", sorted(PRECEDENCE_CASES))
def test_category_precedence(case):
    action, attribute, expected = PRECEDENCE_CASES[case]
    assert one(record(case, action=action, attribute=attribute))["category"] == expected


def test_a_record_without_any_action_key_is_still_placed():
    rec = record("no-action", attribute={"confidentiality": {"data_disclosure": "Yes"}})
    del rec["action"]
    assert one(rec)["category"] == "information-content-security"


def test_near_miss_intrusion_is_an_attempt():
    rec = record("near", security_incident="Near miss", action={"hacking": {"variety": ["Brute force"]}})
    row = one(rec)
    assert row["category"] == "intrusion-attempts"
    rec_error = record("near-err", security_incident="Near miss", action={"error": {"variety": ["Misdelivery"]}})
    assert one(rec_error)["category"] == "information-content-security"


def test_undetermined_category_is_counted():
    result = veris.veris_to_incidents([record("u", action={"Unknown": {}})], "GB")
    assert result.rows["category"].tolist() == ["other"]
    assert result.details["rsit_type"].tolist() == ["undetermined"]
    assert result.counts["category_undetermined"] == 1


def test_mapping_tables_use_only_contract_vocabularies():
    categories = veris.category_table()
    assert set(categories["category"]) <= set(vocab.INCIDENT_CATEGORIES)
    assert categories["rank"].is_monotonic_increasing  # the file reads in precedence order
    assert not categories.duplicated(["field", "value"]).any()
    naics = veris.naics_table()
    assert set(naics["victim_type"]) <= set(vocab.VICTIM_TYPES)
    assert set(naics["sector"]) - {""} <= set(vocab.SECTORS)
    assert (naics.loc[naics["victim_type"] == "individual", "sector"] == "").all()
    assert naics["naics_prefix"].is_unique


# --------------------------------------------------------------------------- victim


@pytest.mark.parametrize(
    ("industry", "victim_type", "sector"),
    [
        ("921110", "public_body", "public_administration"),
        ("92", "public_body", "public_administration"),
        ("221310", "business", "water"),  # 2213 beats 22
        ("221122", "business", "energy"),
        ("622110", "business", "health"),
        ("31-33", "business", "manufacturing"),
        ("562111", "business", "water"),
        ("814110", "individual", None),
        ("000", "business", None),
        ("99", "business", None),
        (None, "business", None),
    ],
)
def test_naics_mapping(industry, victim_type, sector):
    row = one(record("v", industry=industry))
    assert row["victim_type"] == victim_type
    assert (pd.isna(row["sector"]) and sector is None) or row["sector"] == sector


def test_unknown_industry_is_counted():
    records = [record("a", industry="000"), record("b", industry="814110"), record("c", industry="52")]
    assert veris.veris_to_incidents(records, "GB").counts["industry_unknown"] == 1


def test_cni_is_always_unknown():
    assert pd.isna(one(record("c", industry="221122"))["cni"])


# --------------------------------------------------------------------------- loss and status


def test_financial_loss_conversion():
    def loss(amount, code):
        impact = {"overall_rating": "Unknown", "overall_amount": amount}
        if code:
            impact["iso_currency_code"] = code
        return impact

    records = [
        record("local", impact=loss(500, "NAD")),
        record("usd", impact=loss(100, "USD")),
        record("eur", impact=loss(100, "EUR")),
        record("none", impact=loss(100, None)),
        record("negative", impact=loss(-5, "NAD")),
        record("zero", impact=loss(0, "NAD")),
        record("absent"),
    ]
    result = veris.veris_to_incidents(records, "GB", currency="NAD", usd_per_unit=0.05)
    got = dict(zip(result.rows["incident_id"], result.rows["financial_loss"]))
    assert got["local"] == 500
    assert got["usd"] == pytest.approx(100 / 0.05)  # 2000 NAD
    assert got["zero"] == 0
    assert all(np.isnan(got[k]) for k in ("eur", "none", "negative", "absent"))
    assert result.counts["financial_loss"] == {
        "with_amount": 3,
        "blank_by_reason": {
            "blank: amount in another currency (EUR)": 1,
            "blank: currency not stated": 1,
            "blank: amount is not a non-negative number": 1,
        },
    }


def test_losses_without_a_local_currency_stay_blank():
    rec = record("usd", impact={"overall_rating": "Unknown", "overall_amount": 100, "iso_currency_code": "USD"})
    result = veris.veris_to_incidents([rec], "GB")
    assert np.isnan(result.rows["financial_loss"].iloc[0])
    assert result.details["loss_note"].tolist() == ["blank: local currency not given"]
    result = veris.veris_to_incidents([rec], "GB", currency="GBP")
    assert result.details["loss_note"].tolist() == ["blank: USD amount but no usd_per_unit"]


def test_status_closed_only_when_containment_took_a_known_time():
    def contained(unit):
        return {"incident": {"year": 2024}, "containment": {"unit": unit}}

    records = [
        record("days", timeline=contained("Days")),
        record("never", timeline=contained("Never")),
        record("unknown", timeline=contained("Unknown")),
        record("absent"),
    ]
    status = veris.veris_to_incidents(records, "GB").rows["status"]
    assert status.iloc[0] == "closed"
    assert status.iloc[1:].isna().all()


# --------------------------------------------------------------------------- result and output


def test_result_frames_and_counts():
    records = veris.read_veris_records(FIXTURES)
    result = veris.veris_to_incidents(records, "GB", currency="GBP")
    assert list(result.rows.columns) == list(veris.INCIDENT_COLUMNS)
    assert list(result.skipped.columns) == ["source", "incident_id", "reason", "field", "detail"]
    row = result.rows.iloc[0]
    assert (row["incident_id"], row["category"], row["victim_type"], row["sector"]) == (
        "FX-0001", "fraud", "business", "professional"
    )
    assert row["reported_on"] == pd.Timestamp("2024-06-14")
    assert row["financial_loss"] == 12500
    assert row["status"] == "closed"
    assert result.counts["skipped_by_reason"] == {veris.SKIP_OTHER_COUNTRY: 2}
    frame = veris.counts_frame(result).set_index("what")["records"]
    assert frame["records read"] == 3
    assert frame["skipped: victim in another country"] == 2


def test_input_records_are_not_changed():
    records = [record("x", action={"Unknown": {}}), record("y", country=("NA",))]
    before = copy.deepcopy(records)
    veris.veris_to_incidents(records, "GB")
    assert records == before


def test_written_file_loads_with_no_quarantined_rows(tmp_path):
    records = veris.read_veris_records(FIXTURES) + [
        record("NA", country=("NA",), industry="814110", year=2024, month=2),
        record("N-2", country=("NA",), impact={"overall_rating": "Unknown", "overall_amount": 10,
                                               "iso_currency_code": "USD"}),
    ]
    result = veris.veris_to_incidents(records, "NA", currency="NAD", usd_per_unit=0.05)
    folder = tmp_path / "NA"
    veris.write_incidents(result, folder / "incidents.csv", skipped_path=tmp_path / "skipped.csv")
    load = load_table(folder, "incidents")
    assert load.error is None
    assert (load.rows, len(load.valid), len(load.quarantine)) == (3, 3, 0)
    assert load.valid["incident_id"].tolist() == ["FX-0002", "NA", "N-2"]  # "NA" is an id, not a blank
    assert load.valid["sector"].isna().tolist() == [False, True, False]
    assert load.valid["financial_loss"].iloc[2] == 200
    text = (folder / "incidents.csv").read_text().splitlines()
    assert text[0] == ",".join(veris.INCIDENT_COLUMNS)
    assert text[1] == "FX-0002,2023-11-01,information-content-security,public_body,public_administration,,,,open_source,month"
    skipped = pd.read_csv(tmp_path / "skipped.csv", keep_default_na=False)
    assert skipped["incident_id"].tolist() == ["FX-0001", "FX-0003"]


def test_writing_an_empty_import_gives_a_loadable_header(tmp_path):
    result = veris.veris_to_incidents([record("g", country=("GB",))], "KE")
    veris.write_incidents(result, tmp_path / "KE" / "incidents.csv")
    load = load_table(tmp_path / "KE", "incidents")
    assert (load.error, load.rows, len(load.quarantine)) == (None, 0, 0)


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_imports_and_prints_counts(tmp_path):
    out = tmp_path / "GB" / "incidents.csv"
    result = runner.invoke(app, ["import-veris", str(FIXTURES), "--country", "GB", "--out", str(out),
                                 "--currency", "GBP", "--skipped", str(tmp_path / "skipped.csv")])
    assert result.exit_code == 0, result.output
    assert "records read" in result.stdout and "victim in another country" in result.stdout
    load = load_table(out.parent, "incidents")
    assert (len(load.valid), len(load.quarantine)) == (1, 0)
    assert load.valid["financial_loss"].iloc[0] == 12500
    assert (tmp_path / "skipped.csv").is_file()


def test_cli_converts_losses_with_a_profile(tmp_path):
    source = tmp_path / "in.jsonl"
    rec = record("P-1", country=("KE",),
                 impact={"overall_rating": "Unknown", "overall_amount": 77, "iso_currency_code": "USD"})
    source.write_text(json.dumps(rec) + "\n")
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "country: KE\nname: Kenya\ncurrency: KES\nusd_per_unit: 0.0077\ngdp_usd: 1.0e11\n"
        "population: 5.0e7\nperiod_start: 2024-01-01\nperiod_end: 2024-12-31\n"
        "budget_usd_per_year: 1.0e6\nhorizon_years: 5\n"
    )
    out = tmp_path / "KE" / "incidents.csv"
    result = runner.invoke(app, ["import-veris", str(source), "--country", "KE", "--out", str(out),
                                 "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    loss = load_table(out.parent, "incidents").valid["financial_loss"].iloc[0]
    assert loss == pytest.approx(10000.0)  # 77 USD / 0.0077 USD per KES, written to 2 decimals


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "XX"], "not an ISO 3166-1 alpha-2 code"),
        (["--country", "GB", "--currency", "ZZZ"], "not an ISO 4217"),
        (["--country", "GB", "--usd-per-unit", "0"], "must be positive"),
    ],
)
def test_cli_refuses_bad_options(tmp_path, args, message):
    out = tmp_path / "incidents.csv"
    result = runner.invoke(app, ["import-veris", str(FIXTURES), *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_refuses_a_profile_of_another_country(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "country: KE\nname: Kenya\ncurrency: KES\nusd_per_unit: 0.0077\ngdp_usd: 1.0e11\n"
        "population: 5.0e7\nperiod_start: 2024-01-01\nperiod_end: 2024-12-31\n"
        "budget_usd_per_year: 1.0e6\nhorizon_years: 5\n"
    )
    result = runner.invoke(app, ["import-veris", str(FIXTURES), "--country", "GB",
                                 "--out", str(tmp_path / "o.csv"), "--profile", str(profile)])
    assert result.exit_code == 2
    assert "profile is for KE, not GB" in result.stderr


@pytest.mark.parametrize("content", [None, "not json", ""])
def test_cli_exits_2_when_the_input_cannot_be_read(tmp_path, content):
    source = tmp_path / "input.json"
    if content is not None:
        source.write_text(content)
    result = runner.invoke(app, ["import-veris", str(source), "--country", "GB",
                                 "--out", str(tmp_path / "incidents.csv")])
    assert result.exit_code == 2
    assert "input.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- docs


def test_docs_show_the_mapping_tables_the_module_uses():
    assert veris.mapping_tables_markdown() in DOC.read_text(encoding="utf-8")


def test_docs_list_every_skip_reason_in_order():
    doc = DOC.read_text(encoding="utf-8")
    rows = [line.split("|")[1].strip() for line in doc.splitlines()
            if line.startswith("| ") and line.split("|")[1].strip() in veris.SKIP_REASONS]
    assert rows == list(veris.SKIP_REASONS)


def test_non_mapping_entries_are_reported_as_unreadable():
    result = veris.veris_to_incidents([record("ok"), ["not", "a", "record"]], "GB")
    assert result.rows["incident_id"].tolist() == ["ok"]
    assert result.skipped[["source", "reason"]].values.tolist() == [["record 2", veris.SKIP_UNREADABLE]]
