"""Scopes hold on every write, not only on reads: a user scoped to Mali (ML) cannot store a
herd located in Burkina Faso by naming a Malian flow point, push an event to Burkinabe
recipients through the corridor field or a large polygon, read or change Burkinabe
subscriptions and their deliveries, edit Burkinabe geodata, or backtest Burkinabe data.

The world: admin areas ML0506 (Konna, around the flow point ML05-FMP-03) and BF5202 (Djibo,
around BF52-FMP-01); a Malian corridor ML-C1 and a Burkinabe corridor BF-C9.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.integration.test_delivery_factories import make_alert, make_subscription
from tests.integration.test_ingest_support import FMP, record
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)

OBS = "/api/v1/observations"
BF_POINT = "BF52-FMP-01"
IN_BF = {"lon": -1.63, "lat": 14.1}
IN_ML = {"lon": -4.19, "lat": 14.48}


def square(x0, y0, x1, y1):
    return f"SRID=4326;POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"


@pytest.fixture
def world(network, engine):
    from corridors.geodata.models import AdminArea, Corridor
    from corridors.geodata.network import invalidate_network_index
    from ttt.db import session_scope

    with session_scope() as s:
        s.add(AdminArea(pcode="ML", name="Mali", level=0, geom=square(-12, 10, 4, 25)))
        s.add(AdminArea(pcode="ML05", name="Mopti", level=1, parent_pcode="ML", geom=square(-5, 13.5, -2.5, 15.5)))
        s.add(AdminArea(pcode="ML0506", name="Mopti cercle", level=2, parent_pcode="ML05",
                        geom=square(-4.5, 14.2, -3.9, 14.8)))
        s.add(AdminArea(pcode="BF52", name="Sahel", level=1, geom=square(-2.0, 13.8, -1.2, 14.4)))
        s.add(AdminArea(pcode="BF5202", name="Djibo", level=2, parent_pcode="BF52", geom=square(-2.0, 13.8, -1.2, 14.4)))
        s.add(Corridor(code="BF-C9", name="Djibo - Dori", geom="SRID=4326;LINESTRING(-1.7 14.3, -1.5 13.9)",
                       tolerance_m=5000.0, countries=["BF"], pcodes=["BF52"]))
    invalidate_network_index()
    yield


pytestmark = pytest.mark.usefixtures("world")


def test_an_in_scope_flow_point_cannot_carry_a_herd_located_elsewhere(client, make_user, auth):
    h = auth(make_user("enumerator", scopes=["ML"])[1])
    honest = record(flow_point=FMP, location=IN_ML)
    smuggled = record(flow_point=FMP, location=IN_BF)  # Konna named, Djibo's coordinates
    r = client.post(OBS, json={"observations": [honest, smuggled]}, headers=h)
    assert r.status_code == 200, r.text
    by_id = {x["id"]: x for x in r.json()["results"]}
    assert by_id[honest["id"]]["status"] == "accepted"
    bad = by_id[smuggled["id"]]
    assert bad["status"] == "rejected" and bad["code"] == "out_of_scope"
    assert bad["errors"][0]["field"] == "location" and "BF5202" in bad["errors"][0]["message"]


def test_event_reports_stay_inside_the_reporters_areas(client, make_user, auth):
    h = auth(make_user("enumerator", scopes=["ML"])[1])
    r = client.post("/api/v1/alerts", headers=h, json={"event_kind": "conflict", "location": IN_ML,
                                                        "corridor": "BF-C9"})
    assert r.status_code == 422 and {e["field"] for e in r.json()["detail"]} == {"corridor"}, r.text
    wide = {"type": "Polygon", "coordinates": [[[-4.3, 14.0], [-1.5, 14.0], [-1.5, 14.5], [-4.3, 14.5], [-4.3, 14.0]]]}
    r = client.post("/api/v1/alerts", headers=h, json={"event_kind": "conflict", "geometry": wide})
    assert r.status_code == 422 and "BF5202" in str(r.json()["detail"]), r.text
    r = client.post("/api/v1/alerts", headers=h, json={"event_kind": "conflict", "location": IN_BF})
    assert r.status_code == 422
    ok = client.post("/api/v1/alerts", headers=h, json={"event_kind": "conflict", "location": IN_ML, "corridor": "ML-C1"})
    assert ok.status_code == 201, ok.text


def test_a_scoped_analyst_manages_only_subscriptions_and_deliveries_of_their_areas(client, make_user, auth, session):
    from alerts.delivery.outbox import enqueue

    ml = make_subscription(session, name="prefet-mopti", pcodes=["ML05"], address="mopti@example.org")
    bf = make_subscription(session, name="haut-commissaire-djibo", pcodes=["BF52"], address="djibo@example.org")
    everywhere = make_subscription(session, name="national", pcodes=[], address="all@example.org")
    alert = make_alert(session, pcodes=["ML05", "BF52"])
    enqueue(session, alert, "created")
    session.commit()
    h = auth(make_user("analyst", scopes=["ML"])[1])
    listed = client.get("/api/v1/subscriptions", headers=h).json()
    assert [s["name"] for s in listed["items"]] == ["prefet-mopti"] and listed["total"] == 1
    assert "djibo@example.org" not in str(listed) and "all@example.org" not in str(listed)
    for sid in (bf.id, everywhere.id):
        assert client.get(f"/api/v1/subscriptions/{sid}", headers=h).status_code == 404
        assert client.patch(f"/api/v1/subscriptions/{sid}", headers=h, json={"active": False}).status_code == 404
        assert client.delete(f"/api/v1/subscriptions/{sid}", headers=h).status_code == 404
    assert client.patch(f"/api/v1/subscriptions/{ml.id}", headers=h, json={"pcodes": ["BF52"]}).status_code == 422
    assert client.patch(f"/api/v1/subscriptions/{ml.id}", headers=h, json={"active": False}).status_code == 200
    new = {"name": "x", "kind": "partner", "channel": "email", "address": "x@example.org", "language": "en"}
    assert client.post("/api/v1/subscriptions", headers=h, json=new).status_code == 422  # everywhere
    assert client.post("/api/v1/subscriptions", headers=h, json=new | {"pcodes": ["BF"]}).status_code == 422
    assert client.post("/api/v1/subscriptions", headers=h, json=new | {"pcodes": ["ML0506"]}).status_code == 201
    deliveries = client.get("/api/v1/deliveries", headers=h).json()
    assert {d["subscription"]["name"] for d in deliveries["items"]} == {"prefet-mopti"}
    session.expire_all()
    assert session.get(type(bf), bf.id).active is True


def test_a_scoped_analyst_edits_only_geodata_of_their_areas(client, make_user, auth, engine):
    h = auth(make_user("analyst", scopes=["ML"])[1])
    assert client.patch("/api/v1/corridors/BF-C9", headers=h, json={"properties": {"status": "closed"}}).status_code == 403
    assert client.delete(f"/api/v1/flow-points/{BF_POINT}", headers=h).status_code == 403
    over_bf = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
        [[-1.7, 14.0], [-1.6, 14.0], [-1.6, 14.1], [-1.7, 14.1], [-1.7, 14.0]]]},
        "properties": {"kind": "insecurity", "severity": "severe", "starts_at": "2026-01-01T00:00:00+00:00"}}
    assert client.post("/api/v1/hazards", headers=h, json=over_bf).status_code == 403
    moved = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.6, 14.05]}, "properties": {"code": FMP}}
    assert client.put(f"/api/v1/flow-points/{FMP}", headers=h, json=moved).status_code == 403  # moved to BF
    cal = {"corridor": None, "country": "BF", "direction": "descent", "opens": "10-15", "closes": "01-31",
           "effective_from": "2020-01-01", "source": "Arrete 2020"}
    assert client.post("/api/v1/calendars", headers=h, json=cal).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM corridors WHERE code = 'BF-C9'")).scalar_one() == "open"
        assert conn.execute(text("SELECT count(*) FROM hazards")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM calendars")).scalar_one() == 0
        assert conn.execute(text("SELECT ST_X(geom) FROM flow_points WHERE code = :c"), {"c": FMP}).scalar_one() == -4.196
    # inside their areas they work as before
    r = client.patch("/api/v1/corridors/ML-C1", headers=h, json={"properties": {"status": "closed"}})
    assert r.status_code == 200, r.text
    assert client.post("/api/v1/calendars", headers=h, json=cal | {"country": "ML"}).status_code == 201


def test_backtests_of_a_scoped_analyst_show_only_their_areas(client, make_user, auth):
    h = auth(make_user("analyst", scopes=["ML"])[1])
    r = client.post("/api/v1/rules/backtest", headers=h, json={"from": "2026-01-01", "to": "2026-01-31"})
    assert r.status_code == 200, r.text
    assert r.json()["observations"] is None and r.json()["by_place"] == {}


def test_ogc_enumerators_see_only_their_own_observations(client, make_user, auth):
    _, alice = make_user("enumerator")
    _, bob = make_user("enumerator")
    assert client.post(OBS, json={"observations": [record()]}, headers=auth(alice)).json()["accepted"] == 1
    assert client.post(OBS, json={"observations": [record(), record()]}, headers=auth(bob)).json()["accepted"] == 2
    seen = client.get("/ogc/collections/observations/items", headers=auth(alice)).json()
    assert seen["numberMatched"] == 1


# --- the role x write matrix for scoped users (tests/security/test_matrix.py covers roles) ---

BF_HAZARD = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
    [[-1.7, 14.0], [-1.6, 14.0], [-1.6, 14.1], [-1.7, 14.1], [-1.7, 14.0]]]},
    "properties": {"kind": "insecurity", "severity": "severe", "starts_at": "2026-01-01T00:00:00+00:00"}}
SCOPED_WRITES = [  # (role, method, path, body): an ML-scoped user acting on Burkinabe things
    ("enumerator", "POST", "/api/v1/alerts", {"event_kind": "conflict", "location": IN_BF}),
    ("enumerator", "POST", "/api/v1/alerts", {"event_kind": "conflict", "location": IN_ML, "corridor": "BF-C9"}),
    ("partner", "POST", "/api/v1/alerts", {"event_kind": "conflict", "flow_point": BF_POINT}),
    ("partner", "POST", "/api/v1/alerts/{bf_alert}/acknowledge", {}),
    ("partner", "POST", "/api/v1/alerts/{bf_alert}/resolve", {}),
    ("analyst", "POST", "/api/v1/alerts/{bf_alert}/acknowledge", {}),
    ("analyst", "GET", "/api/v1/subscriptions/{bf_sub}", None),
    ("analyst", "PATCH", "/api/v1/subscriptions/{bf_sub}", {"active": False}),
    ("analyst", "DELETE", "/api/v1/subscriptions/{bf_sub}", None),
    ("analyst", "POST", "/api/v1/subscriptions", {"name": "x", "kind": "partner", "channel": "email",
                                                  "address": "x@example.org", "language": "en", "pcodes": ["BF52"]}),
    ("analyst", "PATCH", "/api/v1/corridors/BF-C9", {"properties": {"status": "closed"}}),
    ("analyst", "DELETE", "/api/v1/corridors/BF-C9", None),
    ("analyst", "DELETE", f"/api/v1/flow-points/{BF_POINT}", None),
    ("analyst", "POST", "/api/v1/hazards", BF_HAZARD),
]


@pytest.mark.parametrize(("role", "method", "path", "body"), SCOPED_WRITES,
                         ids=[f"{r} {m} {p}" for r, m, p, _ in SCOPED_WRITES])
def test_scoped_write_matrix(role, method, path, body, client, make_user, auth, session, engine):
    bf_alert = make_alert(session, pcodes=["BF52", "BF5202"])
    bf_sub = make_subscription(session, pcodes=["BF52"])
    session.commit()
    url = path.format(bf_alert=bf_alert.id, bf_sub=bf_sub.id)
    h = auth(make_user(role, scopes=["ML"])[1])
    r = client.request(method, url, json=body, headers=h)
    assert r.status_code in (403, 404, 422), (r.status_code, r.text)
    with engine.connect() as conn:  # nothing of Burkina changed
        row = conn.execute(text("SELECT status, acknowledged_at FROM alerts WHERE id = :i"), {"i": bf_alert.id}).one()
        assert row == ("open", None)
        assert conn.execute(text("SELECT count(*) FROM alerts")).scalar_one() == 1
        assert conn.execute(text("SELECT active FROM subscriptions WHERE id = :i"), {"i": bf_sub.id}).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM subscriptions")).scalar_one() == 1
        assert conn.execute(text("SELECT status FROM corridors WHERE code = 'BF-C9'")).scalar_one() == "open"
        assert conn.execute(text("SELECT count(*) FROM flow_points")).scalar_one() == 2
        assert conn.execute(text("SELECT count(*) FROM hazards")).scalar_one() == 0
