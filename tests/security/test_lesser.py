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
        row = conn.execute(text("SELECT user_name, request_id, detail FROM audit_log WHERE path LIKE '/a/%'")).one()  # /ack/ links lead there
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


def test_huge_event_geometries_are_refused(client, make_user, auth):
    import math

    ring = [[-4 + 0.5 * math.cos(2 * math.pi * i / 5000), 14 + 0.5 * math.sin(2 * math.pi * i / 5000)]
            for i in range(5000)]
    ring.append(ring[0])
    r = client.post("/api/v1/alerts", headers=auth(make_user("admin")[1]),
                    json={"event_kind": "bushfire", "geometry": {"type": "Polygon", "coordinates": [ring]}})
    assert r.status_code == 422 and "simplify" in r.text


def test_csv_reports_do_not_pass_formulas_through(tmp_path):
    from ttt.spreadsheet import safe_cell

    assert [safe_cell(v) for v in ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "ok", 3)] == \
        ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "ok", 3]


def test_ttt_import_report_escapes_formulas(tmp_path, engine):
    import csv

    from typer.testing import CliRunner

    from ttt.cli import app as cli
    from ttt.cli import import_obs  # noqa: F401  (registers the command)

    src = tmp_path / "obs.csv"
    src.write_text('id,flow_point,observed_at,cattle\n=HYPERLINK("http://evil"),X,2026-01-01T00:00:00+00:00,1\n')
    report = tmp_path / "report.csv"
    CliRunner().invoke(cli, ["import", "observations", str(src), "--report", str(report)])
    cells = [c for row in csv.reader(report.open()) for c in row]
    assert cells and not any(c.startswith(("=", "+", "@")) for c in cells), cells


def test_security_headers(client):
    r = client.get("/health")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    page = client.get("/ack/not-a-token-at-all")
    assert "default-src 'none'" in page.headers["content-security-policy"] and page.headers["cache-control"] == "no-store"


def test_extreme_windows_in_a_backtest_are_a_client_error(client, make_user, auth):
    rules = {"rules": [{"id": "m", "type": "mass", "params": {"window_hours": 1e300}}]}
    r = client.post("/api/v1/rules/backtest", headers=auth(make_user("analyst")[1]),
                    json={"from": "2026-01-01", "to": "2026-01-02", "rules": rules})
    assert r.status_code == 422 and "window_hours" in r.text, r.text
