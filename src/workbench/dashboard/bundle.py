"""The dashboard's own plotly.js: the library's core and only the trace types the
workbench draws (``chart_style.TRACE_TYPES``).

The plotly extension for Jupyter carries the full plotly.js (4.8 MB), and readying it
took the browser most of a second on the dashboard's first page. This build is a
quarter of the size and is readied about five times as fast (docs/dashboard.md). The
page template loads it from the server (never from the internet) while the page waits
for its kernel; where it is missing, the charts use the extension's copy instead.

It is built from the npm registry with the machine's Node.js and npm, for the very
plotly.js version the installed plotly for Python draws with, so that the dashboard
and the reports draw every figure alike:

    python -m workbench.dashboard.bundle       (``make setup`` and ``make test`` run it)

Nothing built is committed: the file is listed in .gitignore.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from plotly.offline import get_plotlyjs_version

from workbench import paths
from workbench.chart_style import TRACE_TYPES
from workbench.errors import WorkbenchError

BUNDLE = paths.SHIPPED_DATA / "voila" / "templates" / "workbench" / "static" / "plotly-workbench.min.js"
ESBUILD_VERSION = "0.28.2"
GLOBAL_NAME = "WorkbenchPlotly"  # live_chart.js reads it; not "Plotly", which others may set
# node_modules kept between builds in a checkout (build/ is ignored by git).
WORK_DIR = paths.PROJECT_ROOT / "build" / "plotly"
_BANNER = re.compile(r"^/\*! plotly\.js v(?P<version>\S+) \((?P<traces>[a-z, ]+)\)")


def entry_source(traces: tuple[str, ...] = TRACE_TYPES) -> str:
    """The bundle's entry module: plotly's core (which brings the scatter trace) and
    the other trace types, each registered by its module under plotly.js/lib."""
    modules = "".join(f'  require("plotly.js/lib/{name}"),\n' for name in traces if name != "scatter")
    return ('var Plotly = require("plotly.js/lib/core");\n'
            f"Plotly.register([\n{modules}]);\n"
            "module.exports = Plotly;\n")


def banner(version: str, traces: tuple[str, ...] = TRACE_TYPES) -> str:
    """The bundle's first line, which says what it was built from."""
    return (f"/*! plotly.js v{version} ({', '.join(traces)}) for the workbench dashboard. "
            "MIT licence, (c) Plotly, Inc. */")


def built_from(bundle: Path | None = None) -> tuple[str, tuple[str, ...]] | None:
    """(plotly.js version, trace types) of a built bundle (by default ``BUNDLE``);
    None when there is none."""
    bundle = BUNDLE if bundle is None else bundle
    try:
        with bundle.open(encoding="utf-8") as handle:
            first = handle.read(300)
    except OSError:
        return None
    match = _BANNER.match(first)
    if match is None:
        return None
    return match["version"], tuple(name.strip() for name in match["traces"].split(","))


def problem(bundle: Path | None = None) -> str | None:
    """Why the dashboard cannot draw with its own plotly.js (by default ``BUNDLE``), in
    one sentence; None when it is built for this plotly's plotly.js and every trace
    type drawn."""
    wanted = get_plotlyjs_version()
    built = built_from(bundle)
    if built is None:
        return "the dashboard's own plotly.js is not built"
    version, traces = built
    if version != wanted:
        return f"the dashboard's own plotly.js is built from plotly.js {version}, not {wanted}"
    missing = sorted(set(TRACE_TYPES) - set(traces))
    if missing:
        return f"the dashboard's own plotly.js lacks the trace types {', '.join(missing)}"
    return None


def build(out: Path | None = None, work_dir: Path | None = None) -> Path:
    """Build the bundle into ``out`` (by default ``BUNDLE``) with npm and esbuild (a
    no-op when it is already built for this plotly.js and these trace types).

    Raises:
        WorkbenchError: npm is not installed, or npm or esbuild failed (their message).
    """
    out = BUNDLE if out is None else out
    if problem(out) is None:
        return out
    npm = shutil.which("npm")
    if npm is None:
        raise WorkbenchError("npm is not installed (Node.js and npm build the dashboard's plotly.js)")
    version = get_plotlyjs_version()
    work = work_dir or (WORK_DIR if (paths.PROJECT_ROOT / "pyproject.toml").is_file()
                        else Path(tempfile.mkdtemp(prefix="workbench-plotly-")))
    work.mkdir(parents=True, exist_ok=True)
    if not (work / "package.json").is_file():
        (work / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    (work / "entry.js").write_text(entry_source(), encoding="utf-8")
    _run([npm, "install", "--silent", "--no-audit", "--no-fund", "--no-save",
          f"plotly.js@{version}", f"esbuild@{ESBUILD_VERSION}"], work)
    staged = work / "bundle.js"
    _run([str(work / "node_modules" / ".bin" / "esbuild"), "entry.js", "--bundle", "--minify",
          "--format=iife", f"--global-name={GLOBAL_NAME}", "--define:global=window",
          "--define:define.amd=false", "--target=es2016", "--log-level=warning",
          "--legal-comments=none", f"--banner:js={banner(version)}", f"--outfile={staged.name}"],
         work)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(staged, out)
    return out


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise WorkbenchError(f"{Path(command[0]).name} {command[1]} failed: " + " | ".join(detail))


def main() -> int:
    try:
        built = build()
    except WorkbenchError as exc:
        print(f"plotly bundle: not built: {exc}. The dashboard still works; its charts use the "
              "plotly extension's full plotly.js, and its first page is slower.", file=sys.stderr)
        return 1
    print(f"plotly bundle: plotly.js {get_plotlyjs_version()} ({', '.join(TRACE_TYPES)}) "
          f"in {built} ({built.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
