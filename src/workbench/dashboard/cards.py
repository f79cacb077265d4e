"""The page's text: the six headline cards (with the numbers behind their words), the
header and the plain messages in place of figures that cannot be shown. Every text is
escaped; the numbers travel as ``data-`` attributes a reader (or a test) can check
against summary.json."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from workbench import disclosure
from workbench.business_case import Roadmap
from workbench.dashboard.view import NOT_AVAILABLE, CountryView
from workbench.formatting import format_pct, format_usd
from workbench.notebook import synthetic_banner_html

DASHBOARD_CSS = """
<style>
.wb-dashboard{--jp-widgets-horizontal-tab-width:230px}
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


CAUTION_WORDS = "imprecise: use with caution (too few respondents behind it for a firm figure)"


def _caution(figure: Mapping[str, object]) -> str:
    """The words a flagged figure carries beside its range (none when it is ok)."""
    return f"; {CAUTION_WORDS}" if figure.get("reliability") == "caution" else ""


def _unavailable(key: str, title: str, why: str, unit: str) -> Card:
    return Card(key, title, NOT_AVAILABLE, "", why, unit, {"value": None})


def impact_cards(view: CountryView) -> list[Card]:
    """Prevalence, annual cost (and share of GDP) and the under-reporting ratio."""
    titles = {
        "prevalence": ("Organisations hit by cybercrime", "share of organisations"),
        "annual_cost": ("Annual cost of cybercrime to organisations", "USD per year"),
        "underreporting": ("Breaches for every incident reported", "breaches per reported incident"),
    }
    if view.impact is None:
        why = "The impact assessment could not run: " + view.problems.get("impact", NOT_AVAILABLE)
        return [_unavailable(k, t, why, u) for k, (t, u) in titles.items()]
    s = view.impact.summary
    period = view.period_label
    suppressed = set(s.get("suppressed", []))
    threshold = s.get("min_cell_size", disclosure.MIN_CELL_SIZE)
    withheld = f"not published: fewer than {threshold} respondents are behind it"
    cards = []

    prev = s["prevalence"]
    title, unit = titles["prevalence"]
    if prev["estimate"] is None:
        why = withheld if "prevalence" in suppressed else "no survey answers to estimate it"
        cards.append(_unavailable("prevalence", title, why, unit))
    else:
        cards.append(Card(
            "prevalence", title, format_pct(prev["estimate"]),
            f"95% interval {format_pct(prev['ci_low'])} to {format_pct(prev['ci_high'])}{_caution(prev)}",
            f"of businesses and public bodies identified a breach or attack, {period}",
            unit, {"value": prev["estimate"], "low": prev["ci_low"], "high": prev["ci_high"]},
        ))

    cost = s["annual_cost_usd"]
    title, unit = titles["annual_cost"]
    if cost["estimate"] is None:
        why = withheld if suppressed & {"prevalence", "mean_cost_usd"} else (
            "too few breached organisations reported a cost")
        cards.append(_unavailable("annual_cost", title, why, unit))
    else:
        share = s["cost_pct_gdp"]
        share_text = "" if share is None else f"{share:.3f}% of GDP; "
        cards.append(Card(
            "annual_cost", title, f"{format_usd(cost['estimate'])} a year",
            f"95% interval {format_usd(cost['ci_low'])} to {format_usd(cost['ci_high'])}"
            f"{_caution(cost)}",
            f"{share_text}a floor: only each organisation's most disruptive breach is costed; "
            f"{period}",
            unit, {"value": cost["estimate"], "low": cost["ci_low"], "high": cost["ci_high"],
                   "pct-gdp": share},
        ))

    ratio = s["underreporting_ratio"]
    title, unit = titles["underreporting"]
    reported = s["reported_incidents"]
    if ratio is None:
        why = ("no file of reported incidents" if reported is None
               else "no incidents were reported, or too few respondents to estimate breaches")
        cards.append(_unavailable("underreporting", title, why, unit))
    else:
        cards.append(Card(
            "underreporting", title, f"{ratio:,.1f}",
            f"estimated breaches and attacks for each of the {reported:,} incidents reported",
            f"reported to the national CERT or police, {period}: most cybercrime is never reported",
            unit, {"value": ratio},
        ))
    return cards


