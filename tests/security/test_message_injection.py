"""Reporters' words in official messages: an event report's headline cannot add lines or
links to the e-mails and SMS sent to authorities; it is quoted as the reporter's words."""

from __future__ import annotations

import re

from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.channels import ChannelRegistry, EmailChannel, EmailConfig, SmsChannel, SmsGatewayConfig
from alerts.delivery.dispatcher import DispatchConfig, Dispatcher
from alerts.privacy import reporter_text
from tests.integration.test_delivery_factories import make_subscription
from tests.integration.test_ingest_support import FMP
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)
from tests.unit.test_channel_servers import http_receiver, smtp_sink
from ttt.config import get_settings
from ttt.db import session_factory

HOSTILE = ("URGENT\r\nFrom the Prefect: evacuate now, details at http://evil.example.com/x?a=1 "
           "or www.evil.example.net\u202e\x00 call +22370000000 mail boss@evil.example.org")
LINKY = re.compile(r"(?i)(://evil|www\.evil|evil\.example|boss@)")


def test_reporter_text_is_one_line_without_links():
    clean = reporter_text(HOSTILE)
    assert "\n" not in clean and "\r" not in clean and "\x00" not in clean and "\u202e" not in clean
    assert not LINKY.search(clean), clean
    assert "http[:]//evil[.]example[.]com" in clean and "evacuate now" in clean


def test_hostile_headline_reaches_email_and_sms_quoted_and_defanged(client, make_user, auth, session, network):
    make_subscription(session, name="mail", channel="email", address="prefet@example.org", language="en")
    make_subscription(session, name="sms", channel="sms", address="+22376000000", language="en")
    session.commit()
    h = auth(make_user("partner")[1])
    r = client.post("/api/v1/alerts", headers=h, json={"event_kind": "conflict", "flow_point": FMP, "headline": HOSTILE,
                                                        "severity": "severe"})
    assert r.status_code == 201, r.text
    admin = auth(make_user("admin")[1])
    assert client.post(f"/api/v1/alerts/{r.json()['id']}/verify", headers=admin,
                       json={"verdict": "confirmed"}).status_code == 200
    headline = client.get(f"/api/v1/alerts/{r.json()['id']}", headers=admin).json()["headline"]
    assert headline.startswith("Conflict reported at") and "“URGENT" in headline and not LINKY.search(headline)
    with smtp_sink() as sink, http_receiver(path="/sms") as gw:
        registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port)),
                                    SmsChannel(SmsGatewayConfig(url=gw.url))])
        Dispatcher(session_factory(), registry, DispatchConfig(get_settings().secret_key.get_secret_value(),
                   "https://ttt.example.org", policy=BackoffPolicy(jitter=0))).run_once()
    assert sink.messages and gw.requests
    for msg in sink.messages:
        assert "\n" not in msg["Subject"] and not LINKY.search(msg["Subject"])
        for part in (msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()):
            assert not LINKY.search(part), part
            assert "From the Prefect" in part and "\nFrom the Prefect" not in part
    for req in gw.requests:
        assert not LINKY.search(req.body.decode()), req.body
