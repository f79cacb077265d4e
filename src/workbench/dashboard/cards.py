"""The page's text: the six headline cards (with the numbers behind their words), the
header and the plain messages in place of figures that cannot be shown. Every text is
escaped; the numbers travel as ``data-`` attributes a reader (or a test) can check
against summary.json."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from workbench import business_case_money, disclosure
from workbench.business_case import Roadmap
from workbench.business_case_tables import score_path_words
from workbench.dashboard.view import NOT_AVAILABLE, CountryView
from workbench.formatting import (
    format_count,
    format_number,
    format_pct,
    format_percent,
    format_range,
    format_usd,
    format_years,
    not_available,
)
from workbench.i18n import N_, _
from workbench.incidents import withheld_words
from workbench.key_findings import KEY_FINDINGS_CSS, key_findings, key_findings_html
from workbench.notebook import synthetic_banner_html

DASHBOARD_CSS = """
<style>
.wb-dashboard{--jp-widgets-horizontal-tab-width:230px}
.wb-dashboard .wb-tabs .widget-tab-bar .lm-TabBar-tab{flex:0 1 auto;min-width:min(230px,30%)}
.wb-dash{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1b1b;line-height:1.4}
.wb-dash p,.wb-dash div{line-height:1.4}
.wb-dash h1{font-size:1.55em;margin:4px 0 2px 0;color:#0b3954}
.wb-dash .wb-sub{margin:0 0 6px 0;color:#333}
.wb-cards{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px;margin:8px 0 4px 0}
@media (max-width:1000px){.wb-cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (max-width:640px){.wb-cards{grid-template-columns:minmax(0,1fr)}}
.wb-card{background:#fff;border:1px solid #d5dde4;border-left:6px solid #0072B2;border-radius:6px;padding:10px 14px}
.wb-card-title{font-size:.95em;color:#333;font-weight:600}
.wb-card-value{font-size:1.7em;font-weight:700;color:#0b3954;margin:2px 0}
.wb-card-interval{font-size:.92em;color:#222}
.wb-card-context{font-size:.85em;color:#4a4a4a;margin-top:3px}
.wb-card.wb-na{border-left-color:#999}
.wb-card.wb-na .wb-card-value{color:#555;font-size:1.2em}
.wb-problem{background:#fbeaea;border-left:5px solid #b3261e;padding:10px 14px;margin:8px 0;color:#3b0d0a}
.wb-note{background:#eef1f4;border-left:5px solid #6c7a89;padding:8px 14px;margin:8px 0}
.wb-downloads a{display:inline-block;margin:4px 12px 4px 0;padding:6px 12px;border:1px solid #0072B2;
border-radius:4px;color:#0072B2;text-decoration:none;font-weight:600}
.wb-dash table.wb-table{border-collapse:collapse;font-size:.92em;margin:6px 0}
.wb-dash table.wb-table th,.wb-dash table.wb-table td{border-bottom:1px solid #dde3e8;padding:4px 10px;text-align:left;vertical-align:top}
.wb-dash table.wb-table th{background:#f0f3f5}
</style>
"""


@dataclass(frozen=True)
class Card:
    """One headline figure as the page shows it, with the number behind the words.

    ``numbers`` (value, low, high ...) travel as ``data-`` attributes of the card so
    that a reader (or a test) can check them against summary.json.
    """

    key: str
    title: str
    value_text: str
    interval_text: str = ""
    context_text: str = ""
    unit: str = ""
    numbers: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.numbers.get("value") is not None


CAUTION_WORDS = N_("imprecise: use with caution (too few respondents behind it for a firm figure)")


def _caution(figure: Mapping[str, object]) -> str:
    """The words a flagged figure carries beside its range (none when it is ok)."""
    return f"; {_(CAUTION_WORDS)}" if figure.get("reliability") == "caution" else ""


def _interval(low: float | None, high: float | None, fmt) -> str:
    return _("95% interval {range}").format(range=format_range(low, high, fmt))


def _problem(view: CountryView, stage: str) -> str:
    """Why a stage could not run, in the page's language where the reason is a known one."""
    return _(view.problems.get(stage, NOT_AVAILABLE))


def _unavailable(key: str, title: str, why: str, unit: str) -> Card:
    return Card(key, title, not_available(), "", why, unit, {"value": None})


def impact_cards(view: CountryView) -> list[Card]:
    """Prevalence, annual cost (and share of GDP) and the under-reporting ratio."""
    titles = {
        "prevalence": (_("Organisations hit by cybercrime"), _("share of organisations")),
        "annual_cost": (_("Annual cost of cybercrime to organisations"), _("USD per year")),
        "underreporting": (_("Breaches for every incident reported"),
                           _("breaches per reported incident")),
    }
    if view.impact is None:
        why = _("The impact assessment could not run: ") + _problem(view, "impact")
        return [_unavailable(k, t, why, u) for k, (t, u) in titles.items()]
    s = view.impact.summary
    period = view.period_label
    suppressed = set(s.get("suppressed", []))
    threshold = s.get("min_cell_size", disclosure.MIN_CELL_SIZE)
    withheld = _("not published: fewer than {count} respondents are behind it").format(
        count=threshold)
    cards = []

    prev = s["prevalence"]
    title, unit = titles["prevalence"]
    if prev["estimate"] is None:
        why = withheld if "prevalence" in suppressed else _("no survey answers to estimate it")
        cards.append(_unavailable("prevalence", title, why, unit))
    else:
        cards.append(Card(
            "prevalence", title, format_pct(prev["estimate"]),
            _interval(prev["ci_low"], prev["ci_high"], format_pct) + _caution(prev),
            _("of businesses and public bodies identified a breach or attack, {period}").format(
                period=period),
            unit, {"value": prev["estimate"], "low": prev["ci_low"], "high": prev["ci_high"]},
        ))

    cost = s["annual_cost_usd"]
    title, unit = titles["annual_cost"]
    if cost["estimate"] is None:
        why = withheld if suppressed & {"prevalence", "mean_cost_usd"} else (
            _("too few breached organisations reported a cost"))
        cards.append(_unavailable("annual_cost", title, why, unit))
    else:
        share = s["cost_pct_gdp"]
        share_text = "" if share is None else _("{share} of GDP; ").format(
            share=format_percent(share, 3))
        cards.append(Card(
            "annual_cost", title, _("{amount} a year").format(amount=format_usd(cost["estimate"])),
            _interval(cost["ci_low"], cost["ci_high"], format_usd) + _caution(cost),
            share_text + _("a floor: only each organisation's most disruptive breach is costed; "
                           "{period}").format(period=period),
            unit, {"value": cost["estimate"], "low": cost["ci_low"], "high": cost["ci_high"],
                   "pct-gdp": share},
        ))

    ratio = s["underreporting_ratio"]
    title, unit = titles["underreporting"]
    reported = s["reported_incidents"]
    if ratio is None:
        withheld = s["incidents"].get("dark_figure_withheld") if s["incidents"] else None
        why = (_("no file of reported incidents") if reported is None
               else withheld_words(s["incidents"]["rows"], s["incidents"]["left_out"]) if withheld
               else _("too few respondents to estimate breaches"))
        cards.append(_unavailable("underreporting", title, why, unit))
    else:
        cards.append(Card(
            "underreporting", title, format_number(ratio, 1),
            _("estimated breaches and attacks for each of the {count} incidents reported").format(
                count=format_count(reported)),
            _("reported to the national CERT or police, {period}: most cybercrime is never "
              "reported").format(period=period),
            unit, {"value": ratio},
        ))
    return cards


def gaps_card(view: CountryView) -> Card:
    """The overall capability (maturity) score."""
    title, unit = _("Overall capability score"), _("score 0-100")
    if view.gaps is None:
        return _unavailable("maturity", title, _("The gap analysis could not run: ")
                            + _problem(view, "gaps"), unit)
    s = view.gaps.summary
    score = s["overall_score"]
    if score is None:
        why = (_("withheld: too little has been assessed to publish it")
               if "overall" in s.get("withheld", {}) else _("no indicator has been assessed yet"))
        return _unavailable("maturity", title, why, unit)
    target = s["target_overall_score"]
    target_text = "" if target is None else _("; the targets would give {score} of 100").format(
        score=format_number(target, 1))
    levels = view.gaps.levels
    top = f"{levels.max} {levels.name(levels.max)}" if levels.max in levels.names else str(levels.max)
    return Card(
        "maturity", title, _("{score} of 100").format(score=format_number(score, 1)),
        _("100 = every assessed indicator at the top level ({top})").format(top=top) + target_text,
        _("framework: {framework} ({count} pillars); {period}").format(
            framework=view.gaps.framework_title, count=len(view.gaps.pillar_scores),
            period=view.gaps.assessed_period),
        unit, {"value": score, "target": target},
    )


def roadmap_cards(view: CountryView, roadmap: Roadmap | None) -> list[Card]:
    """What the roadmap costs over the horizon, and its return (ROSI)."""
    cost_title, rosi_title = _("Cost of the roadmap"), _("Return on security investment (ROSI)")
    rosi_unit = _("USD net per USD spent")
    if roadmap is None:
        why = _("The business case could not run: ") + _problem(view, "business_case")
        return [_unavailable("roadmap_cost", cost_title, why, "USD"),
                _unavailable("rosi", rosi_title, why, rosi_unit)]
    s = roadmap.summary
    years = roadmap.horizon_years
    path = s["score_by_year"]
    cost = Card(
        "roadmap_cost", cost_title, _("{amount} over {years}").format(
            amount=format_usd(s["total_cost_usd"]), years=format_years(years)),
        _("{chosen} of {total} interventions, within {budget} a year").format(
            chosen=len(s["plan"]), total=len(roadmap.interventions),
            budget=format_usd(s["budget_usd_per_year"])),
        _("raises the overall capability score {path}").format(path=score_path_words(roadmap)),
        _("USD over the horizon"),
        {"value": s["total_cost_usd"], "budget": s["budget_usd_per_year"], "horizon": years,
         "score-today": None if path is None else path[0],
         "score-final": None if path is None else path[-1]},
    )
    if s["rosi"] is None:
        why = (_("no estimate of the annual cost of cybercrime, so losses avoided are not known")
               if s["avoided_loss_usd"] is None else _("nothing is spent"))
        rosi = _unavailable("rosi", rosi_title, why, rosi_unit)
    else:
        interval = s["rosi_interval"] or {}
        ranged = (_("{range_words} {low} to {high}; chance it pays for itself: {chance} "
                    "({share})").format(
            range_words=_(business_case_money.RANGE_WORDS), low=format_number(interval["p05"], 2),
            high=format_number(interval["p95"], 2),
            chance=business_case_money.chance_words(interval["p_positive"]),
            share=business_case_money.chance_share_words(interval["p_positive"]))
            if interval else "")
        rosi = Card(
            "rosi", rosi_title, format_number(s["rosi"], 2), ranged,
            _("each USD 1 spent avoids USD {amount} of losses over {years}: losses avoided "
              "{avoided} against a cost of {cost}; ROSI = (losses avoided - cost) / cost").format(
                amount=format_number(1 + s["rosi"], 2), years=format_years(years),
                avoided=format_usd(s["avoided_loss_usd"]), cost=format_usd(s["total_cost_usd"])),
            rosi_unit, {"value": s["rosi"], "avoided": s["avoided_loss_usd"],
                        "low": interval.get("p05"), "high": interval.get("p95"),
                        "p-positive": interval.get("p_positive")},
        )
    return [cost, rosi]


def headline_cards(view: CountryView, roadmap: Roadmap | None) -> list[Card]:
    """The six headline cards, in reading order."""
    return [*impact_cards(view), gaps_card(view), *roadmap_cards(view, roadmap)]


def view_summary(view: CountryView, roadmap: Roadmap | None) -> dict[str, object]:
    """The parts of summary.json the key findings read, from what the page shows: the
    same figures as the country's summary.json, the plan the one chosen on the page."""
    def block(stage: str, published: object) -> object:
        return published if published is not None else {
            "skipped": view.problems.get(stage, NOT_AVAILABLE)}

    impact = None if view.impact is None else view.impact.summary
    return {
        "country": view.code, "name": view.name, "synthetic": view.synthetic,
        "period": None if impact is None else impact.get("period"),
        "impact": block("impact", impact),
        "gaps": block("gaps", None if view.gaps is None else view.gaps.summary),
        "business_case": block("business_case", None if roadmap is None else roadmap.summary),
    }


def findings_html(view: CountryView, roadmap: Roadmap | None) -> str:
    """The key findings over the cards: the same sentences the report and brief open with."""
    findings = key_findings_html(key_findings(view_summary(view, roadmap)))
    return f'<style>{KEY_FINDINGS_CSS}</style><div class="wb-dash">{findings}</div>'


def _data_attributes(numbers: Mapping[str, float | None]) -> str:
    return " ".join(
        f'data-{html.escape(name)}="{"" if v is None else html.escape(repr(float(v)))}"'
        for name, v in numbers.items()
    )


def cards_html(cards: Sequence[Card]) -> str:
    """The headline cards as HTML; every text escaped."""
    parts = []
    for card in cards:
        css = "wb-card" if card.available else "wb-card wb-na"
        parts.append(
            f'<div class="{css}" data-figure="{html.escape(card.key)}" '
            f'{_data_attributes(card.numbers)}>'
            f'<div class="wb-card-title">{html.escape(card.title)}</div>'
            f'<div class="wb-card-value">{html.escape(card.value_text)}</div>'
            f'<div class="wb-card-interval">{html.escape(card.interval_text)}</div>'
            f'<div class="wb-card-context">{html.escape(card.context_text)}</div></div>'
        )
    return f'<div class="wb-dash"><div class="wb-cards">{"".join(parts)}</div></div>'


def header_html(view: CountryView | None, notes: Sequence[str] = ()) -> str:
    """Title, data period, money unit and, for made-up data, the synthetic banner."""
    parts = [DASHBOARD_CSS, '<div class="wb-dash">']
    if view is not None and view.synthetic:
        parts.append(synthetic_banner_html())
    name = view.name if view is not None else _("No country")
    parts.append("<h1>{}</h1>".format(html.escape(
        _("{country}: cybercrime impact, capability gaps and roadmap").format(country=name))))
    if view is not None and view.period_label:
        parts.append('<p class="wb-sub">{}</p>'.format(html.escape(
            _("Data period: {period}. Money in US dollars (USD). Ranges are 95% intervals "
              "unless stated.").format(period=view.period_label))))
    for note in notes:
        parts.append(f'<div class="wb-note">{html.escape(note)}</div>')
    parts.append("</div>")
    return "".join(parts)


def problem_html(country: str, reason: str) -> str:
    """A plain message in place of figures that cannot be shown (escaped)."""
    heading = _("The figures for {country} cannot be shown.").format(country=country)
    return (f'<div class="wb-dash"><div class="wb-problem" role="alert"><strong>'
            f"{html.escape(heading)}</strong> {html.escape(reason)}</div></div>")


def stage_note_html(stage_words: str, reason: str) -> str:
    heading = _("{stage} is not available for this country.").format(stage=_(stage_words))
    return (f'<div class="wb-dash"><div class="wb-note"><strong>{html.escape(heading)}'
            f"</strong> {html.escape(_(reason))}</div></div>")

