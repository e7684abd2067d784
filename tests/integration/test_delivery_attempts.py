"""Honest delivery: the attempt is on record before the send, its outcome after; the maximum
age is checked before every send, the first included; a dispatcher that dies mid-send leaves
an attempt of unknown outcome and a lease, not an instant resend; a receiver slower than the
timeout gets one copy per backoff step, each one recorded.

Real webhook receivers (http.server on a free port), the dispatcher's clock injected.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from alerts.delivery.channels import ChannelRegistry, WebhookChannel, WebhookConfig
from alerts.delivery.channels.webhook import generate_secret
from alerts.delivery.models import DeliveryAttempt, Subscription
from alerts.delivery.outbox import enqueue
from tests.integration.test_delivery_factories import T0, Clock, make_alert, make_subscription
from tests.integration.test_delivery_outbox import DS, deliveries, dispatcher
from tests.unit.test_channel_servers import http_receiver
from ttt.config import get_settings
from ttt.db import session_factory


def _attempts(session) -> list[DeliveryAttempt]:
    session.expire_all()
    return list(session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)))


def _webhook_delivery(session, url: str = "PLACEHOLDER"):
    make_subscription(session, channel="webhook", address=url, secret=generate_secret(), language="en")
    enqueue(session, make_alert(session), "created", now=T0, settings=DS)


def test_the_attempt_is_on_record_before_the_receiver_gets_it(session):
    seen_during_send: list[list[str]] = []

    def respond(n, req):
        with session_factory()() as other:  # what anyone reading the log sees while we send
            seen_during_send.append([a.outcome for a in other.scalars(select(DeliveryAttempt))])
        return 200, "{}"

    _webhook_delivery(session)
    with http_receiver(respond) as hook:
        session.scalars(select(Subscription)).one().address = hook.url
        session.commit()
        report = dispatcher(ChannelRegistry([WebhookChannel()]), Clock(T0)).run_once()
    assert report.sent == 1
    assert seen_during_send == [["sending"]]
    (attempt,) = _attempts(session)
    assert attempt.outcome == "ok" and attempt.status_code == 200 and attempt.duration_ms is not None


def test_a_delivery_older_than_the_maximum_age_is_never_sent_not_even_once(session):
    _webhook_delivery(session)
    with http_receiver() as hook:
        session.scalars(select(Subscription)).one().address = hook.url
        session.commit()
        # the scheduler was down for longer than the maximum age (6 h in these tests)
        report = dispatcher(ChannelRegistry([WebhookChannel()]), Clock(T0 + timedelta(hours=7))).run_once()
    assert hook.requests == []
    (row,) = deliveries(session)
    assert row.status == "failed" and row.attempts == 0 and row.last_error.startswith("never sent: 7.0 h old")
    assert report.failed == 1 and _attempts(session) == []


class _Died(BaseException):
    """Stands for the process dying mid-send: nothing after the send runs."""


class _DiesAfterSending(WebhookChannel):
    def send(self, envelope):
        super().send(envelope)
        raise _Died


def test_a_dispatcher_dying_mid_send_leaves_an_unknown_attempt_and_waits_for_its_lease(session):
    _webhook_delivery(session)
    with http_receiver() as hook:
        session.scalars(select(Subscription)).one().address = hook.url
        session.commit()
        clock = Clock(T0)
        with pytest.raises(_Died):
            dispatcher(ChannelRegistry([_DiesAfterSending()]), clock).run_once()
        (row,) = deliveries(session)
        assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > T0  # leased, not due
        assert [a.outcome for a in _attempts(session)] == ["sending"]
        healthy = dispatcher(ChannelRegistry([WebhookChannel()]), clock)
        assert healthy.run_once().handled == 0  # another dispatcher does not resend at once
        clock.now = row.next_attempt_at
        assert healthy.run_once().sent == 1
    # at-least-once: the copy in flight at the fault and the retry, with the same webhook-id
    assert len(hook.requests) == 2 and len({r.headers["webhook-id"] for r in hook.requests}) == 1
    assert [a.outcome for a in _attempts(session)] == ["unknown", "ok"]
    (row,) = deliveries(session)
    assert row.status == "sent" and row.attempts == 2


def test_a_receiver_slower_than_the_timeout_gets_one_copy_per_backoff_step(session):
    release = threading.Event()

    def slow(n, req):
        release.wait(1.0)  # answers after the dispatcher has given up on the request
        return 200, "{}"

    _webhook_delivery(session)
    # a server that ends idle transactions quickly: nothing may stay open during a send
    strict = create_engine(get_settings().sync_database_url,
                           connect_args={"options": "-c idle_in_transaction_session_timeout=200"})
    try:
        with http_receiver(slow) as hook:
            session.scalars(select(Subscription)).one().address = hook.url
            session.commit()
            clock = Clock(T0)
            d = dispatcher(ChannelRegistry([WebhookChannel(WebhookConfig(timeout_s=0.3))]), clock)
            d.sessions = sessionmaker(bind=strict, expire_on_commit=False)
            for _ in range(720):  # an hour of dispatch ticks, every 5 s
                d.run_once()
                clock.advance(seconds=5)
            release.set()
    finally:
        strict.dispose()
    attempts = _attempts(session)
    # 30 s doubling backoff (half jittered): at most 9 tries in the first hour, not one a tick
    assert 5 <= len(hook.requests) <= 9
    assert len(attempts) == len(hook.requests)  # every copy the receiver got is on record
    assert all(a.outcome == "retryable" and "timeout" in a.error for a in attempts)
    (row,) = deliveries(session)
    assert row.status == "pending" and row.attempts == len(attempts)
