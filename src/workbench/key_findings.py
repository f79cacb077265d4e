"""The key findings: the few plain sentences a minister reads first, written from a
country's summary.json.

The report, the brief and the dashboard open with them, so every sentence is built
here from the published figures (never written by hand for a country) and goes
through the message catalogue. Each finding answers one question: how many
organisations were hit, what it costs, how much is never reported, where the largest
capability gaps are, what the recommended plan buys and by when, what it returns,
and what the figures rest on. A figure that is suppressed, a stage that was skipped,
a score that is withheld or a plan that nothing fits is said in words, never left out
silently; the synthetic label comes first when the data are made up.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.business_case_money import chance_share_words
from workbench.formatting import format_count, format_pct, format_usd
from workbench.i18n import _, current_language, ngettext
from workbench.index_page import period_label

# How many capability gaps the findings name.
GAPS_NAMED = 3
# How many of the plan's interventions (the costliest) the findings name.
PLAN_ITEMS_NAMED = 3

Block = Mapping[str, Any]


@dataclass(frozen=True)
class Finding:
    """One key finding: the question it answers (a short heading) and its sentences.

    ``key`` names the finding for pages and tests: synthetic, hit, cost, unreported,
    gaps, plan, return, data.
    """

    key: str
    heading: str
    text: str


# --------------------------------------------------------------------------- reading


def _number(value: Any) -> float | None:
    """A finite number from summary.json, or None (absent, null, text, a boolean)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _block(summary: Block, name: str) -> tuple[Block | None, str | None]:
    """A stage's block and, when it was not run, why: (block, None) or (None, reason)."""
    block = summary.get(name)
    if not isinstance(block, Mapping):
        return None, _("its figures are missing from this run")
    if "skipped" in block:
        return None, str(block["skipped"])
    return block, None


def _figure(block: Block, name: str) -> Block:
    value = block.get(name)
    return value if isinstance(value, Mapping) else {}


def _interval(low: float | None, high: float | None, fmt: Any, words: str) -> str:
    """' (low to high, 95% interval)', or '' unless both ends are known."""
    if low is None or high is None:
        return ""
    return " " + _("({low} to {high}, {interval})").format(
        low=fmt(low), high=fmt(high), interval=words)


def _caution(figure: Block) -> str:
    if figure.get("reliability") != "caution":
        return ""
    return " " + _("Few respondents lie behind this figure: use it with caution.")


def _score(value: float) -> str:
    """A score of 0-100 rounded to a whole number, as the findings print it."""
    return format_count(value)


def _period(summary: Block, impact: Block | None) -> str:
    label = period_label(summary)  # type: ignore[arg-type]
    if label:
        return label
    period = _figure(impact or {}, "period")
    return str(period.get("label") or _("the period"))


# --------------------------------------------------------------------------- impact


def hit_finding(summary: Block) -> Finding:
    """What share of organisations were hit, with its interval, or why it is not known."""
    heading = _("How many were hit")
    impact, skipped = _block(summary, "impact")
    if impact is None:
        return Finding("hit", heading, _(
            "How many organisations were hit is not known: the impact assessment was not "
            "run ({reason}).").format(reason=skipped))
    prevalence = _figure(impact, "prevalence")
    share = _number(prevalence.get("estimate"))
    if share is None:
        if "prevalence" in (impact.get("suppressed") or []):
            text = _("The share of organisations hit is not published: fewer than {threshold} "
                     "respondents are behind it.").format(
                threshold=format_count(_number(impact.get("min_cell_size")) or 0))
        else:
            text = _("The share of organisations hit could not be estimated: the survey has "
                     "no usable answers.")
        return Finding("hit", heading, text)
    count = _number(impact.get("breached_entities"))
    interval = _interval(_number(prevalence.get("ci_low")), _number(prevalence.get("ci_high")),
                         format_pct, _("95% interval"))
    if count is None:
        text = _("{share} of organisations were hit by a cyber breach or attack in the period {period}"
                 "{interval}.").format(share=format_pct(share), period=_period(summary, impact),
                                       interval=interval)
    else:
        text = _("{share} of organisations, about {count}, were hit by a cyber breach or "
                 "attack in the period {period}{interval}.").format(
            share=format_pct(share), count=format_count(count),
            period=_period(summary, impact), interval=interval)
    return Finding("hit", heading, text + _caution(prevalence))


