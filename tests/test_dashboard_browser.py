"""The dashboard in a real browser: `workbench dashboard` on sample data, driven by
Debian's Chromium through Playwright (installed by scripts/install-chromium.sh, which
`make test` runs). Screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAFETY_SECONDS, dashboard_process
from plotly.offline import get_plotlyjs_version

from workbench import paths, stages
from workbench.dashboard.charts import ROADMAP_CHART_NAMES
from workbench.loading import load_country

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = paths.PROJECT_ROOT / "test-artifacts"
SAMPLE_CODES = ("KE", "GB")
BROKEN = "JM"
# What must never reach a visitor's page: the notebook's code or a Python traceback.
LEAKS = ("from workbench import", "dashboard.request_settings", "CountryDashboard(",
         "dashboard.prepare(",
         "Traceback (most recent call last)", 'File "/', "Error:", "<module>")
CHART = ".js-plotly-plot .main-svg"
# Playwright's wait for the page: the suite's safety deadline, not a timing assertion
# (a page's kernel starts and works its figures out slowly on a machine whose cores
# are all busy).
TIMEOUT_MS = SAFETY_SECONDS * 1000

if not CHROMIUM.exists():  # pragma: no cover - make test installs it first
    pytest.skip("Debian's Chromium is not installed (run `sh scripts/install-chromium.sh`, "
                "which `make test` does)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

# The Roadmap tab's four charts, in order.
ROADMAP_PLOTS = ", ".join(f".{name} .js-plotly-plot" for name in ROADMAP_CHART_NAMES)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dashboard-data")
    for code in SAMPLE_CODES:
        shutil.copytree(paths.SAMPLES_DIR / code, root / code)
    broken = root / BROKEN
    shutil.copytree(paths.SAMPLES_DIR / BROKEN, broken)
    (broken / "profile.yaml").write_text("country: JM\nname: [unclosed\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`workbench dashboard` on a free loopback port, stopped after the module."""
    log = tmp_path_factory.mktemp("dashboard-log") / "server.log"
    with dashboard_process(data_root, log) as (_, port):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser) -> Iterator[object]:
    """One page for the module's tests, as a minister would use it (each test brings
    it to the state it needs); every request leaving the machine is recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600}, accept_downloads=True)
    yield _watched_tab(context)
    context.close()


def _watched_tab(context):
    """A new tab of ``context`` that records every request leaving the machine."""
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.outside = []
    tab.on("request", lambda r: tab.outside.append(r.url)
           if not re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]|^(data|blob|about):", r.url) else None)
    return tab


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("() => document.querySelector('#rendered_cells')?.scrollHeight || 1600")
    page.set_viewport_size({"width": 1280, "height": min(max(height + 40, 900), 6000)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1600})


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".wb-card[data-figure='prevalence'], .wb-problem")


def _chosen(page) -> str:
    return page.evaluate(
        "() => document.querySelector('.wb-country select')?.selectedOptions[0]?.value || ''")


def _show(page, server: str, code: str, label: str) -> None:
    """The dashboard on ``code``: opened once, then switched with the country selector."""
    if page.locator(".wb-country select").count() == 0:
        _open(page, server + f"?country={code}")
    elif _chosen(page) != label:
        page.select_option(".wb-country select", label=label)
    page.wait_for_function(
        "label => document.querySelector('.wb-country select')?.selectedOptions[0]?.value === label"
        " && !document.querySelector('.wb-status-box .wb-note')", arg=label)
    if code != BROKEN:  # a chart of the open tab drawn
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.wb-tabs .js-plotly-plot'))"
            ".some(e => e.offsetHeight > 0)")


@functools.cache
def _every_stage(folder: Path) -> tuple[str, stages.EveryStage]:
    """The country's name and every stage's result, worked out once per folder."""
    data = load_country(folder)
    return data.profile.name, stages.every_stage(data)


def _expected(data_root: Path, code: str, budget: float | None = None) -> dict:
    """The summary.json figures, as workbench.stages (which the notebooks call) works
    them out."""
    name, every = _every_stage(data_root / code)
    summary, overall = every.impact.summary, every.gaps.summary
    plan = stages.plan(every.roadmap_inputs, budget).summary
    return {
        "prevalence": summary["prevalence"]["estimate"],
        "prevalence_low": summary["prevalence"]["ci_low"],
        "prevalence_high": summary["prevalence"]["ci_high"],
        "annual_cost": summary["annual_cost_usd"]["estimate"],
        "annual_cost_low": summary["annual_cost_usd"]["ci_low"],
        "annual_cost_high": summary["annual_cost_usd"]["ci_high"],
        "cost_pct_gdp": summary["cost_pct_gdp"],
        "underreporting": summary["underreporting_ratio"],
        "maturity": overall["overall_score"],
        "roadmap_cost": plan["total_cost_usd"],
        "rosi": plan["rosi"],
        "name": name,
    }


def _card(page, key: str, attribute: str = "data-value") -> float:
    return float(page.get_attribute(f".wb-card[data-figure='{key}']", attribute))


def _card_text(page, key: str) -> str:
    return page.inner_text(f".wb-card[data-figure='{key}'] .wb-card-value")


def _assert_headline_equals_summary(page, expected: dict) -> None:
    assert _card(page, "prevalence") == expected["prevalence"]
    assert _card(page, "prevalence", "data-low") == expected["prevalence_low"]
    assert _card(page, "prevalence", "data-high") == expected["prevalence_high"]
    assert _card(page, "annual_cost") == expected["annual_cost"]
    assert _card(page, "annual_cost", "data-low") == expected["annual_cost_low"]
    assert _card(page, "annual_cost", "data-high") == expected["annual_cost_high"]
    assert _card(page, "annual_cost", "data-pct-gdp") == expected["cost_pct_gdp"]
    assert _card(page, "underreporting") == expected["underreporting"]
    assert _card(page, "maturity") == expected["maturity"]
    assert _card(page, "roadmap_cost") == expected["roadmap_cost"]
    assert _card(page, "rosi") == expected["rosi"]
    # ... and the words say the same numbers, with their units.
    assert _card_text(page, "prevalence") == f"{100 * expected['prevalence']:.1f}%"
    assert _card_text(page, "annual_cost").endswith("million a year") or \
        _card_text(page, "annual_cost").endswith("billion a year")
    assert _card_text(page, "maturity") == f"{expected['maturity']:.1f} of 100"
    assert _card_text(page, "rosi") == f"{expected['rosi']:.2f}"


def _assert_findings_beside_answers(page) -> None:
    """Each key finding's question fills its column beside the answer (the output
    area's own style would float it left at a fifth of that column, a word a line)."""
    columns = page.evaluate(
        "() => Array.from(document.querySelectorAll('.wb-key dt')).map(d => ["
        "d.getBoundingClientRect().width,"
        " parseFloat(getComputedStyle(d.parentElement).gridTemplateColumns)])")
    assert len(columns) >= 7
    assert all(abs(width - column) < 1 for width, column in columns), columns


