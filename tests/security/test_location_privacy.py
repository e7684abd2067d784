"""Walk every surface that shows an alert or an observation, as a partner and as an
enumerator, and find no coordinate finer than the documented generalisation (whole 0.1
degree cells / grid nodes, ttt/location_policy.py), nor a reporter's name or words.

The herds stand at (-4.19637, 14.48431) and (-4.15212, 14.51377); the flow point they were
counted at is at (-4.196, 14.4843). Any number in those ranges that is not a multiple of 0.1
in any answer, document or message is a leak.
"""

from __future__ import annotations

import json
import re

from shapely.geometry import MultiPoint, shape

from alerts.delivery.ack import make_token
from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.channels import (
    ChannelRegistry,
    EmailChannel,
    EmailConfig,
    SmsChannel,
    SmsGatewayConfig,
    WebhookChannel,
)
from alerts.delivery.channels.webhook import generate_secret
from alerts.delivery.dispatcher import DispatchConfig, Dispatcher
from alerts.delivery.outbox import enqueue
from alerts.delivery.settings import DeliverySettings
from tests.integration.test_delivery_factories import T0, Clock, make_alert, make_subscription
from tests.integration.test_ingest_support import FMP, record
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)
from tests.unit.test_channel_servers import http_receiver, smtp_sink
from ttt.config import get_settings
from ttt.db import session_factory
from ttt.location_policy import CELL_DEG, cell_box

HERDS = [(-4.19637, 14.48431), (-4.15212, 14.51377)]
REPORTER, REPORTER_WORDS = "informant-moussa", "Moussa Diallo saw 40 armed men near the well"
# a decimal number not glued to a time (the seconds of "14:05.555054" are no longitude)
NUMBER = re.compile(r"(?<![\d:.])-?\d+\.\d+")


def fine_coordinates(text: str) -> list[float]:
    """Numbers in the data's lon (3..6) or lat (13..16) range that are not on the 0.1 grid."""
    out = []
    for m in NUMBER.finditer(text):
        v = float(m.group())
        if 3 <= abs(v) <= 6 or 13 <= abs(v) <= 16:
            k = v / CELL_DEG
            if abs(k - round(k)) > 1e-6:
                out.append(v)
    return out


def assert_generalised(label: str, text: str, *, own: bool = False) -> None:
    assert fine_coordinates(text) == [], f"{label} shows exact coordinates"
    if not own:  # the enumerator's own records name them, to them
        assert REPORTER not in text and "Moussa" not in text, f"{label} shows the reporter"


def test_generalisation_never_degenerates():
    for geom in (MultiPoint([(0.1, 14.0)]).geoms[0], MultiPoint(HERDS), MultiPoint([(-4.2, 14.5), (-4.2, 14.7)])):
        cell = cell_box(geom)
        assert cell.area >= CELL_DEG * CELL_DEG * 0.999 and cell.covers(geom)


