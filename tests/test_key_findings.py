"""The key findings: sentences written from summary.json, and what they say when a
figure is suppressed, a stage skipped, a score withheld or no plan fits."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from babel.messages.extract import extract_from_file

from workbench import brief, key_findings, report
from workbench.formatting import format_pct, format_usd
from workbench.i18n import catalogue, use_language
from workbench.index_page import IndexRow, render_index


def _summary() -> dict[str, Any]:
    """A complete summary.json (v2), small and literal."""
    return {
        "country": "KE", "name": "Kenya", "status": "ok", "synthetic": False,
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "impact": {
            "respondents": 807, "breached_entities": 12781.3,
            "prevalence": {"estimate": 0.3104, "ci_low": 0.2712, "ci_high": 0.3521,
                           "reliability": "ok"},
            "annual_cost_usd": {"estimate": 2.95e7, "ci_low": 2.0e7, "ci_high": 3.9e7,
                                "reliability": "ok"},
            "cost_pct_gdp": 0.027, "reporting_rate": 0.18, "reported_incidents": 1204,
            "underreporting_ratio": 33.49, "suppressed": [], "min_cell_size": 10,
            "period": {"label": "1 Jan 2025 to 31 Dec 2025"},
        },
        "gaps": {
            "framework": "gca", "framework_title": "Global Cybersecurity Agenda pillars",
            "levels": {"min": 0, "max": 5, "names": {"0": "absent", "1": "start-up",
                                                     "2": "formative", "4": "strategic"}},
            "pillars": {"legal": "Legal measures", "technical": "Technical measures"},
            "pillar_scores": {"legal": 56.0, "technical": 41.2},
            "overall_score": 47.9, "target_overall_score": 70.4, "withheld": {},
            "assessed_pairs": 333,
            "top_gaps": [
                {"entity_id": "KPLC", "indicator_id": "TEC-03", "level": 1, "target": 4, "gap": 3,
                 "priority": 0.42, "pillar_id": "technical",
                 "indicator_title": "Incident response plan"},
                {"entity_id": "MOF", "indicator_id": "LEG-01", "level": 0, "target": 4, "gap": 4,
                 "priority": 0.4, "pillar_id": "legal",
                 "indicator_title": "Cybercrime law"},
                {"entity_id": "MOI", "indicator_id": "TEC-04", "level": 2, "target": 4, "gap": 2,
                 "priority": 0.3},
                {"entity_id": "PORT", "indicator_id": "TEC-05", "level": 2, "target": 4, "gap": 2,
                 "priority": 0.2, "indicator_title": "Fourth gap, never named"},
            ],
        },
        "business_case": {
            "budget_usd_per_year": 4.0e6, "horizon_years": 5, "status": "optimal",
            "plan": [
                {"intervention_id": "CIRT-01", "start_year": 1, "end_year": 2, "entities": 1,
                 "cost_usd": 3.1e6},
                {"intervention_id": "TRAIN", "start_year": 2, "end_year": 2, "entities": 9,
                 "cost_usd": 1.2e6},
                {"intervention_id": "LAW", "start_year": 1, "end_year": 1, "entities": 1,
                 "cost_usd": 0.4e6},
                {"intervention_id": "MOU", "start_year": 3, "end_year": 3, "entities": 1,
                 "cost_usd": 0.1e6},
            ],
            "spend_by_year_usd": [1.5e6, 1.6e6, 0.9e6, 0.4e6, 0.4e6],
            "score_by_year": [47.9, 52.3, 58.0, 61.2, 63.5, 64.0],
            "total_cost_usd": 4.8e6, "avoided_loss_usd": 9.1e6, "rosi": 0.9,
            "avoided_loss_usd_interval": {"p05": 6.2e6, "p95": 1.2e7},
            "rosi_interval": {"p05": 0.3, "p95": 1.5, "p_positive": 0.93},
        },
    }


def _texts(summary: dict[str, Any]) -> dict[str, str]:
    return {f.key: f.text for f in key_findings.key_findings(summary)}


def test_complete_summary_answers_every_question_with_its_figures() -> None:
    found = key_findings.key_findings(_summary())
    assert [f.key for f in found] == ["hit", "cost", "unreported", "gaps", "plan", "return", "data"]
    texts = {f.key: f.text for f in found}
    assert texts["hit"] == ("31.0% of organisations, about 12,781, were hit by a cyber breach or "
                            "attack in the period 1 Jan 2025 to 31 Dec 2025 (27.1% to 35.2%, "
                            "95% interval).")
    assert ("about USD 29.5 million a year (USD 20.0 million to USD 39.0 million, 95% interval), "
            "0.03% of GDP") in texts["cost"]
    assert "Only 18% of the organisations hit" in texts["unreported"]
    assert "For each of the 1,204 incidents on record, about 33 breaches" in texts["unreported"]
    assert texts["gaps"].startswith("Capability scores 48 of 100 on the Global Cybersecurity "
                                    "Agenda pillars; the targets would give 70.")
    assert "The weakest pillar is Technical measures (41 of 100)." in texts["gaps"]
    assert ("The 3 largest gaps: Incident response plan (Technical measures) at KPLC: "
            "level 1 start-up, target 4 strategic; Cybercrime law (Legal measures) at MOF: "
            "level 0 absent, target 4 strategic; TEC-04 at MOI: level 2 formative, target 4 "
            "strategic.") in texts["gaps"]
    assert "Fourth gap" not in texts["gaps"]
    assert ("funds 4 interventions for USD 4.8 million over 5 years, at most USD 1.6 million in "
            "any year (budget USD 4.0 million a year)") in texts["plan"]
    assert ("The largest items: CIRT-01 (USD 3.1 million), TRAIN (USD 1.2 million), "
            "LAW (USD 400,000).") in texts["plan"]
    assert "from 48 today to 64 by year 5" in texts["plan"]
    assert texts["return"] == (
        "It avoids an estimated USD 9.1 million of losses (USD 6.2 million to USD 12.0 million, "
        "90% interval): a return on security investment of 90%. The return lies between 30% "
        "and 150% (90% interval). The chance that the plan pays for itself is 93%.")
    assert texts["data"] == ("Figures for 1 Jan 2025 to 31 Dec 2025, from a survey of 807 "
                             "organisations, 1,204 incidents reported to the authorities, 333 "
                             "capability assessments. Money in US dollars.")


def test_synthetic_data_are_labelled_first() -> None:
    summary = {**_summary(), "synthetic": True}
    found = key_findings.key_findings(summary)
    assert found[0].key == "synthetic" and "synthetic" in found[0].text
    assert "synthetic" not in " ".join(_texts(_summary()).values()).lower()


@pytest.mark.parametrize("figure", ["prevalence", "annual_cost_usd"])
def test_an_imprecise_figure_carries_its_caution(figure: str) -> None:
    summary = _summary()
    summary["impact"][figure]["reliability"] = "caution"
    key = "hit" if figure == "prevalence" else "cost"
    assert "use it with caution" in _texts(summary)[key]
    assert "caution" not in _texts(_summary())[key]


def test_suppressed_figures_are_said_not_shown() -> None:
    summary = _summary()
    summary["impact"]["prevalence"] = {"estimate": None, "ci_low": None, "ci_high": None}
    summary["impact"]["annual_cost_usd"] = {"estimate": None, "ci_low": None, "ci_high": None}
    summary["impact"]["suppressed"] = ["prevalence", "mean_cost_usd"]
    texts = _texts(summary)
    assert texts["hit"] == ("The share of organisations hit is not published: fewer than 10 "
                            "respondents are behind it.")
    assert texts["cost"].startswith("What cybercrime costs is not published")


def test_figures_that_could_not_be_estimated_say_so() -> None:
    summary = _summary()
    summary["impact"]["prevalence"]["estimate"] = None
    summary["impact"]["annual_cost_usd"]["estimate"] = None
    for name in ("reporting_rate", "underreporting_ratio"):
        summary["impact"][name] = None
    texts = _texts(summary)
    assert "could not be estimated" in texts["hit"]
    assert "too few breached organisations reported a cost" in texts["cost"]
    assert texts["unreported"] == "How much cybercrime goes unreported could not be estimated."


def test_no_incidents_file_and_no_gdp_are_said_plainly() -> None:
    summary = _summary()
    summary["impact"].update(reported_incidents=None, underreporting_ratio=None, cost_pct_gdp=None)
    texts = _texts(summary)
    assert "No file of reported incidents was given" in texts["unreported"]
    assert "GDP" not in texts["cost"] and "USD 29.5 million a year" in texts["cost"]
    assert "incidents reported" not in texts["data"]


def test_a_skipped_stage_is_named_with_its_reason_in_every_finding_it_feeds() -> None:
    summary = _summary()
    summary["impact"] = {"skipped": "survey_responses.csv is absent"}
    summary["business_case"] = {"skipped": "interventions.csv is absent"}
    summary["status"] = "partial"
    texts = _texts(summary)
    for key in ("hit", "cost", "unreported"):
        assert "the impact assessment was not run (survey_responses.csv is absent)" in texts[key]
    assert texts["plan"] == ("No plan was worked out: the business case was not run "
                             "(interventions.csv is absent).")
    assert "return" not in texts
    assert texts["data"].endswith("Not run, for want of its data: the impact assessment, the "
                                  "business case; the report says why.")
    # The period still comes from the summary, not the skipped impact block.
    assert "1 Jan 2025 to 31 Dec 2025" in texts["data"]


def test_a_block_missing_from_a_partial_run_is_not_silently_left_out() -> None:
    summary = _summary()
    del summary["gaps"]
    assert "its figures are missing from this run" in _texts(summary)["gaps"]


def test_withheld_or_unassessed_scores() -> None:
    summary = _summary()
    summary["gaps"].update(overall_score=None, withheld={"overall": {"needed": 0.5}},
                           pillar_scores={"legal": None, "technical": 41.2})
    text = _texts(summary)["gaps"]
    assert text.startswith("The overall capability score is withheld")
    assert "weakest pillar" not in text  # one published pillar is no comparison
    summary["gaps"].update(withheld={}, top_gaps=[])
    assert _texts(summary)["gaps"] == ("No capability has been assessed yet, so there is no "
                                       "overall score.")


def test_no_open_gap_says_every_target_is_met() -> None:
    summary = _summary()
    summary["gaps"]["top_gaps"] = []
    assert _texts(summary)["gaps"].endswith("Every assessed capability meets its target.")


def test_one_gap_takes_the_singular() -> None:
    summary = _summary()
    summary["gaps"]["top_gaps"] = summary["gaps"]["top_gaps"][:1]
    assert "The largest gap: Incident response plan" in _texts(summary)["gaps"]


def test_nothing_affordable_means_no_plan_and_no_return() -> None:
    summary = _summary()
    summary["business_case"].update(plan=[], spend_by_year_usd=[0.0] * 5, total_cost_usd=0.0,
                                    rosi=None, status="empty")
    texts = _texts(summary)
    assert texts["plan"] == ("No intervention fits a budget of USD 4.0 million a year over "
                             "5 years: no plan is recommended.")
    assert "return" not in texts
    assert brief.plan_chart(summary["business_case"]) is None


def test_a_summary_before_score_paths_and_return_intervals_still_reads() -> None:
    summary = _summary()
    for name in ("score_by_year", "rosi_interval", "avoided_loss_usd_interval"):
        del summary["business_case"][name]
    texts = _texts(summary)
    assert "today" not in texts["plan"] and "funds 4 interventions" in texts["plan"]
    assert texts["return"] == ("It avoids an estimated USD 9.1 million of losses: a return on "
                               "security investment of 90%.")


def test_no_return_without_a_cost_of_cybercrime() -> None:
    summary = _summary()
    summary["business_case"].update(rosi=None, avoided_loss_usd=None)
    assert "no estimate of what cybercrime costs" in _texts(summary)["return"]


def test_every_sentence_is_written_from_the_summary() -> None:
    """Change the figures and the sentences change with them: nothing is fixed text."""
    summary = _summary()
    other = copy.deepcopy(summary)
    other["impact"]["prevalence"].update(estimate=0.5, ci_low=0.4, ci_high=0.6)
    other["impact"]["annual_cost_usd"]["estimate"] = 7.0e8
    other["business_case"]["score_by_year"][-1] = 80.0
    texts, changed = _texts(summary), _texts(other)
    assert format_pct(0.5) in changed["hit"] and format_pct(0.5) not in texts["hit"]
    assert format_usd(7.0e8) in changed["cost"]
    assert "to 80 by year 5" in changed["plan"]


def test_findings_html_escapes_every_text() -> None:
    summary = _summary()
    summary["gaps"]["top_gaps"][0]["indicator_title"] = "<script>alert(1)</script>"
    page = key_findings.key_findings_html(key_findings.key_findings(summary))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<dt") == page.count("<dd") == 7


def test_plan_chart_draws_spend_and_the_score_path() -> None:
    figure = brief.plan_chart(_summary()["business_case"])
    assert figure is not None
    bars, line = figure.data
    assert list(bars.y) == [1.5e6, 1.6e6, 0.9e6, 0.4e6, 0.4e6] and list(bars.x) == [1, 2, 3, 4, 5]
    assert list(line.y) == [47.9, 52.3, 58.0, 61.2, 63.5, 64.0] and list(line.x) == list(range(6))
    case = _summary()["business_case"]
    del case["score_by_year"]
    assert len(brief.plan_chart(case).data) == 1
    assert brief.plan_chart({"skipped": "no catalogue"}) is None


def test_brief_page_reads_offline_and_holds_the_findings() -> None:
    page = brief.render_brief({**_summary(), "synthetic": True})
    assert report.external_references(page) == []
    assert "SYNTHETIC DATA" in page and "Plotly.newPlot" in page
    for finding in key_findings.key_findings(_summary()):
        assert finding.text.replace("'", "&#x27;") in page


def test_without_chromium_the_brief_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(brief.CHROMIUM_ENV, str(tmp_path / "no-such-browser"))
    assert brief.find_chromium() is None
    with pytest.raises(brief.BriefNotPrinted, match="Chromium is not installed"):
        brief.write_brief(_summary(), tmp_path / "brief.pdf")
    monkeypatch.setenv(brief.CHROMIUM_ENV, brief.CHROMIUM_OFF)
    with pytest.raises(brief.BriefNotPrinted, match="turned off"):
        brief.write_brief(_summary(), tmp_path / "brief.pdf")
    assert not (tmp_path / "brief.pdf").exists()


def test_index_links_each_brief() -> None:
    row = IndexRow(country="KE", name="Kenya", status="ok", report_href="KE/report.html",
                   last_good_run=None, synthetic=False, period=None, error=None, figures={},
                   brief_href="KE/brief.pdf")
    page = render_index([row, IndexRow(
        country="GH", name="Ghana", status="ok", report_href="GH/report.html",
        last_good_run=None, synthetic=False, period=None, error=None, figures={})])
    assert "href='KE/brief.pdf'>brief (PDF)</a>" in page
    assert page.count("brief (PDF)") == 1


def test_findings_and_brief_read_in_french() -> None:
    with use_language("fr"):
        texts = _texts({**_summary(), "synthetic": True})
        page = brief.render_brief(_summary())
    assert texts["synthetic"].startswith("Ces chiffres sont synthétiques")
    assert texts["plan"].startswith("Le plan recommandé finance 4 interventions")
    assert "La probabilité que le plan soit rentable est de" in texts["return"]
    assert "Les 3 plus grandes lacunes" in texts["gaps"]
    assert "<html lang=\"fr\">" in page and "Le plan année par année" in page


def test_the_gaps_are_named_in_the_language_the_run_wrote_them() -> None:
    summary = _summary()
    summary["gaps"]["names"] = {
        "language": "fr", "framework_title": "Piliers du GCA",
        "pillars": {"legal": "Mesures juridiques", "technical": "Mesures techniques"},
        "level_names": {"0": "absent", "1": "démarrage", "4": "stratégique"},
        "indicators": {"TEC-03": "Plan de réponse aux incidents"},
    }
    with use_language("fr"):
        french = _texts(summary)["gaps"]
    assert "« Piliers du GCA »" in french
    assert "Plan de réponse aux incidents (Mesures techniques) chez KPLC" in french
    assert "niveau 1 démarrage, cible 4 stratégique" in french
    assert "Incident response plan" not in french
    # Names written for another language are never mixed into this one.
    english = _texts(summary)["gaps"]
    assert "Incident response plan (Technical measures) at KPLC" in english
    assert "Piliers" not in english and "démarrage" not in english


@pytest.mark.parametrize("module", [key_findings, brief])
def test_every_sentence_of_the_findings_and_the_brief_has_its_french(module) -> None:
    messages = [message for _line, message, _comments, _context in extract_from_file(
        "python", module.__file__, keywords={"_": None, "ngettext": (1, 2)})]
    french = catalogue("fr")
    missing = [m for m in messages if (m[0] if isinstance(m, tuple) else m) not in french]
    assert messages and missing == []


@pytest.mark.parametrize(("chance", "words"), [
    (1.0, "more than 99%"), (0.996, "more than 99%"), (0.93, "93%"), (0.0, "less than 1%")])
def test_the_chance_of_paying_back_is_never_a_certainty(chance: float, words: str) -> None:
    summary = _summary()
    summary["business_case"]["rosi_interval"]["p_positive"] = chance
    assert f"pays for itself is {words}." in _texts(summary)["return"]
