"""Which incident rows count as reported incidents, and the dark figure built on them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_country

from workbench import impact, incidents, stages
from workbench.loading import load_country
from workbench.profile import Profile

NA = pd.NA


def profile(start: str = "2025-01-01", end: str = "2025-12-31") -> Profile:
    return Profile(
        country="KE", name="Kenya", currency="KES", usd_per_unit=0.5, gdp_usd=1.0e6,
        population=1.0e6, period_start=dt.date.fromisoformat(start),
        period_end=dt.date.fromisoformat(end), budget_usd_per_year=1.0e6, horizon_years=5,
        synthetic=True,
    )


def frame(rows: list[tuple], *, with_source: bool = True) -> pd.DataFrame:
    """Typed incidents rows: id, reported_on, victim_type, source, date_precision."""
    table = pd.DataFrame(rows, columns=["incident_id", "reported_on", "victim_type", "source",
                                        "date_precision"])
    table["reported_on"] = pd.to_datetime(table["reported_on"])
    table["category"] = "fraud"
    table["sector"] = table["victim_type"].map({"business": "trade", "public_body": "health"})
    table["cni"] = pd.array([NA] * len(table), dtype="boolean")
    table["status"] = "closed"
    table["source"] = table["source"].astype("str")
    table["date_precision"] = table["date_precision"].astype("str")
    return table if with_source else table.drop(columns=["source", "date_precision"])


ROWS = [
    ("A", "2025-03-04", "business", "national_cert", "day"),   # counted
    ("B", "2025-05-01", "public_body", "police", "month"),     # counted, month only
    ("C", "2025-01-01", "business", None, "year"),             # counted: blank = CERT; all of 2025
    ("D", "2025-07-01", "business", "open_source", "month"),   # news: not official
    ("E", "2025-02-02", "individual", "police", None),         # not an organisation
    ("F", "2024-06-01", "business", "national_cert", "month"), # outside the period
    ("G", "2026-01-01", "business", "open_source", "year"),    # outside before not official
]


def test_each_row_is_counted_or_left_out_for_its_first_reason() -> None:
    reasons = incidents.left_out_reasons(frame(ROWS), profile())
    assert reasons.isna().tolist() == [True, True, True, False, False, False, False]
    assert reasons.iloc[3:].tolist() == [incidents.NOT_OFFICIAL, incidents.NOT_ORGANISATION,
                                         incidents.OUTSIDE_PERIOD, incidents.OUTSIDE_PERIOD]


def test_a_month_or_year_straddling_the_period_is_not_counted() -> None:
    # A period from July 2024 to June 2025: a year-only 2024 record may or may not be in it.
    rows = [("Y", "2024-01-01", "business", "national_cert", "year"),
            ("M", "2024-07-01", "business", "national_cert", "month"),
            ("Z", "2023-01-01", "business", "national_cert", "year"),
            ("N", "2025-06-01", "business", "national_cert", "month")]
    reasons = incidents.left_out_reasons(frame(rows), profile("2024-07-01", "2025-06-30"))
    assert reasons.iloc[0] == incidents.IMPRECISE_DATE
    assert pd.isna(reasons.iloc[1])  # July 2024, wholly inside
    assert reasons.iloc[2] == incidents.OUTSIDE_PERIOD
    assert pd.isna(reasons.iloc[3])  # June 2025, wholly inside


def test_summary_counts_every_row_once_and_caveats_partial_dates() -> None:
    summary = incidents.summarise_incidents(frame(ROWS), profile(), min_cell_size=1)
    assert summary.reported == 3
    assert summary.left_out == {incidents.OUTSIDE_PERIOD: 2, incidents.IMPRECISE_DATE: 0,
                                incidents.NOT_OFFICIAL: 1, incidents.NOT_ORGANISATION: 1}
    assert summary.reported + sum(summary.left_out.values()) == summary.rows == len(ROWS)
    assert summary.by_source == {"national_cert": 3, "police": 2, "open_source": 2}
    assert summary.counted_by_precision == {"day": 1, "month": 1, "year": 1}
    # by_victim_type: official records in the period, whatever the victim.
    victims = summary.by_victim_type.set_index("victim_type")["incidents"]
    assert victims.to_dict() == {"individual": 1, "business": 2, "public_body": 1}
    notes = " ".join(incidents.incident_notes(summary))
    assert "1 are dated only by month and 1 only by year" in notes
    assert "1 not an official record" in notes and "2 outside the period" in notes
    table = incidents.left_out_table(summary).set_index("Incidents")["Rows"]
    assert table["Counted as reported"] == 3 and table["All rows of the file"] == 7
    assert table[f"Left out: {incidents.NOT_OFFICIAL}"] == 1


def test_a_file_without_the_source_column_is_read_as_national_cert_records() -> None:
    summary = incidents.summarise_incidents(frame(ROWS[:3], with_source=False), profile())
    assert summary.reported == 3 and summary.by_source == {"national_cert": 3}
    assert summary.counted_by_precision == {"day": 3, "month": 0, "year": 0}
    assert incidents.dark_figure_withheld(summary) is None


def test_no_dark_figure_from_news_rows_and_the_page_says_why(tmp_path) -> None:
    survey_country = load_country(with_incidents(tmp_path, 
        "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status,source,"
        "date_precision\n"
        "N1,2025-01-01,intrusions,business,health,,,,open_source,year\n"
        "N2,2025-01-01,fraud,public_body,health,,,,open_source,year\n"
        "N3,2023-01-01,fraud,business,trade,,,,open_source,year\n"))
    result = stages.impact_assessment(survey_country)
    s = result.summary
    assert s["estimated_breaches"] and s["estimated_breaches"] > 0
    assert s["reported_incidents"] == 0 and s["underreporting_ratio"] is None
    block = s["incidents"]
    assert block["left_out"][incidents.NOT_OFFICIAL] == 2
    assert block["left_out"][incidents.OUTSIDE_PERIOD] == 1
    assert block["by_source"] == {"open_source": 3}
    assert "official record" in block["dark_figure_withheld"]
    assert "1 outside the period; 2 not an official record" in block["dark_figure_withheld"]
    json.dumps(s, allow_nan=False)
    headline = impact.headline_figures(result).set_index("Figure")
    assert "withheld" in headline.loc["Estimated breaches per reported incident", "Note"]
    assert incidents.incident_notes(result.incidents)[0].startswith("The dark figure is withheld")


def test_official_rows_beside_news_rows_give_the_dark_figure_from_the_official_ones(tmp_path) -> None:
    country = load_country(with_incidents(tmp_path, 
        "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status,source\n"
        "C1,2025-02-01,intrusions,business,trade,,,,national_cert\n"
        "P1,2025-03-01,fraud,business,trade,,,,police\n"
        "N1,2025-04-01,fraud,business,trade,,,,open_source\n"))
    s = stages.impact_assessment(country).summary
    assert s["reported_incidents"] == 2
    assert s["underreporting_ratio"] == pytest.approx(s["estimated_breaches"] / 2)
    assert s["incidents"]["dark_figure_withheld"] is None


def test_the_loader_sets_aside_a_partial_date_not_written_as_the_first_day(tmp_path) -> None:
    folder = write_country(tmp_path, files={"incidents.csv": (
        "incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status,source,"
        "date_precision\n"
        "OK1,2025-05-01,fraud,business,trade,,,,open_source,month\n"
        "BAD1,2025-05-17,fraud,business,trade,,,,open_source,month\n"
        "BAD2,2025-03-01,fraud,business,trade,,,,police,year\n"
        "BAD3,2025-03-01,fraud,business,trade,,,,newspaper,\n"
        "OK2,2025-03-09,fraud,business,trade,,,,,\n")})
    load = load_country(folder, tables=("incidents",)).tables["incidents"]
    assert load.valid["incident_id"].tolist() == ["OK1", "OK2"]
    reasons = dict(zip(load.quarantine["incident_id"], load.quarantine["reason"]))
    assert "date_precision is month" in reasons["BAD1"]
    assert "date_precision is year" in reasons["BAD2"]
    assert "source" in reasons["BAD3"] and "newspaper" in reasons["BAD3"]
    assert load.quarantine.set_index("incident_id").loc["BAD1", "row"] == 3


SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def with_incidents(root: Path, text: str) -> Path:
    """The GB sample country (its survey, register and profile: period 2025) with this
    incidents file in place of its own."""
    folder = root / "GB"
    shutil.copytree(SAMPLES / "GB", folder)
    (folder / "incidents.csv").write_text(text, encoding="utf-8")
    return folder
