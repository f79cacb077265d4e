"""The ministers' dashboard: pure builders, the spreadsheet-safe downloads, the page's
widgets without a browser, and the safe serving options."""

from __future__ import annotations

import ast
import csv
import html
import io
import json
import math
import os
import threading
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import SURVEY_HEADER, SURVEY_ROWS, write_country
from typer.testing import CliRunner

from workbench import key_findings, paths, safe_tables, stages
from workbench.cli import app
from workbench.dashboard import cache, charts, downloads, grid, slider
from workbench.dashboard import cards as page_cards
from workbench.dashboard import page as pages
from workbench.dashboard import server as dashboard_server
from workbench.dashboard import settings as page_settings
from workbench.dashboard import view as views
from workbench.dashboard.cards import view_summary
from workbench.dashboard.plans import PlanFolder, Position
from workbench.errors import WorkbenchError
from workbench.loading import load_country
from workbench.parameters_cell import PARAMETERS_SOURCE

EVIL = "=HYPERLINK(\"http://x.example\",\"click\")"
# Three more breached respondents with a cost, so that the annual cost rests on six
# respondents (the disclosure threshold is five).
EXTRA_BREACHED = [
    "R7,finance,micro,private,no,yes,1,yes,no,no,no,no,no,no,no,300,,,yes,no,no,no,no,no",
    "R8,trade,micro,private,no,yes,1,no,no,no,no,no,no,no,yes,50,,,no,no,no,no,no,no",
    "R9,trade,large,private,no,yes,1,no,no,yes,no,no,no,no,no,400,,,no,yes,yes,yes,yes,no",
]


# --------------------------------------------------------------------------- CSV injection


@pytest.mark.parametrize("text", ["=1+1", "+41 22", "-2+3", "@SUM(A1)", "\tx", "\rx", EVIL])
def test_cells_a_spreadsheet_would_run_get_a_leading_quote(text: str) -> None:
    assert safe_tables.neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Ministry of Finance", "", " =not first", "a=b", 3, -2.5, None])
def test_other_cells_are_left_alone(value: object) -> None:
    assert safe_tables.neutralise_cell(value) == value


def test_neutralise_frame_covers_text_mixed_columns_and_headers_without_touching_input() -> None:
    frame = pd.DataFrame({
        "name": pd.Series(["=cmd", "ok", None, "-x"], dtype="str"),
        "mixed": pd.Series(["+1", 7, None, "safe"], dtype=object),
        "number": [-1.0, 2.0, 3.0, -4.0],
        "=header": ["a", "b", "c", "d"],
    })
    original = frame.copy()
    out = safe_tables.neutralise_frame(frame)
    assert out["name"].tolist()[:2] == ["'=cmd", "ok"] and pd.isna(out["name"].iloc[2])
    assert out["name"].iloc[3] == "'-x"
    assert out["mixed"].tolist()[:2] == ["'+1", 7] and out["mixed"].iloc[3] == "safe"
    assert out["number"].tolist() == [-1.0, 2.0, 3.0, -4.0]  # numbers stay numbers
    assert list(out.columns) == ["name", "mixed", "number", "'=header"]
    pd.testing.assert_frame_equal(frame, original)


def test_csv_download_reads_back_neutralised_with_a_byte_order_mark() -> None:
    frame = pd.DataFrame({"Entity": ["=evil()", "Ministry"], "Gap (levels)": [3, 1]})
    payload = safe_tables.csv_bytes(frame)
    assert payload.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))
    assert rows == [["Entity", "Gap (levels)"], ["'=evil()", "3"], ["Ministry", "1"]]


def test_xlsx_download_holds_text_not_formulas() -> None:
    tables = {"Largest gaps": pd.DataFrame({"Evidence": [EVIL, "plain"], "Gap": [2, 1]}),
              "A name longer than thirty-one characters": pd.DataFrame({"x": ["@x"]})}
    book = openpyxl.load_workbook(io.BytesIO(safe_tables.xlsx_bytes(tables)))
    assert book.sheetnames == ["Largest gaps", "A name longer than thirty-one c"]
    cell = book["Largest gaps"]["A2"]
    assert cell.value == "'" + EVIL and cell.data_type == "s"
    assert book["Largest gaps"]["B2"].value == 2
    assert book["A name longer than thirty-one c"]["A2"].value == "'@x"


# --------------------------------------------------------------------------- page address


def test_parse_query_keeps_first_values_and_survives_junk() -> None:
    assert page_settings.parse_query("country=GB&country=KE&horizon_years=4") == {
        "country": "GB", "horizon_years": "4"}
    assert page_settings.parse_query("") == {} and page_settings.parse_query(None) == {}
    assert page_settings.parse_query("&".join(f"k{i}=1" for i in range(50))) == {}


def _settings(query: str, **kwargs):
    defaults = dict(country="KE", data_root=Path("/data"), budget_usd_per_year=None,
                    horizon_years=None, available=["GB", "KE"])
    defaults.update(kwargs)
    return page_settings.resolve_settings(query, **defaults)


def test_the_address_selects_the_country_and_roadmap_inputs() -> None:
    s = _settings("country=gb&budget_usd_per_year=2.5e6&horizon_years=7")
    assert (s.country, s.budget_usd_per_year, s.horizon_years, s.notes) == ("GB", 2.5e6, 7, ())