def _drawn_with(page, selector: str) -> list[str]:
    """Whose plotly.js drew each chart under ``selector`` (live_chart.js notes it)."""
    return page.evaluate(
        "s => Array.from(document.querySelectorAll(s + ' .wb-live-chart'))"
        ".map(e => e.dataset.drawnWith || 'not drawn')", selector)


def _assert_nothing_leaks(page) -> None:
    content = page.content()
    text = page.inner_text("body")
    for leak in LEAKS:
        assert leak not in content, f"{leak!r} reached the page"
    assert "Traceback" not in text
    assert page.outside == [], f"the page fetched from elsewhere: {page.outside}"


@pytest.mark.needs_bundle
def test_headline_numbers_equal_the_summary_and_charts_draw(server: str, page, data_root: Path) -> None:
    _open(page, server + "?country=KE")
    page.wait_for_selector(f".wb-impact-chart {CHART}")
    expected = _expected(data_root, "KE")
    assert expected["name"] in page.inner_text(".wb-dash h1")
    assert "SYNTHETIC DATA" in page.inner_text("body")
    _assert_headline_equals_summary(page, expected)
    assert page.locator(".wb-impact-chart .js-plotly-plot").count() == 5
    # Drawn with the dashboard's own plotly.js, the version plotly for Python draws with.
    page.wait_for_function("() => Array.from(document.querySelectorAll('.wb-impact-chart "
                           ".wb-live-chart')).every(e => e.dataset.drawnWith)")
    assert _drawn_with(page, ".wb-impact-chart") == ["dashboard"] * 5
    assert page.evaluate("() => window.WorkbenchPlotly.version") == get_plotlyjs_version()
    _assert_findings_beside_answers(page)
    _assert_nothing_leaks(page)
    _shot(page, "KE-impact")


def test_without_its_own_plotly_js_the_page_draws_with_the_extensions(server: str, browser) -> None:
    # As when the bundle was never built: the plotly extension's plotly.js draws instead.
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    try:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.route("**/plotly-workbench.min.js*", lambda route: route.abort())
        tab.goto(server + "?country=GB")
        tab.wait_for_function("() => document.querySelectorAll('.wb-impact-chart "
                              ".wb-live-chart[data-drawn-with]').length === 5")
        assert _drawn_with(tab, ".wb-impact-chart") == ["extension"] * 5
        assert tab.evaluate("() => window.WorkbenchPlotly === undefined")
        tab.get_by_role("tab", name="Capability gaps").click()
        tab.wait_for_selector(f".wb-gaps-heatmap {CHART}")
        assert "extension" in _drawn_with(tab, ".wb-gaps-heatmap")
        assert "Traceback" not in tab.inner_text("body")
    finally:
        context.close()


