"""Routes on hand-drawn networks, in pgRouting, checked against the hand computation of
their geodesic lengths: a detour exists, none exists, corridors that nearly touch, a hazard
closing one of two parallel corridors, a calendar closing one direction."""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import text

from corridors.network import service
from tests.integration.network_factories import (
    B_TOP,
    J1,
    J2,
    LAT,
    add_corridor,
    calendar,
    hazard,
    km,
    two_ways,
)
from ttt.db import session_scope

AT = "2026-03-01T08:00:00+00:00"
DIRECT = km((0.05, LAT), J1, J2, (0.95, LAT))
OVER_HILL = km((0.05, LAT), J1, B_TOP, J2, (0.95, LAT))


def routes(client, headers, **q):
    q.setdefault("at", AT)
    return client.get("/api/v1/network/routes", params=q, headers=headers)


@pytest.fixture
def partner(make_user, auth):
    return auth(make_user("partner")[1])


def test_without_hazard_the_direct_corridor_is_best_and_the_hill_second(client, partner):
    two_ways()
    r = routes(client, partner, **{"from": "FP-O", "to": "FP-D", "k": 3})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    first, second = r.json()["features"]
    assert first["properties"]["corridors"] == ["S", "A", "E"]
    assert first["properties"]["length_km"] == pytest.approx(DIRECT, abs=0.2)
    assert first["properties"]["detour_km"] == 0
    assert second["properties"]["corridors"] == ["S", "B", "E"]
    assert second["properties"]["resources_count"]["water_point"] == 1


def test_a_fire_on_the_direct_corridor_sends_herds_over_the_hill(client, partner):
    two_ways()
    hazard(0.5, LAT)
    r = routes(client, partner, **{"from": "FP-O", "to": "FP-D", "species": "cattle"})
    assert r.status_code == 200, r.text
    (route,) = r.json()["features"]  # the only open way
    p = route["properties"]
    assert p["corridors"] == ["S", "B", "E"]
    assert p["length_km"] == pytest.approx(OVER_HILL, abs=0.3)
    assert p["detour_km"] == pytest.approx(OVER_HILL - DIRECT, abs=0.3)
    assert p["detour_pct"] == pytest.approx(100 * (OVER_HILL - DIRECT) / DIRECT, abs=0.5)
    assert p["walking_days"] == pytest.approx(OVER_HILL / 17.0, abs=0.05)
    assert [h["detail"]["kind"] for h in p["hazards_avoided"]] == ["bushfire"]
    assert p["resources"][0]["name"] == "Mare de la colline"
    assert [f["code"] for f in p["flow_points"]] == ["FP-O", "FP-D"]
    assert "+" in p["text"]["fr"] and "1 point d'eau" in p["text"]["fr"]
    # the route never leaves the corridors: its ends are on them, not at any herd's position
    assert route["geometry"]["type"] == "LineString"


def test_a_closed_corridor_is_avoided_too(client, partner):
    two_ways(direct_closed=True)
    p = routes(client, partner, **{"from": "FP-O", "to": "FP-D"}).json()["features"][0]["properties"]
    assert p["corridors"] == ["S", "B", "E"]
    assert [h["kind"] for h in p["hazards_avoided"]] == ["closed_corridor"]


def test_no_open_route_names_what_closes_every_way(client, partner):
    two_ways()
    hazard(0.5, LAT)
    hazard(*B_TOP)
    r = routes(client, partner, **{"from": "FP-O", "to": "FP-D"})
    assert r.status_code == 422
    assert r.json()["error"] == "no_open_route"
    assert "bushfire on corridor A" in r.json()["detail"] and "bushfire on corridor B" in r.json()["detail"]


def test_places_not_connected_at_all_are_a_404(client, partner):
    two_ways()
    with session_scope() as s:
        add_corridor(s, "FAR", [(3.0, LAT), (3.5, LAT)])
    r = routes(client, partner, **{"from": "FP-O", "to": f"3.2,{LAT}"})
    assert r.status_code == 404
    assert "not connected" in r.json()["detail"]


