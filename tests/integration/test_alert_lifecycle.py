"""From alert to action on real PostGIS with a real SMTP server: one message per incident,
resolutions that hold, dismissals that cancel, all clear, reminders, late history loads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from alerts.alerts.lifecycle import tick
from alerts.alerts.models import Alert
from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.channels import ChannelRegistry, EmailChannel, EmailConfig
from alerts.delivery.models import Delivery
from tests.integration.test_delivery_factories import Clock, make_subscription
from tests.integration.test_delivery_outbox import dispatcher
from tests.integration.test_ingest_support import FMP, record
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)
from tests.unit.test_channel_servers import smtp_sink
from ttt.db import session_scope

# yesterday, from 06:00 UTC: recent enough to page people, inside one 24 h window
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)


def herds(n: int, cattle: int, start: int = 0, day: datetime = DAY, **kw) -> list[dict]:
    return [record(observed_at=(day + timedelta(hours=6, minutes=10 * (start + i))).isoformat(),
                   counts={"cattle": cattle, "sheep": 0, "goats": 0, "camels": 0, "donkeys": 0, "horses": 0,
                           "other": 0}, **kw)
            for i in range(n)]


@pytest.fixture
def api(client, make_user, auth, network):  # noqa: F811
    enum = auth(make_user("enumerator")[1])
    admin = auth(make_user("admin", name="dtm-admin")[1])

    class Api:
        def post(self, records):
            r = client.post("/api/v1/observations", json={"observations": records}, headers=enum)
            assert r.status_code == 200 and r.json()["accepted"] == len(records), r.text

        def evaluate(self):
            r = client.post("/api/v1/rules/evaluate", headers=admin)
            assert r.status_code == 200, r.text
            return r.json()

        def get(self, alert_id):
            return client.get(f"/api/v1/alerts/{alert_id}", headers=admin).json()

        def act(self, alert_id, verb, body=None):
            return client.post(f"/api/v1/alerts/{alert_id}/{verb}", json=body or {}, headers=admin)

    return Api()


def send_all(sink, now=None) -> list:
    registry = ChannelRegistry([EmailChannel(EmailConfig(host=sink.host, port=sink.port))])
    before = len(sink.messages)
    # two days ahead so every delivery is due; the maximum age (checked before the first send
    # too) is a week here so none of them is given up as too old
    dispatcher(registry, Clock(now or datetime.now(UTC) + timedelta(days=2)),
               policy=BackoffPolicy(base_s=30, jitter=0.5, max_age=timedelta(days=7))).run_once()
    return sink.messages[before:]


def deliveries(session, alert_id=None) -> list[tuple[str, int]]:
    session.expire_all()
    q = select(Delivery.event, Delivery.subscription_id).order_by(Delivery.id)
    if alert_id is not None:
        q = q.where(Delivery.alert_id == alert_id)
    return [tuple(r) for r in session.execute(q)]


def test_point_and_corridor_mass_are_one_incident_and_one_email_per_subscriber(api, session):
    prefet = make_subscription(session, name="Préfet de Mopti", address="prefet@example.org", pcodes=["ML05"])
    make_subscription(session, name="Corridor watch", address="corridor@example.org", corridors=["ML-C1"])
    session.commit()
    # 14 herds of 350 cattle at one point: 4,900 animals (point floor 2,000) and 3,430 TLU
    # over the corridor (floor 3,000)
    api.post(herds(14, 350))
    result = api.evaluate()
    assert len(result["created"]) == 1, [api.get(i)["rule"] for i in result["created"]]
    alert = api.get(result["created"][0])
    measures = alert["evidence"]["measures"]
    assert set(measures) == {"mass_flow_point", "mass_corridor"}
    assert measures["mass_flow_point"]["observed"] == 4900 and measures["mass_corridor"]["observed"] == 3430
    assert len(alert["evidence"]["observations"]) == 14
    with smtp_sink() as sink:
        sent = send_all(sink)
    assert sorted(m["To"] for m in sent) == ["corridor@example.org", "prefet@example.org"]
    body = sent[0].get_body(("plain",)).get_content()
    assert "Même incident, sur le corridor Mopti - Burkina (ML-C1) : 3\u202f430 UBT" in body, body
    # more herds the same day update the one incident; nobody gets a second "new alert"
    api.post(herds(2, 350, start=20))
    assert api.evaluate()["created"] == []
    assert [e for e, s in deliveries(session) if s == prefet.id] == ["created"]


def test_a_resolved_alert_holds_under_more_herds_and_reopens_only_when_materially_worse(api, session):
    make_subscription(session, name="Préfet de Mopti", address="prefet@example.org", pcodes=["ML05"])
    session.commit()
    api.post(herds(14, 350))
    (first,) = api.evaluate()["created"]
    r = api.act(first, "resolve", {"mode": "herders_moved_on", "note": "herds moved south"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    # 80 s later one 60-head herd over the same window: still resolved, nobody paged
    api.post(herds(1, 60, start=30))
    again = api.evaluate()
    assert again["created"] == [] and again["updated"] == []
    assert api.get(first)["status"] == "resolved"
    assert [e for e, _ in deliveries(session, first)] == ["created", "resolved"]
    assert session.scalar(select(Alert.id).where(Alert.id != first)) is None
    # now 1.5 times the resolved figure: a reopened alert that says so and names the first
    api.post(herds(8, 350, start=40))
    (reopened,) = api.evaluate()["created"]
    shown = api.get(reopened)
    assert shown["reopened_from"] == first and shown["status"] == "open"
    assert shown["history"][0]["change"] == "reopened" and str(first) in shown["history"][0]["note"]
    assert [e for e, _ in deliveries(session, reopened)] == ["reopened"]
    with smtp_sink() as sink:
        sent = send_all(sink)
    subjects = [m["Subject"] for m in sent]
    assert any(s.startswith("[TTT] ALERTE ROUVERTE") for s in subjects), subjects
    body = next(m for m in sent if "ROUVERTE" in m["Subject"]).get_body(("plain",)).get_content()
    assert "La situation s'est aggravée après la clôture de l'alerte précédente ici." in body


def test_a_dismissed_rule_alert_sends_a_false_alarm_to_everyone_told(api, session, make_user, auth, client):
    told = make_subscription(session, name="Préfet de Mopti", address="prefet@example.org", pcodes=["ML05"])
    en = make_subscription(session, name="IOM", address="iom@example.org", language="en", kind="partner")
    make_subscription(session, name="Burkina", address="bf@example.org", pcodes=["BF"])
    session.commit()
    api.post(herds(14, 350))
    (alert_id,) = api.evaluate()["created"]
    with smtp_sink() as sink:
        assert len(send_all(sink)) == 2  # rule alerts go out at once
        partner = auth(make_user("partner")[1])
        assert client.post(f"/api/v1/alerts/{alert_id}/verify", json={"verdict": "dismissed"},
                           headers=partner).status_code == 403
        r = api.act(alert_id, "verify", {"verdict": "dismissed", "note": "double count at the market"})
        assert r.status_code == 200 and r.json()["verification"] == "dismissed"
        sent = send_all(sink)
    assert sorted(m["To"] for m in sent) == ["iom@example.org", "prefet@example.org"]  # not Burkina
    by_to = {m["To"]: m for m in sent}
    assert by_to["prefet@example.org"]["Subject"].startswith("[TTT] FAUSSE ALERTE")
    assert "FALSE ALARM" in by_to["iom@example.org"]["Subject"]
    assert "fausse alerte" in by_to["prefet@example.org"].get_body(("plain",)).get_content().lower()
    assert {s for e, s in deliveries(session) if e == "dismissed"} == {told.id, en.id}
    # a dismissed alert cannot be resolved nor confirmed; it is not reopened by the same herds
    r = api.act(alert_id, "resolve", {"mode": "mediation"})
    assert r.status_code == 409 and "dismissed" in r.json()["detail"]
    assert api.act(alert_id, "verify", {"verdict": "confirmed"}).status_code == 409
    api.post(herds(1, 60, start=30))
    assert api.evaluate()["created"] == []
    changes = [h["change"] for h in api.get(alert_id)["history"]]
    assert changes == ["created", "dismissed"]
    # the Atom feed tells the change and the verdict
    from lxml import etree

    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = etree.fromstring(client.get("/api/v1/alerts/feed.atom", headers=auth(make_user("partner")[1])).content)
    terms = {(c.get("scheme"), c.get("term")) for c in feed.iterfind("a:entry/a:category", ns)}
    assert ("urn:ttt:change", "dismissed") in terms and ("urn:ttt:verification", "dismissed") in terms


def test_subscriptions_choose_which_changes_they_hear(client, admin_headers):
    body = {"name": "Mairie", "channel": "email", "address": "mairie@example.org", "hears": ["new", "resolution"]}
    r = client.post("/api/v1/subscriptions", json=body, headers=admin_headers)
    assert r.status_code == 201 and r.json()["hears"] == ["new", "resolution"], r.text
    r = client.post("/api/v1/subscriptions", json={**body, "hears": ["gossip"]}, headers=admin_headers)
    assert r.status_code == 422
    r = client.post("/api/v1/subscriptions", json={k: v for k, v in body.items() if k != "hears"}, headers=admin_headers)
    assert r.json()["hears"] == ["new", "update", "verification", "resolution"]


def test_confirmed_alerts_remind_and_close_with_an_all_clear(api, session):
    make_subscription(session, name="Préfet de Mopti", address="prefet@example.org", pcodes=["ML05"])
    quiet = make_subscription(session, name="New only", address="new@example.org", hears=["new"])
    session.commit()
    api.post(herds(14, 350))
    (alert_id,) = api.evaluate()["created"]
    assert api.act(alert_id, "verify", {"verdict": "confirmed"}).status_code == 200
    now = datetime.now(UTC)
    with smtp_sink() as sink:
        send_all(sink, now)
        with session_scope() as s:  # 25 h after confirmation, nobody resolved it: a reminder
            assert tick(s, now + timedelta(hours=25)) == {"closed": [], "reminded": [alert_id]}
            assert tick(s, now + timedelta(hours=26)) == {"closed": [], "reminded": []}
        reminders = send_all(sink, now + timedelta(hours=26))
        shown = api.get(alert_id)
        window_end = max(datetime.fromisoformat(shown["window_end"]), datetime.fromisoformat(shown["created_at"]))
        with session_scope() as s:  # 48 h after the window ended (and it was raised): closed, all clear
            assert tick(s, window_end + timedelta(hours=47))["closed"] == []
            assert tick(s, window_end + timedelta(hours=48, minutes=1))["closed"] == [alert_id]
        all_clear = send_all(sink, window_end + timedelta(hours=49))
    assert [m["To"] for m in reminders] == ["prefet@example.org"]
    assert reminders[0]["Subject"].startswith("[TTT] RAPPEL : ")
    assert [m["To"] for m in all_clear] == ["prefet@example.org"]
    assert all_clear[0]["Subject"].startswith("[TTT] FIN DE VIGILANCE")
    shown = api.get(alert_id)
    assert shown["status"] == "resolved" and shown["resolved"]["by"] == "ttt"
    assert [h["change"] for h in shown["history"]] == ["created", "confirmed", "reminder", "closed"]
    events = deliveries(session, alert_id)
    assert [e for e, s in events if s == quiet.id] == ["created"]  # it asked for new alerts only
    assert [e for e, s in events if s != quiet.id] == ["created", "confirmed", "reminder", "closed"]
    with session_scope() as s:
        assert tick(s, window_end + timedelta(days=30)) == {"closed": [], "reminded": []}


def test_a_history_load_is_recorded_but_goes_to_the_digest_marked_late(api, session):
    make_subscription(session, name="Préfet de Mopti", address="prefet@example.org", pcodes=["ML05"])
    session.commit()
    api.post(herds(14, 350, day=DAY - timedelta(days=30)))
    created = api.evaluate()["created"]
    assert len(created) == 1, [api.get(i)["headline"] for i in created]
    (alert_id,) = created
    shown = api.get(alert_id)
    assert shown["late"] is True and "late" in [h["change"] for h in shown["history"]]
    session.expire_all()
    (d,) = session.scalars(select(Delivery).where(Delivery.alert_id == alert_id))
    assert d.mode == "digest" and d.next_attempt_at > datetime.now(UTC)  # not paged now
    with smtp_sink() as sink:
        (msg,) = send_all(sink, datetime.now(UTC) + timedelta(days=1, hours=1))
    assert "Rien d'urgent : ces faits sont passés." in msg.get_body(("plain",)).get_content()


def test_evidence_on_update_covers_the_whole_window_not_the_newest_batch(api, session):
    # 20 herds from ML0506 last season make the point's history; this season 3 herds come
    # from a new origin, then one more: the update says 4 herds, 340 animals
    last_season = DAY - timedelta(days=365)
    api.post([dict(r, origin="ML0506") for r in herds(20, 50, day=last_season)])
    api.evaluate()
    api.post([dict(r, origin="NE0101") for r in herds(3, 100)])
    created = api.evaluate()["created"]
    alert_id = next(i for i in created if api.get(i)["rule"] == "unexpected_origin")
    assert api.get(alert_id)["evidence"]["observed"]["herds"] == 3
    api.post([dict(r, origin="NE0101") for r in herds(1, 40, start=10)])
    assert alert_id in api.evaluate()["updated"]
    shown = api.get(alert_id)
    assert shown["evidence"]["observed"]["herds"] == 4 and shown["evidence"]["observed"]["animals"] == 340
    assert "4 herd(s), 340 animals" in shown["headline"]
    assert len(shown["evidence"]["observations"]) == 4
    with session.bind.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alerts WHERE rule_id = 'unexpected_origin'")).scalar() == 1


def test_informants_hear_what_became_of_their_report_on_their_own_channel(client, session, make_user, auth,
                                                                        network):  # noqa: F811
    make_subscription(session, name="Informateur Konna", address="konna@example.org", reporter="informant-konna")
    make_subscription(session, name="Informant Sio", address="sio@example.org", language="en",
                      reporter="informant-sio")
    make_subscription(session, name="Préfet de Mopti", address="prefet@example.org", pcodes=["ML05"])
    session.commit()
    konna = auth(make_user("enumerator", name="informant-konna")[1])
    sio = auth(make_user("enumerator", name="informant-sio")[1])
    analyst = auth(make_user("analyst")[1])
    when = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    first = client.post("/api/v1/alerts", headers=konna, json={
        "id": "r1", "event_kind": "conflict", "flow_point": FMP, "occurred_at": when}).json()
    false = client.post("/api/v1/alerts", headers=sio, json={
        "id": "r2", "event_kind": "bushfire", "location": {"lon": -1.63, "lat": 14.1}, "occurred_at": when}).json()
    with smtp_sink() as sink:
        assert client.post(f"/api/v1/alerts/{first['id']}/verify", headers=analyst,
                           json={"verdict": "confirmed"}).status_code == 200
        assert client.post(f"/api/v1/alerts/{false['id']}/verify", headers=analyst,
                           json={"verdict": "dismissed"}).status_code == 200
        sent = send_all(sink, datetime.now(UTC))
        assert client.post(f"/api/v1/alerts/{first['id']}/resolve", headers=analyst,
                           json={"mode": "mediation"}).status_code == 200
        sent += send_all(sink, datetime.now(UTC))
    by_to: dict[str, list[str]] = {}
    for m in sent:
        by_to.setdefault(m["To"], []).append(m["Subject"])
    konna_subjects = by_to["konna@example.org"]
    assert len(konna_subjects) == 2, konna_subjects
    assert konna_subjects[0].startswith("[TTT] ALERTE CONFIRMÉE") and konna_subjects[1].startswith("[TTT] FIN D'ALERTE")
    assert len(by_to["sio@example.org"]) == 1 and "FALSE ALARM" in by_to["sio@example.org"][0]  # in English
    # the prefect hears the confirmed report and its resolution, never the dismissed one
    assert len(by_to["prefet@example.org"]) == 2 and not any("FAUSSE" in s for s in by_to["prefet@example.org"])