def test_without_an_address_the_parameters_stand() -> None:
    s = _settings("", budget_usd_per_year=1e6, horizon_years=3)
    assert (s.country, s.budget_usd_per_year, s.horizon_years, s.notes) == ("KE", 1e6, 3, ())
    assert _settings("", country="FJ").country == "GB"  # the parameter's country has no folder


@pytest.mark.parametrize("query, words", [
    ("country=../etc", "is not a country code"),
    ("country=<b>x</b>", "is not a country code"),
    ("country=FR", "no data for FR"),
    ("budget_usd_per_year=-5", "not a positive amount"),
    ("budget_usd_per_year=nan", "not a positive amount"),
    ("budget_usd_per_year=inf", "not a positive amount"),
    ("budget_usd_per_year=lots", "not a positive amount"),
    ("horizon_years=0", "whole number of years"),
    ("horizon_years=2.5", "whole number of years"),
    (f"horizon_years={page_settings.MAX_HORIZON_YEARS + 1}", "whole number of years"),
])
def test_unusable_address_values_leave_the_defaults_with_a_note(query: str, words: str) -> None:
    s = _settings(query)
    assert (s.country, s.budget_usd_per_year, s.horizon_years) == ("KE", None, None)
    assert len(s.notes) == 1 and words in s.notes[0]


def test_notes_quote_a_visitors_value_escaped_on_the_page() -> None:
    s = _settings("country=<script>x</script>")
    page = page_cards.header_html(None, s.notes)
    assert "<script>x" not in page and "&lt;script&gt;" in page


# --------------------------------------------------------------------------- budget control


@pytest.mark.parametrize("raw, step", [(0.215, 0.25), (0.05, 0.05), (6.5, 10.0), (0.8, 1.0),
                                       (0.155, 0.2), (3.0, 5.0)])
def test_nice_step(raw: float, step: float) -> None:
    assert slider.nice_step(raw) == pytest.approx(step)


def test_nice_step_refuses_nonsense() -> None:
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError):
            slider.nice_step(bad)


def test_budget_slider_runs_from_one_step_to_three_times_the_budget() -> None:
    # 4.3 million: 4.3 / 20 = 0.215 -> step 0.25; 3 x 4.3 = 12.9 -> 13.0 (52 steps).
    assert slider.budget_slider_range(4.3e6) == slider.SliderRange(0.25, 13.0, 0.25, 2)
    # 130 million: step 10 (6.5 rounded up), top 390.
    assert slider.budget_slider_range(130e6) == slider.SliderRange(10.0, 390.0, 10.0, 0)
    # A budget asked for above three times the profile's widens the range.
    assert slider.budget_slider_range(1e6, 5.02e6).maximum == pytest.approx(5.05)


def test_slider_positions_are_every_step_nearest_first_as_the_page_reads_them() -> None:
    bounds = slider.budget_slider_range(4.3e6)  # 0.25 .. 13.0 million by 0.25
    budgets = slider.slider_budgets_usd(bounds, 4.3e6)
    assert len(budgets) == 52 and len(set(budgets)) == 52
    assert sorted(budgets)[:2] == [250_000.0, 500_000.0] and max(budgets) == 13_000_000.0
    assert budgets[:3] == [4_250_000.0, 4_500_000.0, 4_000_000.0]
    # A slider value as the browser may send it reads as the same key.
    assert round(float(0.1 + 0.2) * 1e6, 2) in slider.slider_budgets_usd(
        slider.SliderRange(0.1, 1.0, 0.1, 1), 0.0)


# --------------------------------------------------------------------------- figures and cards


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_country(root, "KE", files={"survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join(
        [*SURVEY_ROWS, *EXTRA_BREACHED]) + "\n", "capability_assessment.csv": (
        "entity_id,indicator_id,level,evidence,assessed_on\n"
        f"NATIONAL,LEG-01,2,\"{EVIL.replace(chr(34), chr(34) * 2)}\",2025-05-01\n"
        "NATIONAL,TEC-01,1,<script>alert(1)</script> CIRT on paper,2025-05-01\n"
        "MOF,TEC-13,3,MFA for all staff,2025-05-02\n"
        "PWR,TEC-13,1,,2025-05-03\n")})
    write_country(root, "GB", name="United <b>Kingdom</b>", currency="GBP",
                  files={"survey_responses.csv": "respondent_id\nR1\n"})
    (root / "JM").mkdir()
    (root / "JM" / "profile.yaml").write_text("country: [unclosed\n", encoding="utf-8")
    (root / "not-a-country").mkdir()
    return root


def _expected_blocks(folder: Path, budget: float, horizon: int) -> dict:
    """The summary blocks as workbench.stages (which the notebooks call) works them out."""
    every = stages.every_stage(load_country(folder))
    plan = stages.plan(every.roadmap_inputs, budget, horizon)
    return {"impact": every.impact.summary, "gaps": every.gaps.summary,
            "business_case": plan.summary}


def test_list_countries_names_folders_by_code_and_flags_broken_ones(data_root: Path) -> None:
    assert page_settings.list_countries(data_root) == [
        page_settings.CountryChoice("GB", "United <b>Kingdom</b> (GB)"),
        page_settings.CountryChoice("JM", "JM (data problem)"),
        page_settings.CountryChoice("KE", "Kenya (KE)"),
    ]
    assert page_settings.list_countries(data_root / "missing") == []


