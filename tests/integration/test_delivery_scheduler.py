"""The scheduler: one leader at a time, and an observation becomes an email within a minute."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from alerts.delivery.settings import get_delivery_settings
from tests.channel_servers import smtp_sink
from tests.integration.delivery_factories import environment, make_subscription
from tests.integration.ingest_factories import CONTRACT, FMP
from tests.integration.ingest_factories import network as network  # noqa: F401  (fixture)
from ttt.config import get_settings
from ttt.scheduler import LeaderLock, build_scheduler


def test_only_one_leader_and_takeover_when_it_dies(engine):
    key = 7_340_999
    a, b = LeaderLock(engine, key), LeaderLock(engine, key)
    try:
        assert a.check() is True
        assert b.check() is False and not b.is_leader
        # the leader's process dies: its connection (and the lock with it) goes away
        pid = a._conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        # termination is asynchronous: the other scheduler takes over at one of its next checks
        deadline = time.monotonic() + 20
        while not b.check() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert b.is_leader
        assert a.check() is False  # the old leader notices it lost the lock
        b.release()
        assert a.check() is True
    finally:
        a.release()
        b.release()


@pytest.fixture
def smtp_settings(monkeypatch):
    with smtp_sink() as sink, environment(monkeypatch, {
            "TTT_SMTP_HOST": sink.host, "TTT_SMTP_PORT": str(sink.port), "TTT_PUBLIC_URL": "https://ttt.example.org"}):
        yield sink


def test_observation_to_french_email_within_60_seconds(network, smtp_settings, session, client, make_user, auth):  # noqa: F811
    sink = smtp_settings
    settings = get_settings()
    assert (settings.evaluate_interval_s, settings.dispatch_interval_s) == (15.0, 5.0)  # the defaults
    make_subscription(session, name="Préfet de Mopti", address="prefet.mopti@example.org", pcodes=["ML05"])
    session.commit()
    handle = build_scheduler(settings)
    handle.scheduler.start()
    try:
        observed = datetime.now(UTC) - timedelta(minutes=10)
        record = dict(CONTRACT, id=str(uuid.uuid4()), flow_point=FMP, observed_at=observed.isoformat(),
                      counts={"cattle": 2600, "sheep": 0, "goats": 0, "camels": 0, "donkeys": 0, "horses": 0,
                              "other": 0})
        _, token = make_user("enumerator")
        posted = time.monotonic()
        r = client.post("/api/v1/observations", json={"observations": [record]}, headers=auth(token))
        assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
        while not sink.messages and time.monotonic() - posted < 60:
            time.sleep(0.5)
        elapsed = time.monotonic() - posted
    finally:
        handle.shutdown(wait=True)
    assert sink.messages, "no email reached the SMTP server within 60 s of the observation"
    assert elapsed < 60
    msg = sink.messages[0]
    assert "NOUVELLE ALERTE : Beaucoup plus d'animaux que d'habitude à Konna" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "https://ttt.example.org/a/" in body and "ML05" in body
    with session.bind.connect() as conn:
        status = conn.execute(text("SELECT status FROM deliveries")).scalars().all()
    assert "sent" in status


def test_two_schedulers_running_together_send_each_delivery_once(engine, session, monkeypatch):
    from collections import Counter

    from alerts.delivery.channels.webhook import generate_secret
    from alerts.delivery.outbox import enqueue
    from tests.channel_servers import http_receiver
    from tests.integration.delivery_factories import make_alert

    monkeypatch.setenv("TTT_DISPATCH_INTERVAL_S", "1")
    monkeypatch.setenv("TTT_EVALUATE_INTERVAL_S", "3600")
    get_settings.cache_clear()
    get_delivery_settings.cache_clear()
    handles = []
    try:
        with http_receiver() as hook:
            for i in range(4):
                make_subscription(session, name=f"partner {i}", channel="webhook", address=hook.url,
                                  secret=generate_secret())
            for _ in range(5):
                enqueue(session, make_alert(session, created_at=datetime.now(UTC)), "created")
            session.commit()
            handles = [build_scheduler(get_settings()), build_scheduler(get_settings())]
            for h in handles:
                h.scheduler.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    pending = conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'pending'")).scalar()
                if pending == 0:
                    break
                time.sleep(0.5)
            leaders = [h.leader.is_leader for h in handles]
    finally:
        for h in handles:
            h.shutdown(wait=True)
        get_settings.cache_clear()
        get_delivery_settings.cache_clear()
    assert sorted(leaders) == [False, True]  # exactly one of them did the work
    ids = Counter(r.headers["webhook-id"] for r in hook.requests)
    assert len(ids) == 20 and set(ids.values()) == {1}


def test_a_failing_job_is_logged_and_the_scheduler_goes_on(engine, caplog):
    from ttt.scheduler import _guarded

    leader = LeaderLock(engine, 7_340_998)
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("mail server exploded")

    try:
        assert leader.check()
        job = _guarded("dispatch", leader, broken)
        job()
        job()  # runs again at its next tick
    finally:
        leader.release()
    assert len(calls) == 2
    assert "scheduled job 'dispatch' failed" in caplog.text and "mail server exploded" in caplog.text
    _guarded("dispatch", leader, broken)()  # not the leader any more: does nothing
    assert len(calls) == 2