def test_corridors_that_nearly_touch_are_joined_across_the_gap(client, partner):
    gap = 1 / 109.0  # about a kilometre
    with session_scope() as s:
        add_corridor(s, "N1", [(0.0, LAT), (0.5, LAT)])
        add_corridor(s, "N2", [(0.5 + gap, LAT), (1.0, LAT)])
    r = routes(client, partner, **{"from": f"0.0,{LAT}", "to": f"1.0,{LAT}"})
    assert r.status_code == 200, r.text
    p = r.json()["features"][0]["properties"]
    assert p["corridors"] == ["N1", "N2"]
    assert p["length_km"] == pytest.approx(km((0.0, LAT), (1.0, LAT)), abs=0.2)


def test_a_calendar_closing_the_descent_on_one_corridor_closes_only_that_direction(client, partner):
    two_ways()
    calendar("A", "descent", "10-01", "01-31")  # closed on 1 March
    down = routes(client, partner, **{"from": "FP-O", "to": "FP-D"}).json()["features"][0]["properties"]
    assert down["corridors"] == ["S", "B", "E"]
    assert [h["kind"] for h in down["hazards_avoided"]] == ["calendar"]
    assert "descente fermée sur le couloir A" in down["hazards_avoided"][0]["text"]["fr"]
    up = routes(client, partner, **{"from": "FP-D", "to": "FP-O"}).json()["features"][0]["properties"]
    assert up["corridors"] == ["E", "A", "S"]
    assert up["detour_km"] == 0


def test_bad_places_and_parameters_get_clear_422s(client, partner):
    two_ways()
    r = routes(client, partner, **{"from": "NOWHERE", "to": "FP-D", "species": "unicorns"})
    assert r.status_code == 422
    r = routes(client, partner, **{"from": "FP-O", "to": "40.0,40.0"})
    assert r.status_code == 422 and "from the nearest corridor" in r.text


def test_graph_is_rebuilt_when_a_corridor_changes(client, partner, session):
    two_ways()
    g = client.get("/api/v1/network/graph", headers=partner).json()
    edges = [f for f in g["features"] if f["properties"]["type"] == "edge"]
    assert {e["properties"]["corridor"] for e in edges} == {"S", "A", "B", "E"}
    assert sum(1 for f in g["features"] if f["properties"].get("dangling")) == 2
    with session_scope() as s:
        s.execute(text("DELETE FROM corridors WHERE code = 'B'"))
    g2 = client.get("/api/v1/network/graph", headers=partner).json()
    assert g2["version"] != g["version"]
    assert {f["properties"]["corridor"] for f in g2["features"] if f["properties"]["type"] == "edge"} == {"S", "A", "E"}


def test_check_reports_dangling_ends_and_gaps_left_open(session):
    with session_scope() as s:
        add_corridor(s, "N1", [(0.0, LAT), (0.5, LAT)])
        add_corridor(s, "N2", [(0.5 + 6 / 109.0, LAT), (1.0, LAT)])  # 6 km apart: over 3 km
    report = service.check(session)
    assert len(report["dangling"]) == 4
    (gap,) = report["gaps"]
    assert gap["joined"] is False and 5500 < gap["distance_m"] < 6500


def test_a_conflict_reported_on_a_corridor_comes_with_the_way_round_it(client, make_user, auth):
    two_ways()
    admin = auth(make_user("admin")[1])
    r = client.post("/api/v1/alerts", headers=admin, json={
        "event_kind": "conflict", "severity": "severe", "corridor": "A",
        "location": {"lon": 0.5, "lat": LAT}, "description": "affrontements agriculteurs-éleveurs"})
    assert r.status_code == 201, r.text
    rerouting = r.json()["evidence"]["rerouting"]
    best = rerouting["alternatives"][0]
    assert best["corridors"] == ["B"]
    assert best["detour_km"] == pytest.approx(km(J1, B_TOP, J2) - km(J1, J2), abs=0.3)
    assert [h["kind"] for h in best["hazards_avoided"]] == ["conflict"]
    assert rerouting["text"]["en"].startswith("Alternative route: corridor Couloir B, +")
    assert "1 water point" in rerouting["text"]["en"]
    # the same words close the CAP message's instruction
    cap = client.get(f"/api/v1/alerts/{r.json()['id']}.cap", headers=admin)
    assert cap.status_code == 200, cap.text
    assert "<instruction>" in cap.text and "Itinéraire de remplacement : couloir Couloir B" in cap.text


