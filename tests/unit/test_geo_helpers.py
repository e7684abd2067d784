"""ttt.geo: UTM zones, reprojection, metric measures and geometry validation messages."""

import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from ttt.errors import ValidationFailed
from ttt.geo import (
    buffer_m,
    feature,
    feature_collection,
    length_m,
    parse_geometry,
    reproject,
    to_geojson,
    to_metric,
    utm_crs_for,
)

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (-4.0, 14.5, 32630),  # Mopti, Mali: zone 30N
        (2.1, 13.5, 32631),  # Niamey: zone 31N
        (15.0, 12.1, 32633),  # N'Djamena: zone 33N
        (-17.4, 14.7, 32628),  # Dakar: zone 28N
        (36.8, -1.3, 32737),  # Nairobi: zone 37S
        (5.3, 60.4, 32632),  # Bergen: Norway exception (would be 31)
        (180.0, 0.0, 32660),
        (-180.0, 0.0, 32601),
    ],
)
def test_utm_zone(lon, lat, epsg):
    assert utm_crs_for(lon, lat) == epsg


def test_reproject_roundtrip_and_always_xy():
    p = Point(-4.0, 14.5)
    m, epsg = to_metric(p)
    assert epsg == 32630
    # Zone 30 central meridian is -3: a point 1 degree west has easting below 500 km.
    assert 380_000 < m.x < 500_000 and 1_500_000 < m.y < 1_700_000
    back = reproject(m, epsg, 4326)
    assert back.x == pytest.approx(-4.0, abs=1e-9) and back.y == pytest.approx(14.5, abs=1e-9)


def test_length_in_metres_matches_geodesic():
    line = LineString([(0.0, 13.0), (0.0, 14.0)])
    _, _, expected = GEOD.inv(0.0, 13.0, 0.0, 14.0)
    assert length_m(line) == pytest.approx(expected, rel=1e-3)  # ~110.6 km, not 1.0


def test_buffer_in_metres():
    area = buffer_m(Point(2.1, 13.5), 1000.0)
    m, _ = to_metric(area)
    assert m.area == pytest.approx(3.14159 * 1000**2, rel=0.01)


def test_geojson_helpers():
    f = feature(Point(1, 2), {"code": "X"}, feature_id="X")
    assert f == {
        "type": "Feature",
        "id": "X",
        "geometry": {"type": "Point", "coordinates": [1.0, 2.0]},
        "properties": {"code": "X"},
    }
    fc = feature_collection([f], numberMatched=1)
    assert fc["type"] == "FeatureCollection" and fc["numberMatched"] == 1
    assert to_geojson(None) is None


def _message(exc_info):
    return exc_info.value.errors[0]["message"]


def test_parse_geometry_accepts_and_drops_z():
    g = parse_geometry({"type": "LineString", "coordinates": [[0, 15, 300], [0, 14, 310]]}, ["LineString"])
    assert g.geom_type == "LineString" and not g.has_z
    assert list(g.coords) == [(0.0, 15.0), (0.0, 14.0)]


def test_parse_geometry_wrong_type_says_expected_and_got():
    with pytest.raises(ValidationFailed) as e:
        parse_geometry({"type": "Point", "coordinates": [0, 1]}, ["LineString", "MultiLineString"])
    msg = _message(e)
    assert "LineString or MultiLineString" in msg and "got Point" in msg
    assert e.value.errors[0]["field"] == "geometry"


def test_parse_geometry_invalid_gives_reason():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    with pytest.raises(ValidationFailed) as e:
        parse_geometry(bowtie, ["Polygon", "MultiPolygon"], field="features[3].geometry")
    assert "Self-intersection" in _message(e)
    assert e.value.errors[0]["field"] == "features[3].geometry"


def test_parse_geometry_out_of_bounds_hints_axis_order():
    with pytest.raises(ValidationFailed) as e:
        parse_geometry({"type": "Point", "coordinates": [14.5, 95.0]}, ["Point"])
    msg = _message(e)
    assert "[14.5, 95]" in msg and "[lon, lat]" in msg


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "POINT (1 2)",
        {"type": "Pointy", "coordinates": [1, 2]},
        {"type": "LineString", "coordinates": [[1, 2]]},
        {"type": "Point", "coordinates": []},
        {"type": "Point", "coordinates": [float("nan"), 2]},
    ],
)
def test_parse_geometry_refuses_garbage(bad):
    allowed = ["Point", "LineString"]
    with pytest.raises(ValidationFailed):
        parse_geometry(bad, allowed)


def test_parse_geometry_reprojects_from_utm():
    # Mopti-ish, in UTM 30N metres.
    m, _ = to_metric(Point(-4.2, 14.5), 32630)
    g = parse_geometry({"type": "Point", "coordinates": [m.x, m.y]}, ["Point"], crs_epsg=32630)
    assert g.x == pytest.approx(-4.2, abs=1e-7) and g.y == pytest.approx(14.5, abs=1e-7)
    g2 = parse_geometry({"type": "Point", "coordinates": [m.x, m.y]}, ["Point"], crs_epsg="EPSG:32630")
    assert g2.equals_exact(g, 1e-9)


def test_parse_geometry_unknown_crs():
    with pytest.raises(ValidationFailed) as e:
        parse_geometry({"type": "Point", "coordinates": [1, 2]}, ["Point"], crs_epsg=999999)
    assert e.value.errors[0]["field"] == "crs" and "999999" in _message(e)
    with pytest.raises(ValidationFailed) as e:
        parse_geometry({"type": "Point", "coordinates": [1, 2]}, ["Point"], crs_epsg="utm")
    assert e.value.errors[0]["field"] == "crs"


def test_parse_geometry_projected_coords_without_crs_are_out_of_bounds():
    # A user forgetting the crs field gets told, instead of a point in the ocean.
    with pytest.raises(ValidationFailed) as e:
        parse_geometry({"type": "Point", "coordinates": [478_000, 1_603_000]}, ["Point"])
    assert "outside lon" in _message(e)