def test_budget_slider_re_solves_the_roadmap(server: str, page, data_root: Path) -> None:
    _show(page, server, "KE", "Kenya (KE)")
    page.get_by_role("tab", name="Roadmap and business case").click()
    page.wait_for_selector(f".wb-roadmap-gantt {CHART}")
    assert "Budget USD 4.3 million a year" in page.inner_text(".wb-roadmap-gantt")
    before = _card(page, "roadmap_cost")
    # Mark the charts on the page: a redraw in place keeps them, a new output would not.
    page.evaluate("() => document.querySelectorAll('.wb-tabs .js-plotly-plot')"
                  ".forEach(e => { e.dataset.drawnBefore = 'yes'; })")
    grown = page.evaluate(f"() => Array.from(document.querySelectorAll('{ROADMAP_PLOTS}'))"
                          ".map(e => Math.ceil(e._fullLayout._size.l))")
    page.locator(".wb-budget .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("2.5")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => ['gantt', 'score', 'spend', 'benefit'].every(n => (document.querySelector("
        "'.wb-roadmap-' + n)?.innerText || '').includes('Budget USD 2.5 million a year'))")
    # The cards come after the charts, in a message of their own: wait for them too.
    page.wait_for_function(
        "() => parseFloat(document.querySelector(\".wb-card[data-figure='roadmap_cost']\")"
        "?.getAttribute('data-budget')) === 2500000")
    assert _card(page, "roadmap_cost", "data-budget") == 2_500_000.0
    kept = page.evaluate(f"() => Array.from(document.querySelectorAll('{ROADMAP_PLOTS}'))"
                         ".map(e => e.dataset.drawnBefore)")
    assert kept == ["yes"] * 4  # redrawn in place with the page's plotly.js
    # Each redraw started from the left margin its chart had grown to (its labels),
    # instead of the figure's own 10 px: plotly did not have to draw it twice.
    asked = page.evaluate(f"() => Array.from(document.querySelectorAll('{ROADMAP_PLOTS}'))"
                          ".map(e => e.layout.margin.l)")
    assert all(left > 10 for left in grown) and all(a >= g for a, g in zip(asked, grown))
    expected = _expected(data_root, "KE", budget=2_500_000.0)
    assert _card(page, "roadmap_cost") == expected["roadmap_cost"] != before
    assert _card(page, "rosi") == expected["rosi"]
    _assert_nothing_leaks(page)
    _shot(page, "KE-roadmap-budget-2.5M")


def test_switching_country_and_filtering_a_pillar(server: str, page, data_root: Path) -> None:
    _show(page, server, "GB", "United Kingdom (GB)")
    page.wait_for_function(
        "() => document.querySelector('.wb-dash h1')?.innerText.includes('United Kingdom')")
    _assert_headline_equals_summary(page, _expected(data_root, "GB"))
    page.get_by_role("tab", name="Capability gaps").click()
    page.wait_for_selector(f".wb-gaps-heatmap {CHART}")
    page.select_option(".wb-pillar select", label="Legal measures")
    page.wait_for_function(
        "() => { const t = document.querySelector('.wb-gaps-heatmap')?.innerText || '';"
        " return t.includes('LEG-01') && !t.includes('TEC-01'); }")
    _assert_nothing_leaks(page)
    _shot(page, "GB-gaps-legal")


def test_the_download_is_spreadsheet_safe(server: str, page) -> None:
    _show(page, server, "GB", "United Kingdom (GB)")
    with page.expect_download() as caught:
        page.click("a.wb-download-csv")
    download = caught.value
    assert download.suggested_filename == "GB-headline-figures.csv"
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Figure,Value,Low,High,Unit")
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line.split(","))


def test_the_page_in_french_shows_its_labels_whole(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    try:
        tab = _watched_tab(context)
        _open(tab, server + "?country=KE&lang=fr")
        assert tab.inner_text(".wb-key h2") == "Principales conclusions"
        _assert_findings_beside_answers(tab)
        # Every tab's label is shown whole (the French ones are the longest).
        labels = tab.evaluate(
            "() => Array.from(document.querySelectorAll('.wb-tabs .lm-TabBar-tabLabel'))"
            ".map(l => [l.textContent, l.scrollWidth, l.clientWidth])")
        assert [label for label, _, _ in labels] == [
            "Impact de la cybercriminalité", "Lacunes de capacités",
            "Feuille de route et analyse de rentabilité"]
        assert all(needed <= shown for _, needed, shown in labels), labels
        _assert_nothing_leaks(tab)
        _shot(tab, "KE-fr")
    finally:
        context.close()


def test_a_broken_country_folder_gets_a_plain_message(server: str, page) -> None:
    _show(page, server, BROKEN, f"{BROKEN} (data problem)")
    page.wait_for_selector(".wb-problem")
    message = page.inner_text(".wb-problem")
    assert "cannot be shown" in message and "profile.yaml" in message
    assert not page.is_visible(".wb-cards")
    _assert_nothing_leaks(page)
    _shot(page, f"{BROKEN}-broken")
    _show(page, server, "KE", "Kenya (KE)")
    assert not page.is_visible(".wb-problem")
    assert page.is_visible(".wb-cards")


def test_an_unknown_country_in_the_address_is_explained(server: str, page) -> None:
    _open(page, server + "?country=%3Cscript%3Ealert(1)%3C/script%3E")
    note = page.inner_text(".wb-note")
    assert "is not a country code" in note and "<script>" in note  # shown as text
    assert page.evaluate("() => document.querySelectorAll('.wb-note script').length") == 0
    _assert_nothing_leaks(page)
