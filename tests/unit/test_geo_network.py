"""corridors.geometry: placing points on corridors, checked against pyproj.Geod numbers."""

import pytest
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString

from corridors.geometry import (
    IndexCache,
    NetworkIndex,
    angle_between,
    movement_from_heading,
    parse_direction,
)
from ttt.errors import ValidationFailed

GEOD = Geod(ellps="WGS84")

# A corridor along the Greenwich meridian, drawn north -> south (descent) from 15N to 13N.
MERIDIAN = LineString([(0.0, 15.0), (0.0, 13.0)])
# An east -> west corridor along 14N from 3E to 2E, and one west -> east at 12N.
WESTWARD = LineString([(3.0, 14.0), (2.0, 14.0)])
EASTWARD = LineString([(2.0, 12.0), (3.0, 12.0)])
# A south -> north corridor (drawn upwards) at 5E.
NORTHWARD = LineString([(5.0, 12.0), (5.0, 13.0)])


def geodesic_m(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.fixture(scope="module")
def index():
    return NetworkIndex(
        [
            ("MERID", MERIDIAN, 5000),
            ("WEST", WESTWARD, 2000),
            ("EAST", EASTWARD, 2000),
            ("NORTH", NORTHWARD, 3000),
        ]
    )


def test_point_on_meridian_corridor(index):
    p = index.place(0.0, 14.0)
    assert p.corridor == "MERID"
    assert p.distance_m == pytest.approx(0.0, abs=0.01)
    assert p.km_along == pytest.approx(geodesic_m(0, 15, 0, 14) / 1000, abs=0.001)  # 110.644 km
    assert p.bearing_deg == pytest.approx(180.0, abs=0.01)
    assert p.off_corridor is False


def test_point_east_of_meridian_distance_and_km(index):
    p = index.place(0.02, 14.0)
    assert p.corridor == "MERID"
    assert p.distance_m == pytest.approx(geodesic_m(0.02, 14, 0, 14), abs=1.0)  # ~2,160.7 m
    assert p.km_along == pytest.approx(110.644, abs=0.01)
    assert not p.off_corridor


def test_point_beyond_tolerance_is_off_corridor(index):
    p = index.place(0.1, 13.5)  # ~10.8 km east of the meridian, tolerance 5 km
    assert p.corridor == "MERID"
    assert p.distance_m == pytest.approx(geodesic_m(0.1, 13.5, 0, 13.5), abs=2.0)
    assert p.off_corridor is True


def test_point_before_start_snaps_to_start(index):
    p = index.place(0.0, 15.02)
    assert p.corridor == "MERID"
    assert p.km_along == pytest.approx(0.0, abs=1e-6)
    assert p.distance_m == pytest.approx(geodesic_m(0, 15.02, 0, 15), abs=1.0)


@pytest.mark.parametrize(
    ("lon", "lat", "code", "bearing"),
    [
        (2.5, 14.0, "WEST", 270.0),
        (2.5, 12.0, "EAST", 90.0),
        (5.0, 12.5, "NORTH", 0.0),
        (0.0, 13.5, "MERID", 180.0),
    ],
)
def test_bearings(index, lon, lat, code, bearing):
    p = index.place(lon, lat)
    assert p.corridor == code
    assert angle_between(p.bearing_deg, bearing) < 0.01


def test_km_along_follows_drawing_direction(index):
    # WEST starts at 3E: half way is ~54 km from its start.
    p = index.place(2.5, 14.0)
    assert p.km_along == pytest.approx(geodesic_m(3, 14, 2.5, 14) / 1000, abs=0.01)


def test_nothing_within_search_radius(index):
    p = index.place(20.0, 20.0, max_search_m=50_000)
    assert p.corridor is None and p.distance_m is None and p.off_corridor is True


def test_within_tolerance_beats_nearer_outside():
    # A at ~3.3 km with tolerance 1 km; B at ~4.4 km with tolerance 10 km: the point is on B.
    a = LineString([(0.03, 15.0), (0.03, 13.0)])
    b = LineString([(-0.04, 15.0), (-0.04, 13.0)])
    idx = NetworkIndex([("A", a, 1000), ("B", b, 10_000)])
    p = idx.place(0.0, 14.0)
    assert p.corridor == "B" and not p.off_corridor
    only_a = NetworkIndex([("A", a, 1000)]).place(0.0, 14.0)
    assert only_a.corridor == "A" and only_a.off_corridor


def test_multilinestring_parts_in_order():
    # Two parts: 15N->14N, then (gap) 13.9N->13N on the same meridian.
    multi = MultiLineString([[(0.0, 15.0), (0.0, 14.0)], [(0.0, 13.9), (0.0, 13.0)]])
    idx = NetworkIndex([("M", multi, 5000)])
    p = idx.place(0.0, 13.5)
    first = geodesic_m(0, 15, 0, 14)
    second = geodesic_m(0, 13.9, 0, 13.5)
    assert p.km_along == pytest.approx((first + second) / 1000, abs=0.001)


def test_polyline_with_bend():
    # South 1 degree, then east 1 degree: a point on the second leg.
    line = LineString([(1.0, 14.0), (1.0, 13.0), (2.0, 13.0)])
    p = NetworkIndex([("L", line, 5000)]).place(1.5, 13.0)
    assert p.bearing_deg == pytest.approx(90.0, abs=0.01)
    expected = geodesic_m(1, 14, 1, 13) + geodesic_m(1, 13, 1.5, 13)
    assert p.km_along == pytest.approx(expected / 1000, abs=0.01)


def test_index_version_and_cache():
    a = NetworkIndex([("A", MERIDIAN, 5000)])
    b = NetworkIndex([("A", MERIDIAN, 5000)])
    c = NetworkIndex([("A", MERIDIAN, 6000)])
    assert a.version == b.version != c.version
    cache = IndexCache()
    builds = []

    def build():
        builds.append(1)
        return NetworkIndex([("A", MERIDIAN, 5000)])

    first = cache.get("v1", build)
    assert cache.get("v1", build) is first and len(builds) == 1
    assert cache.get("v2", build) is not first and len(builds) == 2
    cache.invalidate()
    cache.get("v2", build)
    assert len(builds) == 3


def test_empty_index_and_bad_inputs():
    assert NetworkIndex([]).place(0, 0).corridor is None
    with pytest.raises(ValueError, match="outside"):
        NetworkIndex([("A", MERIDIAN, 5000)]).place(200, 14)
    with pytest.raises(ValueError, match="LineString"):
        NetworkIndex([("P", MERIDIAN.centroid, 5000)])


@pytest.mark.parametrize(
    ("raw", "deg"),
    [
        ("N", 0.0),
        ("SW", 225.0),
        ("sw", 225.0),
        ("SSW", 202.5),
        ("SSO", 202.5),  # French: sud-sud-ouest
        ("ONO", 292.5),  # ouest-nord-ouest
        ("NO", 315.0),  # nord-ouest
        ("south-west", 225.0),
        ("Sud-Ouest", 225.0),
        ("northeast", 45.0),
        ("est", 90.0),
        ("225", 225.0),
        ("225.5°", 225.5),
        (225.0, 225.0),
        (360, 0.0),
        (0, 0.0),
    ],
)
def test_parse_direction(raw, deg):
    assert parse_direction(raw) == deg


@pytest.mark.parametrize("raw", ["up", "", "NSEW", -10, 361, "400", None, True, float("nan")])
def test_parse_direction_refuses(raw):
    with pytest.raises(ValidationFailed) as e:
        parse_direction(raw, field="heading")
    assert e.value.errors[0]["field"] == "heading"


@pytest.mark.parametrize(
    ("heading", "bearing", "movement"),
    [
        (180, 180, "descent"),
        (225, 180, "descent"),
        (0, 180, "return"),
        (350, 180, "return"),
        (90, 180, "unknown"),
        (10, 350, "descent"),  # wraps through north
        (170, 350, "return"),
        (241, 180, "unknown"),
    ],
)
def test_movement_from_heading(heading, bearing, movement):
    assert movement_from_heading(heading, bearing) == movement


def test_movement_tolerance_must_be_below_90():
    with pytest.raises(ValueError):
        movement_from_heading(0, 0, tolerance_deg=90)


def test_place_on_named_corridor_even_when_another_is_nearer(index):
    assert index.place(1.9, 14.0).corridor == "WEST"
    p = index.place_on("MERID", 1.9, 14.0)  # ~205 km west of it, but we ask for MERID
    assert p.corridor == "MERID" and p.off_corridor
    assert p.distance_m == pytest.approx(geodesic_m(1.9, 14, 0, 14), rel=0.01)
    assert p.km_along == pytest.approx(110.6, abs=2)
    with pytest.raises(KeyError):
        index.place_on("NOPE", 0, 14)


# --- properties over random corridors (hypothesis) ------------------------------------------

from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

sahel_lon = st.floats(min_value=-6.0, max_value=6.0, allow_nan=False)  # spans UTM zones 30-32
sahel_lat = st.floats(min_value=10.0, max_value=18.0, allow_nan=False)
vertex = st.tuples(sahel_lon, sahel_lat)


def _polyline(points):
    # keep vertices at least ~1 km apart so the line is a real corridor, not a scribble
    out = [points[0]]
    for p in points[1:]:
        if geodesic_m(*out[-1], *p) > 1000:
            out.append(p)
    return out


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(vertex, min_size=2, max_size=6), vertex)
def test_placement_invariants(points, query):
    coords = _polyline(points)
    assume(len(coords) >= 2)
    line = LineString(coords)
    idx = NetworkIndex([("L", line, 5000)])
    p = idx.place(*query, max_search_m=20_000_000)
    assert p.corridor == "L"
    total_km = sum(geodesic_m(*a, *b) for a, b in zip(coords, coords[1:], strict=False)) / 1000
    # never further than the nearest vertex (the line passes through every vertex)
    nearest_vertex = min(geodesic_m(*query, *c) for c in coords)
    assert p.distance_m <= nearest_vertex * 1.01 + 1.0
    assert -1e-6 <= p.km_along <= total_km * 1.01 + 0.01
    assert 0 <= p.bearing_deg < 360


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(vertex, min_size=2, max_size=6), st.data())
def test_a_vertex_is_on_the_corridor_at_its_cumulative_length(points, data):
    coords = _polyline(points)
    assume(len(coords) >= 2)
    i = data.draw(st.integers(min_value=0, max_value=len(coords) - 1))
    p = NetworkIndex([("L", LineString(coords), 5000)]).place(*coords[i], max_search_m=20_000_000)
    assert p.distance_m < 1.0 and not p.off_corridor
    expected = sum(geodesic_m(*a, *b) for a, b in zip(coords[: i + 1], coords[1 : i + 1], strict=False)) / 1000
    # a self-crossing line can touch the vertex elsewhere too; otherwise km along is exact
    line = LineString(coords)
    assume(line.is_simple and not line.is_closed)
    assert p.km_along == pytest.approx(expected, rel=5e-3, abs=0.01)
