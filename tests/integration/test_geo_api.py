"""Geodata API on real PostGIS: corridors, flow points, hazards, calendars, admin areas,
resources; validation messages a GIS officer would read; placement after edits."""

from __future__ import annotations

import pytest
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


def corridor(code="ML-C01", coords=((0.0, 15.0), (0.0, 13.0)), **props):
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
        "properties": {"code": code, "name": f"Corridor {code}", "tolerance_m": 5000, "countries": ["ML"], **props},
    }


def point_feature(code, lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"code": code, **props}}


@pytest.fixture
def analyst(make_user, auth):
    return auth(make_user("analyst")[1])


@pytest.fixture
def enumerator(make_user, auth):
    return auth(make_user("enumerator")[1])


def test_corridor_create_read_list_and_contract(client, analyst):
    r = client.post("/api/v1/corridors", json=corridor(), headers=analyst)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    f = r.json()
    assert f["id"] == "ML-C01" and f["type"] == "Feature"
    assert f["properties"]["status"] == "open" and f["properties"]["countries"] == ["ML"]
    expected_km = GEOD.inv(0, 15, 0, 13)[2] / 1000
    assert f["properties"]["length_km"] == pytest.approx(expected_km, rel=1e-3)  # metres, not degrees

    got = client.get("/api/v1/corridors/ML-C01", headers=analyst).json()
    assert got["geometry"] == {"type": "LineString", "coordinates": [[0.0, 15.0], [0.0, 13.0]]}
    lst = client.get("/api/v1/corridors", headers=analyst).json()
    assert lst["type"] == "FeatureCollection" and lst["total"] == 1 and lst["next"] is None


def test_feature_collection_upsert_by_code_and_paging(client, analyst):
    fc = {"type": "FeatureCollection", "features": [corridor(f"C{i}", ((i, 15.0), (i, 13.0))) for i in range(5)]}
    r = client.post("/api/v1/corridors", json=fc, headers=analyst)
    assert r.status_code == 201 and sorted(r.json()["created"]) == [f"C{i}" for i in range(5)]
    fc["features"][0]["properties"]["name"] = "Renamed"
    r = client.post("/api/v1/corridors", json=fc, headers=analyst)
    assert r.status_code == 200 and r.json()["created"] == [] and len(r.json()["updated"]) == 5
    assert client.get("/api/v1/corridors/C0", headers=analyst).json()["properties"]["name"] == "Renamed"

    page = client.get("/api/v1/corridors?limit=2", headers=analyst).json()
    assert [f["id"] for f in page["features"]] == ["C0", "C1"] and page["total"] == 5
    page2 = client.get(page["next"], headers=analyst).json()
    assert [f["id"] for f in page2["features"]] == ["C2", "C3"]


def test_bad_geometries_are_refused_with_reasons(client, analyst):
    bowtie = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]},
        "properties": {"kind": "flood", "severity": "severe", "starts_at": "2025-08-01T00:00:00+00:00"},
    }
    r = client.post("/api/v1/hazards", json=bowtie, headers=analyst)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error"
    assert body["detail"][0]["field"] == "geometry" and "Self-intersection" in body["detail"][0]["message"]

    fc = {
        "type": "FeatureCollection",
        "features": [
            corridor("OK1"),
            {**corridor("BAD1"), "geometry": {"type": "Point", "coordinates": [0, 14]}},
            corridor("BAD2", ((0, 15), (0, 95))),
            corridor("BAD3", tolerance_m=-5),
        ],
    }
    r = client.post("/api/v1/corridors", json=fc, headers=analyst)
    assert r.status_code == 422
    fields = {d["field"]: d["message"] for d in r.json()["detail"]}
    assert "expected geometry type LineString or MultiLineString, got Point" in fields["features[1].geometry"]
    assert "outside lon" in fields["features[2].geometry"]
    assert "must be > 0" in fields["features[3].properties.tolerance_m"]
    # all or nothing: the good one was not written either
    assert client.get("/api/v1/corridors", headers=analyst).json()["total"] == 0


def test_projected_input_is_reprojected(client, analyst):
    from shapely.geometry import LineString

    from ttt.geo import to_metric

    line_m, _ = to_metric(LineString([(-4.2, 15.0), (-4.0, 14.0)]), 32630)
    feat = corridor("UTM", [list(c) for c in line_m.coords])
    feat["crs"] = "EPSG:32630"
    r = client.post("/api/v1/corridors", json=feat, headers=analyst)
    assert r.status_code == 201, r.text
    (x0, y0), (x1, y1) = r.json()["geometry"]["coordinates"]
    assert (x0, y0) == pytest.approx((-4.2, 15.0), abs=1e-6) and (x1, y1) == pytest.approx((-4.0, 14.0), abs=1e-6)


