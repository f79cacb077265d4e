"""The ministers' dashboard: pure builders, the spreadsheet-safe downloads, the page's
widgets without a browser, and the safe serving options."""

from __future__ import annotations

import csv
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

from workbench import (
    business_case,
    dashboard,
    dashboard_server,
    gaps,
    impact,
    paths,
    plan_store,
    safe_tables,
)
from workbench.ahead import WorkAhead
from workbench.cli import app
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
    payload = dashboard.csv_bytes(frame)
    assert payload.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))
    assert rows == [["Entity", "Gap (levels)"], ["'=evil()", "3"], ["Ministry", "1"]]


def test_xlsx_download_holds_text_not_formulas() -> None:
    tables = {"Largest gaps": pd.DataFrame({"Evidence": [EVIL, "plain"], "Gap": [2, 1]}),
              "A name longer than thirty-one characters": pd.DataFrame({"x": ["@x"]})}
    book = openpyxl.load_workbook(io.BytesIO(dashboard.xlsx_bytes(tables)))
    assert book.sheetnames == ["Largest gaps", "A name longer than thirty-one c"]
    cell = book["Largest gaps"]["A2"]
    assert cell.value == "'" + EVIL and cell.data_type == "s"
    assert book["Largest gaps"]["B2"].value == 2
    assert book["A name longer than thirty-one c"]["A2"].value == "'@x"


# --------------------------------------------------------------------------- page address


def test_parse_query_keeps_first_values_and_survives_junk() -> None:
    assert dashboard.parse_query("country=GB&country=KE&horizon_years=4") == {
        "country": "GB", "horizon_years": "4"}
    assert dashboard.parse_query("") == {} and dashboard.parse_query(None) == {}
    assert dashboard.parse_query("&".join(f"k{i}=1" for i in range(50))) == {}


def _settings(query: str, **kwargs):
    defaults = dict(country="KE", data_root=Path("/data"), budget_usd_per_year=None,
                    horizon_years=None, available=["GB", "KE"])
    defaults.update(kwargs)
    return dashboard.resolve_settings(query, **defaults)


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
    (f"horizon_years={dashboard.MAX_HORIZON_YEARS + 1}", "whole number of years"),
])
def test_unusable_address_values_leave_the_defaults_with_a_note(query: str, words: str) -> None:
    s = _settings(query)
    assert (s.country, s.budget_usd_per_year, s.horizon_years) == ("KE", None, None)
    assert len(s.notes) == 1 and words in s.notes[0]


def test_notes_quote_a_visitors_value_escaped_on_the_page() -> None:
    s = _settings("country=<script>x</script>")
    page = dashboard.header_html(None, s.notes)
    assert "<script>x" not in page and "&lt;script&gt;" in page


# --------------------------------------------------------------------------- budget control


@pytest.mark.parametrize("raw, step", [(0.215, 0.25), (0.05, 0.05), (6.5, 10.0), (0.8, 1.0),
                                       (0.155, 0.2), (3.0, 5.0)])
def test_nice_step(raw: float, step: float) -> None:
    assert dashboard.nice_step(raw) == pytest.approx(step)


def test_nice_step_refuses_nonsense() -> None:
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError):
            dashboard.nice_step(bad)


def test_budget_slider_runs_from_one_step_to_three_times_the_budget() -> None:
    # 4.3 million: 4.3 / 20 = 0.215 -> step 0.25; 3 x 4.3 = 12.9 -> 13.0 (52 steps).
    assert dashboard.budget_slider_range(4.3e6) == dashboard.SliderRange(0.25, 13.0, 0.25, 2)
    # 130 million: step 10 (6.5 rounded up), top 390.
    assert dashboard.budget_slider_range(130e6) == dashboard.SliderRange(10.0, 390.0, 10.0, 0)
    # A budget asked for above three times the profile's widens the range.
    assert dashboard.budget_slider_range(1e6, 5.02e6).maximum == pytest.approx(5.05)


