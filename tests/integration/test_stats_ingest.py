"""End to end: herds posted through the ingestion API appear in the statistics at once,
a re-sent batch changes nothing (no coupling: the rollup triggers do the work)."""

from __future__ import annotations

import pytest

from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import CORRIDOR, FMP, record

network = support.network  # shared fixture
pytestmark = pytest.mark.usefixtures("network")


def test_posted_observations_show_up_in_stats_and_resending_changes_nothing(client, make_user, auth):
    _, enumerator = make_user("enumerator")
    _, analyst = make_user("analyst")
    batch = [record(), record(counts={"camels": 12}, herders={"men": 1}),
             record(observed_at="2026-02-27T23:30:00-01:00")]  # 28 February in UTC: next month
    r = client.post("/api/v1/observations", json={"observations": batch}, headers=auth(enumerator))
    assert r.json()["accepted"] == 3, r.text
    params = {"from": "2026-02-01", "to": "2026-02-28", "interval": "month"}

    def totals():
        body = client.get(f"/api/v1/stats/flow-points/{FMP}", params=params, headers=auth(analyst)).json()
        return body["totals"]

    t = totals()
    assert t["observations"] == 3
    assert t["animals"]["cattle"] == 240 and t["animals"]["camels"] == 12  # the camels-only record has no cattle
    assert t["animals"]["total"] == 2 * (120 + 40 + 35 + 2) + 12
    assert t["movement"]["descent"] == t["animals"]["total"]  # heading south on a north->south corridor
    assert t["herders"]["men"] == 3 + 1 + 3
    client.post("/api/v1/observations", json={"observations": batch}, headers=auth(enumerator))
    assert totals() == t
    corridor = client.get(f"/api/v1/stats/corridors/{CORRIDOR}", params=params, headers=auth(analyst)).json()
    assert corridor["totals"] == t