def test_flow_point_assigned_to_nearest_corridor_within_tolerance(client, analyst):
    client.post("/api/v1/corridors", json=corridor("A", ((0.0, 15.0), (0.0, 13.0))), headers=analyst)
    client.post("/api/v1/corridors", json=corridor("B", ((1.0, 15.0), (1.0, 13.0)), tolerance_m=1000), headers=analyst)
    near_a = client.post("/api/v1/flow-points", json=point_feature("FMP-1", 0.02, 14.0), headers=analyst).json()
    assert near_a["properties"]["corridor"] == "A"
    assert near_a["properties"]["km_along"] == pytest.approx(GEOD.inv(0, 15, 0, 14)[2] / 1000, abs=0.01)
    # 0.9E: ~10.8 km from B (tolerance 1 km) and ~97 km from A: on no corridor
    far = client.post("/api/v1/flow-points", json=point_feature("FMP-2", 0.9, 14.0), headers=analyst).json()
    assert far["properties"]["corridor"] is None
    # explicit corridor wins; unknown corridor is refused by name
    explicit = client.post("/api/v1/flow-points", json=point_feature("FMP-3", 0.9, 14.0, corridor="B"), headers=analyst)
    assert explicit.json()["properties"]["corridor"] == "B"
    bad = client.post("/api/v1/flow-points", json=point_feature("FMP-4", 0.9, 14.0, corridor="ZZ"), headers=analyst)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "properties.corridor"
    assert "ZZ" in bad.json()["detail"][0]["message"]
    listed = client.get("/api/v1/flow-points?corridor=A", headers=analyst).json()
    assert [f["id"] for f in listed["features"]] == ["FMP-1"]


def test_edit_corridor_changes_placement(client, analyst):
    client.post("/api/v1/corridors", json=corridor("A", ((0.0, 15.0), (0.0, 13.0))), headers=analyst)
    before = client.get("/api/v1/network/place?lon=0.5&lat=14", headers=analyst).json()
    assert before["corridor"] == "A" and before["off_corridor"] is True
    # Move the corridor half a degree east with PATCH (geometry only) and widen it.
    r = client.patch(
        "/api/v1/corridors/A",
        json={"geometry": {"type": "LineString", "coordinates": [[0.5, 15.0], [0.5, 13.0]]}},
        headers=analyst,
    )
    assert r.status_code == 200, r.text
    after = client.get("/api/v1/network/place?lon=0.5&lat=14", headers=analyst).json()
    assert after["corridor"] == "A" and after["off_corridor"] is False and after["distance_m"] < 1
    assert after["bearing_deg"] == pytest.approx(180, abs=0.01)
    # close it with a reason, via PUT of the whole feature
    feat = corridor("A", ((0.5, 15.0), (0.5, 13.0)), status="closed", status_reason="flooded ford")
    r = client.put("/api/v1/corridors/A", json=feat, headers=analyst)
    assert r.status_code == 200 and r.json()["properties"]["status"] == "closed"
    assert client.get("/api/v1/corridors?status=closed", headers=analyst).json()["total"] == 1


def test_roles_read_and_write(client, analyst, enumerator):
    assert client.post("/api/v1/corridors", json=corridor(), headers=enumerator).status_code == 403
    client.post("/api/v1/corridors", json=corridor(), headers=analyst)
    assert client.get("/api/v1/corridors/ML-C01", headers=enumerator).status_code == 200
    assert client.get("/api/v1/corridors/ML-C01").status_code == 401
    assert client.get("/api/v1/corridors/NOPE", headers=enumerator).status_code == 404
    assert client.delete("/api/v1/corridors/ML-C01", headers=analyst).status_code == 204
    assert client.get("/api/v1/corridors/ML-C01", headers=enumerator).status_code == 404


def test_hazards_have_server_ids_and_time_filters(client, analyst):
    poly = {"type": "Polygon", "coordinates": [[[0, 13], [1, 13], [1, 14], [0, 14], [0, 13]]]}
    base = {"kind": "bushfire", "severity": "severe", "source": "FIRMS", "description": "fire front"}
    r = client.post(
        "/api/v1/hazards",
        json={"type": "Feature", "geometry": poly, "properties": {**base, "starts_at": "2025-11-01T00:00:00Z", "ends_at": None}},
        headers=analyst,
    )
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    assert isinstance(hid, int) and r.json()["properties"]["starts_at"] == "2025-11-01T00:00:00+00:00"
    bad = client.post(
        "/api/v1/hazards",
        json={"type": "Feature", "geometry": poly, "properties": {**base, "kind": "locusts", "starts_at": "2025-11-01"}},
        headers=analyst,
    )
    fields = {d["field"] for d in bad.json()["detail"]}
    assert fields == {"properties.kind", "properties.starts_at"}
    ended = client.patch(f"/api/v1/hazards/{hid}", json={"properties": {"ends_at": "2025-11-10T00:00:00+00:00"}}, headers=analyst)
    assert ended.status_code == 200 and ended.json()["properties"]["ends_at"].startswith("2025-11-10")
    assert client.get("/api/v1/hazards?active_at=2025-11-05T00:00:00Z", headers=analyst).json()["total"] == 1
    assert client.get("/api/v1/hazards?active_at=2025-12-05T00:00:00Z", headers=analyst).json()["total"] == 0
    assert client.get("/api/v1/hazards?colour=red", headers=analyst).status_code == 422


