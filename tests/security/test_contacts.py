"""Recipients' contacts and reporters' names stay with admins: who acknowledged an alert
through a link (a name typed on the page, an e-mail or phone) is shown to every other reader
as the organisation; who reported an event and what they wrote, as a role."""

from __future__ import annotations

from sqlalchemy import text

from alerts.delivery.ack import make_token
from alerts.delivery.outbox import enqueue
from tests.integration.test_delivery_factories import T0, make_alert, make_subscription
from tests.integration.test_ingest_support import FMP
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)
from ttt.config import get_settings


def test_acknowledged_by_shows_the_organisation_never_the_contact(client, make_user, auth, session):
    make_subscription(session, name="Préfet de Douentza", organisation="Préfecture de Douentza",
                      channel="sms", address="+22376123456")
    alert = make_alert(session)
    enqueue(session, alert, "created", now=T0)
    session.commit()
    delivery_id = session.execute(text("SELECT id FROM deliveries WHERE alert_id = :a"), {"a": alert.id}).scalar()
    token = make_token(get_settings().secret_key.get_secret_value(), alert_id=alert.id, version=1,
                       delivery_id=delivery_id)
    page = client.post(f"/ack/{token}", data={"name": "Aminata Traoré", "note": "reçu"})
    assert page.status_code == 200  # the page counts organisations; it names none and no one
    for secret in ("Aminata", "+22376123456", "76123456"):
        assert secret not in page.text
        assert secret not in client.get(f"/ack/{token}").text
    for role in ("partner", "analyst", "enumerator"):
        h = auth(make_user(role)[1])
        body = client.get(f"/api/v1/alerts/{alert.id}", headers=h)
        assert body.json()["acknowledged"]["by"] == "Préfecture de Douentza", role
        assert "Aminata" not in body.text and "76123456" not in body.text, role
        if role != "enumerator":  # a second acknowledgement: the refusal names no person either
            again = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", headers=h)
            assert again.status_code in (200, 409) and "Aminata" not in again.text and "76123456" not in again.text
    admin = client.get(f"/api/v1/alerts/{alert.id}", headers=auth(make_user("admin")[1])).json()
    assert "Préfet de Douentza" in admin["acknowledged"]["by"]  # admins see which subscription


def test_reporters_names_and_words_reach_admins_only(client, make_user, auth, network):
    reporter = auth(make_user("enumerator", name="informant-aissata")[1])
    r = client.post("/api/v1/alerts", headers=reporter, json={
        "event_kind": "cattle_rustling", "flow_point": FMP, "description": "Aissata's cousin saw them at dawn"})
    assert r.status_code == 201
    alert_id = r.json()["id"]
    assert "aissata" not in r.text.lower()  # not even echoed to the reporter's phone
    # (a report waits for confirmation: staff and its reporter read it until then)
    for headers in (auth(make_user("analyst")[1]), reporter):
        body = client.get(f"/api/v1/alerts/{alert_id}", headers=headers)
        assert "aissata" not in body.text.lower()
        assert body.status_code == 200, body.text
        assert body.json()["evidence"]["details"]["reporter_role"] == "enumerator"
    admin_h = auth(make_user("admin")[1])
    assert client.post(f"/api/v1/alerts/{alert_id}/verify", headers=admin_h, json={"verdict": "confirmed"}).status_code == 200
    body = client.get(f"/api/v1/alerts/{alert_id}", headers=auth(make_user("partner")[1]))
    assert body.status_code == 200 and "aissata" not in body.text.lower()
    admin = client.get(f"/api/v1/alerts/{alert_id}", headers=admin_h).json()
    assert admin["evidence"]["details"]["reported_by"] == "informant-aissata"
