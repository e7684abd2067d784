"""French versions of the validation messages enumerators read in ODK Collect.

The validators speak English (the API's language); an enumerator whose phone is set to French
should read why a count was refused in French. Each English message shape has one pattern
here; anything unknown is passed through unchanged rather than mistranslated.
"""

from __future__ import annotations

import re

_WHAT = {"animals": "d'animaux", "people": "de personnes"}

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^expected a whole number of (animals|people) from 0 to (\d+), got (.*?)( \(negative\)| \(above the limit\))?$"), "whole"),
    (re.compile(r"^expected a whole number of (animals|people) from 0 to (\d+), got a boolean$"), "whole_bool"),
    (re.compile(r"^expected a GPS position; 0,0 means the device had no fix$"),
     "position GPS attendue ; 0,0 signifie que l'appareil n'avait pas de signal"),
    (re.compile(r"^expected a compass (?:point|direction) .* got (.*)$"),
     r"direction attendue : point cardinal (N, NNE, NE ... NNO), mot (« sud-ouest ») ou degrés 0-360, reçu \1"),
    (re.compile(r"^(?:expected degrees from 0 to 360|a heading in degrees must be 0-360), got (.*)$"),
     r"degrés de 0 à 360 attendus, reçu \1"),
    (re.compile(r"^expected true or false .*got (.*)$"), r"oui ou non attendu, reçu \1"),
    (re.compile(r"^expected a UUID made by the device.*got (.*)$"),
     r"identifiant UUID de l'appareil attendu, reçu \1"),
    (re.compile(r"^expected a date and time with a timezone offset.*$"),
     "date et heure avec fuseau horaire attendues, ex. 2026-02-03T07:15:00+00:00"),
    (re.compile(r"^is in the future \((.*) is after (.*)\); check the device's date and time$"),
     r"est dans le futur (\1 est après \2) ; vérifiez la date et l'heure de l'appareil"),
    (re.compile(r"^expected a date after (.*), got (.*)$"), r"date postérieure au \1 attendue, reçu \2"),
    (re.compile(r"^expected one of entering, leaving, transit, internal, got (.*)$"),
     r"type de flux attendu : entrant, sortant, transit ou interne, reçu \1"),
    (re.compile(r"^expected a flow_point code, or a location when there is none$"),
     "code du point de suivi attendu, ou une position GPS à défaut"),
    (re.compile(r"^is required.*$"), "est obligatoire"),
    (re.compile(r"^unknown field; expected one of (.*)$"), r"champ inconnu ; champs possibles : \1"),
    (re.compile(r"^expected (longitude|latitude) from (\S+) to (\S+), got (.*)$"), "lonlat"),
    (re.compile(r"^expected a number in decimal degrees, got (.*)$"), r"nombre en degrés décimaux attendu, reçu \1"),
    (re.compile(r"^unknown flow point (.*?); expected .*$"),
     r"point de suivi \1 inconnu ; donnez le code d'un point enregistré (ou seulement la position GPS)"),
    (re.compile(r"^this place \((.*)\) is outside your areas \((.*)\)$"), r"ce lieu (\1) est hors de vos zones (\2)"),
    (re.compile(r"^expected at most (\d+) characters$"), r"au plus \1 caractères"),
    (re.compile(r"^no animals counted: .*$"),
     "aucun animal compté : au moins un nombre supérieur à 0 est attendu (bovins, ovins, caprins, camelins, "
     "asins, équins ou autres) ; pour dire qu'aucun troupeau n'est passé, envoyez un rapport « aucun troupeau »"),
    (re.compile(r"^a zero report says no herd passed, but it counts animals.*$"),
     "un rapport « aucun troupeau » ne peut pas compter d'animaux ; envoyez le troupeau comme un comptage"),
    (re.compile(r"^is required: a zero report is for one flow point.*$"),
     "est obligatoire : un rapport « aucun troupeau » concerne un point de suivi ; donnez son code"),
    (re.compile(r"^is required: expected the code of the flow point the zero report is for$"),
     "est obligatoire : donnez le code du point de suivi du rapport « aucun troupeau »"),
    (re.compile(r"^a zero report covers at most (\d+) days, got (\d+)$"),
     r"un rapport « aucun troupeau » couvre au plus \1 jours, reçu \2"),
    (re.compile(r"^period_to \((.*)\) is after the report was made \((.*)\).*$"),
     r"la fin de période (\1) est après la date du rapport (\2) ; signalez un jour une fois terminé"),
    (re.compile(r"^period_to \((.*)\) is before period_from \((.*)\)$"),
     r"la fin de période (\1) est avant son début (\2)"),
    (re.compile(r"^replaces names this record itself.*$"),
     "replaces désigne ce même envoi ; donnez l'identifiant de l'envoi corrigé"),
    (re.compile(r"^conflict: an observation with id (\S+) .*$"),
     r"conflit : une observation avec l'identifiant \1 a déjà été reçue avec un autre contenu"),
]


def to_french(message: str) -> str:
    """The French version of one validation message (unchanged when its shape is unknown)."""
    for pattern, repl in _PATTERNS:
        m = pattern.match(message)
        if not m:
            continue
        if repl == "whole":
            what, limit, got, why = m.groups()
            note = {" (negative)": " (négatif)", " (above the limit)": " (au-dessus de la limite)"}.get(why or "", "")
            return f"nombre entier {_WHAT[what]} de 0 à {limit} attendu, reçu {got}{note}"
        if repl == "whole_bool":
            what, limit = m.groups()
            return f"nombre entier {_WHAT[what]} de 0 à {limit} attendu, reçu un booléen"
        if repl == "lonlat":
            which, lo, hi, got = m.groups()
            return f"{which} de {lo} à {hi} attendue, reçu {got}"
        return m.expand(repl)
    return message
