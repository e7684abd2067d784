"""Each channel against a real local server: what arrives, and how failures are classified."""

from __future__ import annotations

import json
import time

import pytest

from alerts.delivery.channels import (
    ChannelRegistry,
    EmailChannel,
    EmailConfig,
    Envelope,
    LogChannel,
    SmsChannel,
    SmsGatewayConfig,
    WebhookChannel,
    build_channel,
    channel_types,
)
from alerts.delivery.channels.webhook import WebhookVerificationError, generate_secret, sign, verify
from alerts.delivery.sms_text import count_sms
from tests.channel_servers import free_port, http_receiver, smtp_sink, standard_webhooks_signature
from tests.unit.test_delivery_samples import T0, hazard_alert, mass_alert


def envelope(address: str, language: str = "fr", **kw) -> Envelope:
    return Envelope(delivery_id=kw.pop("delivery_id", "101"), address=address, language=language,
                    messages=kw.pop("messages", (mass_alert(),)), **kw)


# --- email ----------------------------------------------------------------------------


def test_french_email_arrives_at_a_real_smtp_server():
    with smtp_sink() as sink:
        channel = EmailChannel(EmailConfig(host=sink.host, port=sink.port, sender="alertes@ttt.example.org"))
        outcome = channel.send(envelope("prefet@example.org"))
    assert outcome.ok, outcome
    assert len(sink.messages) == 1
    msg = sink.messages[0]
    assert sink.envelopes[0] == ("alertes@ttt.example.org", ["prefet@example.org"])
    assert msg["Subject"] == "[TTT] NOUVELLE ALERTE : Beaucoup plus d'animaux que d'habitude à Boni (élevée)"
    assert msg["Message-ID"] == "<ttt-delivery-101@ttt.example.org>"
    assert msg["Content-Language"] == "fr"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Où : point de suivi des flux Boni (FMP-07), sur le corridor Douentza-Boni (ML-C01)" in text
    assert "Environ 12\u202f500 animaux sont passés en 24 h" in text
    assert "Détails et accusé de réception" in html
    assert mass_alert().ack_url in text


def test_digest_email_groups_alerts():
    with smtp_sink() as sink:
        channel = EmailChannel(EmailConfig(host=sink.host, port=sink.port))
        outcome = channel.send(envelope("a@example.org", "en", messages=(mass_alert(), hazard_alert()),
                                        digest_day=T0.date()))
    assert outcome.ok
    assert sink.messages[0]["Subject"] == "[TTT] Summary of 24 November 2026: 2 alerts"


def test_refused_recipient_is_permanent_and_greylisting_is_retried():
    with smtp_sink() as sink:
        sink.refuse_rcpt = {"nobody@example.org": (550, "5.1.1 No such user"),
                            "later@example.org": (451, "4.7.1 Greylisted, try again")}
        channel = EmailChannel(EmailConfig(host=sink.host, port=sink.port))
        gone = channel.send(envelope("nobody@example.org"))
        later = channel.send(envelope("later@example.org"))
    assert (gone.status, gone.status_code) == ("permanent", 550)
    assert "No such user" in gone.error
    assert (later.status, later.status_code) == ("retryable", 451)
    assert sink.messages == []


def test_smtp_server_down_is_retryable_and_bad_address_is_permanent():
    channel = EmailChannel(EmailConfig(host="127.0.0.1", port=free_port(), timeout_s=2))
    down = channel.send(envelope("prefet@example.org"))
    assert down.status == "retryable" and "ConnectionRefused" in down.error
    assert channel.send(envelope("not-an-address")).status == "permanent"


def test_starttls_required_but_not_offered_is_retryable():
    with smtp_sink() as sink:
        channel = EmailChannel(EmailConfig(host=sink.host, port=sink.port, starttls=True))
        outcome = channel.send(envelope("prefet@example.org"))
    assert outcome.status == "retryable" and "STARTTLS" in outcome.error
    assert sink.messages == []  # never sent in clear when TLS was asked for


def test_ssl_and_starttls_together_is_a_config_error():
    with pytest.raises(ValueError, match="not both"):
        EmailConfig(ssl=True, starttls=True)


# --- webhook --------------------------------------------------------------------------


def test_webhook_signature_verifies_at_the_receiver():
    secret = generate_secret()
    with http_receiver() as hook:
        outcome = WebhookChannel().send(envelope(hook.url, "en", secret=secret, delivery_id="555"))
    assert outcome.ok and outcome.status_code == 200
    (req,) = hook.requests
    assert req.headers["webhook-id"] == "msg_ttt_555"
    assert abs(int(req.headers["webhook-timestamp"]) - time.time()) < 300
    expected = standard_webhooks_signature(secret, req.headers["webhook-id"], req.headers["webhook-timestamp"], req.body)
    assert req.headers["webhook-signature"] == expected
    verify(secret, req.headers, req.body)  # our own verifier agrees
    data = req.json()["data"]
    assert data["headline"] == "NEW ALERT: Many more animals than usual at Boni"
    assert data["recommended_action"].startswith("Tell local authorities")
    with pytest.raises(WebhookVerificationError, match="altered body"):
        verify(secret, req.headers, req.body.replace(b"12,500", b"99,999"))
    with pytest.raises(WebhookVerificationError, match="away from now"):
        verify(secret, req.headers, req.body, now=time.time() + 3600)


