"""Benchmark of the ministers' dashboard in a real browser (Debian's Chromium).

Measures, on the sample countries:

* time to first chart of the dashboard, cold (kernel started for the request) and
  preheated (a pooled kernel that has imported the workbench and worked out the
  default country's figures), against a bare Voilà page of a notebook with the same imports
  and one line of text, served with the same settings but without the dashboard's own
  plotly.js, as on a stock Voilà page (time until the page is shown). Both
  are timed from the start of navigation by the page itself (a MutationObserver
  notes the moment), and the two pages are loaded in turn from two servers;
* slider-to-redraw: from Enter in the budget's box to the four roadmap charts
  (Gantt, score path, spending, losses avoided) showing the new budget, timed inside the page,
  for every sample country, on a server whose pool kernel is ready and whose grid
  process has worked out every country's slider grid (the time this took, and each
  country's share of it, is recorded): moved as soon as the Roadmap tab is drawn, and
  again after five seconds on the tab. Its baseline, before each country and from the
  same browser: the same budgets typed into the slider of a bare Voilà page, which only
  writes the budget back into the page (one widget round trip, no plan and no chart);
* memory per open dashboard: resident memory (RSS) of the kernel serving the page,
  beside an idle preheated kernel and the bare page's kernel.

Goals: first chart within 2x of the bare page; slider-to-redraw under 300 ms (an
absolute goal, so the bare page's round trip is recorded beside it: the same code is
slower on a slower or busier machine, and the ratio tells the code from the machine).

Run: ``.venv/bin/python benchmarks/bench_dashboard.py`` (writes
benchmarks/results/dashboard.json). Needs /usr/bin/chromium
(scripts/install-chromium.sh).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import psutil
from playwright.sync_api import sync_playwright

from workbench import paths
from workbench.dashboard.charts import ROADMAP_CHART_NAMES
from workbench.dashboard.grid import DONE as GRID_DONE
from workbench.dashboard.slider import budget_slider_range
from workbench.parameters_cell import PARAMETERS_SOURCE
from workbench.profile import load_profile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COUNTRIES = ("FJ", "GB", "GH", "JM", "KE", "MY")
REPEATS = int(os.environ.get("REPEATS", "3"))
TIMEOUT_MS = 180_000
RESULTS = Path(__file__).resolve().parent / "results" / "dashboard.json"
FIRST_CHART_JS = ("() => Array.from(document.querySelectorAll('.wb-tabs .js-plotly-plot'))"
                  ".some(e => e.offsetHeight > 0)")
PAGE_SHOWN_JS = ("() => { const c = document.querySelector('#rendered_cells');"
                 " return c && getComputedStyle(c).display !== 'none' && c.innerText.length > 0; }")


# The bare page's one line of text is a code cell's output: the dashboard's page
# template leaves markdown cells out (the page shows them itself, translated).
BARE_LINE_CELL = "from IPython.display import HTML\nHTML('<h1>Bare page</h1>')"

# The bare slider page's widget cell: a budget slider like the dashboard's (its box is
# found the same way) that writes the budget back into the page in the words the
# roadmap charts use. Wide bounds, so that every country's budgets can be typed into it.
BARE_SLIDER_CELL = """\
import ipywidgets as widgets
from IPython.display import display
from workbench.formatting import format_usd

budget = widgets.FloatSlider(min=0.01, max=10_000, step=0.01, value=1, readout_format=",.2f",
                             description="Yearly budget (USD million)", continuous_update=False)
budget.add_class("wb-budget")
echo = widgets.HTML("Budget not moved yet")
echo.add_class("wb-echo")
budget.observe(lambda change: setattr(echo, "value", f"Budget {format_usd(change.new * 1e6)} a year"),
               "value")
display(widgets.VBox([budget, echo]))
"""


def bare_notebook(folder: Path, shown: str = BARE_LINE_CELL) -> Path:
    """A notebook with the dashboard's parameters cell and imports, then the code cell
    ``shown`` (by default one line of text), written into ``folder``."""
    cells = [
        nbformat.v4.new_code_cell(PARAMETERS_SOURCE, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from workbench import dashboard\nimport ipywidgets\n"
                                  "import plotly.graph_objects"),
        nbformat.v4.new_code_cell(shown),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, folder / paths.DASHBOARD_NOTEBOOK)
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dashboard_server(notebooks: Path | None, preheat: bool, log: Path):
    """`workbench dashboard` on the samples (``notebooks``: serve that folder's
    country_dashboard.ipynb instead of the shipped one)."""
    port = _free_port()
    env = dict(os.environ)
    if notebooks is not None:
        env["WORKBENCH_NOTEBOOKS"] = str(notebooks)
    command = [str(Path(sys.executable).with_name("workbench")), "dashboard", "--data",
               str(paths.SAMPLES_DIR), "--port", str(port),
               "--preheat" if preheat else "--no-preheat"]
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield process, f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_pool(log: Path, filled_before: int, server: subprocess.Popen,
                  seconds: float = 180) -> int:
    """Wait until the kernel pool has been (re)filled once more than ``filled_before``
    times, then for the preheated kernel to finish its head start (its notebook runs up
    to the point where it waits for a visitor, and works out the default country's
    figures): until the server's kernels have used no CPU for two seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        filled = log.read_text(errors="replace").count("is filled with")
        if filled > filled_before:
            break
        time.sleep(0.25)
    time.sleep(2)  # the pool reports a kernel as soon as it is started
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        quiet = quiet + 1 if kernels_cpu_seconds(server, 1.0) < 0.05 else 0
    return log.read_text(errors="replace").count("is filled with")


