"""The routable graph of hand-drawn corridors: joins where they cross or nearly touch,
reports the gaps it leaves, and keeps lengths honest (checked against geodesic lengths)."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import LineString

from corridors.network.build import build_graph

GEOD = Geod(ellps="WGS84")
LAT = 12.0
KM = 1 / 109.0  # about a kilometre of longitude at 12 degrees north


def km(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def test_crossing_corridors_share_one_junction_of_four_edges():
    a = LineString([(0.0, LAT), (1.0, LAT)])
    b = LineString([(0.5, LAT - 0.5), (0.5, LAT + 0.5)])
    g = build_graph([("A", a), ("B", b)], snap_m=3000, max_edge_m=1e9)
    assert len(g.edges) == 4
    assert sorted(n.degree for n in g.nodes) == [1, 1, 1, 1, 4]
    junction = next(n for n in g.nodes if n.degree == 4)
    assert junction.lon == pytest.approx(0.5, abs=1e-6) and junction.lat == pytest.approx(LAT, abs=1e-6)
    total_a = sum(e.length_m for e in g.edges if e.corridor == "A") / 1000
    assert total_a == pytest.approx(km((0, LAT), (1, LAT)), rel=1e-4)
    assert len(g.dangling()) == 4


def test_an_end_a_kilometre_short_of_another_corridor_is_joined_by_a_one_km_connector():
    a = LineString([(0.0, LAT), (1.0, LAT)])
    b = LineString([(0.5, LAT + 0.5), (0.5, LAT + 1 * KM / 1.0 * 1.0)])  # stops ~1 km north of A
    g = build_graph([("A", a), ("B", b)], snap_m=3000, max_edge_m=1e9)
    connectors = [e for e in g.edges if e.corridor is None]
    assert len(connectors) == 1
    assert connectors[0].length_m / 1000 == pytest.approx(km((0.5, LAT), (0.5, LAT + KM)), rel=0.01)
    assert [gap.joined for gap in g.gaps] == [True]
    # with a 500 m tolerance they stay apart and the mapper is told about the gap
    g2 = build_graph([("A", a), ("B", b)], snap_m=500, max_edge_m=1e9)
    assert not [e for e in g2.edges if e.corridor is None]
    assert [(sorted((x.corridor_a, x.corridor_b)), x.joined) for x in g2.gaps] == [(["A", "B"], False)]
    assert round(g2.gaps[0].distance_m / 100) == round(km((0.5, LAT), (0.5, LAT + KM)) * 10)


def test_corridors_passing_close_without_an_end_nearby_are_joined_at_their_nearest_points():
    a = LineString([(0.0, LAT), (0.5, LAT + 0.3), (1.0, LAT)])
    b = LineString([(0.0, LAT + 0.7), (0.5, LAT + 0.3 + 2 * KM), (1.0, LAT + 0.7)])
    g = build_graph([("A", a), ("B", b)], snap_m=3000, max_edge_m=1e9)
    (connector,) = [e for e in g.edges if e.corridor is None]
    assert connector.length_m == pytest.approx(2 * KM * 110_600, rel=0.05)
    assert sorted(n.degree for n in g.nodes) == [1, 1, 1, 1, 3, 3]


def test_long_edges_are_cut_into_pieces_no_longer_than_the_maximum():
    a = LineString([(0.0, LAT), (1.0, LAT)])  # ~109 km
    g = build_graph([("A", a)], snap_m=3000, max_edge_m=5000)
    assert len(g.edges) == 22
    assert max(e.length_m for e in g.edges) <= 5000
    assert sum(e.length_m for e in g.edges) / 1000 == pytest.approx(km((0, LAT), (1, LAT)), rel=1e-4)
    # pieces chain source -> target in the drawn direction
    for e1, e2 in zip(g.edges, g.edges[1:], strict=False):
        assert e1.target == e2.source


def test_corridors_meeting_end_to_end_share_their_end_node():
    a = LineString([(0.0, LAT), (0.5, LAT)])
    b = LineString([(0.5, LAT), (1.0, LAT + 0.2)])
    g = build_graph([("A", a), ("B", b)], snap_m=3000, max_edge_m=1e9)
    assert len(g.edges) == 2 and len(g.nodes) == 3
    assert g.edges[0].target == g.edges[1].source