def test_calendars_and_window_in_force(client, analyst):
    client.post("/api/v1/corridors", json=corridor("ML-C01"), headers=analyst)
    r = client.post(
        "/api/v1/calendars",
        json=[
            {"corridor": None, "country": "ML", "direction": "descent", "opens": "10-15", "closes": "01-31",
             "effective_from": "2020-01-01", "source": "Arrete 2020"},
            {"corridor": "ML-C01", "country": None, "direction": "descent", "opens": "11-01", "closes": "02-15",
             "effective_from": "2024-01-01", "source": "Convention locale"},
        ],
        headers=analyst,
    )
    assert r.status_code == 201, r.text
    force = client.get(
        "/api/v1/calendars/in-force?corridor=ML-C01&direction=descent&date=2024-10-20", headers=analyst
    ).json()
    assert force["window"]["scope"] == "corridor" and force["open_date"] == "2024-11-01"
    assert force["days_before_open"] == 12 and force["is_open"] is False
    other = client.get("/api/v1/calendars/in-force?country=ML&direction=descent&date=2025-01-10", headers=analyst).json()
    assert other["window"]["opens"] == "10-15" and other["is_open"] is True
    assert other["open_date"] == "2024-10-15" and other["close_date"] == "2025-01-31"

    bad = client.post(
        "/api/v1/calendars",
        json={"corridor": "NOPE", "direction": "south", "opens": "13-01", "closes": "01-31", "effective_from": "2020"},
        headers=analyst,
    )
    fields = {d["field"] for d in bad.json()["detail"]}
    assert fields == {"corridor", "direction", "opens", "effective_from"}
    assert client.get("/api/v1/calendars?country=ML", headers=analyst).json()["total"] == 1


def test_admin_areas_fill_flow_point_pcodes_and_resources(client, analyst):
    def area(pcode, level, parent, x0, x1):
        return {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[x0, 12], [x1, 12], [x1, 16], [x0, 16], [x0, 12]]]},
            "properties": {"pcode": pcode, "name": pcode, "level": level, "parent": parent, "cod_version": "2015"},
        }

    fc = {"type": "FeatureCollection", "features": [area("ML", 0, None, -2, 2), area("ML05", 1, "ML", -2, 2), area("ML0506", 2, "ML05", -1, 1)]}
    assert client.post("/api/v1/admin-areas", json=fc, headers=analyst).status_code == 201
    c = client.post("/api/v1/corridors", json=corridor("A"), headers=analyst).json()
    assert c["properties"]["pcodes"] == ["ML", "ML05", "ML0506"]
    fp = client.post("/api/v1/flow-points", json=point_feature("FMP-1", 0.0, 14.0), headers=analyst).json()
    assert (fp["properties"]["adm0_pcode"], fp["properties"]["adm1_pcode"], fp["properties"]["adm2_pcode"]) == ("ML", "ML05", "ML0506")
    assert client.get("/api/v1/admin-areas?level=2", headers=analyst).json()["features"][0]["id"] == "ML0506"

    res = client.post("/api/v1/resources", json=point_feature("WP-1", 0.01, 14.2, kind="water_point"), headers=analyst)
    assert res.status_code == 201 and res.json()["properties"]["corridor"] == "A"
    bad = client.post("/api/v1/resources", json=point_feature("WP-2", 0.01, 14.2, kind="well"), headers=analyst)
    assert "water_point" in bad.json()["detail"][0]["message"]


def test_list_filters_country_and_bbox(client, analyst):
    fc = {"type": "FeatureCollection", "features": [
        corridor("ML-1", ((0.0, 15.0), (0.0, 13.0))),
        corridor("BF-1", ((3.0, 15.0), (3.0, 13.0)), countries=["BF", "NE"]),
    ]}
    client.post("/api/v1/corridors", json=fc, headers=analyst)
    ne = client.get("/api/v1/corridors?country=ne", headers=analyst).json()
    assert [f["id"] for f in ne["features"]] == ["BF-1"]
    boxed = client.get("/api/v1/corridors?bbox=-1,12,1,16", headers=analyst).json()
    assert [f["id"] for f in boxed["features"]] == ["ML-1"]
    assert client.get("/api/v1/corridors?bbox=1,2", headers=analyst).status_code == 422


