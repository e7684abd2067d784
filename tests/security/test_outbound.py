"""The outbound policy (ttt/outbound.py): no request to loopback, private, link-local or
reserved addresses, whatever the spelling, at subscription time and at send time; no
redirects; never the receiver's answer in the delivery log; credentials masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.delivery.channels import SmsChannel, SmsGatewayConfig, WebhookChannel
from alerts.delivery.channels.webhook import generate_secret
from tests.unit.test_channel_servers import http_receiver
from tests.unit.test_channels import envelope
from ttt.config import get_settings
from ttt.outbound import OutboundRefused, check_local_source, check_url, mask_url, parse_allow

REFUSED = [
    "http://127.0.0.1/", "http://localhost:8000/x", "http://[::1]/", "http://0.0.0.0/",
    "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://10.1.2.3/", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/",
    "http://[fc00::1]/", "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/",
    "http://255.255.255.255/", "http://[::]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/",
    "ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8/", "http:///nohost",
]


@pytest.fixture
def no_allow(monkeypatch):
    """The production default: nothing allow-listed (the suite allows loopback receivers)."""
    monkeypatch.setenv("TTT_OUTBOUND_ALLOW", "")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_destinations_are_refused_in_every_spelling(no_allow, url):
    with pytest.raises(OutboundRefused) as info:
        check_url(url)
    assert info.value.status == 422 and len(str(info.value.detail)) < 120
    assert "127.0.0.1" not in str(info.value.detail)  # the resolved address is not echoed


def test_public_addresses_pass_and_allow_list_opens_chosen_networks(no_allow, monkeypatch):
    check_url("https://8.8.8.8/hook")
    check_url("http://[2606:4700:4700::1111]/")
    monkeypatch.setenv("TTT_OUTBOUND_ALLOW", '["10.0.0.5/32"]')
    get_settings.cache_clear()
    check_url("http://10.0.0.5:8080/sms")
    with pytest.raises(OutboundRefused):
        check_url("http://10.0.0.6/sms")
    assert [str(n) for n in parse_allow("127.0.0.0/8, ::1/128")] == ["127.0.0.0/8", "::1/128"]


def test_webhook_subscription_to_internal_address_is_refused(no_allow, client, make_user, auth):
    h = auth(make_user("analyst")[1])
    for address in ("http://169.254.169.254/latest", "http://2130706433/x", "http://[::ffff:127.0.0.1]/x"):
        r = client.post("/api/v1/subscriptions", headers=h, json={
            "name": "x", "kind": "partner", "channel": "webhook", "address": address, "language": "en"})
        assert r.status_code == 422, (address, r.text)
        assert any(e["field"] == "address" and "not a public address" in e["message"] for e in r.json()["detail"])
    ok = client.post("/api/v1/subscriptions", headers=h, json={
        "name": "x", "kind": "partner", "channel": "webhook", "address": "https://8.8.8.8/hook", "language": "en"})
    assert ok.status_code == 201, ok.text
    patched = client.patch(f"/api/v1/subscriptions/{ok.json()['id']}", headers=h,
                           json={"address": "http://127.0.0.1:9/"})
    assert patched.status_code == 422


def test_send_time_check_refuses_and_never_stores_the_answer(monkeypatch):
    """Created while allowed (or DNS changed since): the send is refused, nothing connects."""
    with http_receiver(lambda n, r: (200, "internal admin page: secret=xyz")) as hook:
        allowed = WebhookChannel().send(envelope(hook.url, secret=generate_secret()))
        assert allowed.ok and allowed.response_excerpt is None  # the answer is never kept
        monkeypatch.setenv("TTT_OUTBOUND_ALLOW", "")
        get_settings.cache_clear()
        try:
            refused = WebhookChannel().send(envelope(hook.url, secret=generate_secret()))
            sms = SmsChannel(SmsGatewayConfig(url=hook.url.replace("/hook", "/sms?token=abc"))).send(
                envelope("+22376000000"))
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
    assert len(hook.requests) == 1
    assert refused.status == "permanent" and "not a public address" in refused.error
    assert sms.status == "permanent" and "token=***" in sms.error and "abc" not in sms.error


def test_redirects_are_not_followed():
    answers = iter([(302, "", {"Location": "http://169.254.169.254/latest/meta-data/"})])
    with http_receiver(lambda n, r: next(answers)) as hook:
        outcome = WebhookChannel().send(envelope(hook.url, secret=generate_secret()))
    assert outcome.status == "permanent" and "redirects are not followed" in outcome.error
    assert len(hook.requests) == 1


def test_credentials_in_urls_are_masked():
    assert mask_url("https://user:pw@gw.example.org/send?api_key=k1&to=5&access_token=t") == \
        "https://***@gw.example.org/send?api_key=***&to=5&access_token=***"


def test_import_refuses_sources_that_name_urls(tmp_path: Path):
    vrt = tmp_path / "x.vrt"
    vrt.write_text("<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>/vsicurl/http://169.254.169.254/"
                   "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>")
    disguised = tmp_path / "x.geojson"
    disguised.write_text(vrt.read_text())
    for source in (vrt, disguised, "/vsicurl/http://127.0.0.1/x.geojson", "http://127.0.0.1/x.geojson"):
        with pytest.raises(OutboundRefused):
            check_local_source(source)
    plain = tmp_path / "ok.geojson"
    plain.write_text('{"type": "FeatureCollection", "features": []}')
    check_local_source(plain)


def test_ttt_import_of_a_vrt_fetches_nothing(tmp_path: Path):
    from typer.testing import CliRunner

    from ttt.cli import app as cli
    from ttt.cli import import_geo  # noqa: F401  (registers the command)

    with http_receiver() as hook:
        vrt = tmp_path / "corridors.geojson"
        vrt.write_text(f"<OGRVRTDataSource><OGRVRTLayer name='c'><SrcDataSource>/vsicurl/{hook.url}"
                       "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>")
        result = CliRunner().invoke(cli, ["import", "corridors", str(vrt)])
    assert result.exit_code != 0 and hook.requests == []
    assert "VRT" in result.output or "refused" in result.output, result.output


def test_the_connection_itself_is_checked(no_allow):
    """The address is judged again where the socket is opened (a DNS answer that changed
    after check_url, or a caller that skipped it, still cannot reach loopback)."""
    from ttt.outbound import guarded_client

    with http_receiver() as hook, guarded_client(5) as client, pytest.raises(OutboundRefused):
        client.post(hook.url, content=b"{}")
    assert hook.requests == []


def test_the_delivery_log_masks_webhook_credentials(client, make_user, auth, session):
    from alerts.delivery.outbox import enqueue
    from tests.integration.test_delivery_factories import T0, make_alert, make_subscription

    make_subscription(session, channel="webhook", address="https://user:pw@hooks.example.org/in?token=s3cr3t",
                      secret=generate_secret())
    enqueue(session, make_alert(session), "created", now=T0)
    session.commit()
    log = client.get("/api/v1/deliveries", headers=auth(make_user("analyst")[1])).text
    assert "s3cr3t" not in log and "pw@" not in log and "hooks.example.org" in log