def test_webhook_statuses_are_classified():
    codes = iter([503, 429, 410, 400, 204])
    with http_receiver(lambda n, r: (next(codes), "nope")) as hook:
        channel = WebhookChannel()
        results = [channel.send(envelope(hook.url, secret=generate_secret())) for _ in range(5)]
    assert [r.status for r in results] == ["retryable", "retryable", "permanent", "permanent", "ok"]
    assert results[0].response_excerpt is None and results[0].status_code == 503


def test_retry_after_is_passed_on():
    answers = iter([(429, "slow down", {"Retry-After": "120"}),
                    (503, "maintenance", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})])
    with http_receiver(lambda n, r: next(answers)) as hook:
        first = WebhookChannel().send(envelope(hook.url, secret=generate_secret()))
        second = WebhookChannel().send(envelope(hook.url, secret=generate_secret()))
    assert first.status == "retryable" and first.retry_after_s == 120 and "Retry-After: 120" in first.error
    assert second.retry_after_s == 0  # a date in the past: no extra wait


def test_webhook_unreachable_is_retryable():
    outcome = WebhookChannel().send(envelope(f"http://127.0.0.1:{free_port()}/hook", secret=generate_secret()))
    assert outcome.status == "retryable" and "could not reach" in outcome.error


def test_webhook_signature_known_vector():
    # Standard Webhooks reference test vector (standard-webhooks/standard-webhooks, libraries/python)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_bad_secret_is_a_permanent_failure():
    outcome = WebhookChannel().send(envelope("http://127.0.0.1:9/hook", secret="whsec_%%%"))
    assert outcome.status == "permanent" and "whsec_" in outcome.error


# --- SMS gateway ----------------------------------------------------------------------


def test_sms_gateway_receives_templated_json_with_auth():
    template = {"messages": [{"destination": "{to}", "body": "{text}", "from": "{sender}",
                              "segments": "{parts}", "ref": "ttt-{delivery_id}"}]}
    with http_receiver(lambda n, r: (201, '{"id": "gw-77"}')) as gw:
        channel = SmsChannel(SmsGatewayConfig(url=gw.url, auth_value="Bearer s3cret", body_template=template))
        outcome = channel.send(envelope("+223 76 00 00 00", delivery_id="9"))
    assert outcome.ok and outcome.status_code == 201 and outcome.response_excerpt is None  # never the body
    (req,) = gw.requests
    assert req.headers["authorization"] == "Bearer s3cret"
    sms = req.json()["messages"][0]
    assert sms["destination"] == "+22376000000" and sms["ref"] == "ttt-9" and sms["from"] == "TTT"
    assert sms["body"].startswith("NOUVELLE ALERTE : Beaucoup plus d'animaux que d'habitude à Boni (élevée)")
    assert sms["body"].endswith(mass_alert().ack_url)
    assert sms["segments"] == count_sms(sms["body"]).parts <= 2


def test_sms_quotes_in_text_cannot_break_the_json():
    msg = mass_alert(flow_point_name='Alerte "urgente" \\ {to}')
    with http_receiver() as gw:
        SmsChannel(SmsGatewayConfig(url=gw.url)).send(envelope("+22376000000", messages=(msg,)))
    assert 'Alerte "urgente" \\ {to}' in gw.requests[0].json()["text"]


def test_sms_config_and_address_errors():
    with pytest.raises(ValueError, match="unknown placeholder '{phone}'"):
        SmsGatewayConfig(url="http://x", body_template={"to": "{phone}", "text": "{text}"})
    assert SmsChannel(SmsGatewayConfig(url=None)).send(envelope("+22376000000")).status == "retryable"
    assert SmsChannel(SmsGatewayConfig(url="http://x")).send(envelope("0612")).status == "permanent"


# --- registry and log -----------------------------------------------------------------


def test_registry_and_log_channel():
    assert {"email", "sms", "webhook", "log"} <= set(channel_types())
    log = build_channel("log")
    registry = ChannelRegistry([log, WebhookChannel()])
    assert registry.names() == ["log", "webhook"]
    outcome = registry.get("log").send(envelope("anyone"))
    assert outcome.ok and isinstance(log, LogChannel)
    assert log.sent[0][1].startswith("[TTT] NOUVELLE ALERTE")
    with pytest.raises(KeyError, match="no delivery channel named 'pigeon'"):
        registry.get("pigeon")
    assert json.loads(WebhookChannel().body(envelope("http://h/x", "en"), "m1"))["id"] == "m1"
