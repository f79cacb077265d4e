"""The ``needs_bundle`` marker: a test that needs the dashboard's npm-built plotly.js
is skipped, with the reason, on a clone where it is not built, and runs where it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.dashboard import bundle as plotly_bundle

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")
MARKED = """
import pytest

@pytest.mark.needs_bundle
def test_draws_with_the_bundle():
    pass

def test_needs_nothing():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    needs_bundle: needs the bundle\n")
    pytester.makepyfile(test_marked=MARKED)
    return pytester


def test_a_marked_test_is_skipped_with_its_reason_without_the_bundle(
        suite: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plotly_bundle, "BUNDLE", tmp_path / "plotly-workbench.min.js")
    result = suite.runpytest("-rs", "--strict-markers")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*the dashboard's own plotly.js is not built*make test*"])


def test_a_marked_test_runs_where_the_bundle_is_built(
        suite: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = tmp_path / "plotly-workbench.min.js"
    built.write_text(plotly_bundle.banner("0.0.1") + "\n", encoding="utf-8")  # even stale
    monkeypatch.setattr(plotly_bundle, "BUNDLE", built)
    suite.runpytest("--strict-markers").assert_outcomes(passed=2)
