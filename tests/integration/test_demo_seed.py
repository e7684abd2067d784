"""The demo seed: a plausible network and season, deterministic, and idempotent."""

from __future__ import annotations

from sqlalchemy import func, select, text

from alerts.delivery.models import Subscription
from corridors.geodata.models import Calendar, Corridor, FlowPoint, Hazard
from corridors.observations.models import Observation
from ttt.demo import seed_demo
from ttt.demo_data import generate


def test_generation_is_deterministic_for_a_seed():
    a, b, c = generate(seed=5, scale=0.1), generate(seed=5, scale=0.1), generate(seed=6, scale=0.1)
    assert [o["id"] for o in a.observations] == [o["id"] for o in b.observations]
    assert [o["id"] for o in a.observations] != [o["id"] for o in c.observations]


def test_seed_creates_the_network_and_season_once(session):
    first = seed_demo(scale=0.15)
    data = generate(scale=0.15)
    assert first["accepted"] == len(data.observations) and first["rejected"] == 0
    count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Corridor) == 7 and 15 <= count(FlowPoint) <= 30
    assert count(Hazard) == 3 and count(Subscription) == 2
    # one bushfire arrived by itself: from the demo's FIRMS sample, with its provenance
    fire = session.scalars(select(Hazard).where(Hazard.feed_id.is_not(None))).one()
    assert fire.kind == "bushfire" and fire.source_id.startswith("firms:2025-12-06T1236Z") and fire.pulled_at
    directions = set(session.scalars(select(Calendar.direction)))
    assert directions == {"descent", "return"}
    # every flow point sits on its corridor, with km along and P-codes
    unplaced = session.scalar(text("SELECT count(*) FROM flow_points WHERE corridor_id IS NULL OR km_along IS NULL"))
    assert unplaced == 0
    # the planted anomalies are stored, and the mobile team's sighting is off every corridor
    planted_ids = [i for p in data.planted for i in p.observation_ids]
    stored = session.scalar(select(func.count()).select_from(Observation).where(
        Observation.id.in_(planted_ids)))
    assert stored == len(planted_ids)
    off = session.scalar(select(func.count()).select_from(Observation).where(Observation.off_corridor.is_(True)))
    assert off >= 1
    # descent in Oct-Jan and return in May-Jul dominate the season's shape
    by_month = dict(session.execute(text(
        "SELECT extract(month FROM observed_at)::int, count(*) FROM observations GROUP BY 1")).all())
    assert by_month.get(12, 0) > 10 * by_month.get(3, 0) + 1
    assert by_month.get(6, 0) > 10 * by_month.get(3, 0) + 1

    assert seed_demo(scale=0.15) is None  # already seeded: nothing to do
    again = seed_demo(scale=0.15, force=True)
    assert again["accepted"] == 0 and again["duplicate"] == len(data.observations)
    assert count(Observation) == len(data.observations) and count(Corridor) == 7
