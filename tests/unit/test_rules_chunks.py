"""Planning an incremental run in chunks: a flow point stays with its corridor, a quota
country stays whole, the row budget splits the rest, and each place has one owner."""

from __future__ import annotations

from alerts.alerts.repository import Network
from alerts.rules.model import Corridor, FlowPoint
from alerts.runner.chunks import OFF_NETWORK, plan_chunks

NETWORK = Network(
    corridors=(Corridor("ML-1", countries=("ML",)), Corridor("ML-2", countries=("ML",)),
               Corridor("TG-1", countries=("TG",)), Corridor("TG-2", countries=("TG", "BJ"))),
    flow_points=(FlowPoint("ML-1-A", 0, "ML"), FlowPoint("ML-2-A", 1, "ML"), FlowPoint("TG-1-A", 2, "TG"),
                 FlowPoint("LOOSE", -1, None)),
    calendars=(), hazards=(),
    corridor_index={11: 0, 12: 1, 21: 2, 22: 3},
    fp_index={101: 0, 102: 1, 201: 2, 900: 3},
)
ROWS = {(11, 101): 500, (12, 102): 500, (21, 201): 500, (22, 0): 500, (0, 900): 500}


def _where(chunks, kind, db_id):
    return [i for i, c in enumerate(chunks) if db_id in (c.corridor_ids if kind == "c" else c.flow_point_ids)]


def test_a_small_budget_gives_one_chunk_per_corridor_with_its_flow_points():
    chunks = plan_chunks(NETWORK, [11, 12, 21, 22], [101, 102, 201, 900], ROWS, None, budget=1)
    assert len(chunks) == 5
    for corridor, point in ((11, 101), (12, 102), (21, 201)):
        assert _where(chunks, "c", corridor) == _where(chunks, "f", point)
    assert len(_where(chunks, "f", 900)) == 1  # a point on no corridor is a chunk of its own
    # every place is owned exactly once, off-network observations by the first chunk
    for key in ("corridor:ML-1", "corridor:TG-2", "fp:ML-2-A", "fp:LOOSE"):
        assert sum(key in c.owned for c in chunks) == 1, key
    assert OFF_NETWORK in chunks[0].owned


def test_a_large_budget_gives_a_single_chunk():
    chunks = plan_chunks(NETWORK, [11, 12, 21, 22], [101, 102, 201, 900], ROWS, None, budget=10**9)
    assert len(chunks) == 1
    assert sorted(chunks[0].corridor_ids) == [11, 12, 21, 22] and chunks[0].rows == 2500


def test_a_quota_country_is_never_split():
    chunks = plan_chunks(NETWORK, [11, 12, 21, 22], [101, 102, 201], ROWS, {"TG"}, budget=1)
    tg = _where(chunks, "c", 21)
    assert tg == _where(chunks, "c", 22) == _where(chunks, "f", 201)
    assert _where(chunks, "c", 11) != _where(chunks, "c", 12)  # no quota in ML: split as usual
    assert sum("country:TG" in c.owned for c in chunks) == 1


def test_an_everywhere_quota_keeps_each_country_whole():
    chunks = plan_chunks(NETWORK, [11, 12, 21], [101, 102], ROWS, {"*"}, budget=1)
    assert _where(chunks, "c", 11) == _where(chunks, "c", 12) == _where(chunks, "f", 102)
    assert _where(chunks, "c", 21) != _where(chunks, "c", 11)
