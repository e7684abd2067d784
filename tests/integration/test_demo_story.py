"""`ttt demo` shows every state an alert can be in, and playing it again adds nothing."""

from __future__ import annotations

import pytest

from ttt.demo import play_story, seed_demo

pytestmark = pytest.mark.slow


def test_the_demo_shows_every_state(client, admin_headers):
    seed_demo()
    states = play_story()
    for state in ("open", "acknowledged", "resolved", "closed", "new", "verifying", "confirmed", "dismissed",
                  "reopened"):
        assert states.get(state, 0) >= 1, (state, states)
    assert play_story() == states
    alerts = client.get("/api/v1/alerts?limit=500", headers=admin_headers).json()["items"]
    rules = [a for a in alerts if a["type"] != "event"]
    # the seasons' alerts are about past events: recorded, late, closed with an all clear
    assert rules and all(a["late"] and a["status"] == "resolved" for a in rules)
    resolved = next(a for a in alerts if a["outcome"])
    assert resolved["outcome"]["mode"] == "mediation" and resolved["corroborations"] == 1
    reopened = next(a for a in alerts if a["reopened_from"])
    assert reopened["reopened_from"] == resolved["id"]
    # one mass movement at a point and on its corridor is one alert carrying both measures
    mass = [a for a in rules if a["type"] == "mass"]
    assert len(mass) == 1 and set(mass[0]["evidence"]["measures"]) == {"mass_flow_point", "mass_corridor"}
    # the bushfire near Kaya shuts BF-C01: its alert names the open way round (the Djibo–Dori link)
    fire = next(a for a in rules if a["rule"] == "hazard_corridor" and a["corridor"] == "BF-C01")
    best = fire["evidence"]["rerouting"]["alternatives"][0]
    assert best["corridors"] == ["BF-C03", "BF-C02"] and best["detour_km"] > 0
    assert fire["evidence"]["rerouting"]["text"]["en"].startswith("Alternative route: corridor ")
