"""Controlled vocabularies of the data contract (docs/data-contract.md).

Declared once here; the schemas, the sample generator and the docs all read them.
"""

from __future__ import annotations

from workbench.i18n import N_, _

SECTORS: tuple[str, ...] = (
    "agriculture",
    "mining",
    "manufacturing",
    "energy",
    "water",
    "construction",
    "trade",
    "transport",
    "hospitality",
    "ict",
    "finance",
    "real_estate",
    "professional",
    "public_administration",
    "education",
    "health",
    "other",
)

# Sectors as a reader writes them (English; translated where shown).
SECTOR_WORDS: dict[str, str] = {
    "agriculture": N_("Agriculture"),
    "mining": N_("Mining"),
    "manufacturing": N_("Manufacturing"),
    "energy": N_("Energy"),
    "water": N_("Water"),
    "construction": N_("Construction"),
    "trade": N_("Trade"),
    "transport": N_("Transport"),
    "hospitality": N_("Hospitality"),
    "ict": N_("ICT"),
    "finance": N_("Finance"),
    "real_estate": N_("Real estate"),
    "professional": N_("Professional"),
    "public_administration": N_("Public administration"),
    "education": N_("Education"),
    "health": N_("Health"),
    "other": N_("Other"),
}


def sector_words(code: str) -> str:
    """A sector code in words, in the page's language ('Real estate'); a code outside
    the vocabulary as it is, capitalised."""
    words = SECTOR_WORDS.get(code)
    return _(words) if words else code.replace("_", " ").capitalize()


SIZE_BANDS: tuple[str, ...] = ("micro", "small", "medium", "large")
SIZE_BAND_STAFF: dict[str, str] = {
    "micro": N_("1-9 staff"),
    "small": N_("10-49 staff"),
    "medium": N_("50-249 staff"),
    "large": N_("250+ staff"),
}
SIZE_BAND_WORDS: dict[str, str] = {
    "micro": N_("Micro"), "small": N_("Small"), "medium": N_("Medium"), "large": N_("Large"),
}

OWNERSHIP: tuple[str, ...] = ("public", "private")

# Kinds of attack asked about in the survey (yes/no columns, in this order).
ATTACK_KINDS: tuple[str, ...] = (
    "phishing",
    "impersonation",
    "malware",
    "ransomware",
    "ddos",
    "account_takeover",
    "unauthorised_access",
    "online_fraud",
)

# Controls asked about in the survey (yes/no columns, in this order).
CONTROLS: tuple[str, ...] = (
    "incident_plan",
    "backups",
    "staff_training",
    "mfa",
    "cyber_insurance",
)

COST_PARTS: tuple[str, ...] = ("cost_direct", "cost_recovery", "cost_long_term")

# Top-level classes of the Reference Security Incident Taxonomy (ENISA / TF-CSIRT).
INCIDENT_CATEGORIES: tuple[str, ...] = (
    "abusive-content",
    "malicious-code",
    "information-gathering",
    "intrusion-attempts",
    "intrusions",
    "availability",
    "information-content-security",
    "fraud",
    "vulnerable",
    "other",
)

VICTIM_TYPES: tuple[str, ...] = ("individual", "business", "public_body")
INCIDENT_STATUS: tuple[str, ...] = ("open", "closed")
# Where an incident record comes from. Only the official records (a national CERT's
# tickets, police reports) count as reported incidents in the dark figure.
INCIDENT_SOURCES: tuple[str, ...] = ("national_cert", "police", "open_source", "other")
OFFICIAL_SOURCES: tuple[str, ...] = ("national_cert", "police")
# A blank or absent ``source`` is a national CERT record (files kept before the
# column existed were the CERT's or the police's own lists).
DEFAULT_SOURCE = "national_cert"
# How much of ``reported_on`` is known; blank or absent = day.
DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year")

ENTITY_TYPES: tuple[str, ...] = ("national", "government", "cni_operator")
NATIONAL_ENTITY_ID = "NATIONAL"
ORGANISATION_ENTITY_TYPES: tuple[str, ...] = ("government", "cni_operator")

APPLIES_TO: tuple[str, ...] = ("national", "government", "cni_operator", "all")

# Maturity levels: 0 plus the five stages of the Oxford Cybersecurity Capacity
# Maturity Model.
LEVELS: dict[int, str] = {
    0: "absent",
    1: "start-up",
    2: "formative",
    3: "established",
    4: "strategic",
    5: "dynamic",
}
# The same levels as the French translation of the Oxford CMM names them.
LEVELS_FR: dict[int, str] = {
    0: "absent",
    1: "démarrage",
    2: "formatif",
    3: "établi",
    4: "stratégique",
    5: "dynamique",
}

# Accepted spellings of yes/no answers (compared case-insensitively).
YES_VALUES: frozenset[str] = frozenset({"yes", "y", "true", "1"})
NO_VALUES: frozenset[str] = frozenset({"no", "n", "false", "0"})
