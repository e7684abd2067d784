"""Data-gap notices reach data managers: when a point falls silent and when its reports
resume, each staff subscription watching it gets one message in its language, through the
outbox and dispatcher (real SMTP); authorities and partners never do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from alerts.delivery.channels import ChannelRegistry, EmailChannel, EmailConfig, WebhookChannel
from alerts.delivery.channels.webhook import generate_secret
from alerts.delivery.notices import data_gap_job
from tests.channel_servers import free_port, http_receiver, smtp_sink, standard_webhooks_signature
from tests.integration import ingest_factories as support
from tests.integration.delivery_factories import Clock, deliveries, dispatcher, make_subscription
from tests.integration.ingest_factories import FMP, record
from tests.integration.test_data_gaps import working_days, zero

network = support.network  # shared fixture
pytestmark = pytest.mark.usefixtures("network")
URL = "/api/v1/observations"


def send_all(sink) -> int:
    registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port))])
    return dispatcher(registry, Clock(datetime.now(UTC) + timedelta(minutes=1))).run_once().sent


def test_data_managers_hear_a_gap_open_and_close_in_their_language_and_nobody_else_does(client, make_user, auth, session):
    enum = auth(make_user("enumerator")[1])
    days = working_days(date(2026, 1, 5), 19)  # five days a week, then silence from Friday 23
    sent = [record(observed_at=f"{d}T08:00:00+00:00") if i % 2 else zero(d) for i, d in enumerate(days)]
    assert client.post(URL, json={"observations": sent}, headers=enum).json()["accepted"] == len(days)
    fr = make_subscription(session, name="Gestionnaire données Mopti", kind="staff", address="donnees@example.org",
                           pcodes=["ML05"])
    en = make_subscription(session, name="DTM data team", kind="staff", address="dtm@example.org", language="en")
    make_subscription(session, name="Préfet", kind="authority", address="prefet@example.org")
    make_subscription(session, name="ONG", kind="partner", address="ong@example.org", language="en")
    make_subscription(session, name="Équipe Burkina", kind="staff", address="bf@example.org", pcodes=["BF52"])
    session.commit()

    assert data_gap_job(today=date(2026, 1, 29)).opened == [FMP]
    assert data_gap_job(today=date(2026, 1, 30)).opened == []  # the same gap: nothing new to tell
    with smtp_sink() as sink:
        assert send_all(sink) == 2
    to = {m["To"]: m for m in sink.messages}
    assert set(to) == {"donnees@example.org", "dtm@example.org"}  # staff watching Konna only
    assert to["dtm@example.org"]["Subject"] == "[TTT] Data gap: no report from Konna (ML05-FMP-03) for 5 days"
    body = to["dtm@example.org"].get_body(("plain",)).get_content()
    assert "Last report: 23 January 2026." in body and "Silence is not calm" in body and "not an alert" in body
    assert "/api/v1/quality/notices?open=true" in body and "/ack/" not in body
    fr_mail = to["donnees@example.org"]
    assert fr_mail["Subject"] == "[TTT] Lacune de données : aucun rapport de Konna (ML05-FMP-03) depuis 5 jours"
    assert "Dernier rapport : 23 janvier 2026." in fr_mail.get_body(("plain",)).get_content()
    assert fr_mail["Content-Language"] == "fr"

    client.post(URL, json={"observations": [zero(date(2026, 2, 2))]}, headers=enum)
    assert data_gap_job(today=date(2026, 2, 3)).closed == [FMP]
    with smtp_sink() as sink:
        assert send_all(sink) == 2
    subjects = sorted(m["Subject"] for m in sink.messages)
    assert subjects == ["[TTT] Rapports repris : Konna (ML05-FMP-03)", "[TTT] Reports resumed: Konna (ML05-FMP-03)"]
    assert "resumed on 2 February 2026" in next(m for m in sink.messages if m["To"] == "dtm@example.org").get_body(
        ("plain",)).get_content()
    rows = deliveries(session)[:4]
    assert {(d.subscription_id, d.event, d.status) for d in rows} == {
        (fr.id, "gap_opened", "sent"), (en.id, "gap_opened", "sent"),
        (fr.id, "gap_closed", "sent"), (en.id, "gap_closed", "sent")}
    assert all(d.alert_id is None and d.notice_id is not None for d in rows)
    # the delivery log shows them to staff like any other delivery
    log = client.get("/api/v1/deliveries", headers=auth(make_user("admin")[1])).json()["items"]
    assert sorted(d["event"] for d in log) == ["gap_closed", "gap_closed", "gap_opened", "gap_opened"]
    assert all(d["alert_id"] is None and d["notice_id"] == rows[0].notice_id for d in log)

    # silent again ten days later: a new gap, told again (the earlier one's news does not hide it)
    assert data_gap_job(today=date(2026, 2, 12)).opened == [FMP]
    with smtp_sink() as sink:
        assert send_all(sink) == 2
    assert {m["To"] for m in sink.messages} == {"donnees@example.org", "dtm@example.org"}


def test_a_gap_that_opened_and_closed_before_anything_went_out_is_told_as_resumed_only(client, make_user, auth,
                                                                                       session):
    enum = auth(make_user("enumerator")[1])
    client.post(URL, json={"observations": [zero(d) for d in working_days(date(2026, 1, 5), 19)]}, headers=enum)
    make_subscription(session, name="DTM data team", kind="staff", address="dtm@example.org", language="en")
    session.commit()
    data_gap_job(today=date(2026, 1, 29))
    client.post(URL, json={"observations": [zero(date(2026, 2, 2))]}, headers=enum)
    data_gap_job(today=date(2026, 2, 3))
    with smtp_sink() as sink:
        send_all(sink)
        send_all(sink)
    assert [m["Subject"] for m in sink.messages] == ["[TTT] Reports resumed: Konna (ML05-FMP-03)"]
    assert sorted(d.status for d in deliveries(session)) == ["sent", "superseded"]


def test_a_mail_server_down_is_retried_and_the_notice_arrives_once(client, make_user, auth, session):
    enum = auth(make_user("enumerator")[1])
    days = working_days(date(2026, 1, 5), 19)
    client.post(URL, json={"observations": [zero(d) for d in days]}, headers=enum)
    make_subscription(session, name="DTM data team", kind="staff", address="dtm@example.org", language="en")
    session.commit()
    data_gap_job(today=date(2026, 1, 29))
    # nothing listens on a free port: the connection is refused, as when the mail server is down
    registry = ChannelRegistry([EmailChannel(EmailConfig(host="127.0.0.1", port=free_port(), timeout_s=2))])
    clock = Clock(datetime.now(UTC) + timedelta(minutes=1))
    assert dispatcher(registry, clock).run_once().retrying == 1
    (d,) = deliveries(session)
    assert d.status == "pending" and d.attempts == 1
    with smtp_sink() as sink:
        registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port))])
        clock.advance(hours=1)
        assert dispatcher(registry, clock).run_once().sent == 1
        clock.advance(hours=1)
        assert dispatcher(registry, clock).run_once().sent == 0  # sent once, never again
    assert len(sink.messages) == 1 and sink.messages[0]["Message-ID"].startswith(f"<ttt-delivery-{d.id}@")


def test_a_staff_webhook_gets_the_notice_signed_and_in_its_language(client, make_user, auth, session):
    enum = auth(make_user("enumerator")[1])
    client.post(URL, json={"observations": [zero(d) for d in working_days(date(2026, 1, 5), 19)]}, headers=enum)
    secret = generate_secret()
    with http_receiver() as hook:
        make_subscription(session, name="Data platform", kind="staff", channel="webhook", address=hook.url,
                          secret=secret, language="fr")
        make_subscription(session, name="Partner platform", kind="partner", channel="webhook", address=hook.url,
                          secret=secret, language="en")
        session.commit()
        data_gap_job(today=date(2026, 1, 29))
        registry = ChannelRegistry([WebhookChannel()])
        assert dispatcher(registry, Clock(datetime.now(UTC) + timedelta(minutes=1))).run_once().sent == 1
    (r,) = hook.requests
    assert r.headers["webhook-signature"] == standard_webhooks_signature(
        secret, r.headers["webhook-id"], r.headers["webhook-timestamp"], r.body)
    body = r.json()
    assert body["type"] == "notice.gap_opened" and body["language"] == "fr"
    assert body["data"]["flow_point"] == FMP and body["data"]["last_report"] == "2026-01-23"
    assert body["data"]["subject"].startswith("[TTT] Lacune de données : aucun rapport de Konna")
