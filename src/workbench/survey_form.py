"""The survey questionnaire as an XLSForm, the form standard KoboToolbox and ODK Collect read.

``workbench survey-form --out survey.xlsx`` writes it (docs/data-formats.md). Every
question is named as the contract column it fills, its choice lists are the contract's
vocabularies (read from the survey schema, never copied), and its ``required`` and
``constraint`` columns say what the row checks say, so an answer the loader would set
aside cannot be entered. The attack kinds and the controls are two select-multiple
questions (``attacks``, ``controls``) whose choices are named as their columns: the
loader reads the form's export with no mapping file. Labels, hints and messages are in
English and French in one form (``label::English (en)``, ``label::French (fr)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench import schemas, vocab
from workbench.output_files import write_atomic
from workbench.survey_mapping import (
    FORM_SELECT_MULTIPLE,
    NO,
    NONE_CHOICE,
    YES,
    contract_columns,
)

LANGUAGES = {"en": "English (en)", "fr": "French (fr)"}
FORM_ID = "workbench_survey"
FORM_VERSION = "2"  # the data contract's version
TITLE = {"en": "Cyber security breaches survey",
         "fr": "Enquête sur les atteintes à la cybersécurité"}

Words = tuple[str, str]  # (English, French)

# The wording of each question, by the contract column it fills.
QUESTIONS: dict[str, Words] = {
    "respondent_id": ("Respondent ID (from the sample list)",
                      "Identifiant du répondant (liste de l'échantillon)"),
    "sector": ("What is your organisation's main sector of activity?",
               "Quel est le principal secteur d'activité de votre organisation ?"),
    "size_band": ("How many staff does your organisation employ?",
                  "Combien de personnes votre organisation emploie-t-elle ?"),
    "ownership": ("Is your organisation public or private?",
                  "Votre organisation est-elle publique ou privée ?"),
    "cni": ("Does your organisation operate critical national infrastructure?",
            "Votre organisation exploite-t-elle une infrastructure critique nationale ?"),
    "breached_12m": ("In the last 12 months, did your organisation identify any cyber security "
                     "breach or attack?",
                     "Au cours des 12 derniers mois, votre organisation a-t-elle détecté une "
                     "violation de sécurité ou une cyberattaque ?"),
    "breaches_count": ("How many breaches or attacks did it identify in those 12 months?",
                       "Combien de violations ou d'attaques a-t-elle détectées au cours de ces "
                       "12 mois ?"),
    "attacks": ("Which kinds of attack did it experience?",
                "Quels types d'attaques a-t-elle subis ?"),
    "cost_direct": ("Direct cost of the most disruptive breach (local currency)",
                    "Coût direct de la violation la plus perturbatrice (monnaie locale)"),
    "cost_recovery": ("Cost of recovering from that breach (local currency)",
                      "Coût de la remise en état après cette violation (monnaie locale)"),
    "cost_long_term": ("Long-term cost of that breach: lost business, reputation (local currency)",
                       "Coût à long terme de cette violation : activité perdue, réputation "
                       "(monnaie locale)"),
    "reported": ("Was that breach reported to the national CERT or the police?",
                 "Cette violation a-t-elle été signalée au CERT national ou à la police ?"),
    "controls": ("Which of these does your organisation have in place?",
                 "Lesquelles de ces mesures votre organisation a-t-elle mises en place ?"),
}

# The wording of each choice, by list and contract value.
CHOICE_WORDS: dict[str, dict[str, Words]] = {
    "sector": {
        "agriculture": ("Agriculture, forestry and fishing", "Agriculture, sylviculture et pêche"),
        "mining": ("Mining and quarrying", "Industries extractives"),
        "manufacturing": ("Manufacturing", "Industrie manufacturière"),
        "energy": ("Electricity, gas and energy supply", "Production et distribution d'énergie"),
        "water": ("Water supply and waste management", "Eau et gestion des déchets"),
        "construction": ("Construction", "Construction"),
        "trade": ("Wholesale and retail trade", "Commerce de gros et de détail"),
        "transport": ("Transport and storage", "Transports et entreposage"),
        "hospitality": ("Accommodation and food services", "Hébergement et restauration"),
        "ict": ("Information and communication", "Information et communication"),
        "finance": ("Finance and insurance", "Activités financières et d'assurance"),
        "real_estate": ("Real estate", "Activités immobilières"),
        "professional": ("Professional, scientific and technical services",
                         "Activités spécialisées, scientifiques et techniques"),
        "public_administration": ("Public administration and defence",
                                  "Administration publique et défense"),
        "education": ("Education", "Enseignement"),
        "health": ("Health and social work", "Santé humaine et action sociale"),
        "other": ("Other", "Autre"),
    },
    "size_band": {
        "micro": ("1 to 9 staff", "1 à 9 personnes"),
        "small": ("10 to 49 staff", "10 à 49 personnes"),
        "medium": ("50 to 249 staff", "50 à 249 personnes"),
        "large": ("250 staff or more", "250 personnes ou plus"),
    },
    "ownership": {
        "public": ("Public (a government body or state-owned)",
                   "Public (administration ou entreprise publique)"),
        "private": ("Private", "Privé"),
    },
    "yes_no": {YES: ("Yes", "Oui"), NO: ("No", "Non")},
    "attacks": {
        "phishing": ("Phishing (fraudulent emails or websites)",
                     "Hameçonnage (courriels ou sites frauduleux)"),
        "impersonation": ("Others impersonating the organisation",
                          "Usurpation de l'identité de l'organisation"),
        "malware": ("Malware (viruses, spyware)", "Logiciels malveillants (virus, logiciels espions)"),
        "ransomware": ("Ransomware", "Rançongiciel"),
        "ddos": ("Denial of service (DDoS)", "Déni de service (DDoS)"),
        "account_takeover": ("Takeover of user or bank accounts",
                             "Prise de contrôle de comptes d'utilisateurs ou bancaires"),
        "unauthorised_access": ("Unauthorised access to systems or data",
                                "Accès non autorisé aux systèmes ou aux données"),
        "online_fraud": ("Online fraud", "Fraude en ligne"),
        NONE_CHOICE: ("None of these", "Aucun de ceux-ci"),
    },
    "controls": {
        "incident_plan": ("An incident response plan", "Un plan de réponse aux incidents"),
        "backups": ("Backups of data", "Des sauvegardes des données"),
        "staff_training": ("Cyber security training for staff",
                           "Une formation du personnel à la cybersécurité"),
        "mfa": ("Multi-factor authentication", "L'authentification multifacteur"),
        "cyber_insurance": ("Cyber insurance", "Une cyber-assurance"),
        NONE_CHOICE: ("None of these", "Aucune de ces mesures"),
    },
}

GROUPS: dict[str, tuple[Words, tuple[str, ...]]] = {
    "grp_organisation": (("Your organisation", "Votre organisation"),
                         ("respondent_id", "sector", "size_band", "ownership", "cni")),
    "grp_breaches": (("Breaches and attacks in the last 12 months",
                      "Violations et attaques des 12 derniers mois"),
                     ("breached_12m", "breaches_count", "breaches_12m", "attacks", "cost_direct",
                      "cost_recovery", "cost_long_term", "reported")),
    "grp_controls": (("Security measures", "Mesures de sécurité"), ("controls",)),
}

# Asked only of organisations that were breached (the contract reads them only there).
BREACHED = "${breached_12m} = 'yes'"
ONLY_BREACHED = ("breaches_count", "attacks", *vocab.COST_PARTS, "reported")
BLANK_IF_UNKNOWN: Words = ("Leave blank if not known.", "Laisser vide si inconnu.")
# The count is asked only after a yes; for a no the contract's count is 0.
BREACHES_CALCULATION = "if(${breached_12m} = 'no', 0, ${breaches_count})"
ONE_OR_MORE = (". >= 1", ("At least 1: the answer above was yes.",
                          "Au moins 1 : la réponse précédente est oui."))
NONE_ALONE = (f"not(selected(., '{NONE_CHOICE}') and count-selected(.) > 1)",
              ("'None of these' cannot be chosen with another answer.",
               "« Aucun » ne peut pas être choisi avec une autre réponse."))
# The loader's limit on any number, written out (XPath has no exponent notation).
NUMBER_LIMIT_XPATH = str(int(schemas.NUMBER_LIMIT))


@dataclass(frozen=True)
class Constraint:
    expression: str
    message: Words


def column_constraint(name: str) -> Constraint | None:
    """The row checks of a numeric contract column as an XLSForm constraint."""
    column = contract_columns()[name]
    if column.metadata["kind"] not in ("int", "number"):
        return None
    parts, en, fr = [], [], []
    for check in column.checks:
        stats = check.statistics or {}
        if check.name == "greater_than_or_equal_to":
            parts.append(f". >= {stats['min_value']}")
            en.append(f"{stats['min_value']} or more")
            fr.append(f"au moins {stats['min_value']}")
        elif check.name == "greater_than":
            parts.append(f". > {stats['min_value']}")
            en.append(f"more than {stats['min_value']}")
            fr.append(f"plus de {stats['min_value']}")
        elif check.name == "less_than_or_equal_to":
            parts.append(f". <= {stats['max_value']}")
            en.append(f"at most {stats['max_value']}")
            fr.append(f"au plus {stats['max_value']}")
    parts.append(f". <= {NUMBER_LIMIT_XPATH}")
    en.append(f"at most {NUMBER_LIMIT_XPATH}")
    fr.append(f"au plus {NUMBER_LIMIT_XPATH}")
    return Constraint(" and ".join(parts), ("Enter a number: " + ", ".join(en) + ".",
                                            "Saisir un nombre : " + ", ".join(fr) + "."))


def _list_name(name: str) -> str:
    return "yes_no" if contract_columns()[name].metadata["kind"] == "yesno" else name


def _allowed_values(name: str) -> list[str]:
    if name in FORM_SELECT_MULTIPLE:
        return [*FORM_SELECT_MULTIPLE[name], NONE_CHOICE]
    if name == "yes_no":
        return [YES, NO]
    for check in contract_columns()[name].checks:
        if check.name == "isin":
            return [str(v) for v in check.statistics["allowed_values"]]
    raise KeyError(name)


def _words(prefix: str, words: Words) -> dict[str, str]:
    return {f"{prefix}::{LANGUAGES[code]}": text for code, text in zip(LANGUAGES, words)}


def _question(name: str) -> dict[str, str]:
    row: dict[str, str] = {"name": name}
    if name in FORM_SELECT_MULTIPLE:
        row["type"] = f"select_multiple {name}"
        row.update(_words("constraint_message", NONE_ALONE[1]), constraint=NONE_ALONE[0])
    elif name == "breaches_count":
        row["type"] = "integer"
        row.update(_words("constraint_message", ONE_OR_MORE[1]), constraint=ONE_OR_MORE[0])
    elif name == "breaches_12m":
        return {"type": "calculate", "name": name, "calculation": BREACHES_CALCULATION}
    else:
        column = contract_columns()[name]
        kind = column.metadata["kind"]
        row["type"] = {"id": "text", "int": "integer", "number": "decimal"}.get(
            kind, f"select_one {_list_name(name)}")
        if not column.nullable:
            row["required"] = "yes"
        constraint = column_constraint(name)
        if constraint is not None:
            row.update(_words("constraint_message", constraint.message),
                       constraint=constraint.expression)
            row.update(_words("hint", BLANK_IF_UNKNOWN))
    row.update(_words("label", QUESTIONS[name]))
    if name in ONLY_BREACHED:
        row["relevant"] = BREACHED
    return row


def form_sheets(language: str = "en") -> dict[str, list[dict[str, str]]]:
    """The form's three sheets (survey, choices, settings) as rows of cells."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    survey: list[dict[str, str]] = []
    for group, (title, names) in GROUPS.items():
        survey.append({"type": "begin_group", "name": group, **_words("label", title)})
        survey.extend(_question(name) for name in names)
        survey.append({"type": "end_group", "name": group})
    choices = [
        {"list_name": list_name, "name": value, **_words("label", CHOICE_WORDS[list_name][value])}
        for list_name in CHOICE_WORDS for value in _allowed_values(list_name)
    ]
    settings = [{"form_title": TITLE[language], "form_id": FORM_ID, "version": FORM_VERSION,
                 "default_language": LANGUAGES[language]}]
    return {"survey": survey, "choices": choices, "settings": settings}


def write_form(target: Path, language: str = "en") -> Path:
    """Write the XLSForm workbook to ``target`` (atomically)."""
    from openpyxl import Workbook

    sheets = form_sheets(language)
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        header = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(key) for key in header])
    return write_atomic(target, lambda path: book.save(path))