def gaps_card(view: CountryView) -> Card:
    """The overall capability (maturity) score."""
    title, unit = "Overall capability score", "score 0-100"
    if view.gaps is None:
        return _unavailable("maturity", title, "The gap analysis could not run: "
                            + view.problems.get("gaps", NOT_AVAILABLE), unit)
    s = view.gaps.summary
    score = s["overall_score"]
    if score is None:
        why = ("withheld: too little has been assessed to publish it"
               if "overall" in s.get("withheld", {}) else "no indicator has been assessed yet")
        return _unavailable("maturity", title, why, unit)
    target = s["target_overall_score"]
    target_text = "" if target is None else f"; the targets would give {target:.1f} of 100"
    levels = view.gaps.levels
    top = f"{levels.max} {levels.name(levels.max)}" if levels.max in levels.names else str(levels.max)
    return Card(
        "maturity", title, f"{score:.1f} of 100",
        f"100 = every assessed indicator at the top level ({top}){target_text}",
        f"framework: {view.gaps.framework_title} ({len(view.gaps.pillar_scores)} pillars); "
        f"{view.gaps.assessed_period}",
        unit, {"value": score, "target": target},
    )


def roadmap_cards(view: CountryView, roadmap: Roadmap | None) -> list[Card]:
    """What the roadmap costs over the horizon, and its return (ROSI)."""
    cost_title, rosi_title = "Cost of the roadmap", "Return on security investment (ROSI)"
    if roadmap is None:
        why = "The business case could not run: " + view.problems.get("business_case", NOT_AVAILABLE)
        return [_unavailable("roadmap_cost", cost_title, why, "USD"),
                _unavailable("rosi", rosi_title, why, "USD net per USD spent")]
    s = roadmap.summary
    years = roadmap.horizon_years
    closure = roadmap.gap_closure["closure_share"]
    final = float(closure.iloc[-1]) if len(closure) else 0.0
    cost = Card(
        "roadmap_cost", cost_title, f"{format_usd(s['total_cost_usd'])} over {years} years",
        f"{len(s['plan'])} of {len(roadmap.interventions)} interventions, within "
        f"{format_usd(s['budget_usd_per_year'])} a year",
        f"closes {100 * final:.0f}% of the priority-weighted capability gap by year {years}",
        "USD over the horizon",
        {"value": s["total_cost_usd"], "budget": s["budget_usd_per_year"], "horizon": years},
    )
    if s["rosi"] is None:
        why = ("no estimate of the annual cost of cybercrime, so losses avoided are not known"
               if s["avoided_loss_usd"] is None else "nothing is spent")
        rosi = _unavailable("rosi", rosi_title, why, "USD net per USD spent")
    else:
        rosi = Card(
            "rosi", rosi_title, f"{s['rosi']:.2f}",
            f"each USD 1 spent avoids USD {1 + s['rosi']:.2f} of losses over {years} years",
            f"losses avoided {format_usd(s['avoided_loss_usd'])} against a cost of "
            f"{format_usd(s['total_cost_usd'])}; ROSI = (losses avoided - cost) / cost",
            "USD net per USD spent", {"value": s["rosi"], "avoided": s["avoided_loss_usd"]},
        )
    return [cost, rosi]


def headline_cards(view: CountryView, roadmap: Roadmap | None) -> list[Card]:
    """The six headline cards, in reading order."""
    return [*impact_cards(view), gaps_card(view), *roadmap_cards(view, roadmap)]


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
    name = html.escape(view.name) if view is not None else "No country"
    parts.append(f"<h1>{name}: cybercrime impact, capability gaps and roadmap</h1>")
    if view is not None and view.period_label:
        parts.append(f'<p class="wb-sub">Data period: {html.escape(view.period_label)}. '
                     "Money in US dollars (USD). Ranges are 95% intervals unless stated.</p>")
    for note in notes:
        parts.append(f'<div class="wb-note">{html.escape(note)}</div>')
    parts.append("</div>")
    return "".join(parts)


def problem_html(country: str, reason: str) -> str:
    """A plain message in place of figures that cannot be shown (escaped)."""
    return (f'<div class="wb-dash"><div class="wb-problem" role="alert"><strong>'
            f"The figures for {html.escape(country)} cannot be shown.</strong> "
            f"{html.escape(reason)}</div></div>")


def stage_note_html(stage_words: str, reason: str) -> str:
    return (f'<div class="wb-dash"><div class="wb-note"><strong>{html.escape(stage_words)} '
            f"is not available for this country.</strong> {html.escape(reason)}</div></div>")