def test_headline_cards_carry_the_summary_json_numbers(data_root: Path) -> None:
    shown = views.build_country_view(load_country(data_root / "KE"))
    roadmap = stages.plan(shown.roadmap_inputs, 1.0e6, 3)
    expected = _expected_blocks(data_root / "KE", 1.0e6, 3)
    cards = {c.key: c for c in page_cards.headline_cards(shown, roadmap)}
    assert list(cards) == ["prevalence", "annual_cost", "underreporting", "maturity",
                           "roadmap_cost", "rosi"]
    imp, gap, plan = expected["impact"], expected["gaps"], expected["business_case"]
    assert cards["prevalence"].numbers == {"value": imp["prevalence"]["estimate"],
                                          "low": imp["prevalence"]["ci_low"],
                                          "high": imp["prevalence"]["ci_high"]}
    cost = imp["annual_cost_usd"]
    assert cards["annual_cost"].numbers == {"value": cost["estimate"], "low": cost["ci_low"],
                                           "high": cost["ci_high"], "pct-gdp": imp["cost_pct_gdp"]}
    assert cards["underreporting"].numbers["value"] == imp["underreporting_ratio"]
    assert cards["maturity"].numbers["value"] == gap["overall_score"]
    assert cards["roadmap_cost"].numbers["value"] == plan["total_cost_usd"]
    assert cards["rosi"].numbers["value"] == plan["rosi"]
    assert cost["estimate"] is not None and plan["rosi"] is not None
    # The score path and the ROSI's 90% range, as summary.json publishes them.
    assert cards["roadmap_cost"].numbers["score-today"] == plan["score_by_year"][0]
    assert cards["roadmap_cost"].numbers["score-final"] == plan["score_by_year"][-1]
    assert (f"from {plan['score_by_year'][0]:.1f} today to {plan['score_by_year'][-1]:.1f} by year 3"
            in cards["roadmap_cost"].context_text)
    interval = plan["rosi_interval"]
    assert cards["rosi"].numbers["low"] == interval["p05"]
    assert cards["rosi"].numbers["p-positive"] == interval["p_positive"]
    assert cards["rosi"].interval_text.startswith("90% range")
    assert "chance it pays for itself" in cards["rosi"].interval_text
    # By hand from the fixture: weights = organisations in the cell / respondents in it:
    # finance micro 100/3 (R1 R2 R7), finance large 10 (R3), trade micro 300/3 (R4 R5 R8),
    # trade large 20/2 (R6 R9). Breached: R1 R7 R3 R5 R8 R9 = 200/3 + 10 + 200 + 10 of 430.
    assert cards["prevalence"].numbers["value"] == pytest.approx((200 / 3 + 220) / 430)
    assert cards["prevalence"].value_text == "66.7%"
    # Two incidents of businesses and public bodies were reported (I1, I2).
    assert cards["underreporting"].numbers["value"] == pytest.approx(imp["estimated_breaches"] / 2)
    # Two of the five pillars assessed: the coverage rule withholds the overall score,
    # and the card says why instead of showing a figure.
    assert gap["overall_score"] is None and "overall" in gap["withheld"]
    assert "withheld: too little has been assessed" in cards["maturity"].context_text


def test_cards_html_escapes_and_exposes_the_numbers() -> None:
    card = page_cards.Card("x", "<img src=x>", "1 & 2", numbers={"value": 0.25, "low": None})
    page = page_cards.cards_html([card])
    assert "<img" not in page and "&lt;img src=x&gt;" in page and "1 &amp; 2" in page
    assert 'data-figure="x"' in page and 'data-value="0.25"' in page and 'data-low=""' in page


