"""Synthetic sample countries: a seeded generator of every file of the data contract.

The samples let anyone run, demo and test the workbench without real data. They are
made up (``synthetic: true`` in every profile, so every report says so) but built to
be of the right order for each country: real GDP and population (the shipped
Commonwealth table), business counts from the national sources named below,
breach prevalence and costs anchored on the UK Cyber Security Breaches Survey 2024
and adapted per country by stated rules. Every assumption is a module-level
constant with its source in a comment (here, and for the entities, capability
assessment and targets in workbench.sample_assessment); docs/sample-data.md lists
them all. A country is assessed on the shipped framework, on its own
(``SAMPLE_FRAMEWORKS``) or on any framework file given.

One rule drives most of the adaptation: the **digital maturity index**

    M = clip(log10(GDP per capita / 500) / 2, 0.1, 1)

(0 at USD 500 per head, 1 at USD 50,000 per head). It scales how many breaches
organisations identify, how common controls are, and the maturity levels of the
capability assessment. Costs scale with GDP per capita by ``COST_ELASTICITY``.

Regenerate the committed samples with ``workbench samples --out data/samples``
(or :func:`write_samples`); the tests check the committed files equal a fresh
generation, so nobody edits them by hand.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtri

from workbench import paths, sample_assessment, vocab
from workbench.countries import country_facts, validate_country_code
from workbench.framework import Framework, load_framework
from workbench.sample_assessment import clip_round

# --------------------------------------------------------------------------- general

DEFAULT_SEED = 20250101
DEFAULT_CODES: tuple[str, ...] = ("KE", "JM", "FJ", "MY", "GH", "GB", "CA", "CM")

# The language of a sample country's pages where it is not English, and the country's
# name as that language writes it (the profile's ``name`` is shown on every page).
LANGUAGES: dict[str, str] = {"CM": "fr"}
LOCAL_NAMES: dict[str, str] = {"CM": "Cameroun"}

# Countries assessed on a framework other than the shipped one: the framework.yaml
# (shipped with the package, so that nothing outside it is read) is copied into the
# country's folder. Canada's is NIST CSF 2.0 as imported by `workbench
# import-framework` from CISO Assistant's library (docs/sample-data.md).
SAMPLE_FRAMEWORKS: dict[str, Path] = {
    "CA": paths.SHIPPED_DATA / "frameworks" / "nist-csf-2.0.yaml",
}

PERIOD_START = dt.date(2025, 1, 1)
PERIOD_END = dt.date(2025, 12, 31)
HORIZON_YEARS = 5

# --------------------------------------------------------------------------- money

# Approximate mid-market rates around 30 June 2025, USD per unit of local currency,
# rounded to three significant figures (e.g. Bank of Ghana interbank mid-rate
# GHS 10.31 per USD on 30 June 2025). Good enough for made-up data; check a rate
# before using it with real figures.
FX_RATE_DATE = dt.date(2025, 6, 30)
CURRENCY: dict[str, tuple[str, float]] = {
    "KE": ("KES", 0.00774),  # about KES 129 per USD
    "JM": ("JMD", 0.00623),  # about JMD 160 per USD
    "FJ": ("FJD", 0.446),  # about FJD 2.24 per USD
    "MY": ("MYR", 0.237),  # about MYR 4.21 per USD
    "GH": ("GHS", 0.0970),  # about GHS 10.3 per USD
    "GB": ("GBP", 1.37),  # about USD 1.37 per GBP
    "CA": ("CAD", 0.733),  # about CAD 1.36 per USD
    "CM": ("XAF", 0.00178),  # about XAF 562 per USD (XAF 655.957 per EUR, fixed)
}
USD_PER_GBP = CURRENCY["GB"][1]

# Default yearly budget for the business case: 0.004% of GDP, rounded to two
# significant figures, at least USD 1 million. A stated assumption: it puts Kenya
# near USD 4 million a year (the order of a national cyber capacity programme of
# a lower-middle-income country) and scales with the economy; the floor is about
# what building a basic national CIRT costs a year (capex spread over its build
# plus running costs), which small island states usually fund with partners.
BUDGET_SHARE_OF_GDP = 0.00004
BUDGET_FLOOR_USD = 1_000_000.0

# --------------------------------------------------------------------------- frame

# Organisations per size band (staff: micro 1-9, small 10-49, medium 50-249,
# large 250+), rounded. Sources and rationale:
BUSINESSES_BY_BAND: dict[str, dict[str, int]] = {
    # UK Business Population Estimates 2024 (Department for Business and Trade;
    # formerly BEIS): ~5.5 million private sector businesses, of which ~1.4 million
    # employers; about 37,000 medium and 8,000 large. Only employers are kept, as the
    # Cyber Security Breaches Survey excludes sole traders.
    "GB": {"micro": 1_150_000, "small": 220_000, "medium": 37_000, "large": 8_200},
    # Kenya National Bureau of Statistics, 2016 MSME Survey: about 1.56 million
    # licensed MSMEs (plus 5.85 million unlicensed, household-based, left out).
    # Split by band and the large count are assumptions of the right order.
    "KE": {"micro": 1_430_000, "small": 110_000, "medium": 15_000, "large": 3_000},
    # Department of Statistics Malaysia, Economic Census 2023 (reported by SME Corp.
    # Malaysia): about 1.10 million MSMEs in 2023, 96.9% of establishments; micro
    # 69.7%, small 28.5%, medium 1.8%. Malaysian bands are defined by sales or staff,
    # so the match to staff bands is approximate; large = the remaining ~3%.
    "MY": {"micro": 770_000, "small": 310_000, "medium": 20_000, "large": 35_000},
    # Ghana Statistical Service, Integrated Business Establishment Survey (2014-15):
    # about 638,000 non-household establishments, about 80% micro. The split of the
    # rest is an assumption.
    "GH": {"micro": 510_000, "small": 110_000, "medium": 15_000, "large": 3_000},
    # Jamaica has no recent official count of all organisations (the 2013 MSME and
    # Entrepreneurship Policy says so); the 2018 Jamaica Survey of Establishments
    # (STATIN) identified about 35,000 urban establishments. Assumed: about 60,000
    # organisations nationwide.
    "JM": {"micro": 48_000, "small": 9_500, "medium": 2_000, "large": 500},
    # Fiji: "over 50,000 registered businesses" (Ministry of Trade, Co-operatives and
    # MSMEs, 2024). Fiji's MSME bands are by revenue; the split by staff is assumed.
    "FJ": {"micro": 40_000, "small": 7_500, "medium": 2_000, "large": 500},
    # Innovation, Science and Economic Development Canada, Key Small Business
    # Statistics (January 2019 edition, Statistics Canada Business Register, December
    # 2017): about 1.18 million employer businesses, 1.15 million with 1-99 employees,
    # 21,926 with 100-499 and 2,939 with 500 or more; about 73% of employers have 1-9
    # employees (1-4: 54%). Split into the bands 10-49, 50-249 and 250+ assumed.
    "CA": {"micro": 860_000, "small": 255_000, "medium": 52_000, "large": 8_000},
    # Cameroon: Institut national de la statistique, second Recensement général des
    # entreprises (RGE-2, 2016): about 200,000 enterprises and establishments, the
    # great majority very small (TPE). The split by staff band is an assumption of
    # the right order.
    "CM": {"micro": 170_000, "small": 26_000, "medium": 3_000, "large": 700},
}

# Share of each sector within a size band (an assumption of the usual pattern: trade
# and services dominate micro firms; manufacturing, finance and public bodies weigh
# more among large ones). Normalised within each band.
SECTOR_SHARES: dict[str, dict[str, float]] = {
    "micro": {
        "agriculture": 5, "mining": 0.2, "manufacturing": 7, "energy": 0.1, "water": 0.1,
        "construction": 8, "trade": 30, "transport": 6, "hospitality": 10, "ict": 3,
        "finance": 1.5, "real_estate": 3, "professional": 10, "public_administration": 0.2,
        "education": 2, "health": 2, "other": 12,
    },
    "large": {
        "agriculture": 3, "mining": 2, "manufacturing": 15, "energy": 3, "water": 2,
        "construction": 6, "trade": 14, "transport": 6, "hospitality": 4, "ict": 6,
        "finance": 8, "real_estate": 2, "professional": 6, "public_administration": 10,
        "education": 7, "health": 8, "other": 4,
    },
}
# Country emphasis on the sector shares (multipliers; assumption from the shape of
# each economy: agriculture in Kenya and Ghana, mining in Ghana, tourism in Jamaica
# and Fiji, manufacturing in Malaysia, professional services and ICT in the UK).
SECTOR_EMPHASIS: dict[str, dict[str, float]] = {
    "KE": {"agriculture": 2.0},
    "GH": {"agriculture": 2.0, "mining": 2.5},
    "JM": {"hospitality": 1.8},
    "FJ": {"hospitality": 1.8, "agriculture": 1.5},
    "MY": {"manufacturing": 1.4},
    "GB": {"professional": 1.4, "ict": 1.3},
    "CA": {"mining": 1.8, "energy": 1.5, "professional": 1.2},
    "CM": {"agriculture": 2.0, "trade": 1.2},
}

# --------------------------------------------------------------------------- survey

# Respondents: 400-2,000, growing with the economy: clip(400 * log10(GDP / 1e8)).
SURVEY_RESPONDENTS_RANGE = (400, 2000)
# Disproportionate allocation by band (the UK survey also boosts medium and large
# firms so that they can be reported on); within a band, cells get respondents in
# proportion to the square root of their size so that small sectors are reached.
SURVEY_BAND_ALLOCATION = {"micro": 0.40, "small": 0.30, "medium": 0.18, "large": 0.12}

# UK Cyber Security Breaches Survey 2024 (DSIT): share of businesses that identified
# a breach or attack in the last 12 months: 50% overall, micro 47%, small 58%,
# medium 70%, large 74%.
UK_BREACH_PREVALENCE = {"micro": 0.47, "small": 0.58, "medium": 0.70, "large": 0.74}
# Fewer breaches are identified where monitoring is thinner: prevalence is scaled by
# DETECTION_BASE + (1 - DETECTION_BASE) * M (assumption; the UK has M ~ 1).
DETECTION_BASE = 0.65
# Sector shifts on the log-odds of a breach (assumption: finance, ICT and services
# handling data are attacked more; agriculture and construction less).
SECTOR_BREACH_SHIFT = {
    "finance": 0.4, "ict": 0.3, "professional": 0.2, "health": 0.2, "education": 0.2,
    "public_administration": 0.2, "agriculture": -0.4, "construction": -0.2,
    "mining": -0.1,
}
# Security posture: a latent score per respondent drives its controls (loading
# CONTROL_LOADING) and lowers its log-odds of a breach by POSTURE_BREACH_EFFECT per
# standard deviation (assumption; gives controls a negative association with
# prevalence, as the workbench's users expect to see).
CONTROL_LOADING = 0.8
POSTURE_BREACH_EFFECT = 0.35

# UK Cyber Security Breaches Survey 2024: mean cost of the single most disruptive
# breach, ~GBP 1,205 for all businesses and ~GBP 10,830 for medium and large. Band
# means chosen so that, weighted by the UK frame, they give about those two figures.
UK_MEAN_COST_GBP = {"micro": 650.0, "small": 1_300.0, "medium": 9_500.0, "large": 16_000.0}
# Costs elsewhere: UK cost in USD * (GDP per capita / UK GDP per capita) ** 0.5 —
# wages and prices are lower, but much of a breach's cost (IT services, software)
# is priced internationally, hence an elasticity below 1 (assumption).
COST_ELASTICITY = 0.5
# Share of breached respondents whose most disruptive breach cost nothing (the UK
# survey's mean includes many such answers; assumption), and the spread of the rest.
ZERO_COST_SHARE = 0.25
COST_LOG_SD = 1.2
# Split of a breach's cost into direct / recovery / long-term (assumption).
COST_SPLIT = (0.50, 0.35, 0.15)

# Kinds of attack among breached businesses, UK survey 2024 where published
# (phishing 84%, impersonation 35%, viruses or malware 17%), the others assumed.
# Online fraud is raised where mobile-money fraud is common (lower M).
ATTACK_SHARES = {
    "phishing": 0.84, "impersonation": 0.35, "malware": 0.17, "ransomware": 0.02,
    "ddos": 0.04, "account_takeover": 0.09, "unauthorised_access": 0.06,
    "online_fraud": 0.10,
}
# Mean number of breaches beyond the first, per band (assumption).
EXTRA_BREACHES_MEAN = {"micro": 1.5, "small": 2.5, "medium": 4.0, "large": 8.0}

# Controls, UK survey 2024 where published (formal incident response plan: 22% of
# businesses, 55% medium, 73% large; staff training about 18% overall, most large
# firms; some cyber insurance about 43%), the rest assumed. Elsewhere scaled by
# (0.4 + 0.6 * M); insurance by (0.3 + 0.7 * M) as that market is thinner.
UK_CONTROL_RATES = {
    "incident_plan": {"micro": 0.18, "small": 0.30, "medium": 0.55, "large": 0.73},
    "backups": {"micro": 0.55, "small": 0.70, "medium": 0.85, "large": 0.92},
    "staff_training": {"micro": 0.14, "small": 0.30, "medium": 0.55, "large": 0.76},
    "mfa": {"micro": 0.35, "small": 0.45, "medium": 0.60, "large": 0.75},
    "cyber_insurance": {"micro": 0.40, "small": 0.50, "medium": 0.55, "large": 0.60},
}

# Share of breached respondents whose most disruptive breach was reported to the
# national CERT or police: low, 10-30% (assumption: the UK survey finds 34% report
# outside the organisation at all, mostly to their IT provider). Plus
# REPORTING_PLAN_BOOST when the respondent has an incident plan.
REPORTING_RATE = {"micro": 0.16, "small": 0.18, "medium": 0.22, "large": 0.26}
REPORTING_PLAN_BOOST = 0.06

# Sectors operating critical national infrastructure, and the chance that a
# respondent in one of them says it does, by band (assumption).
CNI_SECTORS = ("energy", "water", "transport", "finance", "ict", "health")
CNI_SHARE = {"micro": 0.02, "small": 0.05, "medium": 0.20, "large": 0.50}
# Chance that a respondent is publicly owned, by sector (assumption).
PUBLIC_OWNERSHIP = {
    "public_administration": 1.0, "education": 0.4, "health": 0.4, "water": 0.5,
    "energy": 0.3, "transport": 0.15,
}
# Item non-response: share of blank answers (unknown) per question (assumption).
ITEM_NONRESPONSE = 0.015

# --------------------------------------------------------------------------- incidents

# Incidents reported to the national CERT or police: clip(30 * sqrt(population /
# 10,000)), 100-5,000 (assumption; far fewer than the breaches the survey implies,
# which is the under-reporting the workbench measures).
INCIDENTS_RANGE = (100, 5000)
VICTIM_SHARES = {"individual": 0.45, "business": 0.42, "public_body": 0.13}
# RSIT top-level classes by victim (assumption: fraud and phishing dominate reports
# from people; scans, intrusion attempts and vulnerabilities those of public bodies).
CATEGORY_SHARES = {
    "individual": {
        "fraud": 0.45, "abusive-content": 0.15, "intrusions": 0.12,
        "information-content-security": 0.08, "malicious-code": 0.08, "other": 0.12,
    },
    "business": {
        "fraud": 0.25, "abusive-content": 0.15, "malicious-code": 0.15, "intrusions": 0.12,
        "intrusion-attempts": 0.10, "availability": 0.06, "information-gathering": 0.05,
        "information-content-security": 0.05, "vulnerable": 0.04, "other": 0.03,
    },
    "public_body": {
        "intrusion-attempts": 0.18, "malicious-code": 0.15, "intrusions": 0.12,
        "availability": 0.12, "vulnerable": 0.12, "information-gathering": 0.10,
        "abusive-content": 0.08, "fraud": 0.05, "information-content-security": 0.05,
        "other": 0.03,
    },
}
PUBLIC_BODY_SECTORS = {
    "public_administration": 0.6, "education": 0.15, "health": 0.15, "water": 0.05,
    "energy": 0.05,
}
# Share of exported tickets dated just outside the period (export edges), at least 2.
OUTSIDE_PERIOD_SHARE = 0.015
# Chance a loss is recorded: fraud tickets often carry one, others rarely; median
# loss in USD at UK income, scaled like survey costs (assumption).
LOSS_RECORDED = {"fraud": 0.6, "other": 0.1}
MEDIAN_LOSS_USD_UK = {"individual": 400.0, "business": 3_000.0, "public_body": 5_000.0}

# --------------------------------------------------------------------------- gap analysis

# Entities, capability assessment and targets: workbench.sample_assessment, for the
# shipped framework or any other.

# --------------------------------------------------------------------------- deliberate errors

# The one country whose files carry deliberately bad rows, so that the quarantine
# shows in demos (see _add_bad_rows and docs/sample-data.md).
BAD_ROWS_COUNTRY = "JM"
MARKUP_EVIDENCE = "<b>draft</b> & pending sign-off"
UNKNOWN_ENTITY_ID = "MIN-TOURISM-OLD"


# =========================================================================== helpers


def _rng(code: str, seed: int) -> np.random.Generator:
    """A generator that depends on the seed and the country (not on call order)."""
    return np.random.default_rng([seed, zlib.crc32(code.encode("ascii"))])


def maturity_index(gdp_usd: float, population: float) -> float:
    """The digital maturity index M = clip(log10(GDP per head / 500) / 2, 0.1, 1)."""
    return float(np.clip(math.log10(gdp_usd / population / 500.0) / 2.0, 0.1, 1.0))


def _round_sig(value: float, digits: int = 2) -> float:
    if value <= 0:
        return 0.0
    return float(round(value, digits - 1 - int(math.floor(math.log10(value)))))


def _yes_no(values: np.ndarray, blank: np.ndarray | None = None) -> pd.Series:
    """Booleans -> 'yes'/'no' text, blank where ``blank`` is set."""
    text = np.where(np.asarray(values, dtype=bool), "yes", "no").astype(object)
    if blank is not None:
        text[np.asarray(blank, dtype=bool)] = None
    return pd.Series(text, dtype="str")


def _blank_mask(rng: np.random.Generator, n: int, share: float = ITEM_NONRESPONSE) -> np.ndarray:
    return rng.random(n) < share


def _iso(dates: Iterable[dt.date]) -> list[str]:
    return [d.isoformat() for d in dates]


# =========================================================================== profile


def _profile(code: str) -> dict[str, object]:
    facts = country_facts(code)
    currency, usd_per_unit = CURRENCY[code]
    budget = max(BUDGET_FLOOR_USD, _round_sig(facts["gdp_usd"] * BUDGET_SHARE_OF_GDP, 2))
    return {
        "country": code,
        "name": LOCAL_NAMES.get(code, facts["name"]),
        "currency": currency,
        "usd_per_unit": usd_per_unit,
        "gdp_usd": facts["gdp_usd"],
        "population": facts["population"],
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "budget_usd_per_year": budget,
        "horizon_years": HORIZON_YEARS,
        "synthetic": True,
        "language": LANGUAGES.get(code, "en"),
    }


def profile_yaml(profile: Mapping[str, object]) -> str:
    """profile.yaml text for a generated profile (with the provenance in comments)."""
    facts = country_facts(profile["country"])
    return (
        "# SYNTHETIC sample data made up by workbench.samples (docs/sample-data.md).\n"
        "# GDP and population are real (World Bank WDI, CC BY 4.0); everything else\n"
        "# in this folder is generated and must not be quoted as a finding.\n"
        f"country: {profile['country']}\n"
        f"name: {profile['name']}\n"
        f"currency: {profile['currency']}\n"
        f"usd_per_unit: {profile['usd_per_unit']!r}  # approximate rate on "
        f"{FX_RATE_DATE.isoformat()}\n"
        f"gdp_usd: {profile['gdp_usd']:.0f}  # GDP current USD, {facts['gdp_year']}\n"
        f"population: {profile['population']:.0f}  # {facts['population_year']}\n"
        f"period_start: {profile['period_start']}\n"
        f"period_end: {profile['period_end']}\n"
        f"budget_usd_per_year: {profile['budget_usd_per_year']:.0f}"
        "  # 0.004% of GDP, at least USD 1 million (sample rule)\n"
        f"horizon_years: {profile['horizon_years']}\n"
        f"synthetic: {'true' if profile['synthetic'] else 'false'}\n"
        + (f"language: {profile['language']}  # the language of the country's pages\n"
           if profile.get("language", "en") != "en" else "")
    )


# =========================================================================== frame


def _sector_shares(code: str, band: str) -> pd.Series:
    """Sector shares in a band: micro and large given, small and medium in between."""
    position = {"micro": 0.0, "small": 1 / 3, "medium": 2 / 3, "large": 1.0}[band]
    micro = pd.Series(SECTOR_SHARES["micro"], dtype=float).reindex(list(vocab.SECTORS))
    large = pd.Series(SECTOR_SHARES["large"], dtype=float).reindex(list(vocab.SECTORS))
    micro, large = micro / micro.sum(), large / large.sum()
    shares = (1 - position) * micro + position * large
    emphasis = pd.Series(SECTOR_EMPHASIS.get(code, {}), dtype=float)
    shares = shares.mul(emphasis.reindex(shares.index).fillna(1.0))
    return shares / shares.sum()


def _business_population(code: str) -> pd.DataFrame:
    """One row per (sector, size band): band totals split by the sector shares."""
    rows = []
    for band in vocab.SIZE_BANDS:
        total = BUSINESSES_BY_BAND[code][band]
        shares = _sector_shares(code, band)
        counts = np.maximum(3, np.round(shares.to_numpy() * total)).astype(np.int64)
        rows.append(pd.DataFrame({"sector": shares.index, "size_band": band, "entities": counts}))
    frame = pd.concat(rows, ignore_index=True)
    frame["entities"] = frame["entities"].astype("Int64")
    return frame.astype({"sector": "str", "size_band": "str"})


# =========================================================================== survey


def _survey(
    code: str, frame: pd.DataFrame, profile: Mapping[str, object], m_index: float,
    rng: np.random.Generator, scale: float,
) -> pd.DataFrame:
    """Survey responses drawn from the frame by the rules of the SURVEY constants above."""
    n_target = clip_round(400 * math.log10(profile["gdp_usd"] / 1e8), SURVEY_RESPONDENTS_RANGE)
    n_target = max(1, round(n_target * scale))
    # --- who responds: band allocation, then cells by the square root of their size
    band_n = rng.multinomial(n_target, [SURVEY_BAND_ALLOCATION[b] for b in vocab.SIZE_BANDS])
    sectors, bands = [], []
    for band, n_band in zip(vocab.SIZE_BANDS, band_n):
        cells = frame[frame["size_band"] == band]
        weights = np.sqrt(cells["entities"].to_numpy(dtype=float))
        picks = rng.choice(cells["sector"].to_numpy(dtype=object), size=n_band,
                           p=weights / weights.sum())
        sectors.append(picks)
        bands.append(np.full(n_band, band, dtype=object))
    sector = np.concatenate(sectors)
    band = np.concatenate(bands)
    order = rng.permutation(n_target)
    sector, band = sector[order], band[order]
    n = n_target
    band_s = pd.Series(band)

    # --- ownership and CNI
    public_p = pd.Series(sector).map(PUBLIC_OWNERSHIP).fillna(0.0).to_numpy()
    public = rng.random(n) < public_p
    cni_p = np.where(np.isin(sector, CNI_SECTORS) | (sector == "public_administration"),
                     band_s.map(CNI_SHARE).to_numpy(), 0.0)
    cni = rng.random(n) < cni_p

    # --- controls from a latent posture score (correlated controls)
    posture = rng.standard_normal(n)
    control_scale = 0.4 + 0.6 * m_index
    controls: dict[str, np.ndarray] = {}
    # P(latent > -probit(p)) = p, as latent is standard normal.
    for control, rates in UK_CONTROL_RATES.items():
        factor = (0.3 + 0.7 * m_index) if control == "cyber_insurance" else control_scale
        p = np.clip(band_s.map(rates).to_numpy() * factor, 0.01, 0.99)
        latent = (CONTROL_LOADING * posture + rng.standard_normal(n)) / math.sqrt(
            1 + CONTROL_LOADING**2)
        controls[control] = latent > -ndtri(p)

    # --- breaches
    detection = DETECTION_BASE + (1 - DETECTION_BASE) * m_index
    base = band_s.map(UK_BREACH_PREVALENCE).to_numpy() * detection
    shift = pd.Series(sector).map(SECTOR_BREACH_SHIFT).fillna(0.0).to_numpy()
    p_breach = expit(logit(base) + shift - POSTURE_BREACH_EFFECT * posture)
    breached = rng.random(n) < p_breach
    extra_mean = band_s.map(EXTRA_BREACHES_MEAN).to_numpy()
    count = np.where(breached, 1 + rng.negative_binomial(1, 1 / (1 + extra_mean)), 0)

    # --- attack kinds (breached only; "no" for the others)
    kinds: dict[str, np.ndarray] = {}
    for kind, share in ATTACK_SHARES.items():
        p = np.full(n, share)
        if kind == "online_fraud":
            p = p + 0.12 * (1 - m_index)
        if kind in ("ransomware", "unauthorised_access", "ddos"):
            p = p * np.where(np.isin(band, ("medium", "large")), 2.5, 1.0)
        kinds[kind] = breached & (rng.random(n) < p)
    none = breached & ~np.any(np.column_stack(list(kinds.values())), axis=1)
    kinds["phishing"] = kinds["phishing"] | none

    # --- cost of the most disruptive breach, local currency
    gdp_pc = profile["gdp_usd"] / profile["population"]
    gb = country_facts("GB")
    income_ratio = gdp_pc / (gb["gdp_usd"] / gb["population"])
    mean_usd = (band_s.map(UK_MEAN_COST_GBP).to_numpy() * USD_PER_GBP
                * income_ratio**COST_ELASTICITY)
    mean_positive_local = mean_usd / (1 - ZERO_COST_SHARE) / profile["usd_per_unit"]
    mu = np.log(mean_positive_local) - COST_LOG_SD**2 / 2
    total = np.where(rng.random(n) < ZERO_COST_SHARE, 0.0,
                     np.exp(mu + COST_LOG_SD * rng.standard_normal(n)))
    split = rng.dirichlet(np.array(COST_SPLIT) * 20, size=n)
    parts = np.round(total[:, None] * split)
    cost_unknown = breached & (rng.random(n) < 0.06)
    long_term_unknown = breached & (rng.random(n) < 0.15)

    # --- reporting
    p_report = band_s.map(REPORTING_RATE).to_numpy() + REPORTING_PLAN_BOOST * controls[
        "incident_plan"]
    reported = breached & (rng.random(n) < p_report)

    survey = pd.DataFrame({
        "respondent_id": [f"{code}-R{i:05d}" for i in range(1, n + 1)],
        "sector": pd.Series(sector, dtype="str"),
        "size_band": pd.Series(band, dtype="str"),
        "ownership": pd.Series(np.where(public, "public", "private"), dtype="str"),
        "cni": _yes_no(cni, _blank_mask(rng, n)),
        "breached_12m": _yes_no(breached),
        "breaches_12m": pd.array(np.where(breached & (rng.random(n) < 0.04), -1, count),
                                 dtype="Int64"),
    })
    survey.loc[survey["breaches_12m"] == -1, "breaches_12m"] = pd.NA
    for kind in vocab.ATTACK_KINDS:
        survey[kind] = _yes_no(kinds[kind], breached & _blank_mask(rng, n))
    for i, part in enumerate(vocab.COST_PARTS):
        values = pd.array(parts[:, i].astype(np.int64), dtype="Int64")
        unknown = ~breached | cost_unknown | ((i == 2) & long_term_unknown)
        values[unknown] = pd.NA
        survey[part] = values
    survey["reported"] = _yes_no(reported, ~breached | _blank_mask(rng, n))
    for control in vocab.CONTROLS:
        survey[control] = _yes_no(controls[control], _blank_mask(rng, n))
    return survey


def _design_weights(
    survey: pd.DataFrame, frame: pd.DataFrame, rng: np.random.Generator
) -> pd.Series:
    """Design weights N_h / n_h with a non-response adjustment (for the weight column)."""
    counts = survey.groupby(["sector", "size_band"]).size().rename("n")
    cells = frame.set_index(["sector", "size_band"])["entities"].astype(float)
    base = pd.MultiIndex.from_frame(survey[["sector", "size_band"]]).map(
        (cells / counts.reindex(cells.index)).to_dict())
    adjustment = np.exp(rng.normal(0.0, 0.15, len(survey)))
    return pd.Series(np.round(np.asarray(base, dtype=float) * adjustment, 3), index=survey.index)


# =========================================================================== incidents


def _incidents(
    code: str, frame: pd.DataFrame, profile: Mapping[str, object],
    rng: np.random.Generator, scale: float,
) -> pd.DataFrame:
    """A national CERT's ticket export for the period (and a few tickets either side)."""
    n = clip_round(30 * math.sqrt(profile["population"] / 1e4), INCIDENTS_RANGE)
    n = max(1, round(n * scale))
    victim = rng.choice(list(VICTIM_SHARES), size=n, p=list(VICTIM_SHARES.values()))
    category = np.empty(n, dtype=object)
    for kind, shares in CATEGORY_SHARES.items():
        mask = victim == kind
        category[mask] = rng.choice(list(shares), size=mask.sum(),
                                    p=np.array(list(shares.values())) / sum(shares.values()))
    # Business victims: sectors in proportion to the frame's medium and large firms
    # (the ones that report) with CNI sectors doubled; public bodies mostly government.
    bigger = frame[frame["size_band"].isin(["medium", "large"])].groupby("sector")[
        "entities"].sum().astype(float)
    bigger = bigger * np.where(bigger.index.isin(CNI_SECTORS), 2.0, 1.0)
    bigger = bigger.drop("public_administration", errors="ignore")
    sector = np.full(n, None, dtype=object)
    is_business, is_public = victim == "business", victim == "public_body"
    sector[is_business] = rng.choice(bigger.index.to_numpy(dtype=object), size=is_business.sum(),
                                     p=(bigger / bigger.sum()).to_numpy())
    sector[is_public] = rng.choice(list(PUBLIC_BODY_SECTORS), size=is_public.sum(),
                                   p=list(PUBLIC_BODY_SECTORS.values()))
    cni = np.isin(sector, CNI_SECTORS) & (rng.random(n) < 0.35)

    # Dates: uniform over the period, a few just outside it.
    days = (PERIOD_END - PERIOD_START).days + 1
    offset = rng.integers(0, days, size=n)
    outside = rng.choice(n, size=max(2, round(OUTSIDE_PERIOD_SHARE * n)), replace=False)
    offset[outside] = np.where(rng.random(outside.size) < 0.5,
                               -rng.integers(1, 20, size=outside.size),
                               days + rng.integers(0, 20, size=outside.size))
    order = np.argsort(offset, kind="stable")
    victim, category, sector, cni, offset = (a[order] for a in (victim, category, sector, cni,
                                                                 offset))
    dates = [PERIOD_START + dt.timedelta(days=int(d)) for d in offset]
    # Recent tickets are more often still open.
    age = np.clip(offset / days, 0, 1)
    status = np.where(rng.random(n) < 0.05 + 0.35 * age**2, "open", "closed")

    gb = country_facts("GB")
    income_ratio = (profile["gdp_usd"] / profile["population"]) / (gb["gdp_usd"]
                                                                    / gb["population"])
    p_loss = np.where(category == "fraud", LOSS_RECORDED["fraud"], LOSS_RECORDED["other"])
    has_loss = rng.random(n) < p_loss
    median_local = (pd.Series(victim).map(MEDIAN_LOSS_USD_UK).to_numpy()
                    * income_ratio**COST_ELASTICITY / profile["usd_per_unit"])
    loss = np.round(median_local * np.exp(1.3 * rng.standard_normal(n)))
    loss_col = pd.array(loss.astype(np.int64), dtype="Int64")
    loss_col[~has_loss] = pd.NA

    return pd.DataFrame({
        "incident_id": [f"{code}-INC-{i:05d}" for i in range(1, n + 1)],
        "reported_on": pd.Series(_iso(dates), dtype="str"),
        "category": pd.Series(category, dtype="str"),
        "victim_type": pd.Series(victim, dtype="str"),
        "sector": pd.Series(sector, dtype="str"),
        "cni": _yes_no(cni, victim == "individual"),
        "financial_loss": loss_col,
        "status": pd.Series(status, dtype="str"),
    })