def test_slider_positions_are_every_step_nearest_first_as_the_page_reads_them() -> None:
    bounds = dashboard.budget_slider_range(4.3e6)  # 0.25 .. 13.0 million by 0.25
    budgets = dashboard.slider_budgets_usd(bounds, 4.3e6)
    assert len(budgets) == 52 and len(set(budgets)) == 52
    assert sorted(budgets)[:2] == [250_000.0, 500_000.0] and max(budgets) == 13_000_000.0
    assert budgets[:3] == [4_250_000.0, 4_500_000.0, 4_000_000.0]
    # A slider value as the browser may send it reads as the same key.
    assert round(float(0.1 + 0.2) * 1e6, 2) in dashboard.slider_budgets_usd(
        dashboard.SliderRange(0.1, 1.0, 0.1, 1), 0.0)


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
    """The summary blocks computed as notebooks 02-04 compute them."""
    data = load_country(folder)
    survey, frame = data.table("survey_responses"), data.table("business_population")
    impact_block = impact.assess_impact(survey, frame, data.profile,
                                        incidents=data.table("incidents")).summary
    gaps_block = gaps.analyse_gaps(data.framework, data.table("entities"),
                                   data.table("capability_assessment"),
                                   targets=gaps.targets_or_none(data), country=data.code).summary
    pairs = gaps.assessment_pairs(data.framework, data.table("entities"),
                                  data.table("capability_assessment"), gaps.targets_or_none(data))
    plan = business_case.plan_roadmap(
        pairs, data.table("interventions"), budget_usd_per_year=budget, horizon_years=horizon,
        annual_cost_usd=impact.annual_cost_estimate_usd(survey, frame, data.profile)).summary
    return {"impact": impact_block, "gaps": gaps_block, "business_case": plan}


def test_list_countries_names_folders_by_code_and_flags_broken_ones(data_root: Path) -> None:
    assert dashboard.list_countries(data_root) == [
        dashboard.CountryChoice("GB", "United <b>Kingdom</b> (GB)"),
        dashboard.CountryChoice("JM", "JM (data problem)"),
        dashboard.CountryChoice("KE", "Kenya (KE)"),
    ]
    assert dashboard.list_countries(data_root / "missing") == []


def test_headline_cards_carry_the_summary_json_numbers(data_root: Path) -> None:
    view = dashboard.build_country_view(load_country(data_root / "KE"))
    roadmap = dashboard.roadmap_for(str(data_root), "KE", 1.0e6, 3)
    expected = _expected_blocks(data_root / "KE", 1.0e6, 3)
    cards = {c.key: c for c in dashboard.headline_cards(view, roadmap)}
    assert list(cards) == ["prevalence", "annual_cost", "underreporting", "maturity",
                           "roadmap_cost", "rosi"]
    imp, gap, plan = expected["impact"], expected["gaps"], expected["business_case"]
    assert cards["prevalence"].numbers == {"value": imp["prevalence"]["estimate"],
                                          "low": imp["prevalence"]["ci_low"],
                                          "high": imp["prevalence"]["ci_high"]}
    cost = imp["annual_cost_usd"]
    assert cards["annual_cost"].numbers == {"value": cost["estimate"], "low": cost["p05"],
                                           "high": cost["p95"], "pct-gdp": imp["cost_pct_gdp"]}
    assert cards["underreporting"].numbers["value"] == imp["underreporting_ratio"]
    assert cards["maturity"].numbers["value"] == gap["overall_score"]
    assert cards["roadmap_cost"].numbers["value"] == plan["total_cost_usd"]
    assert cards["rosi"].numbers["value"] == plan["rosi"]
    assert cost["estimate"] is not None and plan["rosi"] is not None
    # By hand from the fixture: weights = organisations in the cell / respondents in it:
    # finance micro 100/3 (R1 R2 R7), finance large 10 (R3), trade micro 300/3 (R4 R5 R8),
    # trade large 20/2 (R6 R9). Breached: R1 R7 R3 R5 R8 R9 = 200/3 + 10 + 200 + 10 of 430.
    assert cards["prevalence"].numbers["value"] == pytest.approx((200 / 3 + 220) / 430)
    assert cards["prevalence"].value_text == "66.7%"
    # Two incidents of businesses and public bodies were reported (I1, I2).
    assert cards["underreporting"].numbers["value"] == pytest.approx(imp["estimated_breaches"] / 2)
    assert cards["maturity"].value_text == f"{gap['overall_score']:.1f} of 100"


def test_cards_html_escapes_and_exposes_the_numbers() -> None:
    card = dashboard.Card("x", "<img src=x>", "1 & 2", numbers={"value": 0.25, "low": None})
    page = dashboard.cards_html([card])
    assert "<img" not in page and "&lt;img src=x&gt;" in page and "1 &amp; 2" in page
    assert 'data-figure="x"' in page and 'data-value="0.25"' in page and 'data-low=""' in page


