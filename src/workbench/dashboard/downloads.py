"""The page's downloads: the published tables of the country's summary (no row-level
data, suppressed groups without a figure), as a CSV of the headline figures and an
Excel workbook, both spreadsheet-safe (``safe_tables``). A file is made when its link
is clicked (``download_links``), never ahead: most moves of the slider are never
downloaded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench import business_case_tables, disclosure, gaps, impact
from workbench.business_case import Roadmap
from workbench.countries import validate_country_code
from workbench.dashboard.cards import Card, headline_cards
from workbench.dashboard.view import CountryView
from workbench.gaps import GapResult
from workbench.i18n import _
from workbench.impact import ImpactResult
from workbench.safe_tables import csv_bytes, xlsx_bytes


def headline_table(cards: Sequence[Card], period_label: str) -> pd.DataFrame:
    """The headline cards as a table of numbers with their units."""
    return pd.DataFrame({
        "Figure": [c.title for c in cards],
        "Value": [c.numbers.get("value") for c in cards],
        "Low": [c.numbers.get("low") for c in cards],
        "High": [c.numbers.get("high") for c in cards],
        "Unit": [c.unit for c in cards],
        "As shown": [c.value_text for c in cards],
        "Range or detail": [c.interval_text for c in cards],
        "Note": [c.context_text for c in cards],
        "Data period": period_label,
    })


def _group_table(result: ImpactResult) -> pd.DataFrame:
    groups = result.groups
    words = np.where(groups["suppressed"].to_numpy(dtype=bool),
                     disclosure.SUPPRESSED_TEXT, "published")
    return pd.DataFrame({
        "By": groups["dimension"].map({"sector": "sector", "size_band": "size of organisation"}),
        "Group": groups["group"].astype(str).str.replace("_", " "),
        "Respondents": groups["n"],
        "Share breached (%)": (100 * groups["estimate"]).round(1),
        "95% interval low (%)": (100 * groups["ci_low"]).round(1),
        "95% interval high (%)": (100 * groups["ci_high"]).round(1),
        "Status": words,
    })


def _pillar_table(result: GapResult) -> pd.DataFrame:
    table = result.pillar_scores
    return pd.DataFrame({
        "Pillar": table["pillar_title"],
        "Score now (0-100)": table["score"].round(1),
        "Target score (0-100)": table["target_score"].round(1),
        "Checks expected": table["expected"],
        "Checks assessed": table["assessed"],
    })


def _spending_table(roadmap: Roadmap) -> pd.DataFrame:
    spend = roadmap.summary["spend_by_year_usd"]
    return pd.DataFrame({
        "Year of the roadmap": np.arange(1, len(spend) + 1),
        "Spending (USD)": spend,
        "Budget (USD per year)": roadmap.summary["budget_usd_per_year"],
    })


def published_tables(view: CountryView, roadmap: Roadmap | None) -> dict[str, pd.DataFrame]:
    """The published tables of the country's summary, as the download carries them.

    Only figures the report publishes: no row-level data; suppressed groups without
    a figure.
    """
    cards = headline_cards(view, roadmap)
    about = [("Country", f"{view.name} ({view.code})"), ("Data period", view.period_label),
             ("Money", "US dollars (USD)")]
    if view.synthetic:
        about.append(("Warning", "SYNTHETIC DATA: made up for demonstration; describes no real country"))
    if roadmap is not None:
        about += [("Roadmap budget (USD per year)", f"{roadmap.budget_usd_per_year:,.0f}"),
                  ("Roadmap horizon (years)", str(roadmap.horizon_years))]
    tables = {"About": pd.DataFrame(about, columns=["Item", "Value"]),
              "Headline figures": headline_table(cards, view.period_label)}
    if view.impact is not None:
        tables["Impact in brief"] = impact.headline_figures(view.impact)
        tables["Share breached by group"] = _group_table(view.impact)
    if view.gaps is not None:
        tables["Capability by pillar"] = _pillar_table(view.gaps)
        tables["Largest gaps"] = gaps.evidence_view(view.gaps.top_gaps, levels=view.gaps.levels)
    if roadmap is not None:
        tables["Roadmap in brief"] = business_case_tables.headline_figures(
            roadmap, catalogue_source=view.catalogue_source)
        tables["Roadmap"] = business_case_tables.plan_table(roadmap, view.pillar_titles)
        tables["Spending by year"] = _spending_table(roadmap)
        tables["Not in the plan"] = business_case_tables.not_chosen_table(roadmap, view.pillar_titles)
    return tables


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv;charset=utf-8"


@dataclass(frozen=True)
class DownloadFile:
    """One file the page offers: its name, the link's words, its type and the link's
    CSS class (what a reader's tools and the tests find)."""

    name: str
    label: str
    mime: str
    css_class: str


def download_files(code: str) -> tuple[DownloadFile, DownloadFile]:
    """The headline figures as CSV and every published table as an Excel workbook.

    Raises:
        WorkbenchError: ``code`` is not a country code (it names the files).
    """
    safe = validate_country_code(code)
    return (
        DownloadFile(f"{safe}-headline-figures.csv", _("Download headline figures (CSV)"),
                     CSV_MIME, "wb-download-csv"),
        DownloadFile(f"{safe}-summary-tables.xlsx", _("Download all summary tables (Excel)"),
                     XLSX_MIME, "wb-download-xlsx"),
    )


def file_bytes(file: DownloadFile, tables: Mapping[str, pd.DataFrame]) -> bytes:
    """The content of ``file`` (one of ``download_files``) from the published tables."""
    if file.mime == CSV_MIME:
        return csv_bytes(tables["Headline figures"])
    return xlsx_bytes(tables)
