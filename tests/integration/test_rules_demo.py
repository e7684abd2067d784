"""The demo season through the real pipeline (ingestion -> queue -> engine -> alerts): the
engine finds every anomaly ttt.demo_data plants, with its evidence, and not a flood of others."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ttt.demo import seed_demo
from ttt.demo_data import generate

pytestmark = pytest.mark.slow

# Which alerts stand for each planted kind (the rules that should catch it).
RULES_FOR = {
    "mass": {"mass_flow_point", "mass_corridor"},
    "early": {"early_calendar", "early_history"},
    "late": {"late_calendar", "late_history"},
    "unexpected": {"unexpected_off_corridor", "unexpected_origin", "unexpected_species", "unexpected_destination",
                   "unexpected_out_of_season", "unexpected_closed"},
    "hazard": {"hazard_corridor", "hazard_ahead"},
}


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).date()


def test_demo_season_raises_the_planted_alerts_and_few_others(client, make_user, auth):
    admin = auth(make_user("admin")[1])
    data = generate()  # the same default seed as seed_demo: the same planted observation ids
    totals = seed_demo()
    assert totals["accepted"] == len(data.observations)

    r = client.post("/api/v1/rules/evaluate", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["observations"] == len(data.observations)
    alerts = client.get("/api/v1/alerts?limit=500", headers=admin).json()["items"]

    matched: set[int] = set()
    for p in data.planted:
        candidates = [
            a for a in alerts
            if a["rule"] in RULES_FOR[p.kind]
            and (p.flow_point is None or a["flow_point"] in (p.flow_point, None))
            and (p.corridor is None or a["corridor"] == p.corridor)
            and _day(a["window_start"]) <= p.day <= _day(a["window_end"])
            and (not p.observation_ids or set(p.observation_ids) & set(a["evidence"]["observations"]))
        ]
        assert candidates, f"planted {p.kind} at {p.flow_point or p.corridor} on {p.day} ({p.what}) not found"
        for a in candidates:
            ev = a["evidence"]
            assert ev["rule"] == a["rule"] and ev["rule_version"] and ev["observations"]
            assert "observed" in ev and "threshold" in ev and "baseline" in ev
            if p.observation_ids and a["flow_point"] == p.flow_point:
                assert set(p.observation_ids) <= set(ev["observations"]), (p.what, a["headline"])
        matched.update(a["id"] for a in candidates)

    mass = next(a for a in alerts if a["rule"] == "mass_flow_point" and a["flow_point"] == "ML05-FMP-03")
    assert mass["evidence"]["observed"] > mass["evidence"]["threshold"] >= 2000
    assert mass["severity"] in ("severe", "extreme")

    # two seasons at 24 points: what is not planted stays a handful
    others = [a for a in alerts if a["id"] not in matched]
    assert len(others) <= 3, [a["headline"] for a in others]

    # evaluating again finds nothing new
    again = client.post("/api/v1/rules/evaluate", headers=admin).json()
    assert again["created"] == [] and again["updated"] == []

    # the backtest of the current season tells staff the same story without writing anything
    bt = client.post("/api/v1/rules/backtest", json={"from": "2025-10-01", "to": "2026-09-30"}, headers=admin).json()
    assert set(bt["by_type"]) == {"mass", "early", "late", "unexpected", "hazard"}
    assert sum(bt["by_type"].values()) == len([a for a in alerts if _day(a["window_end"]) >= date(2025, 10, 1)])
    assert client.get("/api/v1/alerts?limit=1", headers=admin).json()["total"] == len(alerts)
