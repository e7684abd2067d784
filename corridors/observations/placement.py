"""Vectorised placement of many points on the corridor network at once (pure: shapely 2, pyproj).

``corridors.geometry.NetworkIndex.place`` measures one point at a time with geodesic
precision; ingesting thousands of counts per second needs whole arrays instead. Here points
are grouped by UTM zone, projected in one pyproj call per zone, matched to corridor parts
with an STRtree query per batch and measured with shapely's vectorised ``distance``,
``line_locate_point`` and ``line_interpolate_point``. Same rules as ``NetworkIndex.place``:
among corridors within ``max_search_m`` the nearest one whose tolerance covers the point
wins, else the nearest one with ``off_corridor=True``; none within reach gives no corridor.

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


@dataclass(frozen=True)
class Placements:
    """Column arrays, one entry per input point (``corridor`` None when nothing is near)."""

    corridor: list[str | None]
    distance_m: np.ndarray  # NaN when no corridor
    km_along: np.ndarray  # NaN when no corridor
    bearing_deg: np.ndarray  # NaN when no corridor
    off_corridor: np.ndarray  # bool


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
        self._by_zone: dict[int, tuple[shapely.STRtree, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._codes)

    def _zone(self, epsg: int):
        with self._lock:
            z = self._by_zone.get(epsg)
        if z is not None:
            return z
        tr = transformer(4326, epsg)
        projected, owner, start = [], [], []
        offset: dict[int, float] = {}
        for ci, line in self._parts:
            # densify in lon/lat first, as NetworkIndex does: a straight lon/lat segment is
            # a curve in UTM, and chords between far-apart vertices would shift distances
            xy = np.asarray(shapely.segmentize(line, _DENSIFY_DEG).coords)[:, :2]
            x, y = tr.transform(xy[:, 0], xy[:, 1])
            pl = LineString(np.column_stack([x, y]))
            projected.append(pl)
            owner.append(ci)
            start.append(offset.get(ci, 0.0))
            offset[ci] = offset.get(ci, 0.0) + pl.length
        geoms = np.array(projected, dtype=object)
        tol = np.array([self._tol[c] for c in owner], dtype=float)
        z = (shapely.STRtree(geoms), geoms, np.array(owner, dtype=int), np.array(start, dtype=float), tol)
        with self._lock:
            self._by_zone[epsg] = z
        return z

    @staticmethod
    def _candidates(tree: shapely.STRtree, pts: np.ndarray, widest_tolerance_m: float,
                    max_search_m: float) -> tuple[np.ndarray, np.ndarray]:
        """(point, line) pairs to measure. Most points lie within some corridor's tolerance:
        search that radius first (it holds every corridor that covers the point and the nearest
        one), and the full radius only for the points it leaves without a candidate."""
        near = min(widest_tolerance_m, max_search_m)
        pi, gi = tree.query(pts, predicate="dwithin", distance=near)
        if near >= max_search_m:
            return pi, gi
        missing = np.setdiff1d(np.arange(len(pts)), pi)
        if missing.size:
            pi2, gi2 = tree.query(pts[missing], predicate="dwithin", distance=max_search_m)
            pi, gi = np.concatenate([pi, missing[pi2]]), np.concatenate([gi, gi2])
        return pi, gi

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
        if n == 0 or not self._parts:
            return Placements(corridor, dist, along, bearing, off)
        lon = np.asarray(lons, dtype=float)
        lat = np.asarray(lats, dtype=float)
        zones = np.array([utm_crs_for(a, b) for a, b in zip(lon, lat, strict=True)])
        index_of = {c: i for i, c in enumerate(self._codes)}
        preferred = np.array([-1 if not prefer or prefer[k] is None else index_of.get(prefer[k], -1)
                              for k in range(n)], dtype=int)
        for epsg in np.unique(zones):
            sel = np.nonzero(zones == epsg)[0]
            tree, geoms, owner, start, tol = self._zone(int(epsg))
            x, y = transformer(4326, int(epsg)).transform(lon[sel], lat[sel])
            pts = shapely.points(x, y)
            pi, gi = self._candidates(tree, pts, float(tol.max()), max_search_m)
            if len(pi) == 0:
                continue
            d = shapely.distance(geoms[gi], pts[pi])
            covered = d <= tol[gi]
            is_preferred = covered & (owner[gi] == preferred[sel][pi])
            # per point: the preferred corridor if it covers, then covering ones, then by distance
            order = np.lexsort((d, ~covered, ~is_preferred, pi))
            pi, gi, d = pi[order], gi[order], d[order]
            first = np.concatenate([[True], pi[1:] != pi[:-1]])
            pi, gi, d = pi[first], gi[first], d[first]
            lines, p = geoms[gi], pts[pi]
            s = shapely.line_locate_point(lines, p)
            length = shapely.length(lines)
            a = shapely.line_interpolate_point(lines, np.maximum(s - _BEARING_HALF_WINDOW_M, 0.0))
            b = shapely.line_interpolate_point(lines, np.minimum(s + _BEARING_HALF_WINDOW_M, length))
            dx = shapely.get_x(b) - shapely.get_x(a)
            dy = shapely.get_y(b) - shapely.get_y(a)
            out = sel[pi]
            dist[out] = d
            along[out] = (start[gi] + s) / 1000.0
            # grid bearing -> true bearing: add the meridian convergence of the UTM zone
            zone = int(epsg) % 100
            lon0 = (zone - 1) * 6 - 180 + 3
            gamma = np.degrees(np.arctan(np.tan(np.radians(lon[out] - lon0)) * np.sin(np.radians(lat[out]))))
            bearing[out] = (np.degrees(np.arctan2(dx, dy)) + gamma) % 360.0
            off[out] = d > tol[gi]
            for k, g in zip(out, gi, strict=True):
                corridor[int(k)] = self._codes[int(owner[g])]
        return Placements(corridor, dist, along, bearing, off)


_cache_lock = threading.Lock()
_cache: dict[str, BatchPlacer] = {}


def cached_placer(version: str, build) -> BatchPlacer:
    """One placer per network version (rebuilt when corridors change)."""
    with _cache_lock:
        p = _cache.get("placer")
        if p is not None and p.version == version:
            return p
    placer = build()
    placer.version = version
    with _cache_lock:
        _cache["placer"] = placer
    return placer
