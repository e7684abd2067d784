"""Subscriptions, delivery log, CAP/Atom and acknowledgement over HTTP on real PostGIS."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy import text

from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.channels import ChannelRegistry, EmailChannel, EmailConfig
from alerts.delivery.dispatcher import DispatchConfig, Dispatcher
from alerts.delivery.outbox import enqueue
from alerts.delivery.settings import DeliverySettings
from tests.channel_servers import smtp_sink
from tests.integration.delivery_factories import T0, Clock, make_alert, make_subscription
from tests.integration.ingest_factories import FMP
from tests.integration.ingest_factories import network as network  # noqa: F401  (fixture)
from ttt.config import get_settings
from ttt.db import session_factory

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "CAP-v1.2.xsd")))
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
DS = DeliverySettings()
SUB = {"name": "Préfet de Douentza", "organisation": "Préfecture", "kind": "authority", "channel": "email",
       "address": "prefet@example.org", "language": "fr", "alert_types": ["mass", "hazard"],
       "min_severity": "moderate", "corridors": ["ML-C01"], "pcodes": ["ML05"], "area": None,
       "mode": "immediate", "tier": 1}


def key() -> str:
    return get_settings().secret_key.get_secret_value()


def test_subscription_crud_contract(client, make_user, auth):
    h = auth(make_user("analyst")[1])
    r = client.post("/api/v1/subscriptions", json=SUB, headers=h)
    assert r.status_code == 201, r.text
    sub = r.json()
    assert {k: sub[k] for k in SUB} == SUB
    assert sub["secret"] is None and sub["has_secret"] is False
    sid = sub["id"]
    hook = client.post("/api/v1/subscriptions", headers=h, json=SUB | {
        "channel": "webhook", "address": "https://partner.example.org/ttt", "language": "en",
        "area": {"type": "Polygon", "coordinates": [[[-2, 15], [-1, 15], [-1, 16], [-2, 16], [-2, 15]]]}})
    assert hook.status_code == 201, hook.text
    assert hook.json()["secret"].startswith("whsec_")  # generated, shown once
    assert hook.json()["area"]["type"] == "Polygon"
    listed = client.get("/api/v1/subscriptions", headers=h).json()
    assert listed["total"] == 2 and listed["next"] is None
    assert all(item["secret"] is None for item in listed["items"])
    assert "offset=1" in client.get("/api/v1/subscriptions?limit=1", headers=h).json()["next"]
    r = client.patch(f"/api/v1/subscriptions/{sid}", json={"mode": "digest", "min_severity": "severe"}, headers=h)
    assert r.status_code == 200 and (r.json()["mode"], r.json()["min_severity"]) == ("digest", "severe")
    assert client.delete(f"/api/v1/subscriptions/{sid}", headers=h).status_code == 204
    assert client.get(f"/api/v1/subscriptions/{sid}", headers=h).status_code == 404


def test_subscription_errors_name_every_field(client, make_user, auth):
    h = auth(make_user("admin")[1])
    bad = SUB | {"channel": "sms", "address": "0612", "secret": "whsec_abc", "pcodes": ["ML 05"],
                 "area": {"type": "Point", "coordinates": [0, 0]}}
    r = client.post("/api/v1/subscriptions", json=bad, headers=h)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error"
    fields = {e["field"] for e in body["detail"]}
    assert {"address", "secret", "pcodes.0", "area"} <= fields
    assert any("international format" in e["message"] for e in body["detail"])
    r = client.post("/api/v1/subscriptions", json=SUB | {"channel": "pigeon"}, headers=h)
    assert r.status_code == 422
    assert client.post("/api/v1/subscriptions", json=SUB, headers=auth(make_user("partner")[1])).status_code == 403
    assert client.post("/api/v1/subscriptions", json=SUB).status_code == 401


def test_cap_feed_update_and_cancel(client, make_user, auth, session):
    alert = make_alert(session)
    enqueue(session, alert, "created", now=T0, settings=DS)
    session.commit()
    h = auth(make_user("partner")[1])
    r = client.get(f"/api/v1/alerts/{alert.id}.cap", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/cap+xml")
    doc = etree.fromstring(r.content)
    assert XSD.validate(doc), XSD.error_log
    assert doc.findtext("cap:msgType", namespaces=NS) == "Alert"
    v1_id = doc.findtext("cap:identifier", namespaces=NS)

    alert.version, alert.severity, alert.updated_at = 2, "extreme", T0 + timedelta(hours=2)
    enqueue(session, alert, "escalated", now=T0, settings=DS)
    session.commit()
    doc = etree.fromstring(client.get(f"/api/v1/alerts/{alert.id}.cap", headers=h).content)
    assert XSD.validate(doc), XSD.error_log
    assert doc.findtext("cap:msgType", namespaces=NS) == "Update"
    assert doc.findtext("cap:references", namespaces=NS).split(",")[1] == v1_id
    assert doc.findtext("cap:sent", namespaces=NS) == "2026-11-24T10:00:00+00:00"

    alert.version, alert.status, alert.updated_at = 3, "resolved", T0 + timedelta(hours=5)
    enqueue(session, alert, "resolved", now=T0, settings=DS)
    session.commit()
    doc = etree.fromstring(client.get(f"/api/v1/alerts/{alert.id}.cap", headers=h).content)
    assert XSD.validate(doc), XSD.error_log
    assert doc.findtext("cap:msgType", namespaces=NS) == "Update"  # it ended: all clear
    assert doc.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"
    assert len(doc.findtext("cap:references", namespaces=NS).split()) == 2

    alert.version, alert.verification, alert.updated_at = 4, "dismissed", T0 + timedelta(hours=6)
    enqueue(session, alert, "dismissed", now=T0, settings=DS)
    session.commit()
    doc = etree.fromstring(client.get(f"/api/v1/alerts/{alert.id}.cap", headers=h).content)
    assert XSD.validate(doc), XSD.error_log
    assert doc.findtext("cap:msgType", namespaces=NS) == "Cancel"  # a false alarm
    assert len(doc.findtext("cap:references", namespaces=NS).split()) == 3

    feed = client.get("/api/v1/alerts/feed.atom?lang=en", headers=h)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    entry = etree.fromstring(feed.content).find("atom:entry", NS)
    assert entry.findtext("atom:title", namespaces=NS) == "FALSE ALARM: Many more animals than usual at FMP-07"
    link = entry.find("atom:link[@rel='alternate']", NS)
    assert link.get("type") == "application/cap+xml" and link.get("href").endswith(f"/api/v1/alerts/{alert.id}.cap")
    assert client.get("/api/v1/alerts/999999.cap", headers=h).status_code == 404
    # a partner scoped to another country does not see this alert
    other = auth(make_user("partner", scopes=["NE"])[1])
    assert client.get(f"/api/v1/alerts/{alert.id}.cap", headers=other).status_code == 404
    assert etree.fromstring(client.get("/api/v1/alerts/feed.atom", headers=other).content).find("atom:entry", NS) is None


def test_delivery_log_shows_every_attempt(client, make_user, auth, session):
    make_subscription(session, address="prefet@example.org")
    alert = make_alert(session)
    enqueue(session, alert, "created", now=T0, settings=DS)
    session.commit()
    with smtp_sink() as sink:
        sink.refuse_rcpt = {"prefet@example.org": (451, "4.3.0 mailbox busy")}
        registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port))])
        Dispatcher(session_factory(), registry, DispatchConfig(key(), "https://ttt.example.org",
                   policy=BackoffPolicy(jitter=0)), clock=Clock(T0)).run_once()
    h = auth(make_user("analyst")[1])
    body = client.get(f"/api/v1/deliveries?alert={alert.id}", headers=h).json()
    assert body["total"] == 1
    (d,) = body["items"]
    assert d["status"] == "pending" and d["attempts"] == 1 and d["next_attempt_at"] == "2026-11-24T08:00:30+00:00"
    assert d["subscription"]["address"] == "prefet@example.org"
    (attempt,) = d["attempt_log"]
    assert attempt["outcome"] == "retryable" and attempt["status_code"] == 451 and "mailbox busy" in attempt["error"]
    assert client.get("/api/v1/deliveries", headers=auth(make_user("partner")[1])).status_code == 403


def test_reported_event_and_its_resolution_reach_the_outbox_through_the_alerts_api(
        client, make_user, auth, session, network):  # noqa: F811
    make_subscription(session, name="Comité de médiation", alert_types=["event"], pcodes=["ML05"])
    make_subscription(session, name="Hazards only", alert_types=["hazard"])
    session.commit()
    h = auth(make_user("partner")[1])
    r = client.post("/api/v1/alerts", headers=h, json={
        "event_kind": "conflict", "severity": "severe", "flow_point": FMP,
        "headline": "Affrontement entre éleveurs et agriculteurs près de Konna"})
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    # an informant's report is told once an analyst confirms it; until then partners do not see it
    assert client.get(f"/api/v1/alerts/{alert_id}.cap", headers=h).status_code == 404
    analyst = auth(make_user("analyst")[1])
    cap = client.get(f"/api/v1/alerts/{alert_id}.cap", headers=analyst)  # not taken for /alerts/{id}
    assert cap.status_code == 200 and XSD.validate(etree.fromstring(cap.content)), cap.text
    assert client.post(f"/api/v1/alerts/{alert_id}/verify", headers=analyst, json={"verdict": "confirmed"}).status_code == 200
    assert client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=h, json={"note": "médiation faite"}).status_code == 200
    rows = session.execute(text(
        "SELECT s.name, d.event, d.alert_version FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
        "ORDER BY d.id")).all()
    assert [tuple(r) for r in rows] == [("Comité de médiation", "confirmed", 2), ("Comité de médiation", "resolved", 3)]
    doc = etree.fromstring(client.get(f"/api/v1/alerts/{alert_id}.cap", headers=h).content)
    assert XSD.validate(doc), XSD.error_log
    assert doc.findtext("cap:msgType", namespaces=NS) == "Update"
    assert doc.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"
    assert doc.findtext("cap:info/cap:certainty", namespaces=NS) == "Observed"  # confirmed
    geocodes = {g.findtext("cap:value", namespaces=NS) for g in doc.iterfind(".//cap:geocode", NS)}
    assert "ML0506" in geocodes