def test_small_survey_groups_are_published_without_a_figure(tmp_path: Path) -> None:
    folder = write_country(tmp_path, "KE", files={
        "survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join(SURVEY_ROWS[:4]) + "\n"})
    view = dashboard.build_country_view(load_country(folder))
    cards = {c.key: c for c in dashboard.impact_cards(view)}
    assert cards["prevalence"].value_text == "not available"
    assert "fewer than 5 respondents" in cards["prevalence"].context_text
    assert cards["prevalence"].numbers == {"value": None}


def test_a_broken_stage_is_explained_and_the_others_still_show(data_root: Path) -> None:
    view = dashboard.build_country_view(load_country(data_root / "GB"))
    assert view.usable and view.impact is None and view.gaps is not None
    assert "survey_responses.csv" in view.problems["impact"]
    cards = {c.key: c for c in dashboard.headline_cards(view, None)}
    assert cards["prevalence"].value_text == "not available"
    assert "survey_responses.csv" in cards["prevalence"].context_text
    assert cards["maturity"].available


def test_a_broken_profile_makes_a_plain_message_not_a_traceback(data_root: Path) -> None:
    view = dashboard.country_view(str(data_root), "JM")
    assert not view.usable and "profile.yaml" in view.fatal
    page = dashboard.problem_html("JM", view.fatal)
    assert "Traceback" not in page and "cannot be shown" in page
    assert not dashboard.country_view(str(data_root), "../x").usable


def test_header_shows_the_synthetic_banner_and_escapes_the_name(data_root: Path) -> None:
    view = dashboard.build_country_view(load_country(data_root / "GB"))
    page = dashboard.header_html(view)
    assert "SYNTHETIC DATA" in page and "United &lt;b&gt;Kingdom&lt;/b&gt;" in page
    assert "1 Jan 2025 to 31 Dec 2025" in page and "US dollars" in page


def test_filter_pillar_keeps_one_pillar_and_ranks_its_gaps(data_root: Path) -> None:
    view = dashboard.build_country_view(load_country(data_root / "KE"))
    technical = dashboard.filter_pillar(view.gaps, "technical")
    assert set(technical.pairs["pillar_id"]) == {"technical"}
    assert set(technical.top_gaps["indicator_id"]) == {"TEC-01", "TEC-13"}  # the open gaps
    assert technical.summary == view.gaps.summary  # the scores are the framework's
    assert dashboard.filter_pillar(view.gaps, dashboard.ALL_PILLARS) is view.gaps
    with pytest.raises(ValueError):
        dashboard.filter_pillar(view.gaps, "nonsense")
    assert dashboard.pillar_options(view.gaps)[0] == ("All pillars", "")


def test_published_tables_neutralise_free_text_in_the_download(data_root: Path) -> None:
    view = dashboard.build_country_view(load_country(data_root / "KE"))
    tables = dashboard.published_tables(view, dashboard.roadmap_for(str(data_root), "KE", 1e6, 3))
    assert {"About", "Headline figures", "Impact in brief", "Largest gaps", "Roadmap",
            "Spending by year"} <= set(tables)
    book = openpyxl.load_workbook(io.BytesIO(dashboard.xlsx_bytes(tables)))
    evidence = [c.value for row in book["Largest gaps"].iter_rows() for c in row]
    assert "'" + EVIL in evidence and EVIL not in evidence
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)
    links = dashboard.downloads_html("KE", tables)
    assert 'download="KE-headline-figures.csv"' in links and "data:text/csv" in links
    with pytest.raises(WorkbenchError):
        dashboard.downloads_html("../KE", tables)


def test_tidy_layout_wraps_long_subtitles_and_frees_the_axis_title() -> None:
    long_words = " ".join(["word"] * 60)  # 299 characters
    layout = {"title": {"text": "T", "subtitle": {"text": long_words}},
              "legend": {"orientation": "h", "y": -0.3}, "margin": {"t": 90, "b": 10},
              "height": 400}
    tidy = dashboard.tidy_layout(layout)
    lines = tidy["title"]["subtitle"]["text"].split("<br>")
    assert len(lines) == 3 and all(len(line) <= dashboard.SUBTITLE_CHARACTERS for line in lines)
    assert tidy["legend"] == {"orientation": "h", "y": 0.0, "yref": "container", "yanchor": "bottom"}
    assert tidy["margin"] == {"t": 90 + 2 * 17, "b": dashboard.LEGEND_FOOT}
    assert tidy["height"] == 400 + 2 * 17 + (dashboard.LEGEND_FOOT - 10)
    assert layout["legend"]["y"] == -0.3 and layout["title"]["subtitle"]["text"] == long_words
    # A chart that wraps its own subtitle and keeps its legend clear is left as it is.
    done = {"title": {"subtitle": {"text": "a<br>b"}}, "legend": {"y": 1.02}, "height": 300,
            "margin": {"t": 80, "b": 40}}
    assert dashboard.tidy_layout(done) == done


def test_figure_spec_is_plain_json_without_online_resources() -> None:
    spec = dashboard.figure_spec(go.Figure(go.Bar(x=[1, 2], y=[3, 4])))
    assert set(spec) == {"data", "layout", "config"}
    assert json.loads(json.dumps(spec)) == spec
    assert spec["config"] == {"displaylogo": False}
    assert "http" not in json.dumps(spec)


# --------------------------------------------------------------------------- the page's widgets

WAIT = 60  # seconds: only a guard against a hang, never a measure of speed


@pytest.fixture(autouse=True)
def work_ahead(monkeypatch: pytest.MonkeyPatch) -> WorkAhead:
    """The slider's positions, worked out ahead only when a test says so
    (``work_through``): no background thread runs on from one test into the next,
    solving plans or writing shared files while it looks."""
    ahead = WorkAhead(dashboard._roadmap_and_charts, name="roadmaps-ahead", background=False)
    monkeypatch.setattr(dashboard, "ROADMAPS_AHEAD", ahead)
    return ahead


@pytest.fixture
def few_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the budget slider's five positions nearest the current budget (of about
    60): the same work ahead and sharing, a twelfth of the solving."""
    every = dashboard.slider_budgets_usd
    monkeypatch.setattr(dashboard, "slider_budgets_usd",
                        lambda bounds, current_usd: every(bounds, current_usd)[:5])


def _page(data_root: Path, country: str = "KE", **kwargs) -> dashboard.CountryDashboard:
    settings = dashboard.DashboardSettings(data_root, country, **kwargs)
    return dashboard.CountryDashboard(settings)


def _chart_titles(charts) -> list[str]:
    return [c.figure["layout"]["title"]["text"] for c in charts if c.figure]


def test_the_page_opens_on_the_impact_tab_with_the_cards(data_root: Path) -> None:
    page = _page(data_root)
    assert page.problem.value == ""
    assert 'data-figure="prevalence"' in page.cards.value
    assert len(_chart_titles(page.impact_charts)) == 5
    assert _chart_titles(page.roadmap_charts) == []  # drawn when first opened
    assert page.budget.value == pytest.approx(1.0) and page.horizon_control.value == 3
    assert "KE-summary-tables.xlsx" in page.downloads.value


def test_moving_the_budget_solves_the_roadmap_again(data_root: Path) -> None:
    page = _page(data_root)
    page.tabs.selected_index = dashboard.ROADMAP_TAB
    assert len(_chart_titles(page.roadmap_charts)) == 3
    before = page.roadmap.summary["budget_usd_per_year"]
    page.budget.value = 0.05  # USD 50,000 a year: too small for the catalogue
    assert before == 1.0e6 and page.roadmap.summary["budget_usd_per_year"] == 50_000.0
    expected = _expected_blocks(data_root / "KE", 50_000.0, 3)["business_case"]
    assert page.roadmap.summary["total_cost_usd"] == expected["total_cost_usd"]
    subtitle = page.roadmap_charts[0].figure["layout"]["title"]
    assert "USD 50,000 a year" in json.dumps(subtitle)
    page.horizon_control.value = 2
    assert page.roadmap.horizon_years == 2


def test_the_slider_positions_are_worked_out_ahead_of_the_minister(
        data_root: Path, work_ahead: WorkAhead, few_positions: None) -> None:
    page = _page(data_root)
    bounds = dashboard.budget_slider_range(1.0e6)
    keys = [(page.root, "KE", usd, 3) for usd in dashboard.slider_budgets_usd(bounds, 1.0e6)]
    assert work_ahead.pending == len(keys)  # queued by the page, the shown one first
    assert work_ahead.work_through() == len(keys)  # what the background thread does
    misses = (dashboard.roadmap_for.cache_info().misses,
              dashboard.roadmap_chart_json.cache_info().misses)
    assert all(dashboard.roadmap_for(*key) is not None for key in keys)
    assert all(dashboard.roadmap_chart_json(*key, index) is not None
               for key in keys for index in range(dashboard.ROADMAP_CHARTS))
    assert (dashboard.roadmap_for.cache_info().misses,
            dashboard.roadmap_chart_json.cache_info().misses) == misses  # all were ready
    page.tabs.selected_index = dashboard.ROADMAP_TAB
    assert (page.root, "KE", 1_100_000.0, 3) in keys
    page.budget.value = 1.1  # a position worked out ahead: the very same plan and charts
    assert page.roadmap is dashboard.roadmap_for(page.root, "KE", 1_100_000.0, 3)
    gantt = json.loads(dashboard.roadmap_chart_json(page.root, "KE", 1_100_000.0, 3, 0))
    assert page.roadmap_charts[0].figure == gantt
    assert "USD 1.1 million a year" in json.dumps(gantt["layout"]["title"])


def test_a_move_never_waits_for_the_position_being_worked_out_ahead(
        data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a busy machine the background thread may take minutes over a position: a
    minister moving the slider there gets it worked out at once instead."""
    page = _page(data_root)
    key = (page.root, "KE", 2_000_000.0, 3)
    started, release = threading.Event(), threading.Event()

    def held_on_key(position: dashboard.RoadmapKey) -> bool:
        if position == key:
            started.set()
            assert release.wait(2 * WAIT)  # outlasts the guard below
        return dashboard._roadmap_and_charts(position)

    ahead = WorkAhead(held_on_key, name="roadmaps-ahead")  # a real background thread
    monkeypatch.setattr(dashboard, "ROADMAPS_AHEAD", ahead)
    ahead.plan([key])
    try:
        assert started.wait(WAIT)
        moving = threading.Thread(target=lambda: setattr(page.budget, "value", 2.0))
        moving.start()
        moving.join(WAIT)  # a guard only: the move never waits for the held position
        assert not moving.is_alive(), "the move waited for the background thread"
        assert page.problem.value == ""
        assert page.roadmap.summary["budget_usd_per_year"] == 2_000_000.0
    finally:
        ahead.cancel()  # the positions the move queued: not needed here
        release.set()
    assert ahead.wait_until_idle(WAIT)