def test_small_survey_groups_are_published_without_a_figure(tmp_path: Path) -> None:
    folder = write_country(tmp_path, "KE", files={
        "survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join(SURVEY_ROWS[:4]) + "\n"})
    view = views.build_country_view(load_country(folder))
    cards = {c.key: c for c in page_cards.impact_cards(view)}
    assert cards["prevalence"].value_text == "not available"
    assert "fewer than 5 respondents" in cards["prevalence"].context_text
    assert cards["prevalence"].numbers == {"value": None}


def test_a_broken_stage_is_explained_and_the_others_still_show(data_root: Path) -> None:
    view = views.build_country_view(load_country(data_root / "GB"))
    assert view.usable and view.impact is None and view.gaps is not None
    assert "survey_responses.csv" in view.problems["impact"]
    cards = {c.key: c for c in page_cards.headline_cards(view, None)}
    assert cards["prevalence"].value_text == "not available"
    assert "survey_responses.csv" in cards["prevalence"].context_text
    # The gaps still show: this fixture assesses two of the five pillars, too little for
    # the overall score (the coverage rule), and the card says so.
    assert "withheld: too little has been assessed" in cards["maturity"].context_text


def test_a_broken_profile_makes_a_plain_message_not_a_traceback(data_root: Path) -> None:
    view = views.load_view(data_root, "JM")
    assert not view.usable and "profile.yaml" in view.fatal
    page = page_cards.problem_html("JM", view.fatal)
    assert "Traceback" not in page and "cannot be shown" in page
    assert not views.load_view(data_root, "../x").usable


def test_header_shows_the_synthetic_banner_and_escapes_the_name(data_root: Path) -> None:
    view = views.build_country_view(load_country(data_root / "GB"))
    page = page_cards.header_html(view)
    assert "SYNTHETIC DATA" in page and "United &lt;b&gt;Kingdom&lt;/b&gt;" in page
    assert "1 Jan 2025 to 31 Dec 2025" in page and "US dollars" in page


def test_filter_pillar_keeps_one_pillar_and_ranks_its_gaps(data_root: Path) -> None:
    view = views.build_country_view(load_country(data_root / "KE"))
    technical = charts.filter_pillar(view.gaps, "technical")
    assert set(technical.pairs["pillar_id"]) == {"technical"}
    assert set(technical.top_gaps["indicator_id"]) == {"TEC-01", "TEC-13"}  # the open gaps
    assert technical.summary == view.gaps.summary  # the scores are the framework's
    assert charts.filter_pillar(view.gaps, charts.ALL_PILLARS) is view.gaps
    with pytest.raises(ValueError):
        charts.filter_pillar(view.gaps, "nonsense")
    assert charts.pillar_options(view.gaps)[0] == ("All pillars", "")


def test_published_tables_neutralise_free_text_in_the_download(data_root: Path) -> None:
    view = views.build_country_view(load_country(data_root / "KE"))
    tables = downloads.published_tables(view, stages.plan(view.roadmap_inputs, 1e6, 3))
    assert {"About", "Headline figures", "Impact in brief", "Largest gaps", "Roadmap",
            "Spending by year"} <= set(tables)
    book = openpyxl.load_workbook(io.BytesIO(safe_tables.xlsx_bytes(tables)))
    evidence = [c.value for row in book["Largest gaps"].iter_rows() for c in row]
    assert "'" + EVIL in evidence and EVIL not in evidence
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)
    csv_file, xlsx_file = downloads.download_files("KE")
    assert (csv_file.name, xlsx_file.name) == ("KE-headline-figures.csv", "KE-summary-tables.xlsx")
    assert downloads.file_bytes(csv_file, tables).startswith(b"\xef\xbb\xbf")
    book = openpyxl.load_workbook(io.BytesIO(downloads.file_bytes(xlsx_file, tables)))
    assert book.sheetnames[:2] == ["About", "Headline figures"] and "Roadmap" in book.sheetnames
    with pytest.raises(WorkbenchError):
        downloads.download_files("../KE")


def test_tidy_layout_wraps_long_subtitles_and_frees_the_axis_title() -> None:
    long_words = " ".join(["word"] * 60)  # 299 characters
    layout = {"title": {"text": "T", "subtitle": {"text": long_words}},
              "legend": {"orientation": "h", "y": -0.3}, "margin": {"t": 90, "b": 10},
              "height": 400}
    tidy = charts.tidy_layout(layout)
    lines = tidy["title"]["subtitle"]["text"].split("<br>")
    assert len(lines) == 3 and all(len(line) <= charts.SUBTITLE_CHARACTERS for line in lines)
    assert tidy["legend"] == {"orientation": "h", "y": 0.0, "yref": "container", "yanchor": "bottom"}
    assert tidy["margin"] == {"t": 90 + 2 * 17, "b": charts.LEGEND_FOOT}
    assert tidy["height"] == 400 + 2 * 17 + (charts.LEGEND_FOOT - 10)
    assert layout["legend"]["y"] == -0.3 and layout["title"]["subtitle"]["text"] == long_words
    # A chart that wraps its own subtitle and keeps its legend clear is left as it is.
    done = {"title": {"subtitle": {"text": "a<br>b"}}, "legend": {"y": 1.02}, "height": 300,
            "margin": {"t": 80, "b": 40}}
    assert charts.tidy_layout(done) == done


def test_figure_spec_is_plain_json_without_online_resources() -> None:
    spec = charts.figure_spec(go.Figure(go.Bar(x=[1, 2], y=[3, 4])))
    assert set(spec) == {"data", "layout", "config"}
    assert json.loads(json.dumps(spec)) == spec
    assert spec["config"] == {"displaylogo": False}
    assert "http" not in json.dumps(spec)


# --------------------------------------------------------------------------- the page's widgets


@pytest.fixture
def few_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the grid's five budgets nearest the default (of about 60): the same grid
    process, a twelfth of the solving."""
    every = grid.grid_budgets_usd
    monkeypatch.setattr(grid, "grid_budgets_usd", lambda default_usd: every(default_usd)[:5])


@pytest.fixture
def plans(tmp_path: Path) -> PlanFolder:
    """A server's plans folder, empty."""
    folder = tmp_path / "plans"
    folder.mkdir(mode=0o700)
    return PlanFolder(folder)


def _page(data_root: Path, country: str = "KE", plans: PlanFolder | None = None,
          **kwargs) -> pages.CountryDashboard:
    chosen = page_settings.DashboardSettings(data_root, country, **kwargs)
    return pages.CountryDashboard(chosen, cache.PageCache(data_root, plans))


def _chart_titles(charts) -> list[str]:
    """The titles of the charts drawn: of a list of LiveChart, or of a LiveCharts group."""
    figures = charts.figures if hasattr(charts, "figures") else [c.figure for c in charts]
    return [figure["layout"]["title"]["text"] for figure in figures if figure]


def _download(page: pages.CountryDashboard, name: str) -> bytes:
    """The file ``name`` as the page's kernel sends it when its link is clicked."""
    message, buffers = page.downloads.make(name)
    assert message == {"name": name, "mime": message.get("mime")} and len(buffers) == 1, message
    return buffers[0]


def _workbook_about(payload: bytes) -> dict[str, str]:
    book = openpyxl.load_workbook(io.BytesIO(payload))
    return {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}


def _solver_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on any roadmap solved in this process fails the test."""
    monkeypatch.setattr(stages, "plan", lambda *args, **kwargs: pytest.fail("a plan was solved"))


def _solves_counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, int]]:
    """The (budget, horizon) of every roadmap solved from now on, in order."""
    solved: list[tuple[float, int]] = []
    solve = stages.plan
    monkeypatch.setattr(stages, "plan", lambda inputs, budget, horizon: solved.append(
        (budget, horizon)) or solve(inputs, budget, horizon))
    return solved


def _folder_state(plans: PlanFolder) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in plans.folder.iterdir()}


def test_the_page_opens_on_the_impact_tab_with_the_cards(data_root: Path) -> None:
    page = _page(data_root)
    assert page.problem.value == ""
    assert 'data-figure="prevalence"' in page.cards.value
    # The page opens with the same key findings as the report and the brief.
    findings = key_findings.key_findings(view_summary(page.view, page.roadmap))
    assert page.cards.value.index("id='key-findings'") < page.cards.value.index("wb-card")
    assert all(html.escape(f.text) in page.cards.value for f in findings)
    assert len(_chart_titles(page.impact_charts)) == 5
    assert _chart_titles(page.roadmap_charts) == []  # drawn when first opened
    assert page.budget.value == pytest.approx(1.0) and page.horizon_control.value == 3
    assert [(link["name"], link["css"]) for link in page.downloads.links] == [
        ("KE-headline-figures.csv", "wb-download-csv"), ("KE-summary-tables.xlsx", "wb-download-xlsx")]


def test_a_download_is_made_when_asked_from_what_the_page_shows(data_root: Path) -> None:
    page = _page(data_root)
    sent: list[tuple[dict, list]] = []
    page.downloads.send = lambda content, buffers=None: sent.append((content, buffers))
    page.downloads._on_request(page.downloads, {"want": "KE-summary-tables.xlsx"}, [])
    (message, buffers), = sent
    assert message["name"] == "KE-summary-tables.xlsx" and message["mime"] == downloads.XLSX_MIME
    assert _workbook_about(buffers[0])["Roadmap budget (USD per year)"] == "1,000,000"
    # Made at the moment it is asked for: after a move, the file holds the new budget.
    page.budget.value = 2.5
    assert _workbook_about(_download(page, "KE-summary-tables.xlsx"))[
        "Roadmap budget (USD per year)"] == "2,500,000"
    headline = _download(page, "KE-headline-figures.csv").decode("utf-8-sig").splitlines()
    assert headline[0].startswith("Figure,Value,Low,High,Unit")
    # A name the page does not offer, or a request that is not one, gets no file.
    message, buffers = page.downloads.make("../etc/passwd")
    assert buffers == [] and "not offered" in message["problem"]
    page.downloads._on_request(page.downloads, "junk", [])
    page.downloads._on_request(page.downloads, {"want": 3}, [])
    assert len(sent) == 1


def test_moving_the_budget_solves_the_roadmap_again(data_root: Path) -> None:
    page = _page(data_root)
    page.tabs.selected_index = pages.ROADMAP_TAB
    assert len(_chart_titles(page.roadmap_charts)) == charts.ROADMAP_CHARTS == 4
    before = page.roadmap.summary["budget_usd_per_year"]
    page.budget.value = 0.05  # USD 50,000 a year: too small for the catalogue
    assert before == 1.0e6 and page.roadmap.summary["budget_usd_per_year"] == 50_000.0
    expected = _expected_blocks(data_root / "KE", 50_000.0, 3)["business_case"]
    assert page.roadmap.summary["total_cost_usd"] == expected["total_cost_usd"]
    subtitle = page.roadmap_charts.figures[0]["layout"]["title"]
    assert "USD 50,000 a year" in json.dumps(subtitle)
    # Redrawn under the country and horizon: a redraw keeps the margins it grew to.
    assert page.roadmap_charts.steady == "KE/3"
    assert page.roadmap_charts.names == list(charts.ROADMAP_CHART_NAMES)
    page.horizon_control.value = 2
    assert page.roadmap.horizon_years == 2 and page.roadmap_charts.steady == "KE/2"


def test_the_grid_process_writes_every_position_default_budget_first(
        data_root: Path, plans: PlanFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[tuple[str, float, int]] = []
    write = grid.work_out_position
    monkeypatch.setattr(grid, "work_out_position", lambda folder, shown, budget, horizon: order.append(
        (shown.code, budget, horizon)) or write(folder, shown, budget, horizon))
    lines: list[str] = []
    grids = grid.work_out_grid(data_root, plans, lines.append)
    budgets = slider.grid_budgets_usd(1.0e6)
    assert budgets[0] == 1.0e6 and len(budgets) == len(set(budgets)) > 50
    # Every country's default first (JM's profile is broken: it has no grid), then each
    # country's other positions, nearest the default budget first.
    assert order[:2] == [("GB", 1.0e6, 3), ("KE", 1.0e6, 3)]
    assert order[2:] == [("GB", b, 3) for b in budgets[1:]] + [("KE", b, 3) for b in budgets[1:]]
    assert [(g.view.code, g.written, g.stopped) for g in grids] == [
        ("GB", len(budgets), None), ("KE", len(budgets), None)]
    assert [line.split(" in ")[0] for line in lines] == [
        f"slider grid: {code}: {len(budgets)} of {len(budgets)} positions" for code in ("GB", "KE")]
    for shown in (g.view for g in grids):
        for budget in budgets:
            position = Position(shown.code, shown.inputs_id, budget, 3)
            assert plans.holds(position)
            assert all(plans.read_chart(position, index) for index in range(charts.ROADMAP_CHARTS))
    files = sorted(p.name for p in plans.folder.iterdir())
    assert len(files) == 2 * len(budgets) * (1 + charts.ROADMAP_CHARTS)  # nothing half-written
    assert not any(name.startswith(".") for name in files)
    # The grid's plan is the one workbench.stages works out.
    ke = grids[1].view
    position = Position("KE", ke.inputs_id, budgets[-1], 3)
    expected = _expected_blocks(data_root / "KE", budgets[-1], 3)["business_case"]
    assert plans.read_plan(position).summary == expected


def test_the_page_reads_a_grid_position_without_solving(
        data_root: Path, plans: PlanFolder, monkeypatch: pytest.MonkeyPatch,
        few_positions: None) -> None:
    grid.work_out_grid(data_root, plans)
    written = _folder_state(plans)
    budgets = grid.grid_budgets_usd(1.0e6)
    _solver_fails(monkeypatch)
    page = _page(data_root, plans=plans)
    page.tabs.selected_index = pages.ROADMAP_TAB
    assert page.problem.value == "" and page.roadmap.summary["budget_usd_per_year"] == 1.0e6
    page.budget.value = budgets[-1] / 1e6  # another position of the grid
    assert page.problem.value == ""
    assert page.roadmap.summary["budget_usd_per_year"] == budgets[-1]
    position = Position("KE", page.view.inputs_id, budgets[-1], 3)
    assert page.roadmap_charts.figures == [
        json.loads(plans.read_chart(position, index)) for index in range(charts.ROADMAP_CHARTS)]
    assert (page.cache.plans_read, page.cache.plans_solved) == (2, 0)
    assert _folder_state(plans) == written  # a page only reads the grid


def test_a_position_off_the_grid_is_solved_in_the_page_and_kept(
        data_root: Path, plans: PlanFolder, monkeypatch: pytest.MonkeyPatch,
        few_positions: None) -> None:
    grid.work_out_grid(data_root, plans)
    written = _folder_state(plans)
    expected = _expected_blocks(data_root / "KE", 1.0e6, 5)["business_case"]
    solved = _solves_counted(monkeypatch)
    page = _page(data_root, plans=plans)
    page.tabs.selected_index = pages.ROADMAP_TAB
    page.horizon_control.value = 5  # the grid holds the default horizon only
    assert page.roadmap.horizon_years == 5 and solved == [(1.0e6, 5)]
    assert page.roadmap.summary == expected
    assert len(_chart_titles(page.roadmap_charts)) == charts.ROADMAP_CHARTS
    page.budget.value = 2.5  # off the grid's five budgets too
    assert solved == [(1.0e6, 5), (2_500_000.0, 5)]
    page.budget.value = 1.0
    page.horizon_control.value = 3  # back on the grid: read
    page.horizon_control.value = 5  # back to a position the page solved: kept
    assert solved == [(1.0e6, 5), (2_500_000.0, 5)]
    assert page.problem.value == "" and page.roadmap.horizon_years == 5
    assert _folder_state(plans) == written  # solved plans stay in the page


def test_without_a_server_every_position_is_solved_in_the_page(
        data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_DASHBOARD_PLANS", raising=False)
    assert cache.PageCache.of_server(data_root).plans is None
    solved = _solves_counted(monkeypatch)
    page = pages.CountryDashboard(page_settings.DashboardSettings(data_root, "KE"))
    assert page.cache.plans is None and solved == [(1.0e6, 3)]
    page.budget.value = 2.0
    assert solved == [(1.0e6, 3), (2_000_000.0, 3)] and page.cache.plans_read == 0


def test_a_changed_input_file_leaves_the_grid_unread(
        data_root: Path, plans: PlanFolder, monkeypatch: pytest.MonkeyPatch,
        few_positions: None) -> None:
    grid.work_out_grid(data_root, plans)
    before = _page(data_root, plans=plans)
    assert (before.cache.plans_read, before.cache.plans_solved) == (1, 0)
    # The country's data change while the server runs: a new page solves afresh.
    assessment = data_root / "KE" / "capability_assessment.csv"
    assessment.write_text(assessment.read_text(encoding="utf-8").replace(
        "MOF,TEC-13,3", "MOF,TEC-13,1"), encoding="utf-8")
    expected = _expected_blocks(data_root / "KE", 1.0e6, 3)["business_case"]
    solved = _solves_counted(monkeypatch)
    after = _page(data_root, plans=plans)
    assert after.view.inputs_id != before.view.inputs_id
    assert solved == [(1.0e6, 3)] and (after.cache.plans_read, after.cache.plans_solved) == (0, 1)
    assert after.roadmap.summary == expected != before.roadmap.summary


def test_a_country_that_cannot_be_planned_does_not_stop_the_others(
        data_root: Path, plans: PlanFolder, monkeypatch: pytest.MonkeyPatch,
        few_positions: None) -> None:
    solve = stages.plan

    def fails_for_gb(inputs, budget, horizon):
        if inputs.annual_cost_usd is None:  # GB's: its survey is unusable
            raise RuntimeError("no plan for GB")
        return solve(inputs, budget, horizon)

    monkeypatch.setattr(stages, "plan", fails_for_gb)
    lines: list[str] = []
    grids = grid.work_out_grid(data_root, plans, lines.append)
    assert [(g.view.code, g.written) for g in grids] == [("GB", 0), ("KE", 5)]
    assert "stopped: RuntimeError: no plan for GB" in lines[0]
    assert not any(p.name.startswith("GB-") for p in plans.folder.iterdir())


def test_a_preheated_kernel_gets_its_head_start_from_the_grid_without_solving(
        data_root: Path, plans: PlanFolder, monkeypatch: pytest.MonkeyPatch,
        few_positions: None) -> None:
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("WORKBENCH_DASHBOARD_PLANS", str(plans.folder))
    solved = _solves_counted(monkeypatch)
    # The grid is not worked out yet: the head start solves nothing.
    empty = cache.prepare("KE", str(data_root))
    assert empty.view("KE").usable and solved == []
    grid.work_out_grid(data_root, plans)
    _solver_fails(monkeypatch)
    prepared = cache.prepare("KE", str(data_root))
    assert prepared.plans_read == 1 and prepared.impact_specs.cache_info().currsize == 1
    # The page uses what was prepared: its figures are not loaded again.
    monkeypatch.setattr(cache, "load_view", lambda *args: pytest.fail("loaded again"))
    page = pages.CountryDashboard(page_settings.DashboardSettings(data_root, "KE"), prepared)
    assert page.cache is prepared and page.problem.value == ""
    assert (prepared.plans_read, prepared.plans_solved) == (1, 0)


def test_a_preheated_kernel_prepares_at_its_own_priority(
        data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A visitor who takes a preheated kernel before its head start is done waits for
    it: it must not run in a thread left to starve at the lowest priority."""
    ran: list[tuple[int, int]] = []
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(cache, "head_start", lambda prepared, country: ran.append(
        (threading.get_ident(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))))
    cache.prepare("KE", str(data_root))
    assert ran == [(threading.get_ident(),
                    os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))]
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # a kernel started for its visitor
    cache.prepare("KE", str(data_root))
    assert len(ran) == 1


