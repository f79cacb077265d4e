"""One country's outcome: the manifest entry it is written as and read back from, and
the line the CLI prints for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.outcome import (
    FAILED,
    MANIFEST_KEYS,
    OK,
    PARTIAL,
    SKIPPED,
    STALE,
    STATUSES,
    CountryOutcome,
)

OUT = Path("/srv/reports")
REASONS = ("survey_responses.csv: required column missing", "entities.csv: the file is empty")


def _done(status: str, **values: object) -> CountryOutcome:
    """A batch's finished country, every field set."""
    return CountryOutcome(
        country="KE", status=status, out_dir=OUT / "KE", state="done", in_this_batch=True,
        started_at="2026-03-02T02:15:00+00:00", seconds=31.25, pid=4250, stage=None,
        stages={"data_quality": "ok", "impact": "ok", "gaps": "failed"},
        failed_stage="gaps", error=REASONS[0], reasons=REASONS,
        inputs_sha256={"profile.yaml": "a1"},
        parameters={"budget_usd_per_year": None, "horizon_years": None, "plotly_js": "embed"},
        workbench_version="1.0", method_sha256="m",
        last_good_run="2026-03-01T02:17:02+00:00", report="KE/report.html",
        brief="KE/brief.pdf", brief_missing=None, log="../reports.private/logs/KE.log", failed_notebook=None, **values)


@pytest.mark.parametrize("status", STATUSES)
def test_manifest_entry_round_trips_through_json_in_the_documented_order(status: str) -> None:
    outcome = _done(status)
    entry = json.loads(json.dumps(outcome.to_manifest()))
    assert tuple(entry) == MANIFEST_KEYS
    assert entry["status"] == status and entry["reasons"] == list(REASONS)
    assert CountryOutcome.from_manifest("KE", entry, OUT) == outcome
    assert CountryOutcome.from_manifest("KE", entry, OUT).to_manifest() == entry


def test_an_entry_with_keys_missing_reads_with_their_defaults() -> None:
    # As written by hand, or by an older workbench; the index reads such entries too.
    outcome = CountryOutcome.from_manifest("GH", {"status": "stale", "error": "killed"}, OUT)
    assert (outcome.status, outcome.state, outcome.error, outcome.reasons) == (
        STALE, None, "killed", ())
    assert outcome.out_dir == OUT / "GH" and outcome.stages == {} and not outcome.ok
    assert CountryOutcome.from_manifest("GH", {}, OUT).status == FAILED


def test_paths_of_the_entry_are_relative_to_the_output_folder() -> None:
    outcome = _done(STALE)
    assert outcome.report_path == OUT / "KE" / "report.html"
    assert outcome.log_path == OUT / "../reports.private/logs/KE.log"
    assert CountryOutcome("KE", FAILED, OUT / "KE").report_path is None


def test_published_statuses_are_ok() -> None:
    assert [s for s in STATUSES if _done(s).ok] == [OK, PARTIAL, SKIPPED]


def test_one_line_of_a_run_on_its_own() -> None:
    ok = CountryOutcome("KE", OK, OUT / "KE", seconds=12.34)
    assert ok.one_line() == "KE: ok in 12.3 s -> /srv/reports/KE/report.html"
    partial = CountryOutcome("FJ", PARTIAL, OUT / "FJ", seconds=3.0,
                             reasons=("impact skipped: survey_responses.csv is missing",))
    assert partial.one_line() == ("FJ: partial in 3.0 s; impact skipped: survey_responses.csv "
                                  "is missing -> /srv/reports/FJ/report.html")
    failed = CountryOutcome("KE", FAILED, OUT / "KE", error=REASONS[0], reasons=REASONS,
                            report="KE/report.html")
    assert failed.one_line() == (
        "KE: FAILED: survey_responses.csv: required column missing (and 1 more unusable "
        "input: `workbench validate` lists them) (last good report kept: "
        "/srv/reports/KE/report.html)")
    first = CountryOutcome("KE", FAILED, OUT / "KE", failed_stage="gaps", error="boom",
                           reasons=("boom",))
    assert first.one_line() == "KE: FAILED at stage gaps: boom (no earlier report)"


def test_one_line_says_whether_the_brief_was_printed_and_why_not() -> None:
    printed = CountryOutcome("KE", OK, OUT / "KE", seconds=12.34, brief="KE/brief.pdf")
    assert printed.one_line() == "KE: ok in 12.3 s -> /srv/reports/KE/report.html (+ brief.pdf)"
    missing = CountryOutcome("KE", OK, OUT / "KE", seconds=12.34,
                             brief_missing="Chromium is not installed")
    assert missing.ok
    assert missing.one_line() == ("KE: ok in 12.3 s -> /srv/reports/KE/report.html; "
                                  "no brief.pdf: Chromium is not installed")
    entry = json.loads(json.dumps(missing.to_manifest()))
    assert (entry["brief"], entry["brief_missing"]) == (None, "Chromium is not installed")
    assert CountryOutcome.from_manifest("KE", entry, OUT) == missing


def test_one_line_of_a_batch_country() -> None:
    stale = _done(STALE)
    assert stale.one_line() == (
        "KE: STALE: failed at stage gaps: survey_responses.csv: required column missing "
        "(and 1 more: see manifest.json); the last good report (2026-03-01T02:17:02+00:00) "
        "is left in place: /srv/reports/KE/report.html; "
        "log: /srv/reports/../reports.private/logs/KE.log")
    failed = _done(FAILED).one_line()
    assert failed.endswith("(and 1 more: see manifest.json); no earlier report; "
                           "log: /srv/reports/../reports.private/logs/KE.log")
    skipped = _done(SKIPPED).one_line()
    assert skipped == ("KE: skipped-unchanged (inputs, parameters and workbench as for the "
                       "report of 2026-03-01T02:17:02+00:00; --force re-runs) -> "
                       "/srv/reports/KE/report.html")
    assert _done(OK).one_line() == (
        "KE: ok in 31.2 s -> /srv/reports/KE/report.html (+ brief.pdf)")