def _kernels(server: subprocess.Popen) -> list[psutil.Process]:
    """The kernel processes under the server (others, and any that go while we look,
    are left out)."""
    try:
        children = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    kernels = []
    for child in children:
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                kernels.append(child)
        except psutil.Error:
            continue
    return kernels


def kernels_cpu_seconds(server: subprocess.Popen, interval: float) -> float:
    """CPU seconds the server's kernels use over the next ``interval`` seconds."""
    try:
        kernels = _kernels(server)
        before = [sum(k.cpu_times()[:2]) for k in kernels]
        time.sleep(interval)
        return sum(sum(k.cpu_times()[:2]) - b for k, b in zip(kernels, before))
    except psutil.NoSuchProcess:
        time.sleep(interval)
        return 1.0  # a kernel came or went: not quiet yet


def kernel_rss_mb(server: subprocess.Popen) -> list[float]:
    """RSS of every kernel process under the server, in MB."""
    sizes = []
    for kernel in _kernels(server):
        try:
            sizes.append(round(kernel.memory_info().rss / 2**20, 1))
        except psutil.Error:  # gone while we looked
            continue
    return sorted(sizes)


# Notes in the page the moment ``ready`` first holds, from inside the page: a poll from
# outside (Playwright's wait_for_function) only gets its turn once the page is idle,
# which on the dashboard is after the last chart, not the first.
READY_OBSERVER_JS = """
(() => {
  const ready = %s;
  const observer = new MutationObserver(() => {
    if (window.__readyAt === undefined && ready()) {
      window.__readyAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, {subtree: true, childList: true, attributes: true});
})();
"""


