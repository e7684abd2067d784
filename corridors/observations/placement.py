"""Vectorised placement of many points on the corridor network at once (pure: shapely 2, pyproj).

``corridors.geometry.NetworkIndex.place`` measures one point at a time with geodesic
precision; ingesting thousands of counts per second needs whole arrays instead. Here points
are grouped by UTM zone and projected in one pyproj call per zone. The corridors are cut into
their short straight segments (after densifying, about 1 km each) and an STRtree over the
segments finds the few near each point; distance, position along the line and bearing are
then plain numpy arithmetic on those segments. Measuring whole densified corridors (hundreds
of vertices each, with shapely's ``distance`` / ``line_locate_point``) cost most of the time
of an ingest; a segment costs a few flops. Same rules as ``NetworkIndex.place``: among
corridors within ``max_search_m`` the nearest one whose tolerance covers the point wins, else
the nearest one with ``off_corridor=True``; none within reach gives no corridor.

Distances and km along are planar in the UTM zone of the point (scale error <= 0.1 %); the
bearing is the grid bearing corrected by the zone's meridian convergence.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from ttt.geo import transformer, utm_crs_for

_BEARING_HALF_WINDOW_M = 25.0
_DENSIFY_DEG = 0.01
_PART_GAP_M = 1.0  # between parts on the shared "position" axis, so no two parts touch


@dataclass(frozen=True)
class Placements:
    """Column arrays, one entry per input point (``corridor`` None when nothing is near)."""

    corridor: list[str | None]
    distance_m: np.ndarray  # NaN when no corridor
    km_along: np.ndarray  # NaN when no corridor
    bearing_deg: np.ndarray  # NaN when no corridor
    off_corridor: np.ndarray  # bool


@dataclass(frozen=True)
class _Layout:
    """The densified network in lon/lat, laid out once and shared by every UTM zone.

    Vertices of all parts are stored end to end; segment ``k`` runs from vertex ``k`` to
    ``k + 1`` (segments that would join two parts are never listed). One STRtree over the
    segments in lon/lat finds candidates for points of any zone: one tree for the whole network
    rather than one per zone (with ~25,000 segments each, per-zone trees cost ~10 MB a zone).
    """

    lon: np.ndarray  # per vertex
    lat: np.ndarray
    part: np.ndarray  # per vertex: which part it belongs to
    seg: np.ndarray  # per segment: index of its first vertex
    tree: shapely.STRtree  # over the segments, in the order of ``seg``
    owner: np.ndarray  # per part: corridor index
    last: np.ndarray  # per part: index of its last vertex
    tol: np.ndarray  # per part: the corridor's tolerance


@dataclass(frozen=True)
class _Zone:
    """The layout projected into one UTM zone. Every part sits on one "position" axis
    (``pos``: metres along the part plus the part's ``base``, parts a small gap apart), so a
    position along any part maps to its segment with one ``searchsorted``."""

    x: np.ndarray  # per vertex
    y: np.ndarray
    pos: np.ndarray
    base: np.ndarray  # per part: position of its first vertex
    start: np.ndarray  # per part: metres along its corridor where it begins (earlier parts)


def _build_layout(parts: list[tuple[int, LineString]], tols: list[float]) -> _Layout:
    lons, lats, part_of, last, seg = [], [], [], [], []
    nv = 0
    for pi, (_, line) in enumerate(parts):
        # densify in lon/lat first, as NetworkIndex does: a straight lon/lat segment is
        # a curve in UTM, and chords between far-apart vertices would shift distances
        xy = np.asarray(shapely.segmentize(line, _DENSIFY_DEG).coords)[:, :2]
        lons.append(xy[:, 0])
        lats.append(xy[:, 1])
        part_of.append(np.full(len(xy), pi))
        last.append(nv + len(xy) - 1)
        seg.append(np.arange(nv, nv + len(xy) - 1))
        nv += len(xy)
    lon, lat, first = np.concatenate(lons), np.concatenate(lats), np.concatenate(seg)
    ends = np.stack([np.column_stack([lon[first], lat[first]]),
                     np.column_stack([lon[first + 1], lat[first + 1]])], axis=1)
    return _Layout(lon, lat, np.concatenate(part_of), first, shapely.STRtree(shapely.linestrings(ends)),
                   np.array([ci for ci, _ in parts], dtype=int), np.array(last, dtype=int),
                   np.array([tols[ci] for ci, _ in parts], dtype=float))


def _build_zone(lay: _Layout, epsg: int) -> _Zone:
    x, y = transformer(4326, epsg).transform(lay.lon, lay.lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    step = np.hypot(np.diff(x), np.diff(y))
    step[lay.part[1:] != lay.part[:-1]] = _PART_GAP_M  # between parts: the gap, not a segment
    pos = np.concatenate([[0.0], np.cumsum(step)])
    first = np.concatenate([[0], lay.last[:-1] + 1])
    base = pos[first]
    length = pos[lay.last] - base
    start = np.zeros(len(first))
    along: dict[int, float] = {}
    for pi, ci in enumerate(lay.owner.tolist()):
        start[pi] = along.get(ci, 0.0)
        along[ci] = start[pi] + length[pi]
    return _Zone(x, y, pos, base, start)


def _degrees(metres: float, lat: np.ndarray) -> np.ndarray:
    """A search radius in degrees that holds every point within ``metres`` (in UTM) of a
    point at latitude ``lat``: a degree of longitude shrinks with cos(lat); 5 % to spare covers
    UTM scale and the lon/lat chords of the short segments."""
    reach = np.minimum(np.abs(lat) + metres / 110_574.0, 89.0)
    return 1.05 * metres / (111_320.0 * np.cos(np.radians(reach)))


def _project(z: _Zone, k: np.ndarray, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to segment k, and the position of its nearest point on it."""
    ax, ay, bx, by = z.x[k], z.y[k], z.x[k + 1], z.y[k + 1]
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    t = np.clip(np.divide((px - ax) * dx + (py - ay) * dy, len2, out=np.zeros_like(len2), where=len2 > 0),
                0.0, 1.0)
    d = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
    return d, z.pos[k] + t * (z.pos[k + 1] - z.pos[k])


def _point_at(z: _Zone, last: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The point at position q on parts ending at vertex ``last`` (q already within each
    part: the gap between parts keeps ``searchsorted`` inside it)."""
    k = np.minimum(np.searchsorted(z.pos, q, side="right") - 1, last - 1)
    span = z.pos[k + 1] - z.pos[k]
    t = np.divide(q - z.pos[k], span, out=np.zeros_like(span), where=span > 0)
    return z.x[k] + t * (z.x[k + 1] - z.x[k]), z.y[k] + t * (z.y[k + 1] - z.y[k])


class BatchPlacer:
    """Built once per network version; :meth:`place` takes arrays of lon/lat."""

    def __init__(self, corridors: Iterable[tuple[str, BaseGeometry, float]], version: str = "") -> None:
        self.version = version
        self._codes: list[str] = []
        self._tol: list[float] = []
        self._parts: list[tuple[int, LineString]] = []  # (corridor index, lon/lat part)
        for code, geom, tol in corridors:
            ci = len(self._codes)
            self._codes.append(code)
            self._tol.append(float(tol))
            lines = [geom] if isinstance(geom, LineString) else list(getattr(geom, "geoms", []))
            if not isinstance(geom, LineString | MultiLineString):
                raise ValueError(f"corridor {code}: expected LineString or MultiLineString")
            for line in lines:
                if line.length > 0:
                    self._parts.append((ci, line))
        self._layout = _build_layout(self._parts, self._tol) if self._parts else None
        self._by_zone: dict[int, _Zone] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._codes)

    def _zone(self, epsg: int) -> _Zone:
        with self._lock:
            z = self._by_zone.get(epsg)
        if z is None:
            assert self._layout is not None
            z = _build_zone(self._layout, epsg)
            with self._lock:
                self._by_zone[epsg] = z
        return z

    def _candidates(self, z: _Zone, lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray,
                    max_search_m: float) -> tuple[np.ndarray, ...]:
        """(point, segment, distance, position) for every segment within reach of each point,
        measured in the zone. Most points lie within some corridor's tolerance: search that
        radius first (it holds every corridor that covers the point and the nearest one), and
        the full radius only for the points it leaves without a candidate."""
        lay = self._layout
        assert lay is not None

        def within(idx: np.ndarray, metres: float) -> tuple[np.ndarray, ...]:
            pi, gi = lay.tree.query(shapely.points(lon[idx], lat[idx]), predicate="dwithin",
                                    distance=_degrees(metres, lat[idx]))
            pi, k = idx[pi], lay.seg[gi]
            d, q = _project(z, k, x[pi], y[pi])
            keep = d <= metres  # the tree's lon/lat search is wider: keep what is in reach
            return pi[keep], k[keep], d[keep], q[keep]

        near = min(float(lay.tol.max()), max_search_m)
        everyone = np.arange(len(x))
        found = within(everyone, near)
        if near < max_search_m:
            missing = np.setdiff1d(everyone, found[0])
            if missing.size:
                found = tuple(np.concatenate(c) for c in zip(found, within(missing, max_search_m), strict=True))
        return found

    def place(self, lons: Sequence[float], lats: Sequence[float], max_search_m: float = 100_000,
              prefer: Sequence[str | None] | None = None) -> Placements:
        """Place every point; ``prefer`` names, per point, a corridor that wins whenever its
        tolerance covers the point (a flow point's own corridor where two corridors meet)."""
        n = len(lons)
        corridor: list[str | None] = [None] * n
        dist = np.full(n, np.nan)
        along = np.full(n, np.nan)
        bearing = np.full(n, np.nan)
        off = np.ones(n, dtype=bool)
        lay = self._layout
        if n == 0 or lay is None:
            return Placements(corridor, dist, along, bearing, off)
        lon = np.asarray(lons, dtype=float)
        lat = np.asarray(lats, dtype=float)
        zones = np.array([utm_crs_for(a, b) for a, b in zip(lon, lat, strict=True)])
        index_of = {c: i for i, c in enumerate(self._codes)}
        preferred = np.array([-1 if not prefer or prefer[k] is None else index_of.get(prefer[k], -1)
                              for k in range(n)], dtype=int)
        for epsg in np.unique(zones):
            sel = np.nonzero(zones == epsg)[0]
            z = self._zone(int(epsg))
            x, y = transformer(4326, int(epsg)).transform(lon[sel], lat[sel])
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            pi, k, d, q = self._candidates(z, lon[sel], lat[sel], x, y, max_search_m)
            if len(pi) == 0:
                continue
            part = lay.part[k]
            covered = d <= lay.tol[part]
            is_preferred = covered & (lay.owner[part] == preferred[sel][pi])
            # per point: the preferred corridor if it covers, then covering ones, then by distance
            order = np.lexsort((k, d, ~covered, ~is_preferred, pi))
            pi, part, d, q = pi[order], part[order], d[order], q[order]
            first = np.concatenate([[True], pi[1:] != pi[:-1]])
            pi, part, d, q = pi[first], part[first], d[first], q[first]
            last = lay.last[part]
            lo, hi = z.base[part], z.pos[last]
            ax, ay = _point_at(z, last, np.maximum(q - _BEARING_HALF_WINDOW_M, lo))
            bx, by = _point_at(z, last, np.minimum(q + _BEARING_HALF_WINDOW_M, hi))
            out = sel[pi]
            dist[out] = d
            along[out] = (z.start[part] + q - lo) / 1000.0
            # grid bearing -> true bearing: add the meridian convergence of the UTM zone
            zone = int(epsg) % 100
            lon0 = (zone - 1) * 6 - 180 + 3
            gamma = np.degrees(np.arctan(np.tan(np.radians(lon[out] - lon0)) * np.sin(np.radians(lat[out]))))
            bearing[out] = (np.degrees(np.arctan2(bx - ax, by - ay)) + gamma) % 360.0
            off[out] = d > lay.tol[part]
            owners = lay.owner[part].tolist()
            for j, c in zip(out.tolist(), owners, strict=True):
                corridor[j] = self._codes[c]
        return Placements(corridor, dist, along, bearing, off)
