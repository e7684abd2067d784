"""The rules engine under a backlog, on a private PostgreSQL cluster with real processes.

1. A backlog drained by ``ttt scheduler`` processes that are SIGKILLed again and again (each
   one as soon as it has committed a batch, then a moment later, so kills land both between
   and inside batches) still evaluates every observation exactly once and raises exactly
   the alerts an uninterrupted drain of the same backlog raises, each once.
2. A key informant's event report (``POST /api/v1/alerts``) is answered while a drain is
   still running: the engine holds the alert lock only while a batch writes, not for the
   drain.

The backlog is the bench's generated network and season (50 flow points), scaled so the
module runs in about a minute; ``TTT_RULES_BATCH`` is small so there are many batches.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.orm import Session

from bench import generate
from bench.database import copy_observations, load_network
from tests.faults.harness import ROOT, ApiProcess, migrated_cluster, wait_until

pytestmark = pytest.mark.fault
DB, REF = "ttt_engine_fault", "ttt_engine_ref"
BATCH = 500
SEED = 20251001


@pytest.fixture
def clean_db():
    """These tests never touch the shared database."""
    yield


@pytest.fixture(scope="module")
def cluster():
    with migrated_cluster(DB) as c:
        yield c


def _scalar(url: str, sql: str, **params):
    eng = create_engine(url, poolclass=pool.NullPool)
    try:
        with eng.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        eng.dispose()


def _execute(url: str, sql: str, autocommit: bool = False) -> None:
    eng = create_engine(url, poolclass=pool.NullPool,
                        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}))
    try:
        with eng.begin() as conn:
            conn.execute(text(sql))
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def backlog(cluster) -> int:
    """A season of history (not queued) and a current season queued for the rules, a log
    subscription (every alert goes to the outbox), and a reference copy of the database."""
    url = cluster.url(DB)
    net = generate.network(SEED, 50)
    fp_ids, corridor_ids = load_network(url, net)
    received = datetime.now(UTC)
    history = generate.season_observations(net, SEED, date(2024, 10, 1), 12_000)
    current = generate.season_observations(net, SEED, date(2025, 10, 1), 12_000)
    copy_observations(url, generate.copy_rows(net, history, fp_ids, corridor_ids, None, received))
    copy_observations(url, generate.copy_rows(net, current, fp_ids, corridor_ids, None, received))
    _execute(url, "INSERT INTO rule_queue (observation_id, enqueued_at) SELECT id, now() FROM observations "
                  "WHERE observed_at >= '2025-10-01' ORDER BY observed_at, id")
    _execute(url, "INSERT INTO subscriptions (name, kind, channel, address, language, alert_types, min_severity, "
                  "corridors, pcodes, mode, tier, active, created_at, updated_at) VALUES ('duty officer', 'staff', "
                  "'log', 'duty', 'en', '{}', 'minor', '{}', '{}', 'immediate', 1, true, now(), now())")
    _execute(cluster.url(), f"CREATE DATABASE {REF} TEMPLATE {DB}", autocommit=True)
    return int(_scalar(url, "SELECT count(*) FROM rule_queue"))


def _scheduler(url: str, log) -> subprocess.Popen:
    env = {**os.environ, "TTT_DATABASE_URL": url, "TTT_ENVIRONMENT": "test", "TTT_LOG_LEVEL": "INFO",
           "TTT_SECRET_KEY": "fault-test-secret-key-0123456789abcdef", "TTT_RULES_BATCH": str(BATCH),
           "TTT_EVALUATE_INTERVAL_S": "0.5", "TTT_DISPATCH_INTERVAL_S": "1"}
    return subprocess.Popen([sys.executable, "-c", "from ttt.cli import main; main()", "scheduler"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 9)
    proc.wait(timeout=30)


def _alerts(url: str) -> list[tuple]:
    eng = create_engine(url, poolclass=pool.NullPool)
    try:
        with eng.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(text(
                "SELECT rule_id, place, window_start, window_end, severity, occurrences, dedup_key FROM alerts")))
    finally:
        eng.dispose()


def test_a_backlog_drained_by_a_scheduler_killed_again_and_again_raises_every_alert_once(cluster, backlog):
    url = cluster.url(DB)
    from alerts.runner.engine import evaluate_now

    ref_engine = create_engine(cluster.url(REF), poolclass=pool.NullPool)
    with Session(ref_engine) as s:  # the reference: one uninterrupted drain of the same backlog
        evaluate_now(s, max_batches=10_000, batch=BATCH)
    ref_engine.dispose()
    expected = _alerts(cluster.url(REF))
    assert expected, "the generated season raises alerts"

    rng = random.Random(SEED)
    kills = 0
    with tempfile.TemporaryFile() as log:
        while _scalar(url, "SELECT count(*) FROM rule_queue") and kills < 60:
            before = _scalar(url, "SELECT count(*) FROM rule_runs WHERE kind = 'queue'")
            proc = _scheduler(url, log)
            try:  # killed once it has committed a batch, a moment later: between or inside batches
                wait_until(lambda b=before: _scalar(url, "SELECT count(*) FROM rule_runs WHERE kind = 'queue'") > b,
                           timeout=60, step=0.1)
                threading.Event().wait(rng.uniform(0.0, 0.6))
            finally:
                _kill(proc)
            kills += 1
        log.seek(0)
        output = log.read().decode(errors="replace")
    assert _scalar(url, "SELECT count(*) FROM rule_queue") == 0, output[-3000:]
    assert kills >= 3, "the drain outlived several schedulers"

    # every observation was evaluated by exactly one committed batch
    assert _scalar(url, "SELECT sum(observations) FROM rule_runs WHERE kind = 'queue'") == backlog
    got = _alerts(url)
    assert got == expected  # the same alerts as without the kills, each once
    assert len({a[-1] for a in got}) == len(got)
    # each alert reached the outbox once for its one subscriber (per version it was told)
    assert _scalar(url, "SELECT count(*) FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
                        "WHERE d.event = 'created'") == len(got)


def test_an_event_report_is_answered_while_a_drain_runs(cluster, backlog):
    url = cluster.url(DB)
    from alerts.runner.engine import evaluate_now
    from ttt.users import create_user

    eng = create_engine(url, poolclass=pool.NullPool)
    with Session(eng) as s, s.begin():
        _, token = create_user(s, "informant", "enumerator")
        fp = s.execute(text("SELECT code FROM flow_points ORDER BY id LIMIT 1")).scalar_one()
    _execute(url, "INSERT INTO rule_queue (observation_id, enqueued_at) SELECT id, now() FROM observations "
                  "WHERE observed_at >= '2025-10-01' ON CONFLICT DO NOTHING")
    api = ApiProcess(url)
    api.start()
    failure: list[BaseException] = []

    def drain() -> None:
        try:
            with Session(eng) as s:
                evaluate_now(s, max_batches=10_000, batch=BATCH)
        except BaseException as exc:  # reported by the test below
            failure.append(exc)

    runs = _scalar(url, "SELECT count(*) FROM rule_runs")
    worker = threading.Thread(target=drain)
    worker.start()
    try:
        assert wait_until(lambda: _scalar(url, "SELECT count(*) FROM rule_runs") > runs, timeout=60)
        r = httpx.post(api.base + "/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}, timeout=120,
                       json={"event_kind": "cattle_rustling", "flow_point": fp, "severity": "severe"})
        left = _scalar(url, "SELECT count(*) FROM rule_queue")
        assert r.status_code == 201, r.text
        assert worker.is_alive() and left > 0  # answered while the drain was still running
    finally:
        worker.join(timeout=300)
        api.close()
        eng.dispose()
    assert not failure
    assert _scalar(url, "SELECT count(*) FROM rule_queue") == 0
    assert _scalar(url, "SELECT count(*) FROM alerts WHERE type = 'event'") == 1
