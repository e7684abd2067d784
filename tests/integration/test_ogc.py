"""OGC API - Features at /ogc on real PostGIS, and read by GDAL's OAPIF driver from a real
uvicorn server (the client GIS officers use through QGIS)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime

import httpx
import pytest
from sqlalchemy import text

from ttt.db import session_scope

GEOJSON = "application/geo+json"


def line(code, x, tolerance=5000):
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[x, 15.0], [x, 13.0]]},
        "properties": {"code": code, "name": code, "tolerance_m": tolerance, "countries": ["ML"]},
    }


def fmp(code, lon, lat):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"code": code}}


def add_observation(lon, lat, observed_at, flow_point=None, adm2=None, cattle=10):
    """Through the geodata model, so its defaults fill the columns this area does not care about."""
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from corridors.observations.models import Observation

    with session_scope() as s:
        fp_id = s.execute(text("SELECT id FROM flow_points WHERE code = :c"), {"c": flow_point}).scalar() if flow_point else None
        s.add(Observation(id=uuid.uuid4(), flow_point_id=fp_id, observed_at=datetime.fromisoformat(observed_at),
                          geom=from_shape(Point(lon, lat), srid=4326), cattle=cattle, source="api",
                          content_hash=uuid.uuid4().hex, adm2_pcode=adm2))


def add_alert(n, lon, lat, created_at, pcodes=None):
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from alerts.alerts.models import Alert

    with session_scope() as s:
        t = datetime.fromisoformat(created_at)
        s.add(Alert(type="mass", severity="severe", dedup_key=f"mass:{n}", headline=f"Mass movement {n}",
                    created_at=t, updated_at=t, geom=from_shape(Point(lon, lat), srid=4326), corridor_code="A",
                    pcodes=pcodes or []))


@pytest.fixture
def analyst(make_user, auth):
    return auth(make_user("analyst")[1])


@pytest.fixture
def network(client, analyst):
    fc = {"type": "FeatureCollection", "features": [line("A", 0.0), line("B", 1.0), line("C", 2.0)]}
    assert client.post("/api/v1/corridors", json=fc, headers=analyst).status_code == 201
    fps = {"type": "FeatureCollection", "features": [fmp("FMP-1", 0.01, 14.0), fmp("FMP-2", 1.0, 14.5)]}
    assert client.post("/api/v1/flow-points", json=fps, headers=analyst).status_code == 201
    hazard = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[0, 13], [1, 13], [1, 14], [0, 14], [0, 13]]]},
        "properties": {"kind": "flood", "severity": "moderate", "starts_at": "2025-08-01T00:00:00Z",
                       "ends_at": "2025-09-30T00:00:00Z"},
    }
    assert client.post("/api/v1/hazards", json=hazard, headers=analyst).status_code == 201


def test_landing_conformance_collections(client, analyst, network):
    landing = client.get("/ogc", headers=analyst)
    assert landing.status_code == 200
    rels = {link["rel"]: link for link in landing.json()["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert client.get(rels["service-desc"]["href"], headers=analyst).json()["openapi"].startswith("3.0")
    conf = client.get("/ogc/conformance", headers=analyst).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf
    colls = client.get("/ogc/collections", headers=analyst).json()["collections"]
    assert [c["id"] for c in colls] == ["corridors", "flow-points", "hazards", "alerts", "observations"]
    corr = client.get("/ogc/collections/corridors", headers=analyst).json()
    assert corr["extent"]["spatial"]["bbox"] == [[0.0, 13.0, 2.0, 15.0]]
    items_link = next(link for link in corr["links"] if link["rel"] == "items")
    assert items_link["type"] == GEOJSON
    haz = client.get("/ogc/collections/hazards", headers=analyst).json()
    assert haz["extent"]["temporal"]["interval"] == [["2025-08-01T00:00:00Z", "2025-09-30T00:00:00Z"]]
    # empty collections still describe themselves
    assert client.get("/ogc/collections/alerts", headers=analyst).status_code == 200
    empty = client.get("/ogc/collections/alerts/items", headers=analyst).json()
    assert empty["numberMatched"] == 0 and empty["features"] == []


def test_items_paging_limit_bbox_and_ids(client, analyst, network):
    r = client.get("/ogc/collections/corridors/items?limit=2", headers=analyst)
    assert r.status_code == 200 and r.headers["content-type"].startswith(GEOJSON)
    page = r.json()
    assert page["numberMatched"] == 3 and page["numberReturned"] == 2 and "timeStamp" in page
    assert [f["id"] for f in page["features"]] == ["A", "B"]
    nxt = next(link["href"] for link in page["links"] if link["rel"] == "next")
    page2 = client.get(nxt, headers=analyst).json()
    assert [f["id"] for f in page2["features"]] == ["C"]
    assert not [link for link in page2["links"] if link["rel"] == "next"]
    # limit is clamped, not refused
    assert client.get("/ogc/collections/corridors/items?limit=999999", headers=analyst).json()["numberReturned"] == 3
    assert client.get("/ogc/collections/corridors/items?limit=0", headers=analyst).json()["numberReturned"] == 1
    # bbox is lon,lat
    inside = client.get("/ogc/collections/corridors/items?bbox=0.5,13.5,1.5,14.5", headers=analyst).json()
    assert [f["id"] for f in inside["features"]] == ["B"]
    one = client.get("/ogc/collections/flow-points/items/FMP-1", headers=analyst)
    assert one.status_code == 200 and one.json()["properties"]["corridor"] == "A"
    assert client.get("/ogc/collections/flow-points/items/NOPE", headers=analyst).status_code == 404
    assert client.get("/ogc/collections/rivers/items", headers=analyst).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["colour=red", "limit=ten", "bbox=1,2,3", "bbox=0,14,1,13", "datetime=yesterday", "datetime=../..", "f=html",
     "crs=http://www.opengis.net/def/crs/EPSG/0/32630"],
)
def test_bad_parameters_are_400(client, analyst, query):
    r = client.get(f"/ogc/collections/hazards/items?{query}", headers=analyst)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_parameter"


def test_datetime_filters(client, analyst, network):
    def count(cid, dt):
        return client.get(f"/ogc/collections/{cid}/items?datetime={dt}", headers=analyst).json()["numberMatched"]

    assert count("hazards", "2025-09-01T00:00:00Z") == 1
    assert count("hazards", "2025-10-01") == 0
    assert count("hazards", "../2025-08-01") == 1
    assert count("hazards", "2025-09-30T00:00:01Z/..") == 0
    crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert client.get(f"/ogc/collections/hazards/items?crs={crs84}&bbox-crs={crs84}", headers=analyst).status_code == 200
    add_observation(0.01, 14.0, "2025-11-02T08:00:00+00:00", flow_point="FMP-1")
    add_observation(0.3, 14.2, "2025-11-05T08:00:00+00:00")
    assert count("observations", "2025-11-01/2025-11-03") == 1
    assert count("observations", "2025-11-01/..") == 2
    add_alert(1, 0.0, 14.0, "2025-11-02T09:00:00+00:00")
    assert count("alerts", "2025-11-02") == 1


def test_exact_observation_locations_only_for_admin_and_analyst(client, analyst, make_user, auth, network):
    add_observation(0.0123456, 14.0456789, "2025-11-02T08:00:00+00:00", flow_point="FMP-1", adm2="ML0506")
    add_observation(0.3456789, 14.2345678, "2025-11-05T08:00:00+00:00", adm2="BF1301")
    exact = client.get("/ogc/collections/observations/items", headers=analyst).json()["features"]
    assert sorted(f["geometry"]["coordinates"][0] for f in exact) == [0.0123456, 0.3456789]
    partner = auth(make_user("partner")[1])
    coarse = client.get("/ogc/collections/observations/items", headers=partner).json()["features"]
    coords = sorted(tuple(f["geometry"]["coordinates"]) for f in coarse)
    # the grid node nearest the flow point, and nearest the herd (ttt.location_policy)
    assert coords == [(0, 14), (0.3, 14.2)]
    assert {f["properties"]["location"] for f in coarse} == {"grid_0.1deg"}
    # a bbox around the exact spot cannot reveal it to a partner
    probe = client.get("/ogc/collections/observations/items?bbox=0.34,14.23,0.35,14.24", headers=partner).json()
    assert probe["numberMatched"] == 0
    scoped = auth(make_user("partner", scopes=["ML05"])[1])
    mine = client.get("/ogc/collections/observations/items", headers=scoped).json()
    assert mine["numberMatched"] == 1 and mine["features"][0]["properties"]["adm2_pcode"] == "ML0506"
    # corridor + km along would pin the herd: only exact-location roles get km_along
    assert {f["properties"]["km_along"] for f in coarse} == {None}
    add_alert(1, 0.0, 14.0, "2025-11-02T09:00:00+00:00", pcodes=["ML", "ML05", "ML0506"])
    add_alert(2, 0.3, 14.2, "2025-11-02T09:00:00+00:00", pcodes=["BF", "BF13"])
    alerts = client.get("/ogc/collections/alerts/items", headers=scoped).json()
    assert [f["properties"]["headline"] for f in alerts["features"]] == ["Mass movement 1"]
    assert client.get("/ogc/collections/alerts/items", headers=analyst).json()["numberMatched"] == 2
    assert client.get("/ogc/collections/observations/items").status_code == 401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(engine):
    """A real uvicorn serving the app on a free port (same test database)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "ttt.api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"uvicorn did not start: {out[-2000:]}")
        time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _ogrinfo(args: list[str], token: str) -> str:
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}", "CPL_DEBUG": "OFF"}
    result = subprocess.run(["ogrinfo", "-ro", *args], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo (Debian gdal-bin) is not installed")
def test_gdal_reads_the_service(live_server, client, make_user, network):
    add_observation(0.01, 14.0, "2025-11-02T08:00:00+00:00", flow_point="FMP-1")
    add_alert(1, 0.0, 14.0, "2025-11-02T09:00:00+00:00")
    _, token = make_user("analyst")
    url = f"OAPIF:{live_server}/ogc"
    listing = _ogrinfo(["-so", url], token)
    for name in ("corridors", "flow-points", "hazards", "alerts", "observations"):
        assert f": {name}" in listing, listing
    counts = {}
    for name, expected in (("corridors", 3), ("flow-points", 2), ("hazards", 1), ("alerts", 1), ("observations", 1)):
        out = _ogrinfo(["-so", url, name], token)
        counts[name] = next(int(line.split(":")[1]) for line in out.splitlines() if line.startswith("Feature Count"))
        assert counts[name] == expected, out
    # Reading every feature pages through the next links (limit 1 forces three pages).
    out = _ogrinfo(["-al", "-oo", "PAGE_SIZE=1", url, "corridors"], token)
    assert out.count("OGRFeature(corridors)") == 3
    assert "code (String) = C" in out


def test_an_api_edit_shows_in_the_ogc_collection(client, analyst, network):
    r = client.patch(
        "/api/v1/corridors/B",
        json={"properties": {"status": "closed", "status_reason": "conflict"},
              "geometry": {"type": "LineString", "coordinates": [[1.5, 15.0], [1.5, 13.0]]}},
        headers=analyst,
    )
    assert r.status_code == 200, r.text
    f = client.get("/ogc/collections/corridors/items/B", headers=analyst).json()
    assert f["properties"]["status"] == "closed" and f["properties"]["status_reason"] == "conflict"
    assert f["geometry"]["coordinates"] == [[1.5, 15.0], [1.5, 13.0]]
