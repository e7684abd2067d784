"""Enumerators read refusals in their phone's language: each message is made once, in the
validator, and said again from the catalogues (no translation of English text after the fact)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from corridors.ingest.service import lang_of
from corridors.observations.schemas import ValidationOptions, validate_records
from ttt.i18n import Text, say

NOW = datetime(2026, 2, 10, tzinfo=UTC)
BASE = {"id": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", "flow_point": "P", "observed_at": "2026-02-03T07:15:00+00:00",
        "counts": {"cattle": 1}}


def _messages(raw):
    (res,) = validate_records([raw], ValidationOptions(now=NOW))
    return [e["message"] for e in res.errors]


@pytest.mark.parametrize(
    ("raw", "english", "french"),
    [
        ({"counts": {"cattle": -5}}, "expected a whole number of animals from 0 to 100000, got -5 (negative)",
         "nombre entier d'animaux de 0 à 100000 attendu, reçu -5 (négatif)"),
        ({"observed_at": "2027-01-01T00:00:00+00:00"}, "is in the future", "est dans le futur"),
        ({"observed_at": "2026-01-01T00:00:00"}, "expected a date and time with a timezone offset",
         "date et heure avec fuseau horaire"),
        ({"direction": "haut"}, "expected a compass direction", "direction attendue"),
        ({"flow_type": "x"}, "expected one of entering, leaving", "entrant, sortant, transit ou interne"),
        ({"cross_border": "peut-être"}, "expected true or false", "oui ou non attendu"),
        ({"location": {"lon": 200, "lat": 14}}, "expected longitude from -180 to 180, got 200",
         "longitude de -180 à 180 attendue, reçu 200"),
        ({"id": "abc"}, "expected a UUID made by the device", "identifiant UUID"),
        ({"colour": "red"}, "unknown field; expected one of", "champ inconnu"),
        ({"counts": {"cattle": 0}}, "no animals counted", "aucun animal compté"),
        ({"zero_report": True, "counts": {"cattle": 3}}, "but it counts animals", "ne peut pas compter d'animaux"),
        ({"replaces": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11"}, "replaces names this record itself",
         "replaces désigne ce même envoi"),
    ],
)
def test_every_common_refusal_is_said_in_french_and_arabic(raw, english, french):
    (msg,) = _messages({**BASE, **raw})
    assert isinstance(msg, Text) and english in msg  # the API still answers in English
    assert french in say(msg, "fr")
    arabic = say(msg, "ar")
    assert arabic != msg and any("\u0600" <= ch <= "\u06ff" for ch in arabic)


def test_plain_strings_pass_unchanged_and_phones_pick_a_catalogue():
    assert say("something new", "fr") == "something new"
    assert lang_of("fr-FR,fr;q=0.9,en;q=0.8") == "fr" and lang_of("ar-TD") == "ar"
    assert lang_of("ha-NG, de") == "en" and lang_of(None) == "en"
