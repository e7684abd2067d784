"""An incremental run split into chunks of places raises exactly the findings of one run
over everything at once: same alerts, severities and evidence, quota included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from sqlalchemy import text

from alerts.alerts import repository as repo
from alerts.chunks import plan_chunks
from alerts.engine import _quota_countries, queued_findings
from alerts.rules.config import DEFAULT_RULES_FILE, parse_rules
from ttt.demo import seed_demo

pytestmark = pytest.mark.slow


def _rules_with_a_quota():
    data = yaml.safe_load(DEFAULT_RULES_FILE.read_text())
    data["rules"].append({
        "id": "quota_ml_cattle", "type": "mass", "params": {"level": "country", "species": ["cattle"], "quota": 20000},
        "severity": {"on": "ratio", "levels": {"severe": 1.0}}, "suppress_hours": 0, "scope": "country:ML"})
    return parse_rules(data, source="test")


def _told(findings):
    return [(f.dedup_key, f.severity, f.headline["en"], f.evidence.as_dict()) for f in findings]


def test_chunked_and_whole_runs_find_the_same(session):
    seed_demo(scale=0.5)
    rules = _rules_with_a_quota()
    ids = list(session.scalars(text("SELECT observation_id::text FROM rule_queue ORDER BY id")))
    assert len(ids) > 5000
    network = repo.load_network(session)
    now = datetime(2026, 10, 15, tzinfo=UTC)

    corridor_ids, fp_ids, _ = repo.places_of(session, ids)
    estimate = repo.rows_by_place(session, datetime(2000, 1, 1, tzinfo=UTC), corridor_ids, fp_ids)
    assert len(plan_chunks(network, corridor_ids, fp_ids, estimate, _quota_countries(rules), budget=1)) > 2

    whole, since_a = queued_findings(session, network, rules, ids, now, chunk_rows=10**9)
    chunked, since_b = queued_findings(session, network, rules, ids, now, chunk_rows=1)
    assert since_a == since_b
    places = {f.place.split(":")[0] for f in whole}
    assert {"fp", "corridor", "country"} <= places, places  # every kind of owner is exercised
    assert _told(chunked) == _told(whole)
