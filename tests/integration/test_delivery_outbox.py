"""Outbox and dispatcher on real PostGIS with real SMTP and HTTP receivers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from shapely.geometry import box
from sqlalchemy import func, select

from alerts.delivery.ack import read_token
from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.channels import ChannelRegistry, EmailChannel, EmailConfig, WebhookChannel
from alerts.delivery.channels.webhook import generate_secret
from alerts.delivery.models import DeliveryAttempt, Subscription
from alerts.delivery.outbox import enqueue
from alerts.delivery.settings import DeliverySettings
from tests.channel_servers import http_receiver, smtp_sink, standard_webhooks_signature
from tests.integration.delivery_factories import (
    DS,
    T0,
    Clock,
    deliveries,
    dispatcher,
    make_alert,
    make_subscription,
)
from ttt.config import get_settings


def test_enqueue_writes_one_row_per_matching_subscription_once(session):
    s = {name: make_subscription(session, name=name, **kw).id for name, kw in {
        "all": {},
        "hazard-only": {"alert_types": ["hazard"]},
        "extreme-only": {"min_severity": "extreme"},
        "corridor": {"corridors": ["ML-C01"]},
        "other-corridor": {"corridors": ["NE-C12"]},
        "region": {"pcodes": ["ML05"]},
        "other-region": {"pcodes": ["ML06"]},
        "area": {"area": box(-2, 15, -1, 16)},
        "far-area": {"area": box(10, 10, 11, 11)},
        "inactive": {"active": False},
        "tier2": {"tier": 2},
    }.items()}
    alert = make_alert(session)
    assert enqueue(session, alert, "created", now=T0, settings=DS) == 4
    assert enqueue(session, alert, "created", now=T0, settings=DS) == 0  # same version: nothing new
    got = {d.subscription_id for d in deliveries(session)}
    assert got == {s["all"], s["corridor"], s["region"], s["area"]}

    # escalation bumps the version and reaches tier 2; resolution goes only to those told
    alert.escalation_tier, alert.version = 2, 2
    assert enqueue(session, alert, "escalated", now=T0, settings=DS) == 5
    alert.status, alert.version = "resolved", 3
    assert enqueue(session, alert, "resolved", now=T0, settings=DS) == 5
    counts = Counter(d.event for d in deliveries(session))
    assert counts == {"created": 4, "escalated": 5, "resolved": 5}
    assert s["tier2"] in {d.subscription_id for d in deliveries(session) if d.event == "resolved"}


def test_french_email_reaches_smtp_with_working_ack_link(session):
    make_subscription(session)
    alert = make_alert(session)
    enqueue(session, alert, "created", now=T0, settings=DS)
    session.commit()
    clock = Clock(T0)
    with smtp_sink() as sink:
        registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port))])
        report = dispatcher(registry, clock).run_once()
    assert report.sent == 1
    (msg,) = sink.messages
    assert msg["Subject"].startswith("[TTT] NOUVELLE ALERTE : Beaucoup plus d'animaux que d'habitude à FMP-07")
    body = msg.get_body(("plain",)).get_content()
    assert "Où : point de suivi des flux FMP-07, sur le corridor ML-C01, ML05, ML0503" in body
    assert "Environ 12\u202f500 animaux sont passés en 24 h" in body and "D'après 2 comptages de terrain." in body
    link = next(line for line in body.splitlines() if "/a/" in line).strip()
    claim = read_token(get_settings().secret_key.get_secret_value(), link.rsplit("/", 1)[1], now=T0)
    (d,) = deliveries(session)
    assert (claim.alert_id, claim.version, claim.delivery_id) == (alert.id, 1, d.id)
    assert d.status == "sent" and d.attempts == 1 and d.sent_at == T0
    assert session.scalar(select(func.count()).select_from(DeliveryAttempt)) == 1


def test_two_dispatchers_in_parallel_send_each_delivery_once(session):
    secret = generate_secret()
    for i in range(8):
        make_subscription(session, name=f"partner {i}", channel="webhook", address="PLACEHOLDER", secret=secret,
                          language="en")
    alerts = [make_alert(session) for _ in range(5)]
    with http_receiver() as hook:
        for sub in session.scalars(select(Subscription)):
            sub.address = hook.url
        for a in alerts:
            enqueue(session, a, "created", now=T0, settings=DS)
        session.commit()
        assert len(deliveries(session)) == 40
        registry = ChannelRegistry([WebhookChannel()])
        clock = Clock(T0)
        workers = [dispatcher(registry, clock, concurrency=3), dispatcher(registry, clock, concurrency=3)]
        barrier = threading.Barrier(len(workers))
        reports = []

        def run(d):
            barrier.wait()
            reports.append(d.run_once())

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    ids = Counter(r.headers["webhook-id"] for r in hook.requests)
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert sum(r.sent for r in reports) == 40
    for r in hook.requests:
        assert r.headers["webhook-signature"] == standard_webhooks_signature(
            secret, r.headers["webhook-id"], r.headers["webhook-timestamp"], r.body)
    assert {d.status for d in deliveries(session)} == {"sent"}
    assert session.scalar(select(func.count()).select_from(DeliveryAttempt)) == 40


def test_receiver_that_fails_then_recovers_gets_exactly_one_success(session):
    make_subscription(session, channel="webhook", address="PLACEHOLDER", secret=generate_secret())
    alert = make_alert(session)
    statuses = iter([503, 502, 500])
    with http_receiver(lambda n, r: (next(statuses, 200), "down" if n <= 3 else "ok")) as hook:
        session.scalars(select(Subscription)).one().address = hook.url
        enqueue(session, alert, "created", now=T0, settings=DS)
        session.commit()
        clock = Clock(T0)
        d = dispatcher(ChannelRegistry([WebhookChannel()]), clock)
        waits = []
        for _ in range(10):
            d.run_once()
            (row,) = deliveries(session)
            if row.status != "pending":
                break
            waits.append((row.next_attempt_at - clock.now).total_seconds())
            assert d.run_once().handled == 0  # not due yet: nothing is sent early
            clock.now = row.next_attempt_at
    assert len(hook.requests) == 4
    assert len({r.headers["webhook-id"] for r in hook.requests}) == 1  # same id on every retry
    (row,) = deliveries(session)
    assert row.status == "sent" and row.attempts == 4
    # backoff grows: 30 s base, doubling, half of it jittered
    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60 and 60 <= waits[2] <= 120
    outcomes = [a.outcome for a in session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id))]
    assert outcomes == ["retryable", "retryable", "retryable", "ok"]
    codes = [a.status_code for a in session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id))]
    assert codes == [503, 502, 500, 200]


def test_gives_up_after_max_age_and_permanent_errors_stop_at_once(session):
    make_subscription(session, channel="webhook", address="http://127.0.0.1:9/unreachable", secret=generate_secret())
    make_subscription(session, name="gone", channel="webhook", address="PLACEHOLDER", secret=generate_secret())
    alert = make_alert(session)
    with http_receiver(lambda n, r: (410, "gone")) as hook:
        session.scalars(select(Subscription).where(Subscription.name == "gone")).one().address = hook.url
        enqueue(session, alert, "created", now=T0, settings=DS)
        session.commit()
        clock = Clock(T0)
        d = dispatcher(ChannelRegistry([WebhookChannel()]), clock,
                       policy=BackoffPolicy(base_s=600, max_delay_s=3600, max_age=timedelta(hours=2)))
        for _ in range(20):
            d.run_once()
            clock.advance(hours=1)
    rows = {r.subscription_id: r for r in deliveries(session)}
    unreachable, gone = rows.values()
    assert gone.status == "failed" and gone.attempts == 1 and "410" in gone.last_error
    assert unreachable.status == "failed" and unreachable.last_error.startswith("gave up after")
    assert 2 <= unreachable.attempts <= 4


def test_older_version_still_pending_is_superseded(session):
    make_subscription(session)
    alert = make_alert(session)
    enqueue(session, alert, "created", now=T0, settings=DS)
    alert.version, alert.severity = 2, "extreme"
    enqueue(session, alert, "updated", now=T0, settings=DS)
    session.commit()
    with smtp_sink() as sink:
        report = dispatcher(ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port))]),
                            Clock(T0)).run_once()
    assert (report.sent, report.superseded) == (1, 1)
    assert len(sink.messages) == 1 and "ALERTE MISE À JOUR" in sink.messages[0]["Subject"]


def test_digest_subscriber_gets_one_email_at_digest_time(session):
    make_subscription(session, mode="digest", language="en")
    a1, a2 = make_alert(session), make_alert(session, type="hazard", severity="moderate", event_kind="bushfire",
                                             headline="Bushfire ahead of herds on ML-C01", headline_fr=None)
    for a in (a1, a2):
        enqueue(session, a, "created", now=T0, settings=DS)
    session.commit()
    clock = Clock(T0)
    with smtp_sink() as sink:
        registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port))])
        d = dispatcher(registry, clock)
        assert d.run_once().handled == 0  # 08:00 UTC: Bamako's 07:00 digest has passed; next is tomorrow
        clock.now = T0 + timedelta(hours=22, minutes=59)
        assert d.run_once().handled == 0
        clock.now = T0 + timedelta(hours=23)
        report = d.run_once()
    assert report.sent == 2 and len(sink.messages) == 1
    text = sink.messages[0].get_body(("plain",)).get_content()
    assert sink.messages[0]["Subject"] == "[TTT] Summary of 25 November 2026: 2 alerts"
    assert "Many more animals than usual at FMP-07" in text
    assert "Danger on the herds' way at FMP-07: bushfire" in text


def test_telling_other_news_under_the_same_version_is_refused(session):
    make_subscription(session)
    alert = make_alert(session)
    enqueue(session, alert, "created", now=T0, settings=DS)
    alert.status = "resolved"  # but the version was not increased
    with pytest.raises(ValueError, match="version 1 was already told as 'created'"):
        enqueue(session, alert, "resolved", now=T0, settings=DS)


def test_unacknowledged_severe_alert_escalates_to_the_next_tier_once(session):
    from alerts.delivery.jobs import escalate_unacknowledged

    ds = DeliverySettings(escalation_after_h=4, escalation_min_severity="severe", escalation_max_tier=2)
    tier1 = make_subscription(session, name="tier 1").id
    tier2 = make_subscription(session, name="governor", tier=2).id
    severe, moderate, acked = make_alert(session), make_alert(session, severity="moderate"), make_alert(session)
    for a in (severe, moderate, acked):
        enqueue(session, a, "created", now=T0, settings=ds)
    acked.status = "acknowledged"
    session.flush()
    assert escalate_unacknowledged(session, now=T0 + timedelta(hours=3), ds=ds) == []
    assert escalate_unacknowledged(session, now=T0 + timedelta(hours=5), ds=ds) == [severe.id]
    assert (severe.escalation_tier, severe.version) == (2, 2)
    told = {(d.subscription_id, d.event) for d in deliveries(session) if d.alert_id == severe.id}
    assert told == {(tier1, "created"), (tier1, "escalated"), (tier2, "escalated")}
    # the top tier is reached: no further escalation however long it waits
    assert escalate_unacknowledged(session, now=T0 + timedelta(days=3), ds=ds) == []


def test_sms_subscriber_gets_a_french_sms_through_the_gateway(session):
    from alerts.delivery.channels import SmsChannel, SmsGatewayConfig

    make_subscription(session, channel="sms", address="+22376000000")
    enqueue(session, make_alert(session), "created", now=T0, settings=DS)
    session.commit()
    with http_receiver(lambda n, r: (202, '{"status": "queued"}')) as gw:
        registry = ChannelRegistry([SmsChannel(SmsGatewayConfig(url=gw.url, auth_value="Token abc"))])
        assert dispatcher(registry, Clock(T0)).run_once().sent == 1
    (req,) = gw.requests
    body = req.json()
    assert body["to"] == "+22376000000" and req.headers["authorization"] == "Token abc"
    assert body["text"].startswith("NOUVELLE ALERTE : Beaucoup plus d'animaux") and "/a/" in body["text"]


def test_receiver_retry_after_is_honoured(session):
    make_subscription(session, channel="webhook", address="PLACEHOLDER", secret=generate_secret())
    enqueue(session, make_alert(session), "created", now=T0, settings=DS)
    with http_receiver(lambda n, r: (503, "maintenance", {"Retry-After": "900"})) as hook:
        session.scalars(select(Subscription)).one().address = hook.url
        session.commit()
        dispatcher(ChannelRegistry([WebhookChannel()]), Clock(T0)).run_once()
    (row,) = deliveries(session)
    assert row.status == "pending" and row.next_attempt_at == T0 + timedelta(seconds=900)  # not the 30 s backoff