def cost_finding(summary: Block) -> Finding:
    """What cybercrime costs organisations a year: the range and the share of GDP."""
    heading = _("What it costs")
    impact, skipped = _block(summary, "impact")
    if impact is None:
        return Finding("cost", heading, _(
            "What cybercrime costs is not known: the impact assessment was not run "
            "({reason}).").format(reason=skipped))
    cost = _figure(impact, "annual_cost_usd")
    estimate = _number(cost.get("estimate"))
    if estimate is None:
        suppressed = set(impact.get("suppressed") or []) & {"prevalence", "mean_cost_usd"}
        text = (_("What cybercrime costs is not published: too few respondents are behind it.")
                if suppressed else
                _("What cybercrime costs could not be estimated: too few breached "
                  "organisations reported a cost."))
        return Finding("cost", heading, text)
    interval = _interval(_number(cost.get("ci_low")), _number(cost.get("ci_high")),
                         format_usd, _("95% interval"))
    gdp = _number(impact.get("cost_pct_gdp"))  # already a percentage of GDP
    if gdp is None:
        text = _("It costs organisations about {cost} a year{interval}.").format(
            cost=format_usd(estimate), interval=interval)
    else:
        text = _("It costs organisations about {cost} a year{interval}, {gdp} of GDP.").format(
            cost=format_usd(estimate), interval=interval, gdp=format_pct(gdp / 100, digits=2))
    floor = _("This is a floor: only each organisation's most disruptive breach is costed.")
    return Finding("cost", heading, f"{text} {floor}{_caution(cost)}")


def unreported_finding(summary: Block) -> Finding:
    """How much never reaches the authorities: the reporting rate and the dark figure."""
    heading = _("What is never reported")
    impact, skipped = _block(summary, "impact")
    if impact is None:
        return Finding("unreported", heading, _(
            "How much cybercrime goes unreported is not known: the impact assessment was "
            "not run ({reason}).").format(reason=skipped))
    rate = _number(impact.get("reporting_rate"))
    ratio = _number(impact.get("underreporting_ratio"))
    reported = _number(impact.get("reported_incidents"))
    parts = []
    if rate is not None:
        parts.append(_("Only {rate} of the organisations hit reported it to the police or the "
                       "national CERT.").format(rate=format_pct(rate, digits=0)))
    if ratio is not None and reported is not None:
        parts.append(ngettext(
            "For the {reported} incident on record, about {ratio} breaches and attacks took "
            "place.",
            "For each of the {reported} incidents on record, about {ratio} breaches and attacks "
            "took place.", int(reported)).format(
            reported=format_count(reported), ratio=format_count(ratio)))
    elif reported is None:
        parts.append(_("No file of reported incidents was given, so the share that never "
                       "reaches the authorities cannot be set against the records."))
    if not parts:
        parts.append(_("How much cybercrime goes unreported could not be estimated."))
    return Finding("unreported", heading, " ".join(parts))


# --------------------------------------------------------------------------- gaps


def _local_names(gaps: Block, key: str) -> Any:
    """The gaps block's names in the page's language (its ``names`` block, written in
    the language of the run), or an empty value when that block is in another
    language: the caller then falls back to the English names."""
    local = gaps.get("names")
    if not isinstance(local, Mapping) or local.get("language") != current_language():
        return {} if key != "framework_title" else ""
    return local.get(key) or ({} if key != "framework_title" else "")


def _gap_words(gap: Block, gaps: Block) -> str:
    """'Incident response plan (Technical measures) at HOSP-REF: level 0 absent,
    target 4 strategic' (entities by their id: summary.json publishes no entity name)."""
    names = _local_names(gaps, "level_names") or _figure(_figure(gaps, "levels"), "names")
    pillars = _local_names(gaps, "pillars") or _figure(gaps, "pillars")
    indicator = str(_local_names(gaps, "indicators").get(str(gap.get("indicator_id")))
                    or gap.get("indicator_title") or gap.get("indicator_id") or "?")
    pillar = pillars.get(str(gap.get("pillar_id"))) if gap.get("pillar_id") else None
    entity = str(gap.get("entity_id") or "?")
    level, target = gap.get("level"), gap.get("target")
    where = (_("{indicator} ({pillar}) at {entity}").format(
        indicator=indicator, pillar=pillar, entity=entity) if pillar else
        _("{indicator} at {entity}").format(indicator=indicator, entity=entity))
    return _("{where}: level {level} {level_name}, target {target} {target_name}").format(
        where=where, level=level, level_name=names.get(str(level), ""),
        target=target, target_name=names.get(str(target), "")).replace("  ", " ")