def test_pages_keep_their_own_plans(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is kept module-wide: a second page (another visitor's kernel) works its
    plans out for itself, and the first page's stay with it."""
    solved = _solves_counted(monkeypatch)
    first, second = _page(data_root), _page(data_root)
    assert solved == [(1.0e6, 3), (1.0e6, 3)] and first.cache is not second.cache
    assert first.roadmap is not second.roadmap


def test_switching_to_a_broken_country_shows_a_message_and_back_again(data_root: Path) -> None:
    page = _page(data_root)
    page.country.value = "JM"
    assert "cannot be shown" in page.problem.value and "profile.yaml" in page.problem.value
    assert "Traceback" not in page.problem.value
    assert page.body.layout.display == "none"
    assert page.header.layout.display is None and page.problem.layout.display is None
    page.country.value = "GB"
    assert page.problem.value == "" and page.body.layout.display is None
    assert "not available for this country" in page.impact_note.value
    page.tabs.selected_index = pages.GAPS_TAB
    page.pillar.value = "technical"
    heatmap = page.gaps_filtered.figure
    assert {x[:4] for x in heatmap["data"][0]["x"]} == {"TEC-"}


def test_evidence_reaches_the_gap_table_escaped(data_root: Path) -> None:
    page = _page(data_root)
    page.tabs.selected_index = pages.GAPS_TAB
    assert "<script>alert(1)</script>" not in page.gaps_top.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.gaps_top.value


def test_a_page_without_any_country_says_so(tmp_path: Path) -> None:
    page = _page(tmp_path, None)
    assert "no country folder" in page.problem.value.lower()


# --------------------------------------------------------------------------- notebook


def test_the_dashboard_notebook_is_thin_and_carries_the_shared_parameters_cell() -> None:
    notebook = nbformat.read(paths.NOTEBOOKS_DIR / paths.DASHBOARD_NOTEBOOK, 4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].source == PARAMETERS_SOURCE and code[0].metadata["tags"] == ["parameters"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert all("dashboard." in c.source or "import" in c.source for c in code[1:])
    assert notebook.metadata["kernelspec"]["name"] == "python3"


# --------------------------------------------------------------------------- imports


def _workbench_imports() -> dict[str, set[str]]:
    """Every module of the workbench and the workbench modules it imports anywhere in
    its code (imports inside functions included)."""
    source = paths.PACKAGE_DIR
    modules = {}
    for file in source.rglob("*.py"):
        parts = ("workbench", *file.relative_to(source).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = file
    graph: dict[str, set[str]] = {}
    for name, file in modules.items():
        package = name if file.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    above = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*above, base] if base else above)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.add(full if full in modules else base)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, path = [], {}, []

    def visit(name: str) -> None:
        state[name] = "open"
        path.append(name)
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                found.append(path[path.index(other):] + [other])
            elif other not in state:
                visit(other)
        path.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return found


def test_no_workbench_module_is_imported_back_by_what_it_imports() -> None:
    graph = _workbench_imports()
    assert "workbench.dashboard.page" in graph["workbench.dashboard"]  # the graph is read
    assert _cycles(graph) == []
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]


def test_the_dashboard_keeps_no_state_at_module_level() -> None:
    """Caches and worker threads live in the page's objects, never in a module that
    tests (or a second page in the same kernel) would share."""
    for file in (paths.PACKAGE_DIR / "dashboard").glob("*.py"):
        text = file.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in tree.body:
            decorators = getattr(node, "decorator_list", [])
            assert not any("cache" in ast.unparse(d) for d in decorators), file.name
        assert "threading.Thread(" not in text or file.name == "server.py", file.name


# --------------------------------------------------------------------------- serving


@pytest.mark.parametrize("ip, loopback", [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True),
                                          ("localhost", True), ("0.0.0.0", False),
                                          ("10.1.2.3", False), ("::", False), ("example", False)])