# =========================================================================== bad rows


def _add_bad_rows(files: dict[str, pd.DataFrame], framework: Framework) -> None:
    """Plant the deliberately bad rows (and one valid row with markup) in place; the
    assessment's are bad in the framework's own terms."""
    survey = files["survey_responses"]
    # 1. a sector code that is not in the vocabulary
    survey.loc[7, "sector"] = "fin"
    # 2. breached_12m no with breaches_12m 3
    not_breached = survey.index[(survey["breached_12m"] == "no") & (survey.index > 7)]
    survey.loc[not_breached[0], "breaches_12m"] = 3
    # 3. a repeated respondent_id (a later row reuses an earlier id)
    duplicate = survey.loc[[40]].copy()
    duplicate["respondent_id"] = survey.loc[12, "respondent_id"]
    position = 60
    files["survey_responses"] = pd.concat(
        [survey.iloc[:position], duplicate, survey.iloc[position:]], ignore_index=True)

    incidents = files["incidents"]
    # 4. a date that does not exist
    february = incidents.index[incidents["reported_on"].str.startswith("2025-02")]
    incidents.loc[february[0], "reported_on"] = "2025-02-30"
    # 5. a status outside the vocabulary
    incidents.loc[february[0] - 20, "status"] = "resolved"

    assessment = files["capability_assessment"]
    assessed = assessment.index[assessment["level"].notna()
                                & (assessment["entity_id"] != vocab.NATIONAL_ENTITY_ID)]
    # 6. a level above the top of the scale (7 on 0-5)
    assessment.loc[assessed[5], "level"] = framework.levels.max + 2
    # 7. valid: evidence with markup, to show it is escaped where rendered
    assessment.loc[assessed[11], "evidence"] = MARKUP_EVIDENCE
    # 8. an entity that is not in entities.csv (assessed on a valid indicator and level)
    organisation = [i.id for i in framework.indicators if i.scope == "organisation"]
    indicator = "TEC-11" if "TEC-11" in organisation else (organisation or [
        framework.indicators[0].id])[0]
    level = min(max(2, framework.levels.min), framework.levels.max)
    extra = pd.DataFrame({
        "entity_id": [UNKNOWN_ENTITY_ID], "indicator_id": [indicator],
        "level": pd.array([level], dtype="Int64"),
        "evidence": ["Body merged into the Ministry of Tourism in 2024"],
        "assessed_on": ["2025-04-15"],
    })
    files["capability_assessment"] = pd.concat([assessment, extra], ignore_index=True)


