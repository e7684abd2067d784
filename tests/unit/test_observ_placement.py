"""The vectorised placer agrees with the one-point-at-a-time NetworkIndex it speeds up."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely import wkt

from corridors.geometry import NetworkIndex
from corridors.observations.placement import BatchPlacer

LINES = [
    ("ML-C1", "LINESTRING(-4.2 15.0, -4.1 14.5, -4.2 14.0)", 5000.0),
    ("ML-C2", "MULTILINESTRING((-3.0 15.2, -2.5 14.8), (-2.5 14.8, -2.0 14.1))", 3000.0),
    ("NE-C9", "LINESTRING(2.0 14.0, 3.5 13.0)", 8000.0),  # another UTM zone (31N)
]


@pytest.fixture(scope="module")
def both():
    data = [(c, wkt.loads(g), t) for c, g, t in LINES]
    return NetworkIndex(data), BatchPlacer(data)


def test_batch_and_single_placement_agree_on_random_points(both):
    index, placer = both
    rng = np.random.default_rng(7)
    lons = rng.uniform(-4.6, 3.8, 400)
    lats = rng.uniform(12.8, 15.3, 400)
    got = placer.place(lons, lats)
    for k, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        one = index.place(float(lon), float(lat))
        assert got.corridor[k] == one.corridor, (lon, lat)
        if one.corridor is None:
            assert got.off_corridor[k]
            continue
        assert got.off_corridor[k] == one.off_corridor or abs(one.distance_m - _tol(one.corridor)) < 30
        assert math.isclose(got.distance_m[k], one.distance_m, rel_tol=0.005, abs_tol=5)
        assert math.isclose(got.km_along[k], one.km_along, rel_tol=0.005, abs_tol=0.05)
        diff = abs((got.bearing_deg[k] - one.bearing_deg + 180) % 360 - 180)
        assert diff < 3 or one.distance_m > 20_000  # far points may snap to a vertex


def _tol(code):
    return {c: t for c, _, t in LINES}[code]


def test_a_covering_corridor_wins_over_a_nearer_one_that_does_not_cover():
    narrow = ("A", wkt.loads("LINESTRING(0.000 10, 0.000 11)"), 100.0)
    wide = ("B", wkt.loads("LINESTRING(0.003 10, 0.003 11)"), 5000.0)
    placer = BatchPlacer([narrow, wide])
    got = placer.place([0.0012], [10.5])  # ~130 m from A (outside 100 m), ~195 m from B
    assert got.corridor == ["B"] and not got.off_corridor[0]


def test_nothing_within_reach_and_an_empty_network():
    placer = BatchPlacer([(c, wkt.loads(g), t) for c, g, t in LINES])
    got = placer.place([20.0], [0.5])
    assert got.corridor == [None] and got.off_corridor[0] and math.isnan(got.distance_m[0])
    empty = BatchPlacer([]).place([1.0], [1.0])
    assert empty.corridor == [None]


def test_descent_bearing_follows_the_drawn_direction():
    placer = BatchPlacer([("S", wkt.loads("LINESTRING(0 11, 0 10)"), 1000.0)])
    got = placer.place([0.001, 0.0], [10.5, 10.9])
    assert np.allclose(got.bearing_deg, 180.0, atol=0.5)
    assert got.km_along[1] < got.km_along[0]


def test_a_flow_points_own_corridor_wins_where_corridors_meet_but_only_if_it_covers():
    near = ("NEAR", wkt.loads("LINESTRING(0.000 10, 0.000 11)"), 5000.0)
    own = ("OWN", wkt.loads("LINESTRING(0.020 10, 0.020 11)"), 5000.0)  # ~2.2 km east
    placer = BatchPlacer([near, own])
    got = placer.place([0.001, 0.001], [10.5, 10.5], prefer=[None, "OWN"])
    assert got.corridor == ["NEAR", "OWN"] and not got.off_corridor.any()
    far = ("FAR", wkt.loads("LINESTRING(0.2 10, 0.2 11)"), 5000.0)  # ~22 km: does not cover
    got = BatchPlacer([near, far]).place([0.001], [10.5], prefer=["FAR"])
    assert got.corridor == ["NEAR"]


def test_segments_join_up_along_a_multiline_and_across_vertices():
    """Measured on short segments, km along still runs on across parts, and the bearing
    window straddling a vertex or a part's end stays on that part."""
    two = ("T", wkt.loads("MULTILINESTRING((0 10, 0 10.5), (0.5 10.5, 0.5 11))"), 5000.0)
    placer = BatchPlacer([two])
    first_len = placer.place([0.0], [10.5]).km_along[0]  # the end of the first part
    got = placer.place([0.0, 0.5, 0.5], [10.5, 10.5, 10.7])
    assert got.corridor == ["T", "T", "T"]
    assert math.isclose(got.km_along[1], first_len, abs_tol=0.01)  # second part starts there
    assert got.km_along[2] > got.km_along[1] + 20
    assert np.all(np.abs((got.bearing_deg + 180) % 360 - 180) < 0.5)  # north, even at a part's end