def gaps_finding(summary: Block) -> Finding:
    """The overall score, the weakest pillar and the three largest gaps in words."""
    heading = _("Where the gaps are")
    gaps, skipped = _block(summary, "gaps")
    if gaps is None:
        return Finding("gaps", heading, _(
            "The capability gaps are not known: the gap analysis was not run ({reason})."
        ).format(reason=skipped))
    parts = []
    overall = _number(gaps.get("overall_score"))
    framework = str(_local_names(gaps, "framework_title") or gaps.get("framework_title")
                    or gaps.get("framework") or "")
    if overall is None:
        withheld = "overall" in (gaps.get("withheld") or {})
        parts.append(_("The overall capability score is withheld: too little has been "
                       "assessed to publish it.") if withheld else
                     _("No capability has been assessed yet, so there is no overall score."))
    else:
        target = _number(gaps.get("target_overall_score"))
        parts.append((_("Capability scores {score} of 100 on the {framework}; the targets "
                        "would give {target}.") if target is not None else
                      _("Capability scores {score} of 100 on the {framework}.")).format(
            score=_score(overall), framework=framework,
            target=_score(target) if target is not None else ""))
    scores = {k: v for k, v in (_figure(gaps, "pillar_scores")).items() if _number(v) is not None}
    if len(scores) > 1:
        weakest = min(scores, key=lambda k: (scores[k], k))
        parts.append(_("The weakest pillar is {pillar} ({score} of 100).").format(
            pillar=(_local_names(gaps, "pillars") or _figure(gaps, "pillars")).get(weakest, weakest),
            score=_score(scores[weakest])))
    top = [g for g in (gaps.get("top_gaps") or []) if isinstance(g, Mapping)][:GAPS_NAMED]
    if top:
        parts.append(ngettext("The largest gap: {gaps}.", "The {count} largest gaps: {gaps}.",
                              len(top)).format(
            count=len(top), gaps=_("; ").join(_gap_words(g, gaps) for g in top)))
    elif overall is not None:
        parts.append(_("Every assessed capability meets its target."))
    return Finding("gaps", heading, " ".join(parts))


# --------------------------------------------------------------------------- the plan


def _plan_items(plan: Sequence[Block]) -> str:
    """The costliest interventions of the plan: 'SOC (USD 4.9 million), ...'."""
    costly = sorted(plan, key=lambda p: (-(_number(p.get("cost_usd")) or 0.0),
                                         str(p.get("intervention_id"))))[:PLAN_ITEMS_NAMED]
    return ", ".join(_("{item} ({cost})").format(
        item=str(p.get("title") or p.get("intervention_id")),
        cost=format_usd(_number(p.get("cost_usd")))) for p in costly)


def plan_finding(summary: Block) -> Finding:
    """What the recommended plan buys (the score from today to year H) and what it costs."""
    heading = _("What to fund, by when")
    case, skipped = _block(summary, "business_case")
    if case is None:
        return Finding("plan", heading, _(
            "No plan was worked out: the business case was not run ({reason}).").format(
            reason=skipped))
    budget = format_usd(_number(case.get("budget_usd_per_year")))
    years = int(_number(case.get("horizon_years")) or 0)
    plan = [p for p in (case.get("plan") or []) if isinstance(p, Mapping)]
    if not plan:
        return Finding("plan", heading, ngettext(
            "No intervention fits a budget of {budget} a year over {years} year: no plan is "
            "recommended.",
            "No intervention fits a budget of {budget} a year over {years} years: no plan is "
            "recommended.", years).format(budget=budget, years=years))
    total = format_usd(_number(case.get("total_cost_usd")))
    spend = [v for v in (_number(x) for x in case.get("spend_by_year_usd") or []) if v is not None]
    peak = format_usd(max(spend)) if spend else budget
    parts = [ngettext(
        "The recommended plan funds {count} intervention for {total} over {years} years, at "
        "most {peak} in any year (budget {budget} a year).",
        "The recommended plan funds {count} interventions for {total} over {years} years, at "
        "most {peak} in any year (budget {budget} a year).", len(plan)).format(
        count=len(plan), total=total, years=years, peak=peak, budget=budget)]
    parts.append(_("The largest items: {items}.").format(items=_plan_items(plan)))
    path = [_number(v) for v in case.get("score_by_year") or []]
    if len(path) >= 2 and path[0] is not None and path[-1] is not None:
        parts.append(_("It raises the overall capability score from {today} today to {then} "
                       "by year {year}.").format(
            today=_score(path[0]), then=_score(path[-1]), year=len(path) - 1))
    return Finding("plan", heading, " ".join(parts))


