"""LISTEN/NOTIFY wake-ups: an upload wakes the evaluator, a new delivery row the dispatcher,
with polling intervals of an hour, so only a wake-up can explain the email arriving; a
rolled-back write wakes nobody; a burst is one run; the leader lock leaves no transaction open.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text

from alerts.delivery.outbox import enqueue
from tests.faults.harness import wait_until
from tests.integration.delivery_factories import environment
from tests.integration.test_delivery_factories import make_alert, make_subscription
from tests.integration.test_ingest_support import CONTRACT, FMP
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)
from tests.unit.test_channel_servers import smtp_sink
from ttt.config import get_settings
from ttt.scheduler import LeaderLock, build_scheduler
from ttt.wakeups import OUTBOX, RULES, Wakeable


def _listen(*channels: str) -> psycopg.Connection:
    conn = psycopg.connect(get_settings().libpq_url, autocommit=True)
    for c in channels:
        conn.execute(f"LISTEN {c}")
    return conn


def _heard(conn: psycopg.Connection) -> list[str]:
    return [n.channel for n in conn.notifies(timeout=0.5)]


def _herd(cattle: int) -> dict:
    observed = datetime.now(UTC) - timedelta(minutes=10)
    return dict(CONTRACT, id=str(uuid.uuid4()), flow_point=FMP, observed_at=observed.isoformat(),
                counts={"cattle": cattle, "sheep": 0, "goats": 0, "camels": 0, "donkeys": 0, "horses": 0, "other": 0})


def test_committed_work_notifies_and_rolled_back_work_does_not(network, session, client, make_user, auth):  # noqa: F811
    listener = _listen(RULES, OUTBOX)
    try:
        token = make_user("enumerator")[1]
        r = client.post("/api/v1/observations", json={"observations": [_herd(10), _herd(12)]}, headers=auth(token))
        assert r.status_code == 200 and r.json()["accepted"] == 2
        assert _heard(listener) == [RULES]  # one notification for the batch
        make_subscription(session)
        enqueue(session, make_alert(session), "created")
        session.rollback()
        assert _heard(listener) == []  # never for a write that did not commit
        make_subscription(session)
        enqueue(session, make_alert(session), "created")
        session.commit()
        assert _heard(listener) == [OUTBOX]
    finally:
        listener.close()


@pytest.fixture
def hour_intervals(monkeypatch):
    with smtp_sink() as sink, environment(monkeypatch, {
            "TTT_SMTP_HOST": sink.host, "TTT_SMTP_PORT": str(sink.port),
            "TTT_EVALUATE_INTERVAL_S": "3600", "TTT_DISPATCH_INTERVAL_S": "3600"}):
        yield sink


def test_an_upload_becomes_an_email_by_wake_ups_alone(network, hour_intervals, session, client, make_user, auth):  # noqa: F811
    sink = hour_intervals
    make_subscription(session, name="Préfet de Mopti", address="prefet.mopti@example.org", pcodes=["ML05"])
    session.commit()
    handle = build_scheduler(get_settings())
    handle.scheduler.start()
    try:
        handle.listen(get_settings().libpq_url)
        assert wait_until(lambda: handle.leader.is_leader and handle.listener.listening.is_set(), timeout=20)
        # the first interval runs are an hour away: nothing but a notification can start them
        token = make_user("enumerator")[1]
        r = client.post("/api/v1/observations", json={"observations": [_herd(2600)]}, headers=auth(token))
        assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
        assert wait_until(lambda: sink.messages, timeout=60, step=0.1), "no email: nothing woke the scheduler"
    finally:
        handle.shutdown(wait=True)
    assert sink.messages[0]["To"] == "prefet.mopti@example.org" and "Konna" in sink.messages[0]["Subject"]


def test_wake_ups_during_a_run_make_exactly_one_more_run():
    runs, started, release = [], threading.Event(), threading.Event()

    def job():
        runs.append(1)
        if len(runs) == 1:
            started.set()
            release.wait(10)

    w = Wakeable(job)
    worker = threading.Thread(target=w)
    worker.start()
    started.wait(10)
    assert [w.wake() for _ in range(50)] == [False] * 50  # running: no second start, one rerun noted
    release.set()
    worker.join(10)
    assert len(runs) == 2
    assert w.wake() is True  # idle: the caller starts it


def test_the_leader_lock_keeps_no_transaction_open(engine):
    lock = LeaderLock(engine, 7_340_997)
    try:
        assert lock.check() and lock.check()
        pid = lock._conn.execute(text("SELECT pg_backend_pid()")).scalar()
        time.sleep(0.1)
        with engine.connect() as conn:
            state, xact = conn.execute(text("SELECT state, xact_start FROM pg_stat_activity WHERE pid = :p"),
                                       {"p": pid}).one()
        assert state == "idle" and xact is None  # not "idle in transaction"
    finally:
        lock.release()


def test_the_scheduler_process_logs_like_the_api(engine, session, tmp_path):
    """``ttt scheduler`` alone: JSON lines with times, its leadership, what each run did, and
    a token in a webhook address redacted."""
    import json
    import os
    import signal
    import subprocess
    import sys

    from tests.faults.harness import ROOT

    make_subscription(session, channel="webhook", address="http://127.0.0.1:9/hook?token=s3cr3t-hook-token")
    enqueue(session, make_alert(session, created_at=datetime.now(UTC)), "created")
    session.commit()
    log = tmp_path / "scheduler.log"
    env = {**os.environ, "TTT_DATABASE_URL": get_settings().database_url, "TTT_LOG_FORMAT": "json",
           "TTT_LOG_LEVEL": "INFO", "TTT_DISPATCH_INTERVAL_S": "3600", "TTT_EVALUATE_INTERVAL_S": "3600",
           "TTT_SCHEDULER_LOCK_KEY": "7340996"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", "from ttt.cli import main; main()", "scheduler"], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            # woken by the delivery row written below, not by a tick an hour away
            assert wait_until(lambda: "listening for" in log.read_text() and "now the scheduler leader" in
                              log.read_text(), 30), log.read_text()
            make_subscription(session, name="other", channel="log", address="duty")
            enqueue(session, make_alert(session, created_at=datetime.now(UTC)), "created")
            session.commit()
            assert wait_until(lambda: "dispatch:" in log.read_text(), 30), log.read_text()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    messages = " | ".join(x["message"] for x in lines)
    assert "now the scheduler leader" in messages and "leadership released" in messages
    assert "dispatch: 1 sent, 1 to retry" in messages or "dispatch: 1 sent, 2 to retry" in messages, messages
    assert "token=[redacted]" in messages and "s3cr3t" not in log.read_text()