def timed_load(browser, server: subprocess.Popen, url: str, ready_js: str,
               plain: bool = False) -> tuple[float, list[float]]:
    """Seconds from the start of navigation to ``ready_js`` first being true (as the
    page itself saw it), and the kernels' RSS (MB) with the page still open. ``plain``:
    without the dashboard's own plotly.js (its request refused), as a stock Voilà page."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.add_init_script(READY_OBSERVER_JS % ready_js)
    if plain:
        context.route("**/plotly-workbench.min.js*", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text[:300]))
    page.on("pageerror", lambda error: said.append(f"page error: {str(error)[:300]}"))
    page.goto(url)
    try:
        page.wait_for_function("() => window.__readyAt !== undefined", polling=20)
    except Exception:
        # Say what the page showed and said, for the page that never drew.
        print(f"never ready: {url}\n{page.inner_text('body')[:2000]}\n" + "\n".join(
            line for line in said if "version" not in line), file=sys.stderr)
        raise
    seconds = page.evaluate("() => window.__readyAt") / 1000
    rss = kernel_rss_mb(server)
    context.close()
    return seconds, rss


def paired_first_chart(browser, bare: Path, preheat: bool, workdir: Path) -> dict:
    """The bare page and the dashboard, each from a server of its own, loaded in turn
    (bare, dashboard, bare, ...), so that both see the machine as it is at that moment
    and a slow spell cannot favour either."""
    mode = "preheated" if preheat else "cold"
    logs = {"bare": workdir / f"bare-{mode}.log", "dashboard": workdir / f"dashboard-{mode}.log"}
    measured = {name: {"seconds": [], "kernel_rss_mb_with_page_open": []} for name in logs}
    with dashboard_server(bare, preheat, logs["bare"]) as (bare_server, bare_url), \
            dashboard_server(None, preheat, logs["dashboard"]) as (dash_server, dash_url):
        pages = {"bare": (bare_server, bare_url, PAGE_SHOWN_JS),
                 "dashboard": (dash_server, dash_url, FIRST_CHART_JS)}
        filled = {name: wait_for_pool(logs[name], 0, pages[name][0]) if preheat else 0
                  for name in pages}
        for _ in range(REPEATS):
            for name, (server, url, ready_js) in pages.items():
                seconds, kernels = timed_load(browser, server, url + "?country=KE", ready_js,
                                              plain=name == "bare")
                measured[name]["seconds"].append(round(seconds, 3))
                measured[name]["kernel_rss_mb_with_page_open"].append(kernels)
                if preheat:  # the pool starts a kernel for the next visitor: let it settle
                    filled[name] = wait_for_pool(logs[name], filled[name], server)
                else:
                    time.sleep(3)  # let the page's kernel shut down
    for figures in measured.values():
        figures["median_seconds"] = statistics.median(figures["seconds"])
    return measured


# Moves of the budget (x the profile's budget): three as soon as the Roadmap tab is
# drawn, three more after the minister has been on it for READING_SECONDS.
AT_ONCE = (1.5, 0.75, 2.0)
AFTER_READING = (1.25, 0.5, 2.5)
READING_SECONDS = 5


# Where a move shows, as (the part of the page watched, the boxes that show the new
# budget once the move has been drawn): the four roadmap charts on the dashboard, the
# one line the bare slider page writes back.
ROADMAP_CHARTS = (".wb-tabs", [f".{name}" for name in ROADMAP_CHART_NAMES])
BARE_ECHO = ("body", [".wb-echo"])

# Notes, inside the page, when Enter is pressed and when every box shows the new
# budget (their text, read without forcing a layout).
WATCH_REDRAW_JS = """([w, [root, boxes]]) => {
  window.__enterAt = undefined;
  window.__redrawnAt = undefined;
  const onKey = (event) => {
    if (event.key === "Enter" && window.__enterAt === undefined) {
      window.__enterAt = performance.now();
      document.removeEventListener("keydown", onKey, true);
    }
  };
  document.addEventListener("keydown", onKey, true);
  const redrawn = () => boxes.every(box =>
    (document.querySelector(box)?.textContent || "").includes("Budget " + w + " a year"));
  const observer = new MutationObserver(() => {
    if (window.__enterAt !== undefined && window.__redrawnAt === undefined && redrawn()) {
      window.__redrawnAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.querySelector(root),
                   {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def _move_budget(page, bounds, default_m: float, factor: float,
                 shows=ROADMAP_CHARTS) -> float:
    """Type a budget into the slider's readout; milliseconds from Enter until the boxes
    of ``shows`` (by default the four roadmap charts) show it, as the page itself saw it."""
    value = round(round(default_m * factor / bounds.step) * bounds.step, 6)
    words = _usd_words(value * 1e6)
    page.locator(".wb-budget .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{value:.{bounds.decimals}f}")
    page.evaluate(WATCH_REDRAW_JS, [words, list(shows)])
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__redrawnAt !== undefined", polling=20)
    return round(page.evaluate("() => window.__redrawnAt - window.__enterAt"), 1)


def _bounds(code: str):
    """A sample country's slider bounds and its budget in USD million."""
    profile = load_profile(paths.SAMPLES_DIR / code / "profile.yaml")
    return budget_slider_range(profile.budget_usd_per_year), profile.budget_usd_per_year / 1e6


def _wait_for_grid(log: Path, started: float) -> None:
    """Until the server's grid process has worked every country's slider grid out (it
    prints GRID_DONE however it ends)."""
    while GRID_DONE not in log.read_text(errors="replace") and time.monotonic() - started < 900:
        time.sleep(0.5)


def slider_latency(browser, workdir: Path) -> dict:
    """Budget change to the four roadmap charts redrawn, per sample country, once the
    server's grid process has worked every country's slider grid out: moved at once
    and after a few seconds on the tab; and, before each country, the same budgets
    typed into the bare slider page (its baseline)."""
    log, bare_log = workdir / "slider.log", workdir / "bare-slider.log"
    (workdir / "bare-slider").mkdir(exist_ok=True)
    bare_folder = bare_notebook(workdir / "bare-slider", BARE_SLIDER_CELL)
    per_country, memory = {}, {}
    # Both servers start together, so that the bare one's grid process (every server
    # has one) is done before anything is timed.
    with dashboard_server(None, True, log) as (server, url), \
            dashboard_server(bare_folder, False, bare_log) as (_bare_server, bare_url):
        started = time.monotonic()
        wait_for_pool(log, 0, server)
        _wait_for_grid(log, started)
        _wait_for_grid(bare_log, started)
        ready_seconds = round(time.monotonic() - started, 1)
        grid_lines = [line for line in log.read_text(errors="replace").splitlines()
                      if line.startswith("slider grid:")]
        # The first page of this server, opened after the minutes the grid takes, has
        # been seen never to draw on a busy machine (its kernel connected, the page
        # waiting for ever): it is opened unmeasured, and the pages below get the
        # kernel the pool starts next.
        filled = log.read_text(errors="replace").count("is filled with")
        context = browser.new_context()
        context.new_page().goto(url, wait_until="commit")
        context.close()
        # The bare page stays open all along (one kernel, started for it, and no pool
        # kernel starting beside the dashboard's pages on its account).
        bare_context = browser.new_context(viewport={"width": 1280, "height": 1600})
        bare_page = bare_context.new_page()
        bare_page.set_default_timeout(TIMEOUT_MS)
        bare_page.goto(bare_url)
        bare_page.wait_for_function("() => document.querySelector('.wb-echo') !== null")
        wait_for_pool(log, filled, server)
        for code in COUNTRIES:
            bounds, default_m = _bounds(code)
            bare = [_move_budget(bare_page, bounds, default_m, f, BARE_ECHO)
                    for f in AT_ONCE + AFTER_READING]
            context = browser.new_context(viewport={"width": 1280, "height": 1600})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url + f"?country={code}")
            # The page drawn (and its widgets talking to the kernel) before the tab is
            # chosen: a click that reaches the page before its kernel does is lost.
            page.wait_for_function(FIRST_CHART_JS)
            page.get_by_role("tab", name="Roadmap and business case").click()
            page.wait_for_function(
                "() => (document.querySelector('.wb-roadmap-gantt .js-plotly-plot')?.offsetHeight || 0) > 0")
            at_once = [_move_budget(page, bounds, default_m, f) for f in AT_ONCE]
            time.sleep(READING_SECONDS)
            after = [_move_budget(page, bounds, default_m, f) for f in AFTER_READING]
            per_country[code] = {
                "milliseconds": at_once, "median_ms": statistics.median(at_once),
                "milliseconds_after_reading": after,
                "median_ms_after_reading": statistics.median(after),
                "bare_page_milliseconds": bare, "bare_page_median_ms": statistics.median(bare),
            }
            memory[code] = kernel_rss_mb(server)
            context.close()
            time.sleep(2)
        bare_context.close()
    return {"per_country": per_country, "reading_seconds": READING_SECONDS,
            "server_ready_seconds": ready_seconds, "grid": grid_lines,
            "kernel_rss_mb_with_page_open": memory}


def _usd_words(value: float) -> str:
    from workbench.formatting import format_usd

    return format_usd(value)


def run() -> dict:
    """Measure everything; returns seconds, milliseconds, MB and the goal ratios."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "bare").mkdir()
        bare = bare_notebook(workdir / "bare")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                cold = paired_first_chart(browser, bare, False, workdir)
                preheated = paired_first_chart(browser, bare, True, workdir)
                results = {
                    "bare_cold": cold["bare"], "dashboard_cold": cold["dashboard"],
                    "bare_preheated": preheated["bare"], "dashboard_preheated": preheated["dashboard"],
                }
                results["slider_to_redraw"] = slider_latency(browser, workdir)
            finally:
                browser.close()
    cold = results["dashboard_cold"]["median_seconds"] / results["bare_cold"]["median_seconds"]
    warm = results["dashboard_preheated"]["median_seconds"] / results["bare_preheated"]["median_seconds"]
    per_country = results["slider_to_redraw"]["per_country"].values()
    slowest = max(c["median_ms"] for c in per_country)
    slowest_after_reading = max(c["median_ms_after_reading"] for c in per_country)
    bare_round_trip = statistics.median(
        ms for c in per_country for ms in c["bare_page_milliseconds"])
    results["summary"] = {
        "first_chart_ratio_cold": round(cold, 2),
        "first_chart_ratio_preheated": round(warm, 2),
        "first_chart_goal_met": cold <= 2 and warm <= 2,
        "slider_to_redraw_slowest_median_ms": slowest,
        "slider_to_redraw_slowest_median_ms_after_reading": slowest_after_reading,
        "slider_goal_met": slowest < 300,
        "slider_goal_met_after_reading": slowest_after_reading < 300,
        # The bare slider page's median over every country's budgets: one widget round
        # trip on this machine, at this moment; the ratio is the slowest country's.
        "bare_slider_round_trip_median_ms": bare_round_trip,
        "slider_to_redraw_ratio_to_bare": round(slowest / bare_round_trip, 2),
        # Cold mode: the one kernel running is the open page's.
        "dashboard_kernel_rss_mb": statistics.median(
            max(k) for k in results["dashboard_cold"]["kernel_rss_mb_with_page_open"] if k),
        "bare_kernel_rss_mb": statistics.median(
            max(k) for k in results["bare_cold"]["kernel_rss_mb_with_page_open"] if k),
        "cpu_count": os.cpu_count(),
        # The machine's other load moves every figure: say how busy it was.
        "load_average_1min_before_and_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    return results


if __name__ == "__main__":
    figures = run()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures["summary"], indent=2))
