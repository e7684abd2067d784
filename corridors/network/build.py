"""The routable graph of the corridors (pure: shapely + pyproj, no database).

Corridors are hand-drawn lines that rarely touch exactly. The graph joins them where they
cross, and where they pass within ``snap_m`` of each other: an end near another corridor is
joined to the nearest point of it; two corridors passing close without an end nearby are
joined at their nearest points. A join across a gap is a short *connector* edge of the gap's
real length (no corridor), so lengths stay honest. Edges are then cut into pieces of at most
``max_edge_m`` so a hazard closes only the stretch it covers, not a whole 300 km corridor.

Edges follow the corridor's drawn (descent) direction: ``source`` -> ``target`` is descent.
Everything is measured in an azimuthal equidistant projection centred on the network (exact
distances from the centre, a few per cent off at 1,500 km); edge lengths are geodesic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points
from shapely.strtree import STRtree

GEOD = Geod(ellps="WGS84")
SAME_NODE_M = 1.0  # split points closer than this on one line are one node


@dataclass(frozen=True)
class Node:
    id: int
    lon: float
    lat: float
    degree: int


@dataclass(frozen=True)
class Edge:
    id: int
    source: int
    target: int
    corridor: str | None  # None: a connector across a gap between corridors
    length_m: float
    geometry: LineString  # lon/lat, from source to target


@dataclass(frozen=True)
class Gap:
    """Where two corridors nearly meet: joined (``joined``) or only reported."""

    corridor_a: str
    corridor_b: str
    lon: float
    lat: float
    distance_m: float
    joined: bool


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    def dangling(self) -> list[Node]:
        """Nodes only one edge reaches: a corridor end joined to nothing."""
        return [n for n in self.nodes if n.degree == 1]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def add(self, a: int) -> None:
        self.parent.setdefault(a, a)

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _lines(code: str, geom: BaseGeometry) -> list[LineString]:
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, MultiLineString):
        return list(geom.geoms)
    raise ValueError(f"corridor {code}: expected LineString or MultiLineString, got {geom.geom_type}")


def _projection(lines: Sequence[LineString]) -> tuple[Transformer, Transformer]:
    minx, miny, maxx, maxy = shapely.total_bounds(list(lines))
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={(miny + maxy) / 2} +lon_0={(minx + maxx) / 2} +datum=WGS84 +units=m")
    return (Transformer.from_crs(4326, aeqd, always_xy=True), Transformer.from_crs(aeqd, 4326, always_xy=True))


def build_graph(
    corridors: Iterable[tuple[str, BaseGeometry]],
    snap_m: float = 3000.0,
    max_edge_m: float = 5000.0,
    near_miss_m: float | None = None,
) -> Graph:
    """The graph of ``(code, geometry)`` corridors (see the module text).

    ``near_miss_m`` (default 3 x ``snap_m``): gaps wider than ``snap_m`` but within this are
    reported in ``Graph.gaps`` (``joined=False``) for mappers, not joined.
    """
    if snap_m < 0 or max_edge_m <= 0:
        raise ValueError("snap_m must be >= 0 and max_edge_m > 0")
    near_miss_m = 3 * snap_m if near_miss_m is None else near_miss_m
    owners: list[str] = []
    raw: list[LineString] = []
    for code, geom in corridors:
        for line in _lines(code, geom):
            if line.length > 0:
                owners.append(code)
                raw.append(LineString([c[:2] for c in line.coords]))
    if not raw:
        return Graph()
    fwd, inv = _projection(raw)
    # GeoJSON segments are straight in lon/lat: densify (~1 km) before projecting
    lonlat = [np.asarray(shapely.segmentize(ln, 0.01).coords)[:, :2] for ln in raw]
    lines = [LineString(np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))) for xy in lonlat]
    uf = _UnionFind()
    splits: list[list[tuple[float, int]]] = [[] for _ in lines]  # per line: (metres along, node)
    points: dict[int, Point] = {}  # node -> where, metres
    connectors: list[tuple[int, int]] = []
    gaps: list[Gap] = []

    def node_at(i: int, s: float) -> int:
        n = len(points)
        points[n] = lines[i].interpolate(s)
        uf.add(n)
        splits[i].append((s, n))
        return n

    def gap(i: int, j: int, p: Point, d: float, joined: bool) -> None:
        lon, lat = inv.transform(p.x, p.y)
        gaps.append(Gap(owners[i], owners[j], lon, lat, d, joined))

    ends = [(node_at(i, 0.0), node_at(i, ln.length)) for i, ln in enumerate(lines)]
    tree = STRtree(lines)
    reach = max(snap_m, near_miss_m)
    for i, a in enumerate(lines):
        for j in sorted(int(j) for j in tree.query(a, predicate="dwithin", distance=reach)):
            if j <= i:
                continue
            b = lines[j]  # within reach: the tree's dwithin said so
            joined = told = False
            crossing = a.intersection(b)
            for p in shapely.get_parts(crossing):
                for q in ([p] if p.geom_type == "Point" else [Point(c) for c in p.coords]):
                    n1, n2 = node_at(i, a.project(q)), node_at(j, b.project(q))
                    uf.union(n1, n2)
                    joined = True
            # an end of one near the other: join the end to its nearest point there
            touched: list[Point] = []  # both sides of every gap told: an end-to-end gap once
            for end_line, other, other_idx in ((i, b, j), (j, a, i)):
                for end in ends[end_line]:
                    p = points[end]
                    d = other.distance(p)
                    if d > reach or (crossing and not crossing.is_empty and crossing.distance(p) <= SAME_NODE_M):
                        continue
                    if any(p.distance(t) <= d + SAME_NODE_M for t in touched):
                        continue
                    touched += [p, other.interpolate(other.project(p))]
                    if d > snap_m:
                        gap(end_line, other_idx, p, d, False)
                        told = True
                        continue
                    n = node_at(other_idx, other.project(p))
                    if d <= SAME_NODE_M:
                        uf.union(end, n)
                    else:
                        connectors.append((end, n))
                        gap(end_line, other_idx, p, d, True)
                    joined = True
            if not joined and not told:  # passing close, no end near: join at the nearest points
                pa, pb = nearest_points(a, b)
                d = pa.distance(pb)
                if d <= snap_m:
                    connectors.append((node_at(i, a.project(pa)), node_at(j, b.project(pb))))
                    gap(i, j, pa, d, True)
                else:
                    gap(i, j, pa, d, False)
    return _assemble(lines, lonlat, owners, splits, points, uf, connectors, gaps, max_edge_m, inv)


def _cut(xy: np.ndarray, cum: np.ndarray, a: float, b: float) -> np.ndarray:
    """The stretch [a, b] metres along a polyline (``cum``: metres at each vertex) as
    vertices of ``xy``, ends interpolated within their segment (segments are short)."""
    def at(m: float) -> np.ndarray:
        i = int(np.clip(np.searchsorted(cum, m, side="right") - 1, 0, len(cum) - 2))
        t = 0.0 if cum[i + 1] == cum[i] else (m - cum[i]) / (cum[i + 1] - cum[i])
        return xy[i] + min(max(t, 0.0), 1.0) * (xy[i + 1] - xy[i])

    inside = xy[(cum > a) & (cum < b)]
    return np.vstack([at(a), inside, at(b)])


def _assemble(lines, lonlat, owners, splits, points, uf, connectors, gaps, max_edge_m, inv) -> Graph:
    merged_marks: list[list[tuple[float, int]]] = []
    for marks in splits:  # split points closer than SAME_NODE_M on one line are one node
        merged: list[tuple[float, int]] = []
        for s, n in sorted(marks):
            if merged and s - merged[-1][0] <= SAME_NODE_M:
                uf.union(merged[-1][1], n)
            else:
                merged.append((s, n))
        merged_marks.append(merged)
    ids: dict[int, int] = {}  # union-find root -> node id (1..n: pgRouting wants positive ids)
    coords: dict[int, tuple[float, float]] = {}
    degree: dict[int, int] = {}

    def new_node(p: Point) -> int:
        k = len(coords) + 1
        coords[k] = inv.transform(p.x, p.y)
        return k

    def nid(n: int) -> int:
        root = uf.find(n)
        if root not in ids:
            ids[root] = new_node(points[root])
        return ids[root]

    edges: list[Edge] = []

    def add_edge(u: int, v: int, code: str | None, xy: np.ndarray) -> None:
        length = float(GEOD.line_length(xy[:, 0], xy[:, 1]))
        edges.append(Edge(len(edges) + 1, u, v, code, length, LineString(xy)))
        degree[u] = degree.get(u, 0) + 1
        degree[v] = degree.get(v, 0) + 1

    for i, line in enumerate(lines):
        merged = merged_marks[i]
        metric = np.asarray(line.coords)
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(metric, axis=0).T))])
        for (s0, n0), (s1, n1) in zip(merged, merged[1:], strict=False):
            pieces = max(1, math.ceil((s1 - s0) / max_edge_m - 1e-9))
            step = (s1 - s0) / pieces
            u = nid(n0)
            for k in range(pieces):
                end = nid(n1) if k == pieces - 1 else new_node(line.interpolate(s0 + (k + 1) * step))
                add_edge(u, end, owners[i], _cut(lonlat[i], cum, s0 + k * step, s0 + (k + 1) * step))
                u = end
    for a, b in connectors:
        u, v = nid(a), nid(b)
        if u != v:
            add_edge(u, v, None, np.array([coords[u], coords[v]]))
    nodes = [Node(k, *coords[k], degree.get(k, 0)) for k in sorted(coords) if degree.get(k, 0) > 0]
    return Graph(nodes, edges, _dedup_gaps(gaps))


def _dedup_gaps(gaps: list[Gap]) -> list[Gap]:
    seen: set[tuple] = set()
    out = []
    for g in sorted(gaps, key=lambda g: (not g.joined, g.distance_m)):
        key = (tuple(sorted((g.corridor_a, g.corridor_b))), round(g.lon, 3), round(g.lat, 3))
        if key not in seen:
            seen.add(key)
            out.append(g)
    return out


__all__ = ["Edge", "Gap", "Graph", "Node", "build_graph"]
