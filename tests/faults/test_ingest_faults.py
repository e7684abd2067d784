"""Ingestion under faults, against a private PostgreSQL cluster and a real uvicorn process.

1. The database is restarted (crash-stopped) while a batch is being written: the client gets
   503 (or, if the commit won the race, 200), requests during the outage get 503 with
   Retry-After, a retry after the restart succeeds, and in the end every record is stored
   exactly once.
2. The API process is SIGKILLed in the middle of a batch: the batch is all there or not there
   at all (never half-written), and resending it after a restart stores it exactly once.
"""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.orm import Session

from tests.faults.harness import ApiProcess, migrated_cluster, wait_until
from tests.integration.ingest_factories import CORRIDOR, FMP, record

pytestmark = pytest.mark.fault
DB = "ttt_fault"


@pytest.fixture
def clean_db():
    """These tests never touch the shared database."""
    yield


@pytest.fixture(scope="module")
def cluster():
    with migrated_cluster(DB) as c:
        yield c


@pytest.fixture(scope="module")
def fault_engine(cluster):
    eng = create_engine(cluster.url(DB), poolclass=pool.NullPool)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def enumerator_token(fault_engine) -> str:
    """A corridor with a flow point (as in the ingestion tests) and an enumerator's token."""
    from corridors.geodata.models import Corridor, FlowPoint
    from ttt.users import create_user

    with Session(fault_engine) as s, s.begin():
        c = Corridor(code=CORRIDOR, name="Mopti - Burkina", geom="SRID=4326;LINESTRING(-4.2 15.0, -4.2 14.0)",
                     tolerance_m=5000.0, countries=["ML"], pcodes=["ML05"])
        s.add(c)
        s.flush()
        s.add(FlowPoint(code=FMP, name="Konna", geom="SRID=4326;POINT(-4.196 14.4843)", corridor_id=c.id,
                        adm0_pcode="ML", adm1_pcode="ML05", adm2_pcode="ML0506"))
        _, token = create_user(s, "fault-enum", "enumerator")
    return token


@pytest.fixture
def api(cluster, enumerator_token):
    p = ApiProcess(cluster.url(DB))
    p.start()
    yield p
    p.close()


def _stored(engine, ids: list[str]) -> tuple[int, int]:
    """(rows, distinct ids) among the given observation ids."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT count(*), count(DISTINCT id) FROM observations WHERE CAST(id AS text) = ANY(:ids)"
        ), {"ids": ids}).one())


def _unqueued(engine, ids: list[str]) -> int:
    """Stored observations among ``ids`` that never reached the rules' queue (the engine is not
    running in these tests, so nothing drains it)."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM observations o LEFT JOIN rule_queue q ON q.observation_id = o.id "
            "WHERE q.observation_id IS NULL AND CAST(o.id AS text) = ANY(:ids)"), {"ids": ids}).scalar_one()


def _post(api: ApiProcess, token: str, batch: list[dict], timeout: float = 120) -> httpx.Response:
    return httpx.post(api.base + "/api/v1/observations", json={"observations": batch},
                      headers={"Authorization": f"Bearer {token}"}, timeout=timeout)


def _post_until_ok(api, token, batch, attempts: int = 60) -> httpx.Response:
    """What a well-behaved client does after a 503: wait as told and resend the same batch."""
    last = None
    for _ in range(attempts):
        try:
            last = _post(api, token, batch)
        except httpx.TransportError:
            last = None
        if last is not None and last.status_code == 200:
            return last
        wait_until(lambda: False, 0.5)
    raise AssertionError(f"the batch was never accepted; last answer: {last and last.status_code} "
                         f"{last and last.text[:300]}\n{api.output()}")


def test_database_restart_during_ingestion_loses_nothing_and_duplicates_nothing(cluster, api, fault_engine,
                                                                             enumerator_token):
    token = enumerator_token
    first = [record() for _ in range(300)]
    during = [record() for _ in range(5)]
    outcome: dict = {}

    def send_first():
        try:
            outcome["response"] = _post(api, token, first)
        except httpx.TransportError as exc:  # never expected: the API itself stays up
            outcome["error"] = exc

    sender = threading.Thread(target=send_first)
    sender.start()
    wait_until(lambda: cluster.busy_backends(DB) > 0, timeout=20)  # a write transaction is open
    cluster.stop("immediate")  # a crash, as when the database host reboots
    try:
        sender.join(timeout=120)
        assert "error" not in outcome, f"the API dropped the connection: {outcome.get('error')}"
        r = outcome["response"]
        assert r.status_code in (200, 503), (r.status_code, r.text[:500])
        if r.status_code == 503:
            assert r.json()["error"] == "service_unavailable" and r.json()["request_id"]

        down = _post(api, token, during)  # while the database is down
        assert down.status_code == 503, down.text[:500]
        assert down.json()["error"] == "service_unavailable"
        assert down.headers.get("retry-after"), "clients are told when to retry"
        health = httpx.get(api.base + "/health", timeout=30)
        assert health.status_code == 503 and health.json()["database"] == "unavailable"
    finally:
        cluster.start()

    ok = _post_until_ok(api, token, first)
    body = ok.json()
    assert body["rejected"] == 0 and body["accepted"] + body["duplicate"] == len(first)
    ok2 = _post_until_ok(api, token, during)
    assert ok2.json()["accepted"] == len(during)

    ids = [r["id"] for r in first + during]
    assert _stored(fault_engine, ids) == (len(ids), len(ids))  # nothing lost, nothing twice
    again = _post(api, token, first + during).json()
    assert again["duplicate"] == len(ids) and again["accepted"] == 0
    assert _stored(fault_engine, ids) == (len(ids), len(ids))
    assert _unqueued(fault_engine, ids) == 0


def test_sigkill_in_the_middle_of_a_batch_leaves_nothing_half_written(cluster, api, fault_engine, enumerator_token):
    token = enumerator_token
    batch = [record() for _ in range(3000)]
    ids = [r["id"] for r in batch]
    outcome: dict = {}

    def send():
        try:
            outcome["response"] = _post(api, token, batch)
        except httpx.TransportError as exc:
            outcome["error"] = exc

    sender = threading.Thread(target=send)
    sender.start()
    caught_mid_write = wait_until(lambda: cluster.busy_backends(DB) > 0, timeout=30, step=0.01)
    api.kill()
    sender.join(timeout=60)
    stored, distinct = _stored(fault_engine, ids)
    assert stored in (0, len(batch)), f"half-written batch: {stored} of {len(batch)} rows"
    if caught_mid_write and "error" in outcome:
        assert stored == 0  # killed inside the transaction: rolled back by PostgreSQL
    assert _unqueued(fault_engine, ids) == 0  # a stored observation always has its rule-queue entry

    api.start()
    r = _post_until_ok(api, token, batch)
    body = r.json()
    assert body["rejected"] == 0 and body["accepted"] + body["duplicate"] == len(batch)
    assert _stored(fault_engine, ids) == (len(batch), len(batch))
