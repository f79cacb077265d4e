"""Pages in English and French: the catalogue, French numbers and dates, the language
a run writes in, and French pages holding none of the catalogue's English sentences."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po
from conftest import write_country
from plotly.offline import get_plotlyjs

from workbench import (
    business_case,
    business_case_tables,
    gaps,
    gaps_charts,
    i18n_catalogue,
    impact,
    impact_charts,
    index_page,
    paths,
    report,
    roadmap_charts,
    runner,
    stages,
)
from workbench.batch import run_batch
from workbench.dashboard.cards import cards_html, header_html, headline_cards
from workbench.dashboard.view import load_view
from workbench.errors import DataFileError, WorkbenchError
from workbench.formatting import (
    format_count,
    format_date,
    format_month,
    format_pct,
    format_period,
    format_usd,
    format_usd_millions,
    format_usd_short,
)
from workbench.i18n import _, catalogue_path, ngettext, translate_markdown, use_language
from workbench.loading import load_country
from workbench.notebook import table_html
from workbench.profile import load_profile

NNBSP = "\u202f"  # the narrow no-break space French puts in numbers and before %


# --------------------------------------------------------------------------- catalogue


def test_every_message_of_the_source_has_a_french_translation_and_none_is_obsolete():
    """The catalogue equals a fresh extraction (nothing missing, nothing left over)
    and every entry is translated."""
    pot = i18n_catalogue.template()
    with catalogue_path("fr").open("rb") as handle:
        french = read_po(handle, locale="fr")
    in_source = {m.id if isinstance(m.id, str) else m.id[0] for m in pot if m.id}
    in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in french if m.id}
    assert in_source - in_catalogue == set(), "messages with no catalogue entry"
    assert in_catalogue - in_source == set(), "obsolete catalogue entries"
    assert i18n_catalogue.untranslated(i18n_catalogue.updated("fr", pot)) == []
    assert i18n_catalogue.main(["--check"]) == 0


def test_the_check_fails_on_a_message_without_translation(tmp_path, monkeypatch):
    path = tmp_path / "fr" / "LC_MESSAGES" / "workbench.po"
    path.parent.mkdir(parents=True)
    text = catalogue_path("fr").read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr "Qualité des données"', 'msgstr ""'), encoding="utf-8")
    monkeypatch.setattr(i18n_catalogue, "catalogue_path", lambda language: path)
    assert i18n_catalogue.main(["--check"]) == 1


def test_notebook_markdown_and_shown_strings_are_extracted():
    found = {m for m, *_rest in i18n_catalogue.notebook_messages()}
    assert "## The dark figure" in found  # a heading of a markdown cell
    assert "Impact of cybercrime: headline figures" in found  # a table caption in code
    assert i18n_catalogue.shown_strings('wb.country_header(data, "Data quality")') == ["Data quality"]


def test_translate_markdown_piece_by_piece():
    cell = "## Method\n\n- **Order.** An intervention starts only after every prerequisite it names is complete."
    with use_language("fr"):
        text = translate_markdown(cell)
    assert text.startswith("## Méthode\n\n- **Ordre.**")
    assert translate_markdown(cell) == cell  # English: unchanged


def test_plural_forms_follow_french_rules():
    with use_language("fr"):
        assert ngettext("{count} year", "{count} years", 1).format(count=1) == "1 an"
        assert ngettext("{count} year", "{count} years", 0).format(count=0) == "0 an"
        assert ngettext("{count} year", "{count} years", 5).format(count=5) == "5 ans"
    assert ngettext("{count} year", "{count} years", 0).format(count=0) == "0 years"


# --------------------------------------------------------------------------- formats


def test_french_numbers_money_percentages_and_dates():
    with use_language("fr"):
        assert format_count(1234.4) == f"1{NNBSP}234"
        assert format_pct(0.123) == f"12,3{NNBSP}%"
        assert format_pct(None) == "non disponible"
        assert format_usd(12_300_000) == "12,3 millions USD"
        assert format_usd(1_000_000) == "1,0 million USD"
        assert format_usd(2_500_000_000) == "2,5 milliards USD"
        assert format_usd(850_000) == f"850{NNBSP}000 USD"
        assert format_usd_short(1_500_000) == "1,5 M USD"
        assert format_usd_short(1_250_000_000) == "1,25 Md USD"
        assert format_usd_millions(149_800_000) == "149,8 M$"
        assert format_date(dt.date(2025, 1, 1)) == "1 janv. 2025"
        assert format_month(dt.date(2025, 5, 1)) == "mai 2025"
        assert format_period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == \
            "du 1 janv. 2025 au 31 déc. 2025"
    # English as it always was
    assert format_date(dt.date(2025, 1, 1)) == "1 Jan 2025"
    assert format_usd(12_300_000) == "USD 12.3 million"


def test_french_thousands_separator():
    with use_language("fr"):
        assert format_count(1234) == f"1{NNBSP}234"


# --------------------------------------------------------------------------- the language of a run


def test_profile_language_defaults_to_english_and_is_checked(tmp_path):
    folder = write_country(tmp_path / "data")
    profile = folder / "profile.yaml"
    assert load_profile(profile, "KE").language == "en"
    profile.write_text(profile.read_text() + "language: FR\n")
    assert load_profile(profile, "KE").language == "fr"
    profile.write_text(profile.read_text().replace("language: FR", "language: de"))
    with pytest.raises(DataFileError) as problem:
        load_profile(profile, "KE")
    message = str(problem.value)
    assert "profile.yaml" in message and "language" in message and "'de'" in message


def test_the_run_language_is_the_override_else_the_profile(tmp_path):
    folder = write_country(tmp_path / "data")
    profile = folder / "profile.yaml"
    data = load_country(folder)
    assert runner.report_language(data, None) == "en"
    assert runner.report_language(data, "fr") == "fr"
    profile.write_text(profile.read_text() + "language: fr\n")
    data = load_country(folder)
    assert runner.report_language(data, None) == "fr"
    assert runner.report_language(data, "EN") == "en"


def test_a_bad_lang_stops_run_and_batch_before_anything_is_written(tmp_path):
    write_country(tmp_path / "data")
    out = tmp_path / "out"
    with pytest.raises(WorkbenchError, match="--lang"):
        runner.run_country("KE", data_root=tmp_path / "data", out_root=out, language="de")
    with pytest.raises(WorkbenchError, match="--lang"):
        run_batch(tmp_path / "data", out, language="xx")
    assert not out.exists() or not any(out.iterdir())


def test_the_summary_records_the_language_written_in(tmp_path):
    folder = write_country(tmp_path / "data")
    summary = runner.assemble_summary(load_country(folder), tmp_path, language="fr")
    assert summary["language"] == "fr"
    assert runner.run_parameters(None, None, "embed", "fr")["language"] == "fr"


# --------------------------------------------------------------------------- French pages


def _english_sentences() -> list[str]:
    """The catalogue's English messages of two words or more that French writes
    differently, without placeholders (those are checked through their pieces)."""
    with catalogue_path("fr").open("rb") as handle:
        french = read_po(handle, locale="fr")
    sentences = []
    for message in french:
        if not message.id or isinstance(message.id, tuple):
            continue
        text = message.id.strip()
        if "{" in text or len(text.split()) < 2 or message.string.strip() == text:
            continue
        # a notebook's markdown piece: its words as the page shows them
        text = re.sub(r"^#+ |^- ", "", text).replace("**", "").replace("`", "").replace("*", "")
        for line in text.split("\n"):
            if len(line.split()) >= 2:
                sentences.append(" ".join(line.split()))
    return sentences


def _visible_text(page: str) -> str:
    """What a reader sees (and what a chart's JSON says), whitespace collapsed; an
    embedded plotly.js (whose own messages are not the page's) left out."""
    text = re.sub(r"<style.*?</style>", " ", page.replace(get_plotlyjs(), ""), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(html.unescape(text).split())


def _leaks(page: str) -> list[str]:
    seen = _visible_text(page)
    return [s for s in _english_sentences() if s in seen]


@pytest.fixture(scope="module")
def cameroon_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Cameroon's report parts, cards and index entry built in French from the
    functions the notebooks and the dashboard call (no papermill run)."""
    root = paths.SAMPLES_DIR
    with use_language("fr"):
        data = load_country(root / "CM")
        impact_result = stages.impact_assessment(data)
        gap_result = stages.gap_analysis(data)
        inputs = stages.roadmap_inputs(data)
        roadmap = stages.plan(inputs, None, None)
        charts = [
            impact_charts.prevalence_by_group_chart(impact_result, "sector"),
            impact_charts.prevalence_by_group_chart(impact_result, "size_band"),
            impact_charts.attack_mix_chart(impact_result),
            impact_charts.annual_cost_exceedance_chart(impact_result),
            impact_charts.dark_figure_chart(impact_result),
            impact_charts.incidents_by_month_chart(impact_result),
            impact_charts.incidents_by_category_chart(impact_result),
            impact_charts.controls_in_place_chart(impact_result),
            impact_charts.controls_prevalence_chart(impact_result),
            gaps_charts.pillar_radar(gap_result),
            gaps_charts.coverage_chart(gap_result),
            gaps_charts.gap_heatmap(gap_result),
            gaps_charts.crosswalk_chart(gap_result, "cmm"),
            gaps_charts.peer_chart(gap_result.peers),
            roadmap_charts.roadmap_gantt(roadmap, period_label=inputs.period_label,
                                         pillar_titles=inputs.pillar_titles),
            roadmap_charts.spend_chart(roadmap, period_label=inputs.period_label,
                                       pillar_titles=inputs.pillar_titles),
            roadmap_charts.score_path_chart(roadmap, period_label=inputs.period_label),
            roadmap_charts.avoided_loss_chart(roadmap, period_label=inputs.period_label),
        ]
        tables = [
            impact.headline_figures(impact_result), gaps.headline_table(gap_result),
            gaps.evidence_view(gap_result.top_gaps, levels=gap_result.levels),
            gaps.group_display(gap_result.by_entity_type, "entity_type", "Entity type"),
            business_case_tables.headline_figures(roadmap, catalogue_source=inputs.catalogue_source),
            business_case_tables.plan_table(roadmap, inputs.pillar_titles),
            business_case_tables.not_chosen_table(
                roadmap, inputs.pillar_titles,
                business_case.explain_left_out(inputs.pairs, inputs.interventions, roadmap)),
        ]
        markdown = [translate_markdown(cell.source)
                    for _stage, name in paths.STAGE_NOTEBOOKS
                    for cell in nbformat.read(paths.NOTEBOOKS_DIR / name, as_version=4).cells
                    if cell.cell_type == "markdown"]
        sentences = [gaps.framework_description(gap_result), *gaps.withheld_notes(gap_result)]
        frame = report.render_report(
            country_name=data.profile.name, country_code="CM",
            period=data.profile.period_label, synthetic=True,
            sections=report.section_list([("impact", None, "the survey file is absent", None)]),
            plotly_js="plotly.min.js", generated_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
        report_page = "\n".join([
            frame, *markdown, *sentences, *(table_html(t).markup for t in tables),
            *(json.dumps(c.to_plotly_json()["layout"], ensure_ascii=False) for c in charts),
            *(json.dumps([trace.get("name") or "" for trace in c.to_plotly_json()["data"]],
                         ensure_ascii=False) for c in charts),
        ])
        view = load_view(root, "CM")
        dashboard = header_html(view) + cards_html(headline_cards(view, roadmap))
        row = index_page.IndexRow(
            country="CM", name="Cameroun", status="partial", report_href="CM/report.html",
            last_good_run="2026-01-02T00:00:00+00:00", synthetic=True,
            period=index_page.period_label({"period": {"start": "2025-01-01",
                                                       "end": "2025-12-31"}}),
            error=None, figures={"prevalence": 0.4, "annual_cost_usd": 1.5e7},
            cautions=("prevalence",))
        index = index_page.render_index([row], plotly_js="plotly.min.js")
    return {"report": report_page, "dashboard": dashboard, "index": index}


@pytest.mark.parametrize("page", ["report", "dashboard", "index"])
def test_a_french_page_holds_no_english_sentence_of_the_catalogue(cameroon_pages, page):
    text = cameroon_pages[page]
    assert _leaks(text) == []
    assert len(_visible_text(text)) > 500  # a real page, not an empty one


def test_the_french_pages_are_french(cameroon_pages):
    assert '<html lang="fr">' in cameroon_pages["report"]
    assert '<html lang="fr">' in cameroon_pages["index"]
    seen = _visible_text(cameroon_pages["report"])
    assert "DONNÉES SYNTHÉTIQUES" in seen and "du 1 janv. 2025 au 31 déc. 2025" in seen
    assert "Piliers du Programme mondial cybersécurité (GCA)" in seen
    assert "Créer le CIRT national" in seen or "Renforcer le CIRT national" in seen
    dashboard = _visible_text(cameroon_pages["dashboard"])
    assert "Organisations touchées par la cybercriminalité" in dashboard
    assert f"{NNBSP}%" in cameroon_pages["dashboard"]  # French percentages


def test_the_leak_check_finds_english(cameroon_pages):
    """The check itself fails on an English sentence (it is not vacuous)."""
    with use_language("en"):
        english = _("Annual cost of cybercrime to organisations")
    assert _leaks(cameroon_pages["dashboard"] + f"<p>{english}</p>") == [english]


def test_a_page_with_no_language_asked_stays_english(tmp_path):
    page = report.render_report(country_name="Kenya", country_code="KE", period="p",
                                synthetic=False, sections=[], plotly_js="plotly.min.js")
    assert '<html lang="en">' in page and "cybercrime impact and capability gap report" in page


def test_the_shipped_framework_has_french_names_and_falls_back_to_english(tmp_path):
    from workbench.framework import load_framework

    shipped = load_framework()
    assert all(p.title_fr for p in shipped.pillars) and all(i.title_fr for i in shipped.indicators)
    csf = load_framework(paths.SAMPLES_DIR / "CA" / "framework.yaml")
    with use_language("fr"):
        assert shipped.local_title == "Piliers du Programme mondial cybersécurité (GCA)"
        assert csf.local_title == csf.title  # English only: shown in English
        assert shipped.levels.name(3) == "établi"
    bad = tmp_path / "framework.yaml"
    bad.write_text(Path(paths.SHIPPED_FRAMEWORK).read_text(encoding="utf-8").replace(
        "title_fr: Mesures juridiques", "title_fr: ''"), encoding="utf-8")
    with pytest.raises(DataFileError, match="title_fr"):
        load_framework(bad)


def test_the_dashboard_language_comes_from_the_address_else_the_profile():
    from workbench.dashboard.settings import resolve_settings

    def settings(query: str, country: str = "CM", language: str | None = None):
        return resolve_settings(query, country=country, data_root=paths.SAMPLES_DIR,
                                budget_usd_per_year=None, horizon_years=None,
                                available=["CM", "KE"], language=language)

    assert settings("").language == "fr"  # Cameroon's profile
    assert settings("", country="KE").language == "en"
    assert settings("lang=fr", country="KE").language == "fr"
    assert settings("lang=en").language == "en"
    assert settings("", country="KE", language="fr").language == "fr"
    bad = settings("lang=de&horizon_years=99")
    assert bad.language == "fr"
    assert bad.notes == ("L'horizon « 99 » n'est pas un nombre entier d'années de 1 à 15.",
                         "« de » n'est pas une langue de ces pages (en ou fr).")
    assert settings("horizon_years=99", country="KE").notes == (
        "The horizon '99' is not a whole number of years from 1 to 15.",)


def test_the_index_names_the_shipped_framework_in_french():
    summary = {"gaps": {"framework": "gca", "framework_title": "Global Cybersecurity Agenda pillars"}}
    with use_language("fr"):
        assert index_page.framework_title(summary) == \
            "Piliers du Programme mondial cybersécurité (GCA)"
    assert index_page.framework_title(summary) == "Global Cybersecurity Agenda pillars"


def test_the_dashboard_shows_its_notebooks_words_in_the_pages_language() -> None:
    from workbench.dashboard.guide import notebook_guide

    english_top, english_bottom = notebook_guide()
    assert "<h1>Cybercrime impact and capability dashboard</h1>" in english_top
    assert "How to read these figures" in english_bottom
    with use_language("fr"):
        french_top, french_bottom = notebook_guide()
    assert "<h1>Tableau de bord" in french_top and "Comment lire ces chiffres" in french_bottom
    assert _leaks(french_top + french_bottom) == []
    # Voilà leaves the notebook's own markdown out: the page shows it, translated.
    template = (paths.PACKAGE_DIR / "data" / "voila" / "templates" / "workbench"
                / "index.html.j2").read_text()
    assert "{%- block markdowncell scoped -%}{%- endblock markdowncell -%}" in template


def test_why_an_intervention_is_left_out_is_written_in_the_pages_language() -> None:
    data = load_country(paths.SAMPLES_DIR / "CM")
    inputs = stages.roadmap_inputs(data)
    with use_language("fr"):
        roadmap = stages.plan(inputs, 1_000.0, 1)  # too small a budget and horizon for anything
        details = roadmap.not_chosen["detail"].tolist()
    assert details and all(not _leaks(detail) for detail in details)
    assert any(detail.startswith(("sa mise en place coûte", "son fonctionnement coûte",
                                  "dure ")) for detail in details), details