def test_a_preheated_kernel_warms_up_at_its_own_priority(
        data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A visitor who takes a preheated kernel before its warm-up is done waits for the
    warm-up: it must not run in a thread left to starve at the lowest priority."""
    ran: list[tuple[int, int]] = []
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(dashboard, "_warm_up", lambda country, root: ran.append(
        (threading.get_ident(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))))
    dashboard.warm_up("KE", str(data_root))
    assert ran == [(threading.get_ident(),
                    os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))]


def _forget_everything() -> None:
    """As a new kernel: nothing worked out in this process any more."""
    for cached in (dashboard.country_view, dashboard.roadmap_for, dashboard.roadmap_chart_json):
        cached.cache_clear()


def test_kernels_of_one_server_share_the_plans_they_work_out(
        data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "plans"
    store.mkdir()
    monkeypatch.setenv(plan_store.STORE_ENV, str(store))
    solved = []
    solve = business_case.plan_roadmap
    monkeypatch.setattr(business_case, "plan_roadmap",
                        lambda *args, **kwargs: solved.append(1) or solve(*args, **kwargs))
    key = (str(data_root), "KE", 2_000_000.0, 3)
    plan = dashboard.roadmap_for(*key)
    charts = [dashboard.roadmap_chart_json(*key, index) for index in range(dashboard.ROADMAP_CHARTS)]
    assert len(solved) == 1 and len(list(store.iterdir())) == 1 + dashboard.ROADMAP_CHARTS
    _forget_everything()  # another kernel of the same server: reads, does not solve
    shared = dashboard.roadmap_for(*key)
    assert shared is not plan and shared.summary == plan.summary
    assert shared.plan.equals(plan.plan)
    assert [dashboard.roadmap_chart_json(*key, index)
            for index in range(dashboard.ROADMAP_CHARTS)] == charts
    assert len(solved) == 1
    # The country's data change while the server runs: worked out afresh.
    assessment = data_root / "KE" / "capability_assessment.csv"
    assessment.write_text(assessment.read_text(encoding="utf-8").replace(
        "MOF,TEC-13,3", "MOF,TEC-13,1"), encoding="utf-8")
    _forget_everything()
    assert dashboard.roadmap_for(*key) is not None and len(solved) == 2
    assert len(list(store.iterdir())) == 2 + dashboard.ROADMAP_CHARTS


def test_every_countrys_slider_is_worked_out_once_for_the_whole_server(
        data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few_positions: None) -> None:
    store = tmp_path / "plans"
    store.mkdir()
    monkeypatch.setenv(plan_store.STORE_ENV, str(store))
    root = str(data_root)
    positions = dashboard.slider_budgets_usd(dashboard.budget_slider_range(1_000_000.0), 1_000_000.0)
    # The preheated kernel queues its own country's positions, nearest the default first.
    planned: list = []
    monkeypatch.setattr(dashboard.ROADMAPS_AHEAD, "plan", planned.extend)
    dashboard._warm_up("GB", root)
    assert planned == [(root, "GB", usd, 3) for usd in positions]
    # Beside the server, every country's (JM's profile is broken: none) but GB's default
    # position, which the warm-up worked out; a second run, or another process, finds
    # them all taken.
    assert dashboard.fill_shared_plans(root) == 2 * len(positions) - 1
    assert dashboard.fill_shared_plans(root) == 0
    _forget_everything()  # a new page's kernel finds KE's positions ready
    monkeypatch.setattr(business_case, "plan_roadmap", lambda *a, **k: pytest.fail("solved again"))
    assert dashboard.roadmap_for(root, "KE", positions[-1], 3) is not None
    assert json.loads(dashboard.roadmap_chart_json(root, "KE", positions[-1], 3, 0))["data"]


def test_a_country_that_cannot_be_planned_does_not_stop_the_others(
        data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few_positions: None) -> None:
    store = tmp_path / "plans"
    store.mkdir()
    monkeypatch.setenv(plan_store.STORE_ENV, str(store))
    solve = business_case.plan_roadmap

    def fails_for_gb(*args, **kwargs):
        if kwargs["annual_cost_usd"] is None:  # GB's: its survey is unusable
            raise RuntimeError("no plan for GB")
        return solve(*args, **kwargs)

    monkeypatch.setattr(business_case, "plan_roadmap", fails_for_gb)
    positions = len(dashboard.slider_budgets_usd(dashboard.budget_slider_range(1_000_000.0), 1_000_000.0))
    # GB comes first and fails at once; KE's positions are all worked out after it.
    assert dashboard.fill_shared_plans(str(data_root)) == positions
    assert not any(name.startswith("GB-") and name.endswith("plan.pickle") for name in
                   (path.name for path in store.iterdir()))


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
    page.tabs.selected_index = dashboard.GAPS_TAB
    page.pillar.value = "technical"
    heatmap = page.gaps_filtered.figure
    assert {x[:4] for x in heatmap["data"][0]["x"]} == {"TEC-"}


def test_evidence_reaches_the_gap_table_escaped(data_root: Path) -> None:
    page = _page(data_root)
    page.tabs.selected_index = dashboard.GAPS_TAB
    assert "<script>alert(1)</script>" not in page.gaps_top.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.gaps_top.value


def test_a_page_without_any_country_says_so(tmp_path: Path) -> None:
    page = _page(tmp_path, None)
    assert "no country folder" in page.problem.value.lower()


# --------------------------------------------------------------------------- notebook


def test_the_dashboard_notebook_is_thin_and_carries_the_shared_parameters_cell() -> None:
    notebook = nbformat.read(paths.NOTEBOOKS_DIR / dashboard_server.DASHBOARD_NOTEBOOK, 4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].source == PARAMETERS_SOURCE and code[0].metadata["tags"] == ["parameters"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert all("dashboard." in c.source or "import" in c.source for c in code[1:])
    assert notebook.metadata["kernelspec"]["name"] == "python3"


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
    assert env[dashboard.DATA_ROOT_ENV] == str(tmp_path.resolve())
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
