"""Alerts over HTTP on real PostGIS: the engine from the ingestion queue to alert rows,
the delivery outbox, event reports, acknowledge/resolve, listing, rules and backtests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, Point, box
from sqlalchemy import func, select, text

from alerts.alerts.models import Alert
from alerts.delivery.models import Delivery, Subscription
from alerts.runner.engine import run_queue
from corridors.geodata.models import Corridor, FlowPoint, Hazard
from ttt.db import session_scope

DAY = datetime(2025, 12, 10, tzinfo=UTC)


@pytest.fixture
def network(engine):
    with session_scope() as s:
        c = Corridor(code="ML-C01", name="Douentza - Mopti", geom=from_shape(LineString([(-2.95, 15.0), (-4.1, 14.5)]), 4326),
                     tolerance_m=5000, countries=["ML"], pcodes=["ML0502", "ML0506"], status="open")
        s.add(c)
        s.flush()
        s.add(FlowPoint(code="ML05-FMP-01", name="PSF Konna", geom=from_shape(Point(-3.89, 14.5913), 4326),
                        corridor_id=c.id, adm0_pcode="ML", adm1_pcode="ML05", adm2_pcode="ML0506", active=True))
        s.add(Subscription(name="DTM", organisation="IOM", kind="staff", channel="log", address="dtm", language="en",
                           alert_types=[], min_severity="minor", corridors=[], pcodes=[], mode="immediate", tier=1,
                           active=True))
    yield


def herd(i: int, when: datetime, cattle: int) -> dict:
    return {"id": f"00000000-0000-4000-8000-{i:012d}", "flow_point": "ML05-FMP-01", "observed_at": when.isoformat(),
            "counts": {"cattle": cattle}, "herders": {"men": 1}}


def post_obs(client, headers, records):
    r = client.post("/api/v1/observations", json={"observations": records}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == len(records), r.json()


def test_queue_to_alert_with_evidence_outbox_and_no_repeat(client, make_user, auth, network):
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    # ten quiet days (trailing baseline), then a day of 2,400 cattle (floor 2,000)
    quiet = [herd(i, DAY - timedelta(days=10 - i, hours=-9), 300) for i in range(10)]
    surge = [herd(100 + i, DAY + timedelta(hours=8 + i), 800) for i in range(3)]
    post_obs(client, enum, quiet + surge)

    r = client.post("/api/v1/rules/evaluate", headers=admin)
    assert r.status_code == 200, r.text
    created = r.json()["created"]
    shown = [client.get(f"/api/v1/alerts/{i}", headers=admin).json() for i in created]
    assert len(created) == 1 and r.json()["updated"] == [], [(a["rule"], a["headline"]) for a in shown]
    alert = client.get(f"/api/v1/alerts/{created[0]}", headers=admin).json()
    assert alert["type"] == "mass" and alert["status"] == "open" and alert["flow_point"] == "ML05-FMP-01"
    assert alert["corridor"] == "ML-C01" and alert["occurrences"] == 1
    assert alert["evidence"]["observed"] == 2400 and alert["evidence"]["threshold"] == 2000
    assert sorted(alert["evidence"]["observations"]) == sorted(h["id"] for h in surge)
    assert alert["evidence"]["rule_version"] == client.get("/api/v1/rules", headers=admin).json()["version"]
    assert alert["window_start"] == "2025-12-10T00:00:00+00:00" and alert["geometry"]["type"] == "Point"
    assert "2 400" in alert["headline"] and "Mouvement massif" in alert["headlines"]["fr"]
    assert alert["pcodes"] == ["ML0506"]

    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(text("rule_queue"))) == 0
        assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.alert_id == created[0])) >= 1

    # nothing new: nothing changes
    again = client.post("/api/v1/rules/evaluate", headers=admin).json()
    assert again["created"] == [] and again["updated"] == []

    # one more big herd the same day: the same alert, one more occurrence, severity up
    post_obs(client, enum, [herd(200, DAY + timedelta(hours=15), 1000)])  # corridor: 3,400 x 0.7 < 3,000 TLU
    more = client.post("/api/v1/rules/evaluate", headers=admin).json()
    assert more["created"] == [] and more["updated"] == created
    alert = client.get(f"/api/v1/alerts/{created[0]}", headers=admin).json()
    assert alert["occurrences"] == 2 and alert["evidence"]["observed"] == 3400
    assert alert["severity"] == "severe"  # 3,400 / 2,000 = 1.7 >= 1.5

    # re-sending the same observations is a duplicate for ingestion and nothing for the engine
    r = client.post("/api/v1/observations", json={"observations": surge}, headers=enum)
    assert r.json()["duplicate"] == 3
    assert client.post("/api/v1/rules/evaluate", headers=admin).json() == {"created": [], "updated": [],
                                                                            "observations": 0}


def test_two_runners_never_claim_the_same_observation(client, make_user, auth, network):
    enum = auth(make_user("enumerator")[1])
    post_obs(client, enum, [herd(i, DAY + timedelta(hours=i), 10) for i in range(6)])
    with session_scope() as a, session_scope() as b:
        from alerts.alerts.repository import claim_queue

        first = claim_queue(a, 4)
        second = claim_queue(b, 10)
        assert len(first) == 4 and len(second) == 2
        assert not {o for _, o in first} & {o for _, o in second}
        b.rollback()
        a.rollback()


def test_a_failed_run_leaves_the_queue_as_it_was(client, make_user, auth, network):
    enum = auth(make_user("enumerator")[1])
    post_obs(client, enum, [herd(i, DAY + timedelta(hours=i), 900) for i in range(3)])
    with pytest.raises(RuntimeError), session_scope() as s:
        run_queue(s)
        raise RuntimeError("crash after evaluating, before commit")
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(text("rule_queue"))) == 3
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
        result = run_queue(s)
    assert result.observations == 3 and len(result.created) == 1


def test_a_hazard_starting_later_is_found_by_the_time_based_check(client, make_user, auth, network):
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    now = datetime.now(UTC)
    post_obs(client, enum, [herd(1, now - timedelta(days=2), 300)])
    assert client.post("/api/v1/rules/evaluate", headers=admin).json()["created"] == []
    with session_scope() as s:
        s.add(Hazard(kind="bushfire", severity="severe", geom=from_shape(box(-3.95, 14.55, -3.85, 14.65), 4326),
                     starts_at=now - timedelta(hours=1), source="test", description="fire near Konna"))
    r = client.post("/api/v1/rules/evaluate", headers=admin).json()
    alerts = [client.get(f"/api/v1/alerts/{i}", headers=admin).json() for i in r["created"]]
    # the herd has no heading or known direction, so only the corridor check applies
    assert {a["rule"] for a in alerts} == {"hazard_corridor"}
    corridor_alert = next(a for a in alerts if a["rule"] == "hazard_corridor")
    assert corridor_alert["severity"] == "severe" and corridor_alert["evidence"]["observations"] == [herd(1, now, 0)["id"]]
    assert client.post("/api/v1/rules/evaluate", headers=admin).json()["created"] == []


# --- event reports, acknowledge, resolve -----------------------------------------------------


def test_event_reports_dedup_and_lifecycle(client, make_user, auth, network):
    partner = auth(make_user("partner", name="rbm-mopti")[1])
    enum_p, enum_t = make_user("enumerator", name="informant-konna")
    enum = auth(enum_t)
    body = {"id": "report-1", "event_kind": "crop_destruction", "severity": "moderate", "flow_point": "ML05-FMP-01",
            "description": "champs de mil détruits", "occurred_at": "2025-12-10T09:00:00+00:00"}
    r = client.post("/api/v1/alerts", json=body, headers=enum)
    assert r.status_code == 201, r.text
    alert = r.json()
    assert alert["type"] == "event" and alert["event_kind"] == "crop_destruction" and alert["created"] is True
    assert alert["evidence"]["observations"] == ["report-1"] and alert["headlines"]["fr"].startswith("Destruction")
    # the phone retries: nothing changes
    r = client.post("/api/v1/alerts", json=body, headers=enum)
    assert r.status_code == 200 and r.json()["id"] == alert["id"] and r.json()["occurrences"] == 1
    # the same informant again the same day at the same place: the same alert, escalated, but
    # not a corroboration (one reporter)
    r = client.post("/api/v1/alerts", json={**body, "id": "report-2", "severity": "severe"}, headers=enum)
    assert r.status_code == 200 and r.json()["occurrences"] == 2 and r.json()["severity"] == "severe"
    assert r.json()["corroborations"] == 0 and r.json()["verification"] == "new"
    # another informant 3 km away: an independent report of the same event
    other = auth(make_user("enumerator", name="informant-sio")[1])
    r = client.post("/api/v1/alerts", json={"id": "report-9", "event_kind": "crop_destruction",
                                            "location": {"lon": -3.862, "lat": 14.5913},
                                            "occurred_at": "2025-12-10T11:00:00+00:00"}, headers=other)
    assert r.status_code == 200 and r.json()["id"] == alert["id"] and r.json()["corroborations"] == 1

    # an informant's report waits for verification: nobody has been told yet
    def events():
        with session_scope() as s:
            return [d.event for d in s.scalars(select(Delivery).where(Delivery.alert_id == alert["id"])
                                              .order_by(Delivery.id))]

    assert events() == []
    # ...and only staff and its reporters see it (not in partners' lists, feed or OGC)
    assert client.get(f"/api/v1/alerts/{alert['id']}", headers=partner).status_code == 404
    assert client.get("/api/v1/alerts", headers=partner).json()["total"] == 0
    assert client.get(f"/api/v1/alerts/{alert['id']}", headers=enum).status_code == 200
    assert client.get("/ogc/collections/alerts/items", headers=partner).json()["features"] == []
    assert client.post(f"/api/v1/alerts/{alert['id']}/verify", json={"verdict": "confirmed"}, headers=partner).status_code == 403
    analyst = auth(make_user("analyst", name="dtm-analyst")[1])
    r = client.post(f"/api/v1/alerts/{alert['id']}/verify", json={"verdict": "verifying", "note": "calling the chief"},
                    headers=analyst)
    assert r.status_code == 200 and r.json()["verification"] == "verifying" and events() == []
    r = client.post(f"/api/v1/alerts/{alert['id']}/verify", json={"verdict": "confirmed", "note": "chief confirms"},
                    headers=analyst)
    assert r.status_code == 200 and r.json()["verification"] == "confirmed"
    assert r.json()["verified"]["by"] == "analyst" and events() == ["confirmed"]  # names: admins only
    assert client.get(f"/api/v1/alerts/{alert['id']}", headers=partner).status_code == 200
    r = client.post(f"/api/v1/alerts/{alert['id']}/verify", json={"verdict": "dismissed"}, headers=analyst)
    assert r.status_code == 409 and "already confirmed by analyst" in r.json()["detail"]

    # enumerators report but do not acknowledge
    assert client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=enum).status_code == 403
    r = client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", json={"note": "mediation committee informed"},
                    headers=partner)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    # who acted: a role for non-admins (alerts.privacy), the account for admins
    assert r.json()["acknowledged"]["by"] == "partner organisation" and r.json()["acknowledged"]["note"] == "mediation committee informed"
    assert client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=partner).status_code == 409
    outcome = {"mode": "mediation", "killed": 0, "injured": 2, "displaced": 0, "animals_lost": 3, "crop_damage_ha": 1.5,
               "reprisal_risk": False, "acted_by": "comité de médiation de Konna", "note": "settled"}
    assert client.post(f"/api/v1/alerts/{alert['id']}/resolve", json={**outcome, "mode": "prayer"},
                       headers=partner).status_code == 422
    r = client.post(f"/api/v1/alerts/{alert['id']}/resolve", json=outcome, headers=partner)
    assert r.status_code == 200 and r.json()["status"] == "resolved" and r.json()["reprisal_risk"] is False
    assert r.json()["resolved"]["by"] == "partner organisation" and r.json()["resolved"]["at"]
    admin = auth(make_user("admin")[1])
    assert client.get(f"/api/v1/alerts/{alert['id']}", headers=admin).json()["resolved"]["by"] == "rbm-mopti"
    assert r.json()["outcome"] == outcome
    assert client.post(f"/api/v1/alerts/{alert['id']}/resolve", headers=partner).status_code == 409
    assert events() == ["confirmed", "resolved"]
    seen = client.get(f"/api/v1/alerts/{alert['id']}", headers=partner).json()  # roles, not names
    assert [h["by"] for h in seen["history"]][:3] == ["enumerator", "ttt", "ttt"]
    assert seen["verified"]["by"] == "analyst" and seen["history"][-1]["by"] == "partner organisation"
    shown = client.get(f"/api/v1/alerts/{alert['id']}", headers=admin).json()
    assert [(h["change"], h["by"]) for h in shown["history"]] == [
        ("created", "informant-konna"), ("late", "ttt"), ("held", "ttt"), ("escalated", "informant-konna"),
        ("updated", "informant-sio"), ("corroborated", "informant-sio"), ("verifying", "dtm-analyst"),
        ("confirmed", "dtm-analyst"), ("acknowledged", "rbm-mopti"), ("resolved", "rbm-mopti")]
    assert shown["history"][6]["note"] == "calling the chief" and shown["reopened_from"] is None
    assert shown["late"] is True  # a year-old event: recorded, told in the daily digest only

    # after resolution, a retry of an old report stays quiet, and so does one more ordinary
    # report of the same event; a worse one reopens it as a new alert that says so
    assert client.post("/api/v1/alerts", json=body, headers=enum).json()["id"] == alert["id"]
    r = client.post("/api/v1/alerts", json={**body, "id": "report-3"}, headers=enum)
    assert r.status_code == 200 and r.json()["id"] == alert["id"] and r.json()["status"] == "resolved"
    r = client.post("/api/v1/alerts", json={**body, "id": "report-4", "severity": "extreme"}, headers=enum)
    assert r.status_code == 201 and r.json()["id"] != alert["id"] and r.json()["reopened_from"] == alert["id"]
    assert r.json()["history"][0]["change"] == "reopened"


def test_event_report_errors_name_the_field(client, make_user, auth, network):
    enum = auth(make_user("enumerator")[1])
    r = client.post("/api/v1/alerts", json={"event_kind": "alien_invasion", "severity": "apocalyptic"}, headers=enum)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["detail"]}
    assert {"event_kind", "severity", "location"} <= fields
    r = client.post("/api/v1/alerts", json={"event_kind": "conflict", "location": {"lon": 14.9, "lat": -300}},
                    headers=enum)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "location"
    r = client.post("/api/v1/alerts", json={"event_kind": "conflict", "flow_point": "NOPE"}, headers=enum)
    assert r.status_code == 422 and "unknown flow point" in r.json()["detail"][0]["message"]


def test_listing_filters_paging_and_scopes(client, make_user, auth, network):
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    for i, kind in enumerate(["conflict", "bushfire", "disease"]):
        r = client.post("/api/v1/alerts", json={"event_kind": kind, "flow_point": "ML05-FMP-01", "id": f"r{i}",
                                                "severity": "severe" if i else "minor"}, headers=enum)
        assert r.status_code == 201
    page = client.get("/api/v1/alerts?limit=2", headers=admin).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and "offset=2" in page["next"]
    assert client.get(page["next"], headers=admin).json()["next"] is None
    assert client.get("/api/v1/alerts?severity=severe", headers=admin).json()["total"] == 2
    assert client.get("/api/v1/alerts?type=mass", headers=admin).json()["total"] == 0
    assert client.get("/api/v1/alerts?flow_point=ML05-FMP-01&status=open", headers=admin).json()["total"] == 3
    assert client.get("/api/v1/alerts?type=tsunami", headers=admin).status_code == 422
    # a user scoped to Burkina Faso sees none of the Malian alerts, and cannot open one by id
    bf = auth(make_user("analyst", scopes=["BF"])[1])
    assert client.get("/api/v1/alerts", headers=bf).json()["total"] == 0
    one = page["items"][0]["id"]
    assert client.get(f"/api/v1/alerts/{one}", headers=bf).status_code == 404
    ml = auth(make_user("analyst", scopes=["ML05"])[1])
    assert client.get("/api/v1/alerts", headers=ml).json()["total"] == 3


def test_rules_endpoint_and_backtest_with_a_custom_rule_set(client, make_user, auth, network):
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    rules = client.get("/api/v1/rules", headers=enum).json()
    assert len(rules["version"]) == 12 and {r["type"] for r in rules["rules"]} >= {"mass", "hazard"}
    post_obs(client, enum, [herd(i, DAY + timedelta(hours=i), 500) for i in range(3)])  # 1,500 cattle
    body = {"from": "2025-12-01", "to": "2025-12-31"}
    assert client.post("/api/v1/rules/backtest", json=body, headers=admin).json()["by_type"] == {}
    custom = {"rules": [{"id": "low_floor", "type": "mass", "params": {"floor": 1000}}]}
    r = client.post("/api/v1/rules/backtest", json={**body, "rules": custom}, headers=admin)
    assert r.status_code == 200 and r.json()["by_type"] == {"mass": 1}
    assert r.json()["alerts"][0]["evidence"]["observed"] == 1500
    with session_scope() as s:  # nothing written
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
    bad = client.post("/api/v1/rules/backtest", json={**body, "rules": {"rules": [{"id": "x", "type": "mass",
                                                                                   "params": {"k": -2}}]}},
                      headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "rules[0].params.k"
    assert client.post("/api/v1/rules/backtest", json=body, headers=enum).status_code == 403


def test_partners_see_herd_positions_only_to_a_tenth_of_a_degree(client, make_user, auth, network):
    enum = auth(make_user("enumerator")[1])
    admin = auth(make_user("admin")[1])
    partner = auth(make_user("partner")[1])
    r = client.post("/api/v1/alerts", json={"event_kind": "cattle_rustling", "location": {"lon": -3.456, "lat": 14.567},
                                            "severity": "severe"}, headers=enum)
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    assert client.post(f"/api/v1/alerts/{alert_id}/verify", json={"verdict": "confirmed"}, headers=admin).status_code == 200
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=admin).json()["geometry"] == \
        {"type": "Point", "coordinates": [-3.456, 14.567]}
    coarse = client.get(f"/api/v1/alerts/{alert_id}", headers=partner).json()["geometry"]
    assert coarse["type"] == "Polygon"
    xs = sorted({round(x, 6) for x, _ in coarse["coordinates"][0]})
    ys = sorted({round(y, 6) for _, y in coarse["coordinates"][0]})
    assert xs == [-3.5, -3.4] and ys == [14.5, 14.6]
