"""The shape of the code: no import cycle, layers pointing one way, no module too long.

The import graph is read from the source (every ``import`` and ``from ... import``
anywhere in a module, inside functions too, relative ones and
``importlib.import_module("workbench...")`` included), so a lazy import counts
like any other.

Layers, lowest first: loading (and the small modules every layer uses) -> methods ->
charts and pages -> runs -> serving. A module imports only from its own layer or
below; the command line is the one entry point allowed to reach every layer.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Mapping
from pathlib import Path

import pytest

import workbench

PACKAGE = "workbench"
SOURCE = Path(workbench.__file__).parent
MAX_LINES = 1000

LOADING, METHODS, PAGES, RUNS, SERVING = range(5)
LAYER_NAMES = {LOADING: "loading", METHODS: "methods", PAGES: "charts and pages",
               RUNS: "runs", SERVING: "serving"}
LAYERS: dict[str, int] = {
    PACKAGE: LOADING,
    **dict.fromkeys([
        "errors", "paths", "vocab", "formatting", "i18n", "i18n_catalogue", "hashing", "schemas", "contract_doc",
        "profile", "framework", "framework_doc", "countries", "input_files", "spreadsheet", "safe_tables",
        "output_files", "table_validation", "summary_types", "crosswalk", "loading",
        "veris_reading", "veris", "veris_import", "framework_import", "samples",
        "sample_assessment", "survey_mapping", "survey_files", "survey_form",
    ], LOADING),
    **dict.fromkeys([
        "disclosure", "survey_design", "raking", "incidents", "impact", "gaps", "score_value",
        "business_case", "roadmap_model", "business_case_money", "business_case_tables",
        "stages",
    ], METHODS),
    **dict.fromkeys([
        "chart_style", "impact_charts", "gaps_charts", "roadmap_charts", "page_html",
        "report", "index_page", "notebook", "parameters_cell", "key_findings", "brief",
    ], PAGES),
    **dict.fromkeys(["lifetime", "out_guard", "outcome", "manifest", "runner", "batch", "cli"], RUNS),
    # The dashboard package (its page, plans and server): PACKAGE_LAYERS below.
    "dashboard": SERVING,
}
# Every module of these packages sits in the package's layer.
PACKAGE_LAYERS = {"dashboard": SERVING}
# Entry points start any layer's work, so they may import from every layer.
ENTRY_POINTS = {f"{PACKAGE}.cli"}


# --------------------------------------------------------------------------- the graph


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module under ``root`` (the folder of ``package``), by dotted name."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_package(name: str, modules: Mapping[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def _target(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module of ours that importing ``name`` loads: itself, or the longest
    leading part that is a module (``workbench.x.attribute`` -> ``workbench.x``)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imports_of(tree: ast.AST, name: str, modules: Mapping[str, Path]) -> set[str]:
    package = name if _is_package(name, modules) else name.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(_target(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from workbench import x`` loads the module ``workbench.x`` when
                # there is one, else it takes ``x`` from ``workbench`` itself.
                found.add(_target(f"{source}.{alias.name}", modules)
                          or _target(source, modules))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(_target(node.args[0].value, modules))
    return {target for target in found if target is not None and target != name}


def import_graph(root: Path = SOURCE, package: str = PACKAGE) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of ``package`` it imports."""
    modules = module_names(root, package)
    return {name: _imports_of(ast.parse(path.read_text(encoding="utf-8"), str(path)),
                              name, modules)
            for name, path in modules.items()}


def import_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    """One cycle of the graph (its modules in import order), or [] when there is none."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(reversed(error.args[1]))
    return []


def layer_of(module: str, package: str = PACKAGE) -> int | None:
    short = module.removeprefix(f"{package}.")
    top = short.split(".")[0]
    if module != package and top in PACKAGE_LAYERS:
        return PACKAGE_LAYERS[top]
    return LAYERS.get(short if module != package else package)


def backwards_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import of a module from a higher layer than the importer's own."""
    found = []
    for module, targets in sorted(graph.items()):
        if module in ENTRY_POINTS:
            continue
        for target in sorted(targets):
            low, high = layer_of(module), layer_of(target)
            if low is not None and high is not None and high > low:
                found.append(f"{module} ({LAYER_NAMES[low]}) imports {target} "
                             f"({LAYER_NAMES[high]})")
    return found