def test_flow_points_follow_corridor_edits(client, analyst):
    # A flow point far from everything stays unassigned until a corridor is drawn past it.
    client.post("/api/v1/corridors", json=corridor("A", ((0.0, 15.0), (0.0, 13.0))), headers=analyst)
    client.post("/api/v1/flow-points", json=point_feature("FMP-A", 0.0, 14.0), headers=analyst)
    client.post("/api/v1/flow-points", json=point_feature("FMP-X", 2.0, 14.0), headers=analyst)
    assert client.get("/api/v1/flow-points/FMP-X", headers=analyst).json()["properties"]["corridor"] is None
    client.post("/api/v1/corridors", json=corridor("X", ((2.0, 14.5), (2.0, 13.0))), headers=analyst)
    fx = client.get("/api/v1/flow-points/FMP-X", headers=analyst).json()["properties"]
    assert fx["corridor"] == "X" and fx["km_along"] == pytest.approx(GEOD.inv(2, 14.5, 2, 14)[2] / 1000, abs=0.01)
    # Extending A northwards moves FMP-A further along it.
    client.patch("/api/v1/corridors/A", json={"geometry": {"type": "LineString", "coordinates": [[0.0, 16.0], [0.0, 13.0]]}},
                 headers=analyst)
    fa = client.get("/api/v1/flow-points/FMP-A", headers=analyst).json()["properties"]
    assert fa["km_along"] == pytest.approx(GEOD.inv(0, 16, 0, 14)[2] / 1000, abs=0.01)


def test_patch_blank_name_falls_back_to_code(client, analyst):
    client.post("/api/v1/corridors", json=corridor("A"), headers=analyst)
    r = client.patch("/api/v1/corridors/A", json={"properties": {"name": ""}}, headers=analyst)
    assert r.status_code == 200 and r.json()["properties"]["name"] == "A"
    r = client.patch("/api/v1/corridors/A", json={"properties": {"code": "B"}}, headers=analyst)
    assert r.status_code == 422 and "cannot change the code" in r.json()["detail"][0]["message"]


GARBAGE = [
    [],
    {"type": "FeatureCollection", "features": [None, 1, "x"]},
    {"type": "FeatureCollection", "features": "nope"},
    {"type": "Feature", "properties": [], "geometry": None},
    {"type": "Feature", "properties": {"code": {"a": 1}}, "geometry": {"type": "LineString", "coordinates": "abc"}},
    {"type": "Feature", "properties": {"code": "A"}, "geometry": {"type": "LineString", "coordinates": [["a", "b"], [1, 2]]}},
    {"type": "Feature", "properties": {"code": "A"}, "geometry": {"type": "LineString", "coordinates": [[1, 2, 3, 4, 5], [1]]}},
    {"type": "Feature", "crs": {"type": "name"}, "properties": {"code": "A"},
     "geometry": {"type": "LineString", "coordinates": [[0, 1], [1, 2]]}},
    {"type": "Feature", "crs": True, "properties": {"code": "A"}, "geometry": {"type": "LineString", "coordinates": [[0, 1], [1, 2]]}},
    {"type": "Feature", "crs": "EPSG:4978", "properties": {"code": "A"},
     "geometry": {"type": "LineString", "coordinates": [[6378137, 0], [6378000, 1000]]}},
    {"type": "Feature", "properties": {"code": "A", "tolerance_m": "1e400"}, "geometry": {"type": "LineString", "coordinates": [[0, 1], [1, 2]]}},
]


@pytest.mark.parametrize("layer", ["corridors", "flow-points", "hazards", "admin-areas", "resources"])
def test_garbage_is_refused_never_a_server_error(client, analyst, layer):
    for body in GARBAGE:
        r = client.post(f"/api/v1/{layer}", json=body, headers=analyst)
        assert r.status_code in (200, 201, 422), (body, r.status_code, r.text)
        if r.status_code == 422:
            assert r.json()["detail"], body
        for method in ("put", "patch"):
            r = client.request(method, f"/api/v1/{layer}/A", json=body, headers=analyst)
            assert r.status_code in (200, 201, 404, 422), (method, body, r.status_code, r.text)


def test_calendar_garbage_is_refused(client, analyst):
    for body in ([1, "x"], {"country": ["ML"], "direction": "descent", "opens": 10, "closes": "01-31",
                            "effective_from": {"y": 2020}, "source": {"a": 1}}, {"country": "ML", "colour": "red"}):
        r = client.post("/api/v1/calendars", json=body, headers=analyst)
        assert r.status_code == 422 and r.json()["detail"], (body, r.text)
