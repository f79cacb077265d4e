"""`workbench batch`: every country's report, one run per country, and an index page."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.countries import validate_country_code
from workbench.errors import InvalidCountryCode, WorkbenchError
from workbench.notebook import synthetic_banner_html
from workbench.runner import REPORT_NAME, SUMMARY_NAME, RunOutcome, run_country

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"


@dataclass
class BatchResult:
    outcomes: list[RunOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[RunOutcome]:
        return [o for o in self.outcomes if not o.ok]


def discover_countries(data_root: Path, only: Iterable[str] | None = None) -> list[str]:
    """Country folders under ``data_root`` (named by ISO code), or the ``only`` ones."""
    if only:
        codes = [validate_country_code(code.strip()) for code in only if code.strip()]
        missing = [c for c in codes if not (data_root / c).is_dir()]
        if missing:
            raise WorkbenchError(f"no folder for {', '.join(missing)} under {data_root}")
        return codes
    codes = []
    for child in sorted(data_root.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        try:
            codes.append(validate_country_code(child.name))
        except InvalidCountryCode:
            continue  # not a country folder (e.g. a notes folder)
    if not codes:
        raise WorkbenchError(f"no country folders (named by ISO code) under {data_root}")
    return codes


def run_batch(
    data_root: Path,
    out_root: Path,
    countries: Iterable[str] | None = None,
) -> BatchResult:
    """Run every country; one country's failure never stops the others."""
    data_root, out_root = Path(data_root).resolve(), Path(out_root).resolve()
    codes = discover_countries(data_root, countries)
    out_root.mkdir(parents=True, exist_ok=True)
    result = BatchResult()
    for code in codes:
        try:
            outcome = run_country(code, data_root=data_root, out_root=out_root)
        except WorkbenchError as exc:
            outcome = RunOutcome(country=code, ok=False, out_dir=out_root / code, error=str(exc))
        result.outcomes.append(outcome)
    write_manifest(result, out_root)
    write_index(out_root)
    return result


def write_manifest(result: BatchResult, out_root: Path) -> Path:
    manifest = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "workbench_version": __version__,
        "countries": {
            o.country: {
                "status": "ok" if o.ok else "failed",
                "seconds": round(o.seconds, 2),
                "stages": o.stages,
                "failed_stage": o.failed_stage,
                "error": o.error,
            }
            for o in result.outcomes
        },
    }
    target = out_root / MANIFEST_NAME
    target.write_text(json.dumps(manifest, indent=2))
    return target


def _headline(summary: dict[str, Any]) -> dict[str, str]:
    impact = summary.get("impact", {})
    gaps = summary.get("gaps", {})
    case = summary.get("business_case", {})

    def pct(value: Any) -> str:
        return "–" if value is None else f"{100 * value:.0f}%"

    def usd(value: Any) -> str:
        return "–" if value is None else f"${value / 1e6:,.1f}m"

    prevalence = impact.get("prevalence", {}) if "skipped" not in impact else {}
    cost = impact.get("annual_cost_usd", {}) if "skipped" not in impact else {}
    return {
        "prevalence": pct(prevalence.get("estimate")),
        "annual_cost": usd(cost.get("estimate")),
        "overall_score": "–" if gaps.get("overall_score") is None else f"{gaps['overall_score']:.0f} / 100",
        "plan_cost": usd(case.get("total_cost_usd")) if "skipped" not in case else "–",
    }


def write_index(out_root: Path) -> Path:
    """``index.html``: every country with a report under ``out_root``, linked."""
    rows = []
    any_synthetic = False
    for folder in sorted(p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        summary_path = folder / SUMMARY_NAME
        if not summary_path.exists():
            continue
        summary = json.loads(summary_path.read_text())
        figures = _headline(summary)
        synthetic = bool(summary.get("synthetic"))
        any_synthetic |= synthetic
        name = html.escape(summary.get("name") or folder.name)
        rows.append(
            f"<tr><td><a href='{html.escape(folder.name)}/{REPORT_NAME}'>{name}</a>"
            f"{' <em>(synthetic)</em>' if synthetic else ''}</td>"
            f"<td>{figures['prevalence']}</td><td>{figures['annual_cost']}</td>"
            f"<td>{figures['overall_score']}</td><td>{figures['plan_cost']}</td></tr>"
        )
    banner = synthetic_banner_html() if any_synthetic else ""
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Country reports</title>
<style>body{{font-family:system-ui,Arial,sans-serif;margin:24px;color:#1b1b1b}}
table{{border-collapse:collapse}}th,td{{padding:6px 12px;border-bottom:1px solid #ddd;text-align:left}}</style>
</head><body><h1>Cybercrime impact and capability gap reports</h1>{banner}
<table><thead><tr><th>Country</th><th>Businesses breached in the period</th>
<th>Annual cost (USD)</th><th>Overall maturity score</th><th>Roadmap cost (USD)</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></body></html>"""
    target = out_root / INDEX_NAME
    target.write_text(page, encoding="utf-8")
    return target