# --------------------------------------------------------------------------- the code


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    unplaced = [m for m in graph if layer_of(m) is None]
    assert not unplaced, f"place these modules in a layer of {__name__}.LAYERS: {unplaced}"


def test_no_import_cycle(graph: dict[str, set[str]]) -> None:
    cycle = import_cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_layers_point_one_way(graph: dict[str, set[str]]) -> None:
    backwards = backwards_imports(graph)
    assert not backwards, "imports against the layers:\n" + "\n".join(backwards)


def test_methods_never_reach_charts_pages_runs_or_serving(graph: dict[str, set[str]]) -> None:
    """Not even through another module: a method that imported a chart module would
    register the plotly template, and one that imported a page would load its world."""
    reaching = {}
    for module in sorted(graph):
        if layer_of(module) in (LOADING, METHODS):
            above = sorted(t for t in _reach(graph, module) if layer_of(t) in (PAGES, RUNS, SERVING))
            if above:
                reaching[module] = above
    assert not reaching, f"loading and methods modules reaching higher layers: {reaching}"


def test_pages_get_the_banner_without_the_loader(graph: dict[str, set[str]]) -> None:
    """The report and the index are built from finished notebooks and summaries:
    they never load a country."""
    for page in (f"{PACKAGE}.report", f"{PACKAGE}.index_page"):
        assert f"{PACKAGE}.loading" not in _reach(graph, page), page


def _reach(graph: Mapping[str, set[str]], start: str) -> set[str]:
    reached: set[str] = set()
    stack = [start]
    while stack:
        for target in graph.get(stack.pop(), ()):
            if target not in reached:
                reached.add(target)
                stack.append(target)
    return reached


def test_no_module_is_over_a_thousand_lines() -> None:
    lengths = {path.relative_to(SOURCE.parent).as_posix():
               len(path.read_text(encoding="utf-8").splitlines())
               for path in SOURCE.rglob("*.py")}
    too_long = {name: lines for name, lines in sorted(lengths.items()) if lines > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"


# --------------------------------------------------------------------------- the reader


def _write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_the_graph_reads_every_form_of_import(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "__init__.py": "",
        "a.py": "from pkg import b, VERSION\nimport pkg.c\n",
        "b.py": "def late():\n    from pkg.sub.d import thing\n    return thing\n",
        "c.py": "from . import b\nfrom .sub import d\nimport os\n",
        "sub/__init__.py": "from .d import thing\n",
        "sub/d.py": "from .. import e\nfrom ..c import name\n",
        "e.py": ("import importlib\n"
                 "def plugin():\n    return importlib.import_module('pkg.sub.d')\n"),
    })
    assert import_graph(root, "pkg") == {
        "pkg": set(),
        "pkg.a": {"pkg", "pkg.b", "pkg.c"},
        "pkg.b": {"pkg.sub.d"},
        "pkg.c": {"pkg.b", "pkg.sub.d"},
        "pkg.sub": {"pkg.sub.d"},
        "pkg.sub.d": {"pkg.e", "pkg.c"},
        "pkg.e": {"pkg.sub.d"},
    }


def test_a_cycle_through_a_lazy_import_is_found(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "__init__.py": "",
        "store.py": "def page():\n    from pkg import page\n    return page\n",
        "page.py": "from pkg.store import page as _\n",
        "leaf.py": "",
    })
    cycle = import_cycle(import_graph(root, "pkg"))
    assert set(cycle) == {"pkg.store", "pkg.page"}
    assert import_cycle({"a": {"b"}, "b": set()}) == []


def test_a_backwards_import_is_named() -> None:
    graph = {f"{PACKAGE}.impact": {f"{PACKAGE}.chart_style", f"{PACKAGE}.vocab"},
             f"{PACKAGE}.chart_style": set(), f"{PACKAGE}.vocab": set(),
             f"{PACKAGE}.cli": {f"{PACKAGE}.dashboard_server"},
             f"{PACKAGE}.dashboard.server": {f"{PACKAGE}.runner"},
             f"{PACKAGE}.report": {f"{PACKAGE}.dashboard.page"}}
    assert backwards_imports(graph) == [
        f"{PACKAGE}.impact (methods) imports {PACKAGE}.chart_style (charts and pages)",
        f"{PACKAGE}.report (charts and pages) imports {PACKAGE}.dashboard.page (serving)",
    ]