def test_is_loopback(ip: str, loopback: bool) -> None:
    assert dashboard_server.is_loopback(ip) is loopback


def test_another_address_needs_a_token_or_password(tmp_path: Path) -> None:
    open_to_all = dashboard_server.ServeOptions(tmp_path, ip="0.0.0.0")
    with pytest.raises(WorkbenchError, match="refusing to listen on 0.0.0.0"):
        dashboard_server.check_options(open_to_all)
    dashboard_server.check_options(dashboard_server.ServeOptions(tmp_path, ip="0.0.0.0",
                                                                 token="t" * 32))
    dashboard_server.check_options(dashboard_server.ServeOptions(tmp_path, ip="10.0.0.2",
                                                                 hashed_password="argon2:x"))
    for bad in (dict(port=0), dict(pool_size=-1), dict(token="short"), dict(base_url="dash"),
                dict(cull_interval_seconds=0)):
        with pytest.raises(WorkbenchError):
            dashboard_server.check_options(dashboard_server.ServeOptions(tmp_path, **bad))


def test_voila_is_configured_to_hide_code_and_tracebacks_and_cull_idle_kernels(tmp_path: Path) -> None:
    config = dashboard_server.voila_config(dashboard_server.ServeOptions(
        tmp_path, port=9000, pool_size=2, idle_timeout_seconds=600, token="t" * 20))
    vc = config.VoilaConfiguration
    assert vc.strip_sources is True and vc.show_tracebacks is False
    assert vc.template == "workbench" and vc.allow_template_override == "NO"
    assert vc.preheat_kernel is True and vc.default_pool_size == 2
    assert vc.file_allowlist == []
    assert config.Voila.ip == "127.0.0.1" and config.Voila.port == 9000
    assert config.Voila.port_retries == 0 and config.Voila.token == "t" * 20
    assert config.Voila.config_file_paths == []
    kernels = config.MappingKernelManager
    assert kernels.cull_idle_timeout == 600 and kernels.cull_connected is True
    no_pool = dashboard_server.voila_config(dashboard_server.ServeOptions(tmp_path, preheat=False))
    assert no_pool.VoilaConfiguration.preheat_kernel is False


