"""Reads on a real streaming replica: a throw-away primary cluster, a second throw-away
cluster made from it with ``pg_basebackup -R`` (a hot standby), and the API started with
``TTT_DATABASE_READ_URL`` pointing at the standby.

Statistics, OGC, lists and exports are read on the standby (its connections are named
``ttt-read``); when it falls behind (replay paused while the primary takes writes) or stops,
the same requests are answered from the primary, with what was just written, and /health
says why.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.orm import Session

from tests.faults.harness import ApiProcess, PgCluster, wait_until, why_no_cluster

pytestmark = pytest.mark.fault
DB = "ttt_replica"
ITEMS = "/ogc/collections/corridors/items"


@pytest.fixture
def clean_db():
    """These tests never touch the shared database."""
    yield


def _scalar(url: str, sql: str):
    eng = create_engine(url, poolclass=pool.NullPool)
    try:
        with eng.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def clusters():
    reason = why_no_cluster()
    if reason:
        pytest.skip(f"no private PostgreSQL cluster possible: {reason}")
    primary = PgCluster()
    standby = None
    try:
        primary.start()
        from ttt.migrate import ensure_database, upgrade

        ensure_database(primary.url(DB))
        upgrade(primary.url(DB), "head")
        standby = PgCluster(standby_of=primary)
        standby.start()
        yield primary, standby
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()


def _corridor(url: str, code: str, x: float) -> None:
    eng = create_engine(url, poolclass=pool.NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(text("INSERT INTO corridors (code, name, geom, tolerance_m, countries, pcodes, status, "
                              "created_at, updated_at) VALUES (:c, :n, ST_GeomFromText(:wkt, 4326), 5000, '{ML}', "
                              "'{}', 'open', now(), now())"),
                         {"c": code, "n": f"corridor {code}", "wkt": f"LINESTRING({x} 15, {x} 14)"})
    finally:
        eng.dispose()


def _codes(api: ApiProcess, token: str) -> set[str]:
    r = httpx.get(api.base + ITEMS, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return {f["id"] for f in r.json()["features"]}


def _replica_state(api: ApiProcess) -> str:
    return httpx.get(api.base + "/health", timeout=5).json()["replica"]["state"]


def test_reads_go_to_the_replica_and_fall_back_to_the_primary_when_it_lags_or_stops(clusters):
    primary, standby = clusters
    from ttt.users import create_user

    eng = create_engine(primary.url(DB), poolclass=pool.NullPool)
    with Session(eng) as s, s.begin():
        _, token = create_user(s, "analyst-r", "analyst")
    eng.dispose()
    _corridor(primary.url(DB), "C-1", -4.0)
    assert wait_until(lambda: _scalar(standby.url(DB), "SELECT count(*) FROM corridors") == 1, timeout=30)
    assert _scalar(standby.url(DB), "SELECT pg_is_in_recovery()") is True

    api = ApiProcess(primary.url(DB), {"TTT_DATABASE_READ_URL": standby.url(DB), "TTT_DATABASE_READ_MAX_LAG_S": "1"})
    api.start()
    try:
        assert wait_until(lambda: _replica_state(api) == "ok", timeout=30)
        assert _codes(api, token) == {"C-1"}
        reading = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ttt-read' AND datname = 'ttt_replica'"
        assert _scalar(standby.url(DB), reading) >= 1  # the OGC read was served by the standby
        assert _scalar(primary.url(DB), reading) == 0

        # the standby falls behind: replay paused while the primary takes a write
        _scalar(standby.url(DB), "SELECT pg_wal_replay_pause()")
        _corridor(primary.url(DB), "C-2", -3.0)
        assert wait_until(lambda: _replica_state(api) == "lagging", timeout=30)
        assert _codes(api, token) == {"C-1", "C-2"}  # answered by the primary, with the fresh write
        assert _scalar(standby.url(DB), "SELECT count(*) FROM corridors") == 1  # the standby has not got it

        _scalar(standby.url(DB), "SELECT pg_wal_replay_resume()")
        assert wait_until(lambda: _replica_state(api) == "ok", timeout=30)

        # the standby stops: reads go on from the primary
        standby.stop("fast")
        assert wait_until(lambda: _replica_state(api) == "unavailable", timeout=30)
        _corridor(primary.url(DB), "C-3", -2.0)
        assert _codes(api, token) == {"C-1", "C-2", "C-3"}
        health = httpx.get(api.base + "/health", timeout=5)
        assert health.status_code == 200 and health.json()["database"] == "ok"
    finally:
        api.close()