def test_every_surface_generalises_for_partners_enumerators_and_recipients(client, make_user, auth, session, network):
    admin = auth(make_user("admin")[1])
    enum_user, enum_token = make_user("enumerator", name=REPORTER)
    enum = auth(enum_token)
    partner = auth(make_user("partner")[1])

    # an off-corridor alert *at* a flow point carrying the herds' GPS points (the old leak)
    herd_alert = make_alert(session, flow_point_code=FMP, corridor_code="ML-C1", pcodes=["ML05", "ML0506"],
                            geometry=MultiPoint(HERDS))
    # an event reported at an exact point, with a name and words of the reporter
    r = client.post("/api/v1/alerts", headers=enum, json={
        "event_kind": "cattle_rustling", "severity": "severe", "location": {"lon": HERDS[0][0], "lat": HERDS[0][1]},
        "description": REPORTER_WORDS})
    assert r.status_code == 201, r.text
    event_id = r.json()["id"]
    # a report waits for an analyst's confirmation before partners see it
    v = client.post(f"/api/v1/alerts/{event_id}/verify", headers=admin, json={"verdict": "confirmed"})
    assert v.status_code == 200, v.text
    r = client.post("/api/v1/observations", headers=enum, json={"observations": [
        record(location={"lon": HERDS[1][0], "lat": HERDS[1][1]})]})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    secret = generate_secret()
    with http_receiver() as hook, http_receiver(path="/sms") as gw, smtp_sink() as sink:
        for kind in ("partner", "authority"):
            make_subscription(session, name=f"{kind} hook", kind=kind, channel="webhook", address=hook.url,
                              secret=secret, language="en")
        make_subscription(session, name="mail", channel="email", address="prefet@example.org")
        make_subscription(session, name="sms", channel="sms", address="+22376000000")
        enqueue(session, herd_alert, "created", now=T0, settings=DeliverySettings())
        session.commit()
        registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port)), WebhookChannel(),
                                    SmsChannel(SmsGatewayConfig(url=gw.url))])
        settings = get_settings()
        report = Dispatcher(session_factory(), registry, DispatchConfig(
            settings.secret_key.get_secret_value(), "https://ttt.example.org", policy=BackoffPolicy(jitter=0)),
            clock=Clock(T0)).run_once()
        assert report.sent >= 4
        pushed = {f"webhook {i}": req.body.decode() for i, req in enumerate(hook.requests)}
        pushed |= {f"sms {i}": req.body.decode() for i, req in enumerate(gw.requests)}
        for i, msg in enumerate(sink.messages):
            pushed[f"email text {i}"] = msg.get_body(("plain",)).get_content()
            pushed[f"email html {i}"] = msg.get_body(("html",)).get_content()
    assert len(hook.requests) >= 2 and gw.requests and sink.messages
    for label, text in pushed.items():
        assert_generalised(label, text)
    for req in hook.requests:
        geom = shape(json.loads(req.body)["data"]["geometry"])
        assert geom.geom_type == "Polygon" and geom.area > 0 and geom.covers(MultiPoint(HERDS))

    token = make_token(get_settings().secret_key.get_secret_value(), alert_id=herd_alert.id, version=1, delivery_id=None)
    assert_generalised("ack page", client.get(f"/ack/{token}").text)

    ids = (herd_alert.id, event_id)
    surfaces = [
        "/api/v1/alerts", *(f"/api/v1/alerts/{i}" for i in ids), *(f"/api/v1/alerts/{i}.cap" for i in ids),
        "/api/v1/alerts/feed.atom", "/ogc/collections/alerts", "/ogc/collections/alerts/items",
        *(f"/ogc/collections/alerts/items/{i}" for i in ids), "/ogc/collections/observations",
        "/ogc/collections/observations/items",
    ]
    for who, headers in (("partner", partner), ("enumerator", enum)):
        for path in [*surfaces, *(["/api/v1/observations"] if who == "enumerator" else [])]:
            r = client.get(path, headers=headers)
            assert r.status_code == 200, (who, path, r.status_code, r.text)
            assert_generalised(f"{path} as {who}", r.text, own=path == "/api/v1/observations")
        body = client.get(f"/api/v1/alerts/{event_id}", headers=headers).json()
        assert body["location"] == "grid_0.1deg" and shape(body["geometry"]).area > 0  # a point: one whole cell
    # the enumerator sees their own observation in OGC, generalised; the partner sees it too (generalised)
    obs = client.get("/ogc/collections/observations/items", headers=enum).json()
    assert obs["numberMatched"] == 1

    # admins still see everything exactly (the policy does not blind the people who need it)
    exact = client.get(f"/api/v1/alerts/{herd_alert.id}", headers=admin).json()["geometry"]
    assert shape(exact).equals(MultiPoint(HERDS))
    event = client.get(f"/api/v1/alerts/{event_id}", headers=admin).json()
    assert event["evidence"]["details"]["reported_by"] == REPORTER
    assert event["evidence"]["details"]["description"] == REPORTER_WORDS
    _ = enum_user