def test_the_shipped_template_drops_the_cdn_fonts() -> None:
    template = dashboard_server.TEMPLATE_ROOT / "voila" / "templates" / "workbench"
    assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
    assert "fontawesome" in (template / "index.html.j2").read_text()  # named to be removed


def test_kernel_environment_names_the_data_folder(tmp_path: Path) -> None:
    env = dashboard_server.kernel_environment(dashboard_server.ServeOptions(tmp_path))
    assert env[page_settings.DATA_ROOT_ENV] == str(tmp_path.resolve())
    assert env["JUPYTER_PATH"].split(":")[0] == str(dashboard_server.TEMPLATE_ROOT)
    assert "VOILA_APP_IP" not in env
    lan = dashboard_server.ServeOptions(tmp_path, ip="10.0.0.2", token="t" * 16)
    assert dashboard_server.kernel_environment(lan)["VOILA_APP_IP"] == "10.0.0.2"


def test_cli_dashboard_refuses_an_open_address_without_a_secret(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(dashboard_server.TOKEN_ENV, raising=False)
    monkeypatch.delenv(dashboard_server.PASSWORD_HASH_ENV, raising=False)
    write_country(tmp_path / "data")
    result = CliRunner().invoke(app, ["dashboard", "--data", str(tmp_path / "data"),
                                      "--ip", "0.0.0.0"])
    assert result.exit_code == 2 and "refusing to listen on 0.0.0.0" in result.output


def test_cli_dashboard_refuses_a_folder_without_countries(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dashboard", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "no country folder" in result.output