# =========================================================================== public


def generate_country(
    code: str, *, seed: int = DEFAULT_SEED, scale: float = 1.0,
    framework: str | Path | None = None,
) -> dict[str, object]:
    """Generate one synthetic sample country.

    Args:
        code: ISO 3166-1 alpha-2 code of a country this module has assumptions for
            (``CURRENCY`` keys: KE, JM, FJ, MY, GH, GB, CA, CM).
        seed: Random seed; the same seed gives identical output.
        scale: Multiplies the number of survey respondents and incidents (the frame,
            entities and assessment do not change), e.g. 0.1 for quick tests or 20 for
            load tests.
        framework: A framework.yaml to assess the country on (its indicators, scopes
            and level scale); by default the country's own in ``SAMPLE_FRAMEWORKS``,
            else the shipped framework.

    Returns:
        ``{"profile": dict, "business_population": DataFrame, "survey_responses":
        DataFrame, "incidents": DataFrame, "entities": DataFrame,
        "capability_assessment": DataFrame, "targets": DataFrame}``, and
        ``"framework": bytes`` (the framework.yaml to write beside them) when the
        country is assessed on a framework other than the shipped one's default.
        The frames hold the files' contents as written (yes/no as text, dates as
        ISO text, blanks as missing values).

    Raises:
        InvalidCountryCode: ``code`` is not a valid code.
        KeyError: no sample assumptions exist for ``code``.
        ValueError: ``scale`` is not positive.
        DataFileError: the framework file cannot be used.
    """
    code = validate_country_code(code)
    if code not in CURRENCY:
        raise KeyError(f"no sample assumptions for {code!r}; known: {', '.join(CURRENCY)}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    framework_path = Path(framework) if framework is not None else SAMPLE_FRAMEWORKS.get(code)
    assessed_on = load_framework(framework_path)
    rng = _rng(code, seed)
    profile = _profile(code)
    m_index = maturity_index(profile["gdp_usd"], profile["population"])
    frame = _business_population(code)
    survey = _survey(code, frame, profile, m_index, rng, scale)
    if code == "MY":
        survey["weight"] = _design_weights(survey, frame, rng)
    incidents = _incidents(code, frame, profile, rng, scale)
    entities = sample_assessment.entities(profile)
    assessment = sample_assessment.assessment(entities, assessed_on, profile, m_index, rng)
    files: dict[str, object] = {
        "profile": profile,
        "business_population": frame,
        "survey_responses": survey,
        "incidents": incidents,
        "entities": entities,
        "capability_assessment": assessment,
        "targets": sample_assessment.targets(entities, assessed_on),
    }
    if framework_path is not None:
        files["framework"] = framework_path.read_bytes()
    if code == BAD_ROWS_COUNTRY:
        _add_bad_rows(files, assessed_on)
    return files


# Files written with a UTF-8 byte-order mark, as some spreadsheet exports do, so that
# reading such files is exercised by the samples.
BOM_FILES: dict[str, tuple[str, ...]] = {"FJ": ("business_population",)}


def write_country(folder: str | Path, generated: Mapping[str, object]) -> list[Path]:
    """Write a generated country into ``folder``; returns the files written (the
    framework it is assessed on, if not the shipped one, as framework.yaml)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    profile = generated["profile"]
    written = [folder / "profile.yaml"]
    written[0].write_text(profile_yaml(profile), encoding="utf-8")
    bom = BOM_FILES.get(profile["country"], ())
    for name, frame in generated.items():
        if name == "profile":
            continue
        if name == "framework":
            written.append(folder / "framework.yaml")
            written[-1].write_bytes(frame)
            continue
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n",
                     encoding="utf-8-sig" if name in bom else "utf-8")
        written.append(path)
    return written


def write_samples(
    root: str | Path,
    codes: Iterable[str] = DEFAULT_CODES,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    framework: str | Path | None = None,
) -> list[Path]:
    """Generate and write ``<root>/<CC>/`` for each code; returns the files written.
    With ``framework`` every country is assessed on that framework.yaml (and its
    folder carries a copy).

    Every code, and the framework, is checked before anything is written, so a bad
    code in the list or an unusable framework leaves no half-written output.
    """
    codes = tuple(codes)
    for code in codes:
        if validate_country_code(code) not in CURRENCY:
            raise KeyError(f"no sample assumptions for {code!r}; known: {', '.join(CURRENCY)}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    if framework is not None:
        load_framework(Path(framework))
    written: list[Path] = []
    for code in codes:
        generated = generate_country(code, seed=seed, scale=scale, framework=framework)
        written += write_country(Path(root) / validate_country_code(code), generated)
    return written
