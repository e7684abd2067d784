"""The lesser findings: the audit trail of anonymous requests, old ack links and newer alert
versions, huge event geometries, formulas in CSV reports, security headers, extreme windows
in backtests."""

from __future__ import annotations

import base64

from sqlalchemy import text

from alerts.delivery.ack import make_token
from alerts.delivery.outbox import enqueue
from tests.integration.test_delivery_factories import T0, make_alert, make_subscription
from ttt.config import get_settings


def test_an_anonymous_ack_post_is_audited_without_a_claimed_user_or_client_request_id(client, make_user, session,
                                                                                     engine):
    make_user("admin", name="chief")
    make_subscription(session)
    alert = make_alert(session)
    enqueue(session, alert, "created", now=T0)
    session.commit()
    delivery_id = session.execute(text("SELECT id FROM deliveries")).scalar()
    token = make_token(get_settings().secret_key.get_secret_value(), alert_id=alert.id, version=1,
                       delivery_id=delivery_id)
    forged = {"Authorization": "Basic " + base64.b64encode(b"chief:whatever").decode(), "X-Request-ID": "req-chosen"}
    r = client.post(f"/ack/{token}", data={"name": "x"}, headers=forged)
    assert r.status_code == 200
    with engine.connect() as conn:
        row = conn.execute(text("SELECT user_name, request_id, detail FROM audit_log WHERE path LIKE '/ack/%'")).one()
    assert row.user_name is None and row.request_id != "req-chosen" and row.request_id == r.headers["x-request-id"]
    assert "claimed user 'chief'" in row.detail and "client request id req-chosen" in row.detail


def test_an_old_ack_link_does_not_acknowledge_a_newer_graver_version(client, session):
    make_subscription(session)
    alert = make_alert(session, severity="moderate")
    enqueue(session, alert, "created", now=T0)
    session.commit()
    delivery_id = session.execute(text("SELECT id FROM deliveries")).scalar()
    old = make_token(get_settings().secret_key.get_secret_value(), alert_id=alert.id, version=1, delivery_id=delivery_id)
    alert.severity, alert.version = "extreme", 2
    enqueue(session, alert, "escalated", now=T0)
    session.commit()
    r = client.post(f"/ack/{old}?lang=en", data={"name": "x"})
    assert r.status_code == 409 and "more severe" in r.text
    session.expire_all()
    assert session.get(type(alert), alert.id).acknowledged_at is None
