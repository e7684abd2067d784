"""The bench's data generator is deterministic for a seed: two runs compare the same data,
so a change in a figure comes from the code measured, not from different input."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is a top-level folder, not installed

from bench.generate import copy_rows, network, records, season_observations  # noqa: E402


def _data(seed: int):
    net = network(seed, n_flow_points=25, per_corridor=5)
    obs = season_observations(net, seed, date(2025, 10, 1), 400)
    return net, obs


def test_same_seed_same_network_and_records():
    net_a, obs_a = _data(7)
    net_b, obs_b = _data(7)
    assert net_a.fp_codes == net_b.fp_codes
    assert [line.wkt for line in net_a.corridor_lines] == [line.wkt for line in net_b.corridor_lines]
    assert records(net_a, obs_a) == records(net_b, obs_b)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    rows_a = list(copy_rows(net_a, obs_a, list(range(25)), list(range(5)), None, when))
    rows_b = list(copy_rows(net_b, obs_b, list(range(25)), list(range(5)), None, when))
    assert rows_a == rows_b


def test_another_seed_other_data():
    _, obs_a = _data(7)
    _, obs_b = _data(8)
    assert obs_a.uuids() != obs_b.uuids()
    assert not np.array_equal(obs_a.counts, obs_b.counts)


def test_records_follow_the_observation_contract():
    from corridors.observations.schemas import ValidationOptions, validate_records

    net, obs = _data(3)
    recs = records(net, obs)
    assert len(recs) == 400 and len({r["id"] for r in recs}) == 400
    assert all(r["flow_point"] in net.fp_codes for r in recs)
    verdicts = validate_records(recs, ValidationOptions())
    assert [v.errors for v in verdicts if not v.ok] == []
    days = {r["observed_at"][:10] for r in recs}
    assert all(date.fromisoformat(d).weekday() < 5 for d in days)  # enumerators count on weekdays
