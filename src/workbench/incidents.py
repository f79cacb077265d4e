"""Reported incidents: which ones count against the survey, and the dark figure.

The dark figure compares the breaches the survey estimates with the incidents the
authorities recorded in the same period (docs/impact.md). An incident row counts as
a *reported incident* only when all of these hold; otherwise it is left out, and the
first reason that applies, in this order, is the one it is counted under:

1. ``outside the period``: the whole span its date can stand for (the day, or the
   month or year a ``date_precision`` names) lies outside the profile's period;
2. ``date too imprecise for the period``: that span lies partly inside and partly
   outside (a year-only 2024 record against a period from July 2024 to June 2025):
   it may or may not belong, so it is not counted;
3. ``not an official record``: its ``source`` is open_source (news, public breach
   databases such as VCDB) or other. Only national CERT and police records say what
   the authorities heard about; a blank or absent ``source`` is a national CERT record;
4. ``not an organisation``: its victim is an individual (the survey speaks for
   businesses and public bodies only).

A record whose month or year lies wholly inside the period counts (a year-only 2025
record against the calendar year 2025); the page then says how many of the counted
records carry only a month or a year. When no incident is left to count, the dark
figure is withheld with the reason rather than computed from unsuitable rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench import vocab
from workbench.disclosure import MIN_CELL_SIZE
from workbench.formatting import format_count
from workbench.i18n import N_, _, use_language
from workbench.profile import Profile
from workbench.summary_types import IncidentsBlock

# Victims whose incidents count against the survey's population.
COUNTED_VICTIM_TYPES: tuple[str, ...] = ("business", "public_body")

# Reasons are kept in English in summary.json and translated where they are shown.
OUTSIDE_PERIOD = N_("outside the period")
IMPRECISE_DATE = N_("date too imprecise for the period")
NOT_OFFICIAL = N_("not an official record")
NOT_ORGANISATION = N_("not an organisation")
# The reasons a row is left out, in the order they are checked.
LEFT_OUT_REASONS: tuple[str, ...] = (OUTSIDE_PERIOD, IMPRECISE_DATE, NOT_OFFICIAL, NOT_ORGANISATION)
LEFT_OUT_EXPLAINED: dict[str, str] = {
    OUTSIDE_PERIOD: N_("dated before or after the period"),
    IMPRECISE_DATE: N_("known only to the month or year, which straddles the period's start "
                       "or end"),
    NOT_OFFICIAL: N_("from the press, a public breach database or another unofficial source, "
                     "not a national CERT or police record"),
    NOT_ORGANISATION: N_("the victim is an individual; the survey speaks for organisations"),
}


@dataclass(frozen=True)
class IncidentSummary:
    """Incidents of the period that count as reported, and those left out.

    Tables hold the counted incidents (official records of businesses and public
    bodies inside the period), except ``by_victim_type`` which lists the official
    records inside the period for every victim type (``counted`` says which ones
    enter ``reported``). Loss sums resting on fewer than ``min_cell_size`` incidents
    with a recorded loss are suppressed (NaN, ``loss_suppressed``).

    Attributes:
        left_out: reason -> rows left out for it (every reason of LEFT_OUT_REASONS);
            ``reported + sum(left_out) == rows``.
        by_source: source -> rows of the file (a blank source read as national_cert).
        counted_by_precision: day / month / year -> counted incidents.
    """

    reported: int
    in_period_all_victims: int
    outside_period: int
    rows: int
    recorded_loss_usd: float | None
    incidents_with_loss: int
    by_month: pd.DataFrame
    by_category: pd.DataFrame
    by_victim_type: pd.DataFrame
    by_sector: pd.DataFrame
    left_out: dict[str, int]
    by_source: dict[str, int]
    counted_by_precision: dict[str, int]


# --------------------------------------------------------------------------- reading the rows


def incident_sources(incidents: pd.DataFrame) -> pd.Series:
    """Each row's source; blank or no ``source`` column = ``national_cert``."""
    if "source" not in incidents.columns:
        return pd.Series(vocab.DEFAULT_SOURCE, index=incidents.index, dtype="str")
    return incidents["source"].astype("str").fillna(vocab.DEFAULT_SOURCE)