def test_an_event_of_another_kind_carries_no_route(client, make_user, auth):
    two_ways()
    admin = auth(make_user("admin")[1])
    r = client.post("/api/v1/alerts", headers=admin, json={
        "event_kind": "crop_destruction", "severity": "moderate", "corridor": "A", "location": {"lon": 0.5, "lat": LAT}})
    assert r.status_code == 201, r.text
    assert "rerouting" not in r.json()["evidence"]


def test_a_hazard_near_the_detour_is_reported_as_still_crossed(client, partner):
    two_ways()
    hazard(0.5, LAT)  # closes A
    hazard(B_TOP[0], B_TOP[1] + 0.09, half=0.01, kind="flood")  # ~9 km north of the hill: near B, not on it
    p = routes(client, partner, **{"from": "FP-O", "to": "FP-D"}).json()["features"][0]["properties"]
    assert p["corridors"] == ["S", "B", "E"]
    assert [h["detail"]["kind"] for h in p["hazards_crossed"]] == ["flood"]
    assert "flood on corridor B" in p["hazards_crossed"][0]["text"]["en"]


def test_herds_counted_on_a_closed_corridor_are_told_the_way_round_it(client, make_user, auth):
    from corridors.geodata.models import FlowPoint
    from corridors.observations.service import ingest

    two_ways(direct_closed=True)
    with session_scope() as s:
        a = s.execute(text("SELECT id FROM corridors WHERE code = 'A'")).scalar_one()
        s.add(FlowPoint(code="FP-A", name="Point sur A", geom=from_shape(Point(0.5, LAT), srid=4326), corridor_id=a))
    with session_scope() as s:
        out = ingest(s, [{"id": "00000000-0000-4000-9000-000000000001", "flow_point": "FP-A",
                          "observed_at": "2026-03-01T09:00:00+00:00", "counts": {"cattle": 150}}],
                     source="api", enumerator=None)
        assert out.count("accepted") == 1
    admin = auth(make_user("admin")[1])
    assert client.post("/api/v1/rules/evaluate", headers=admin).status_code == 200
    alerts = client.get("/api/v1/alerts?type=unexpected", headers=admin).json()["items"]
    closed = next(a for a in alerts if a["rule"] == "unexpected_closed")
    assert closed["corridor"] == "A", closed
    best = closed["evidence"]["rerouting"]["alternatives"][0]
    assert best["corridors"] == ["B"]
    assert best["detour_km"] == pytest.approx(km(J1, B_TOP, J2) - km(J1, J2), abs=0.3)


def test_areas_by_p_code_with_or_without_an_outline(client, partner):
    from shapely.geometry import box

    from corridors.geodata.models import AdminArea

    two_ways()
    with session_scope() as s:
        s.add(AdminArea(pcode="BF56", name="Sahel", level=1, geom=from_shape(box(0.9, LAT - 0.1, 1.1, LAT + 0.1), srid=4326)))
        s.add(AdminArea(pcode="BF49", name="Centre-Nord", level=1))  # a gazetteer entry without outline
        s.execute(text("UPDATE flow_points SET adm1_pcode = 'BF49' WHERE code = 'FP-O'"))
    r = routes(client, partner, **{"from": "BF49", "to": "BF56"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"]) == ("Centre-Nord (BF49)", "Sahel (BF56)")
    p = body["features"][0]["properties"]
    assert p["corridors"] == ["S", "A", "E"]
    assert {a["pcode"] for a in p["areas"]} == {"BF49", "BF56"}  # by the flow point, by the outline


def test_a_conflict_dismissed_as_false_closes_nothing(client, partner, make_user, auth):
    two_ways()
    admin = auth(make_user("admin")[1])
    r = client.post("/api/v1/alerts", headers=admin, json={
        "event_kind": "conflict", "severity": "severe", "corridor": "A", "location": {"lon": 0.5, "lat": LAT}})
    assert r.status_code == 201, r.text
    q = {"from": "FP-O", "to": "FP-D"}  # now: the report is of today
    assert client.get("/api/v1/network/routes", params=q, headers=partner).json()["features"][0][
        "properties"]["corridors"] == ["S", "B", "E"]
    assert client.post(f"/api/v1/alerts/{r.json()['id']}/verify", headers=admin,
                       json={"verdict": "dismissed", "note": "rumeur"}).status_code == 200
    assert client.get("/api/v1/network/routes", params=q, headers=partner).json()["features"][0][
        "properties"]["corridors"] == ["S", "A", "E"]