def return_finding(summary: Block) -> Finding | None:
    """What the plan returns (ROSI and its interval) and the chance it pays for itself;
    None when there is no plan to speak of (the plan finding says why)."""
    case, _skipped = _block(summary, "business_case")
    if case is None or not case.get("plan"):
        return None
    heading = _("What it returns")
    rosi = _number(case.get("rosi"))
    avoided = _number(case.get("avoided_loss_usd"))
    if rosi is None:
        text = (_("What the plan returns is not known: there is no estimate of what "
                  "cybercrime costs, so the losses it avoids cannot be valued.")
                if avoided is None else _("What the plan returns is not known."))
        return Finding("return", heading, text)
    avoided_range = _figure(case, "avoided_loss_usd_interval")
    parts = [_("It avoids an estimated {avoided} of losses{interval}: a return on security "
               "investment of {rosi}.").format(
        avoided=format_usd(avoided),
        interval=_interval(_number(avoided_range.get("p05")), _number(avoided_range.get("p95")),
                           format_usd, _("90% interval")),
        rosi=format_pct(rosi, digits=0))]
    rosi_range = _figure(case, "rosi_interval")
    low, high = _number(rosi_range.get("p05")), _number(rosi_range.get("p95"))
    chance = _number(rosi_range.get("p_positive"))
    if low is not None and high is not None:
        parts.append(_("The return lies between {low} and {high} (90% interval).").format(
            low=format_pct(low, digits=0), high=format_pct(high, digits=0)))
    if chance is not None:
        parts.append(_("The chance that the plan pays for itself is {chance}.").format(
            chance=chance_share_words(chance)))
    return Finding("return", heading, " ".join(parts))


# --------------------------------------------------------------------------- the data


def _stage_words(stage: str) -> str:
    """A stage of the analysis in words ('the gap analysis')."""
    words = {"impact": _("the impact assessment"), "gaps": _("the gap analysis"),
             "business_case": _("the business case")}
    return words[stage]


STAGES = ("impact", "gaps", "business_case")


def data_finding(summary: Block) -> Finding:
    """The period and what the figures rest on; a partial run says which parts are missing."""
    impact, _skip = _block(summary, "impact")
    gaps, _skip = _block(summary, "gaps")
    sources = []
    if impact is not None:
        respondents = _number(impact.get("respondents"))
        if respondents is not None:
            sources.append(ngettext("a survey of {count} organisation",
                                    "a survey of {count} organisations", int(respondents)).format(
                count=format_count(respondents)))
        reported = _number(impact.get("reported_incidents"))
        if reported is not None:
            sources.append(ngettext(
                "{count} incident reported to the authorities",
                "{count} incidents reported to the authorities", int(reported)).format(
                count=format_count(reported)))
    if gaps is not None:
        pairs = _number(gaps.get("assessed_pairs"))
        if pairs:
            sources.append(ngettext("{count} capability assessment",
                                    "{count} capability assessments", int(pairs)).format(
                count=format_count(pairs)))
    period = _period(summary, impact)
    text = (_("Figures for {period}, from {sources}. Money in US dollars.").format(
        period=period, sources=", ".join(sources)) if sources else
        _("Figures for {period}. Money in US dollars.").format(period=period))
    missing = [_stage_words(name) for name in STAGES if _block(summary, name)[0] is None]
    if missing:
        text += " " + _("Not run, for want of its data: {parts}; the report says why.").format(
            parts=", ".join(missing))
    return Finding("data", _("The data"), text)


def synthetic_finding(summary: Block) -> Finding | None:
    """The label of made-up data, first of all; None for a real country's data."""
    if not summary.get("synthetic"):
        return None
    return Finding("synthetic", _("Synthetic data"), _(
        "These figures are synthetic: made up for demonstration, they describe no real "
        "country."))


# --------------------------------------------------------------------------- all


def key_findings(summary: Block) -> list[Finding]:
    """The key findings of a summary.json, in reading order (the synthetic label first)."""
    found = [synthetic_finding(summary), hit_finding(summary), cost_finding(summary),
             unreported_finding(summary), gaps_finding(summary), plan_finding(summary),
             return_finding(summary), data_finding(summary)]
    return [finding for finding in found if finding is not None]


# The questions' column holds its own against host styles: a notebook output area (the
# dashboard's page) floats every <dt> left at 20% of its box, one word to a line.
KEY_FINDINGS_CSS = """
.wb-key{background:#fff;border-left:6px solid #0b3954;border-radius:6px;padding:6px 20px 10px;
margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.wb-key h2{margin:8px 0 6px 0;color:#0b3954}
.wb-key dl{margin:0;display:grid;grid-template-columns:minmax(14em,max-content) 1fr;gap:6px 18px}
.wb-key dl dt{font-weight:700;color:#0b3954;float:none;width:auto}
.wb-key dl dd{margin:0}
.wb-key .wb-key-synthetic{color:#5c4300}
"""


def key_findings_html(findings: Sequence[Finding]) -> str:
    """The findings as one section: each question beside its answer; every text escaped."""
    rows = "".join(
        f"<dt class='wb-key-{html.escape(f.key)}'>{html.escape(f.heading)}</dt>"
        f"<dd class='wb-key-{html.escape(f.key)}' data-finding='{html.escape(f.key)}'>"
        f"{html.escape(f.text)}</dd>" for f in findings)
    heading = html.escape(_("Key findings"))
    return (f"<section class='wb-key' id='key-findings'><h2>{heading}"
            f"</h2><dl>{rows}</dl></section>")
