"""Which alerts call for rerouting, and the words of the alternative (fr and en)."""

from __future__ import annotations

from alerts.alerts.models import Alert
from alerts.alerts.rerouting import wants_rerouting
from corridors.network.words import alternative_sentence, no_route_sentence

ALT = {"corridors": ["BF-C03", "BF-C02"], "main_corridor": "BF-C02",
       "corridor_names": {"BF-C03": "Djibo – Dori", "BF-C02": "Gorom-Gorom – Dori – Fada"},
       "detour_km": 41.6, "extra_walking_days": 2.4, "resources_count": {"water_point": 4}}


def test_hazards_closed_places_and_conflicts_on_a_corridor_call_for_rerouting():
    assert wants_rerouting(Alert(type="hazard", corridor_code="A", evidence={}))
    assert wants_rerouting(Alert(type="unexpected", corridor_code="A", evidence={"details": {"check": "closed"}}))
    assert not wants_rerouting(Alert(type="unexpected", corridor_code="A", evidence={"details": {"check": "off_corridor"}}))
    assert wants_rerouting(Alert(type="event", event_kind="conflict", corridor_code="A", evidence={}))
    assert not wants_rerouting(Alert(type="event", event_kind="flood", corridor_code="A", evidence={}))
    assert not wants_rerouting(Alert(type="hazard", corridor_code=None, evidence={}))
    assert not wants_rerouting(Alert(type="mass", corridor_code="A", evidence={}))


def test_the_alternative_in_words():
    assert alternative_sentence(ALT, "fr") == ("Itinéraire de remplacement : couloir Gorom-Gorom – Dori – Fada via "
                                               "Djibo – Dori, +42 km, environ 3 jours de marche en plus, 4 points d'eau")
    assert alternative_sentence(ALT, "en") == ("Alternative route: corridor Gorom-Gorom – Dori – Fada via Djibo – Dori, "
                                               "+42 km, about 3 more days of walking, 4 water points")
    one = {**ALT, "detour_km": 1234.4, "extra_walking_days": 0.6, "resources_count": {"water_point": 1}}
    assert alternative_sentence(one, "fr").endswith("+1\u202f234 km, environ 1 jour de marche en plus, 1 point d'eau")


def test_no_route_names_what_closes_the_way():
    fire = {"kind": "hazard", "ref": "3", "direction": "both", "detail": {"kind": "bushfire", "corridor": "BF-C01"}}
    cal = {"kind": "calendar", "ref": "TG-C01", "direction": "descent", "detail": {"opens": "01-31", "closes": "05-31"}}
    assert no_route_sentence([fire, cal], "fr") == (
        "Aucun itinéraire de remplacement ouvert : feu de brousse sur le couloir BF-C01 ; "
        "descente fermée sur le couloir TG-C01 par le calendrier (ouverte du 31/01 au 31/05).")
    assert "(open 31 Jan – 31 May)" in no_route_sentence([cal], "en")
    assert no_route_sentence([fire], "en") == "No open alternative route: bushfire on corridor BF-C01."