def date_precisions(incidents: pd.DataFrame) -> pd.Series:
    """Each row's date precision; blank or no ``date_precision`` column = ``day``."""
    if "date_precision" not in incidents.columns:
        return pd.Series("day", index=incidents.index, dtype="str")
    return incidents["date_precision"].astype("str").fillna("day")


def date_spans(incidents: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(start, end exclusive) of the time each row's date can stand for.

    A day-precise date is the instant recorded (its end is the instant itself, so
    that a time of day is compared as it is); a month or year is the whole month or
    year its first day opens.
    """
    start = pd.to_datetime(incidents["reported_on"])
    precision = date_precisions(incidents)
    end = start.copy()
    for unit, freq in (("month", "M"), ("year", "Y")):
        rows = precision == unit
        if rows.any():
            end[rows] = (start[rows].dt.to_period(freq) + 1).dt.start_time
    return start, end


def left_out_reasons(incidents: pd.DataFrame, profile: Profile) -> pd.Series:
    """The first reason (LEFT_OUT_REASONS) each row is not a reported incident; NaN
    for the rows that count."""
    period_start = pd.Timestamp(profile.period_start)
    period_end = pd.Timestamp(profile.period_end) + pd.Timedelta(days=1)  # exclusive
    start, end = date_spans(incidents)
    day = date_precisions(incidents) == "day"
    # A day is inside when its instant is; a month or year when all of it is.
    inside = np.where(day, (start >= period_start) & (start < period_end),
                      (start >= period_start) & (end <= period_end))
    outside = np.where(day, ~inside, (end <= period_start) | (start >= period_end))
    reason = pd.Series(np.nan, index=incidents.index, dtype="object")
    checks = (
        (OUTSIDE_PERIOD, pd.Series(outside, index=incidents.index).fillna(True)),
        (IMPRECISE_DATE, pd.Series(~inside & ~outside, index=incidents.index).fillna(False)),
        (NOT_OFFICIAL, ~incident_sources(incidents).isin(vocab.OFFICIAL_SOURCES)),
        (NOT_ORGANISATION, ~incidents["victim_type"].astype("str").isin(COUNTED_VICTIM_TYPES)),
    )
    for why, mask in checks:
        reason[mask.astype(bool) & reason.isna()] = why
    return reason


# --------------------------------------------------------------------------- summary


def _float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _ordered(values: set[str], vocabulary: tuple[str, ...]) -> list[str]:
    """Values in vocabulary order, unknown ones (should not occur) last, sorted."""
    known = [v for v in vocabulary if v in values]
    return known + sorted(values - set(vocabulary))


def summarise_incidents(
    incidents: pd.DataFrame,
    profile: Profile,
    *,
    min_cell_size: int = MIN_CELL_SIZE,
) -> IncidentSummary:
    """Incidents reported in the profile's period, by month, category, victim type and
    sector, with recorded losses in USD, and the rows left out by reason.

    ``reported`` counts official records (national CERT or police) of businesses and
    public bodies dated inside the period (both end days included; a month or year
    only when all of it is inside).
    """
    reason = left_out_reasons(incidents, profile)
    counted = reason.isna().to_numpy()
    # Official records inside the period, any victim: what by_victim_type shows.
    official_in_period = (reason.isna() | (reason == NOT_ORGANISATION)).to_numpy()
    victim = incidents["victim_type"].astype("str")
    if "financial_loss" in incidents.columns:
        loss_usd = _float(incidents["financial_loss"]) * profile.usd_per_unit
    else:
        loss_usd = np.full(len(incidents), np.nan)
    reported_on = pd.to_datetime(incidents["reported_on"])

    table = pd.DataFrame(
        {
            # "YYYY-MM" through numpy's month unit: one pass, no per-row Python.
            "month": np.datetime_as_string(
                reported_on.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]"), unit="M"
            ),
            "category": incidents["category"].astype("str").to_numpy(),
            "victim_type": victim.to_numpy(),
            "sector": incidents["sector"].astype("str").fillna("not recorded").to_numpy(),
            "loss_usd": loss_usd,
            "precision": date_precisions(incidents).to_numpy(),
        }
    )
    table["with_loss"] = table["loss_usd"].notna().astype("int64")
    counted_rows = table[counted]

    def tally(rows: pd.DataFrame, key: str, order: list[str]) -> pd.DataFrame:
        grouped = rows.groupby(key, sort=False).agg(
            incidents=("loss_usd", "size"),
            incidents_with_loss=("with_loss", "sum"),
            loss_usd=("loss_usd", "sum"),
        )
        grouped = grouped.reindex(order, fill_value=0).rename_axis(key).reset_index()
        grouped["incidents"] = grouped["incidents"].astype("int64")
        grouped["incidents_with_loss"] = grouped["incidents_with_loss"].astype("int64")
        small = grouped["incidents_with_loss"] < min_cell_size
        grouped["loss_suppressed"] = small & (grouped["incidents_with_loss"] > 0)
        grouped["loss_usd"] = grouped["loss_usd"].astype("float64").where(~small)
        return grouped

    months = [
        str(p) for p in pd.period_range(profile.period_start, profile.period_end, freq="M")
    ]
    by_month = tally(counted_rows, "month", months)
    categories = set(counted_rows["category"].unique()) | set(vocab.INCIDENT_CATEGORIES)
    by_category = tally(
        counted_rows, "category", _ordered(categories, vocab.INCIDENT_CATEGORIES)
    )
    by_victim = tally(table[official_in_period], "victim_type", list(vocab.VICTIM_TYPES))
    by_victim["counted"] = by_victim["victim_type"].isin(COUNTED_VICTIM_TYPES)
    sectors = _ordered(set(counted_rows["sector"].unique()), (*vocab.SECTORS, "not recorded"))
    by_sector = tally(counted_rows, "sector", sectors)

    with_loss = int(counted_rows["with_loss"].sum())
    total_loss = float(counted_rows["loss_usd"].sum()) if with_loss >= min_cell_size else None
    reasons = reason.value_counts()
    sources = incident_sources(incidents).value_counts()
    precisions = counted_rows["precision"].value_counts()
    return IncidentSummary(
        reported=int(counted.sum()),
        in_period_all_victims=int(official_in_period.sum()),
        outside_period=int(reasons.get(OUTSIDE_PERIOD, 0)),
        rows=len(incidents),
        recorded_loss_usd=total_loss,
        incidents_with_loss=with_loss,
        by_month=by_month,
        by_category=by_category,
        by_victim_type=by_victim,
        by_sector=by_sector,
        left_out={r: int(reasons.get(r, 0)) for r in LEFT_OUT_REASONS},
        by_source={str(s): int(sources[s]) for s in _ordered(set(sources.index), vocab.INCIDENT_SOURCES)},
        counted_by_precision={p: int(precisions.get(p, 0)) for p in vocab.DATE_PRECISIONS},
    )


def left_out_words(left_out: dict[str, int]) -> str:
    """The rows left out, by reason, in the page's language ('3 outside the period;
    2 not an official record')."""
    parts = [f"{format_count(n)} {_(why)}" for why, n in left_out.items() if n]
    return "; ".join(parts)


def withheld_words(rows: int, left_out: dict[str, int]) -> str:
    """Why the dark figure is withheld, in the page's language, from the incidents
    file's row count and its rows left out by reason."""
    if rows == 0:
        return _("the incidents file holds no incident")
    return _(
        "no incident in the file is an official record (national CERT or police) of a "
        "business or public body dated inside the period; left out: {left_out}"
    ).format(left_out=left_out_words(left_out))


def dark_figure_withheld(summary: IncidentSummary | None) -> str | None:
    """Why there is no dark figure to publish for lack of reported incidents, or None,
    in English (summary.json's words; pages write it with :func:`withheld_words`).

    None without an incidents file (the figure is then simply unknown) and when at
    least one incident counts.
    """
    if summary is None or summary.reported > 0:
        return None
    with use_language("en"):
        return withheld_words(summary.rows, summary.left_out)


def underreporting_ratio(estimated_breaches: float, reported: int | None) -> float:
    """Estimated breaches per reported incident; NaN when either is missing or 0."""
    if not reported or not math.isfinite(estimated_breaches):
        return math.nan
    return estimated_breaches / reported


def incidents_block(summary: IncidentSummary) -> IncidentsBlock:
    """summary.json's ``impact.incidents``."""
    def counts(frame: pd.DataFrame, key: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in zip(frame[key], frame["incidents"])}

    loss = summary.recorded_loss_usd
    return {
        "rows": summary.rows,
        "reported_incidents": summary.reported,
        "in_period_all_victims": summary.in_period_all_victims,
        "outside_period": summary.outside_period,
        "counted_victim_types": list(COUNTED_VICTIM_TYPES),
        "counted_sources": list(vocab.OFFICIAL_SOURCES),
        "recorded_loss_usd": None if loss is None or not math.isfinite(loss) else float(loss),
        "incidents_with_loss": summary.incidents_with_loss,
        "by_month": counts(summary.by_month, "month"),
        "by_category": counts(summary.by_category, "category"),
        "by_victim_type": counts(summary.by_victim_type, "victim_type"),
        "by_sector": counts(summary.by_sector, "sector"),
        "left_out": dict(summary.left_out),
        "by_source": dict(summary.by_source),
        "counted_by_date_precision": dict(summary.counted_by_precision),
        "dark_figure_withheld": dark_figure_withheld(summary),
    }


# --------------------------------------------------------------------------- presentation


def left_out_table(summary: IncidentSummary | None) -> pd.DataFrame:
    """The incidents file's rows: counted, and left out by reason (with what it means)."""
    columns = [_("Incidents"), _("Rows"), _("What it means")]
    if summary is None:
        return pd.DataFrame([(_("No incidents file"), 0, _("reported incidents are not known"))],
                            columns=columns)
    rows = [(_("Counted as reported"), summary.reported,
             _("national CERT or police records of businesses and public bodies in the period"))]
    rows += [(_("Left out: {reason}").format(reason=_(why)), n, _(LEFT_OUT_EXPLAINED[why]))
             for why, n in summary.left_out.items()]
    rows.append((_("All rows of the file"), summary.rows, ""))
    return pd.DataFrame(rows, columns=columns)


def incident_notes(summary: IncidentSummary | None) -> list[str]:
    """What a reader must know about the incident figures, in plain sentences."""
    if summary is None:
        return []
    notes = []
    withheld = summary.reported == 0
    if withheld:
        notes.append(_("The dark figure is withheld: {why}.").format(
            why=withheld_words(summary.rows, summary.left_out)))
    left = left_out_words(summary.left_out)
    if left and not withheld:
        notes.append(_("Of the {rows} rows of the incidents file, {reported} count as reported "
                       "incidents; left out: {left_out}.").format(
            rows=format_count(summary.rows), reported=format_count(summary.reported),
            left_out=left))
    month, year = summary.counted_by_precision["month"], summary.counted_by_precision["year"]
    if month or year:
        notes.append(_(
            "Of the {reported} incidents counted, {month} are dated only by month and {year} "
            "only by year; they count because all of their month or year lies inside the "
            "period, but their place in the monthly chart is the first month their date "
            "allows, not necessarily when they happened."
        ).format(reported=format_count(summary.reported), month=format_count(month),
                 year=format_count(year)))
    return notes
