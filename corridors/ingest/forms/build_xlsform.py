"""Write the flow-monitoring XLSForm (``flow_monitoring.xlsx``) next to this script.

Run ``python -m corridors.ingest.forms.build_xlsform`` after changing the rows below, bump
``VERSION``, and commit both files. Field names are the JSON names of the observation contract
(``flow_point``, ``observed_at``, ``cattle``...), so OpenRosa submissions (read by element name
at any depth) and KoBo webhooks (read by last path segment) map without a table; groups only
organise the screens. Labels in English and French (XLSForm ``label::Language (code)``).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from ttt.facts import SPECIES, species_name

FORM_ID = "flow_monitoring"
VERSION = "2026120101"
TITLE = "Flow monitoring / Suivi des flux"
HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "flow_monitoring.xlsx"

EN, FR = "English (en)", "Français (fr)"
SURVEY_COLUMNS = [
    "type", "name", f"label::{EN}", f"label::{FR}", f"hint::{EN}", f"hint::{FR}",
    "required", "constraint", f"constraint_message::{EN}", f"constraint_message::{FR}",
    "relevant", "appearance", "default",
]

#: The server's rules, stated in the form so a phone never finalises what the server refuses
#: (``required`` expressions, never constraints on empty answers: those are not evaluated).
HERD = "${zero_report} != 'yes'"
SOME_ANIMALS = " + ".join(f"${{{n}}}" for n in SPECIES[:-1]) + " + . > 0"  # on the last count question
COUNT_OK = ". >= 0 and . <= 100000"
COUNT_MSG = ("A whole number from 0 to 100000", "Un nombre entier de 0 à 100000")
SOME_MSG = ("A whole number from 0 to 100000, and at least one animal counted (else answer 'no herd passed')",
            "Un nombre entier de 0 à 100000, et au moins un animal compté (sinon répondez « aucun troupeau »)")
PEOPLE_OK = ". >= 0 and . <= 10000"
PEOPLE_MSG = ("A whole number from 0 to 10000", "Un nombre entier de 0 à 10000")
TEXT_MSG = ("At most 200 characters", "Au plus 200 caractères")


def _row(type_, name, en="", fr="", hint=("", ""), required="", constraint="", cmsg=("", ""),
         relevant="", appearance="", default=""):
    return [type_, name, en, fr, hint[0], hint[1], required, constraint, cmsg[0], cmsg[1],
            relevant, appearance, default]


def survey_rows() -> list[list[str]]:
    species = [(s, species_name(s, "en").capitalize(), species_name(s, "fr").capitalize()) for s in SPECIES]
    herders = [
        ("men", "Men", "Hommes"), ("women", "Women", "Femmes"),
        ("boys", "Boys (under 18)", "Garçons (moins de 18 ans)"),
        ("girls", "Girls (under 18)", "Filles (moins de 18 ans)"),
    ]
    rows = [
        _row("start", "start"),
        _row("end", "end"),
        _row("begin group", "grp_site", "Place and time", "Lieu et heure"),
        _row("select_one yes_no", "zero_report", "No herd passed (zero report)?",
             "Aucun troupeau n'est passé (rapport zéro) ?",
             hint=("Yes: you were on duty at the point and no herd passed today",
                   "Oui : vous étiez au point et aucun troupeau n'est passé aujourd'hui"),
             required="yes", default="no"),
        _row("text", "flow_point", "Flow monitoring point code", "Code du point de suivi des flux",
             hint=("e.g. ML05-FMP-03; leave empty for a mobile team's sighting (then give the GPS position)",
                   "ex. ML05-FMP-03 ; laisser vide pour une observation d'équipe mobile (donnez alors la position GPS)"),
             # one direction only: location depends on flow_point (two ways would be a cycle,
             # which JavaRosa refuses): no code -> the GPS position is required
             required="${zero_report} = 'yes'",
             constraint="string-length(.) <= 64", cmsg=("At most 64 characters", "Au plus 64 caractères")),
        _row("dateTime", "observed_at", "Date and time of the count", "Date et heure du comptage",
             required="yes", default="now()",
             constraint="decimal-date-time(.) <= decimal-date-time(now()) + 0.0069 and "
                        "decimal-date-time(.) >= decimal-date-time('2000-01-01T00:00:00.000Z')",
             cmsg=("Not in the future: check the phone's date and time",
                   "Pas dans le futur : vérifiez la date et l'heure du téléphone")),
        _row("geopoint", "location", "GPS position", "Position GPS",
             hint=("Required when there is no flow point code", "Obligatoire sans code de point de suivi"),
             required="${flow_point} = ''", relevant=HERD,
             # JavaRosa keeps "0 0" as an answer but serialises it empty: refuse it here
             constraint="string-length(.) > 0 and (number(selected-at(., 0)) != 0 or number(selected-at(., 1)) != 0)",
             cmsg=("No GPS fix (0, 0): wait for the position", "Pas de position GPS (0, 0) : attendez le signal")),
        _row("select_one compass", "direction", "Direction of travel", "Direction de déplacement",
             appearance="minimal", relevant=HERD),
        _row("end group", "grp_site"),
        _row("begin group", "grp_count", "Animals counted", "Animaux comptés", relevant=HERD),
    ]
    rows += [_row("integer", n, en, fr, required="yes",
                  constraint=COUNT_OK if n != "other" else f"{COUNT_OK} and {SOME_ANIMALS}",
                  cmsg=COUNT_MSG if n != "other" else SOME_MSG, default="0") for n, en, fr in species]
    rows += [
        _row("end group", "grp_count"),
        _row("begin group", "grp_herders", "Herders", "Bouviers / bergers", relevant=HERD),
    ]
    rows += [_row("integer", n, en, fr, required="yes", constraint=PEOPLE_OK, cmsg=PEOPLE_MSG,
                  default="0") for n, en, fr in herders]
    rows += [
        _row("end group", "grp_herders"),
        _row("begin group", "grp_move", "Movement", "Mouvement", relevant=HERD),
        _row("text", "origin", "Origin (P-code or place name)", "Origine (P-code ou nom du lieu)",
             constraint="string-length(.) <= 200", cmsg=TEXT_MSG),
        _row("text", "destination", "Destination (P-code or place name)",
             "Destination (P-code ou nom du lieu)", constraint="string-length(.) <= 200", cmsg=TEXT_MSG),
        _row("select_one flow_type", "flow_type", "Type of flow", "Type de flux", required="yes"),
        _row("select_one reason", "reason", "Reason for moving", "Raison du déplacement"),
        _row("select_one yes_no", "cross_border", "Crossing a border?", "Traversée de frontière ?"),
        _row("select_one yes_no", "has_certificate", "International Transhumance Certificate?",
             "Certificat International de Transhumance ?", relevant="${cross_border} = 'yes'"),
        _row("select_one yes_no", "already_counted", "Herd already counted elsewhere?",
             "Troupeau déjà compté ailleurs ?", required="yes"),
        _row("end group", "grp_move"),
        _row("text", "notes", "Notes", "Remarques", appearance="multiline",
             constraint="string-length(.) <= 4000", cmsg=("At most 4000 characters", "Au plus 4000 caractères")),
    ]
    return rows


def choice_rows() -> list[list[str]]:
    compass = [
        ("N", "North", "Nord"), ("NNE", "North-northeast", "Nord-nord-est"),
        ("NE", "Northeast", "Nord-est"), ("ENE", "East-northeast", "Est-nord-est"),
        ("E", "East", "Est"), ("ESE", "East-southeast", "Est-sud-est"),
        ("SE", "Southeast", "Sud-est"), ("SSE", "South-southeast", "Sud-sud-est"),
        ("S", "South", "Sud"), ("SSW", "South-southwest", "Sud-sud-ouest"),
        ("SW", "Southwest", "Sud-ouest"), ("WSW", "West-southwest", "Ouest-sud-ouest"),
        ("W", "West", "Ouest"), ("WNW", "West-northwest", "Ouest-nord-ouest"),
        ("NW", "Northwest", "Nord-ouest"), ("NNW", "North-northwest", "Nord-nord-ouest"),
    ]
    flow = [("entering", "Entering", "Entrant"), ("leaving", "Leaving", "Sortant"),
            ("transit", "Transit", "Transit"), ("internal", "Internal", "Interne")]
    reason = [("pasture", "Pasture", "Pâturage"), ("water", "Water", "Eau"),
              ("market", "Market", "Marché"), ("seasonal", "Seasonal transhumance",
                                                  "Transhumance saisonnière"),
              ("insecurity", "Insecurity or conflict", "Insécurité ou conflit"),
              ("disease", "Animal disease", "Maladie animale"), ("other", "Other", "Autre")]
    yes_no = [("yes", "Yes", "Oui"), ("no", "No", "Non")]
    out: list[list[str]] = []
    for list_name, items in (("compass", compass), ("flow_type", flow), ("reason", reason),
                             ("yes_no", yes_no)):
        out += [[list_name, n, en, fr] for n, en, fr in items]
    return out


def build(path: Path = OUTPUT) -> Path:
    """Write the workbook; deterministic content so rebuilding without changes is a no-op diff."""
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    for r in survey_rows():
        survey.append(r)
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", f"label::{EN}", f"label::{FR}"])
    for r in choice_rows():
        choices.append(r)
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "instance_name"])
    settings.append([TITLE, FORM_ID, VERSION, EN, "concat(${flow_point}, ' ', ${observed_at})"])
    wb.properties.creator = "ttt"
    wb.properties.created = wb.properties.modified = datetime(2026, 1, 1)  # stable bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


if __name__ == "__main__":  # pragma: no cover
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
