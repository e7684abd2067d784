"""An incremental run raises exactly what evaluating every rule over the whole history of
every touched place raises, however it gets there: split into chunks of places, or in two
phases (recent rows first, history only where a history rule may fire)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest
import yaml
from sqlalchemy import text

from alerts.alerts import repository as repo
from alerts.rules.config import DEFAULT_RULES_FILE, parse_rules
from alerts.runner.chunks import plan_chunks
from alerts.runner.incremental import queued_findings, quota_countries
from ttt.demo import seed_demo
from ttt.demo_data import generate

pytestmark = pytest.mark.slow
SCALE = 0.5


def _rules_with_a_quota():
    data = yaml.safe_load(DEFAULT_RULES_FILE.read_text())
    data["rules"].append({
        "id": "quota_ml_cattle", "type": "mass", "params": {"level": "country", "species": ["cattle"], "quota": 3000},
        "severity": {"on": "ratio", "levels": {"severe": 1.0}}, "suppress_hours": 0, "scope": "country:ML"})
    return parse_rules(data, source="test")


def _told(findings):
    return [(f.dedup_key, f.severity, f.headline["en"], f.evidence.as_dict()) for f in findings]


def _ids_on(session, day):
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return list(session.scalars(text("SELECT id::text FROM observations WHERE observed_at >= :a AND observed_at < :b"),
                                {"a": start, "b": start + timedelta(days=1)}))


def test_chunked_and_whole_runs_find_the_same(session):
    seed_demo(scale=SCALE)
    rules = _rules_with_a_quota()
    ids = list(session.scalars(text("SELECT observation_id::text FROM rule_queue ORDER BY id")))
    assert len(ids) > 5000
    network = repo.load_network(session)
    now = datetime(2026, 10, 15, tzinfo=UTC)

    corridor_ids, fp_ids, _, _ = repo.places_of(session, ids)
    estimate = repo.rows_by_place(session, datetime(2000, 1, 1, tzinfo=UTC), corridor_ids, fp_ids)
    assert len(plan_chunks(network, corridor_ids, fp_ids, estimate, quota_countries(rules), budget=1)) > 2

    whole, since_a = queued_findings(session, network, rules, ids, now, chunk_rows=10**9, screen_history=False)
    chunked, since_b = queued_findings(session, network, rules, ids, now, chunk_rows=1, screen_history=False)
    assert since_a == since_b
    places = {f.place.split(":")[0] for f in whole}
    assert {"fp", "corridor", "country"} <= places, places  # every kind of owner is exercised
    assert _told(chunked) == _told(whole)


@pytest.mark.parametrize("with_quota", [False, True])
def test_two_phase_runs_find_what_whole_history_runs_find(session, with_quota):
    """Day by day uploads on the days the demo plants anomalies (mass, early, late, novel,
    hazard) and on random days, plus a batch scattered over the season."""
    seed_demo(scale=SCALE)
    rules = _rules_with_a_quota() if with_quota else parse_rules(yaml.safe_load(DEFAULT_RULES_FILE.read_text()))
    network = repo.load_network(session)
    data = generate(scale=SCALE)
    rng = random.Random(7)
    days = sorted({p.day for p in data.planted} | {p.day + timedelta(days=1) for p in data.planted})
    all_days = session.scalars(text("SELECT DISTINCT (observed_at AT TIME ZONE 'UTC')::date FROM observations ORDER BY 1"))
    days += rng.sample(list(all_days), 6)
    batches = [(_ids_on(session, d), datetime.combine(d, time(23, 59), tzinfo=UTC)) for d in days]
    everything = list(session.scalars(text("SELECT id::text FROM observations")))
    batches.append((rng.sample(everything, 300), datetime(2026, 10, 1, tzinfo=UTC)))
    fired = 0
    for ids, now in batches:
        if not ids:
            continue
        reference, since_a = queued_findings(session, network, rules, ids, now, screen_history=False)
        two_phase, since_b = queued_findings(session, network, rules, ids, now, chunk_rows=1)  # many chunks
        assert since_a == since_b
        assert _told(two_phase) == _told(reference), f"batch up to {now}"
        fired += len(reference)
    assert fired > 20  # the batches do raise findings of every kind, so the comparison means something
