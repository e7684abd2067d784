"""Enumerators with French phones read refusals in French; unknown shapes pass unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from corridors.ingest.messages_fr import to_french
from corridors.observations.schemas import ValidationOptions, validate_records

NOW = datetime(2026, 2, 10, tzinfo=UTC)


def _messages(raw):
    (res,) = validate_records([raw], ValidationOptions(now=NOW))
    return [e["message"] for e in res.errors]


@pytest.mark.parametrize(
    ("raw", "french"),
    [
        ({"counts": {"cattle": -5}}, "nombre entier d'animaux de 0 à 100000 attendu, reçu -5 (négatif)"),
        ({"observed_at": "2027-01-01T00:00:00+00:00"}, "est dans le futur"),
        ({"observed_at": "2026-01-01T00:00:00"}, "date et heure avec fuseau horaire"),
        ({"direction": "haut"}, "direction attendue"),
        ({"flow_type": "x"}, "entrant, sortant, transit ou interne"),
        ({"cross_border": "peut-être"}, "oui ou non attendu"),
        ({"location": {"lon": 200, "lat": 14}}, "longitude de -180 à 180 attendue, reçu 200"),
        ({"id": "abc"}, "identifiant UUID"),
        ({"counts": {"cattle": 0}}, "aucun animal compté"),
        ({"zero_report": True, "counts": {"cattle": 3}}, "ne peut pas compter d'animaux"),
        ({"replaces": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11"}, "replaces désigne ce même envoi"),
    ],
)
def test_every_common_refusal_has_a_french_version(raw, french):
    base = {"id": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", "flow_point": "P", "observed_at": "2026-02-03T07:15:00+00:00",
            "counts": {"cattle": 1}}
    (msg,) = _messages({**base, **raw})
    assert french in to_french(msg)
    assert to_french(msg) != msg


def test_unknown_messages_pass_unchanged():
    assert to_french("something new") == "something new"
