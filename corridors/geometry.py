"""Placing a point on the corridor network (pure: shapely + pyproj, no database).

Corridors are drawn in the **descent** direction: the first vertex is the northern/source
end, so "km along" counts from there and the line's bearing points the way herds go in the
dry season. A MultiLineString's parts are taken in order; km along adds up the parts'
lengths (gaps between parts are not counted).

Candidates are found with an STRtree on the 4326 geometries, then measured in metres in
the UTM zone of the query point (projected corridors are cached per zone); the distance and
the km along are geodesic (pyproj.Geod on WGS 84), so they do not depend on the zone used.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point, box
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from ttt.errors import ValidationFailed
from ttt.geo import transformer, utm_crs_for
from ttt.i18n import Text

GEOD = Geod(ellps="WGS84")
# GeoJSON segments are straight in lon/lat (RFC 7946 section 3.1.1): densify them to about
# 1 km before projecting so a projected chord never strays from the drawn line.
_DENSIFY_DEG = 0.01
# Fewest metres in one degree of latitude (at the equator): a safe bound for the search box.
_MIN_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Placement:
    """Where a point falls on the network.

    ``corridor`` is the nearest corridor found within the search radius (None when there is
    none); ``off_corridor`` is True when the point is further from it than its tolerance
    (or no corridor was found). ``bearing_deg`` is the corridor's local descent bearing,
    degrees clockwise from north.
    """

    corridor: str | None
    distance_m: float | None
    km_along: float | None
    bearing_deg: float | None
    off_corridor: bool


NOWHERE = Placement(None, None, None, None, True)


@dataclass
class _Corridor:
    code: str
    geometry: BaseGeometry
    tolerance_m: float
    parts: list[np.ndarray]  # densified lon/lat vertices per part, no repeated vertices
    part_start_m: list[float]  # geodesic length of the parts before this one
    seg_start_m: list[np.ndarray]  # geodesic distance from part start to each vertex


class NetworkIndex:
    """A spatial index over corridors; build once, call :meth:`place` many times.

    ``version`` identifies the content (given by the caller, e.g. from the database, or a
    hash of the input); cache the index with :class:`IndexCache` and rebuild when the
    version changes.
    """

    def __init__(
        self,
        corridors: Iterable[tuple[str, BaseGeometry, float]],
        version: str | None = None,
    ) -> None:
        self._corridors: list[_Corridor] = []
        digest = hashlib.sha256()
        for code, geom, tolerance_m in corridors:
            self._corridors.append(_prepare(code, geom, tolerance_m))
            digest.update(code.encode())
            digest.update(shapely.to_wkb(geom))
            digest.update(repr(float(tolerance_m)).encode())
        self.version = version if version is not None else digest.hexdigest()[:16]
        self._tree = STRtree([c.geometry for c in self._corridors])
        self._position = {c.code: i for i, c in enumerate(self._corridors)}
        self._projected: dict[tuple[int, int], list[LineString]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._corridors)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self._corridors]

    def place(self, lon: float, lat: float, max_search_m: float = 100_000) -> Placement:
        """Nearest corridor to (lon, lat), preferring one whose tolerance covers the point.

        Among corridors within ``max_search_m``, the nearest one that holds the point
        within its own tolerance wins; if none does, the nearest one is returned with
        ``off_corridor=True``. No corridor within ``max_search_m`` gives
        ``Placement(None, None, None, None, True)``.
        """
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"({lon}, {lat}) is not a finite longitude/latitude")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"({lon}, {lat}) is outside lon [-180, 180] / lat [-90, 90]")
        if not self._corridors:
            return NOWHERE
        dlat = max_search_m / _MIN_M_PER_DEG_LAT * 1.01
        cos_lat = math.cos(math.radians(min(89.0, abs(lat) + dlat)))
        dlon = min(180.0, max_search_m / (_M_PER_DEG_LON_EQUATOR * cos_lat) * 1.01)
        candidates = self._tree.query(box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        if len(candidates) == 0:
            return NOWHERE
        epsg = utm_crs_for(lon, lat)
        px, py = transformer(4326, epsg).transform(lon, lat)
        point_m = Point(px, py)
        best_in: Placement | None = None
        best_any: Placement | None = None
        for i in sorted(int(i) for i in candidates):
            placement = self._measure(i, epsg, point_m, lon, lat)
            if placement.distance_m is None or placement.distance_m > max_search_m:
                continue
            if not placement.off_corridor and (best_in is None or placement.distance_m < best_in.distance_m):
                best_in = placement
            if best_any is None or placement.distance_m < best_any.distance_m:
                best_any = placement
        return best_in or best_any or NOWHERE

    def place_on(self, code: str, lon: float, lat: float) -> Placement:
        """Where (lon, lat) falls on the corridor ``code`` itself, however far it is.

        Used when the corridor is known (a flow point assigned by hand). KeyError when the
        index has no such corridor.
        """
        i = self._position[code]
        epsg = utm_crs_for(lon, lat)
        px, py = transformer(4326, epsg).transform(lon, lat)
        return self._measure(i, epsg, Point(px, py), lon, lat)

    # -- internals ------------------------------------------------------------------

    def _projected_parts(self, i: int, epsg: int) -> list[tuple[np.ndarray, ...]]:
        """Per part, the segments in metres as arrays (start x, start y, dx, dy, length^2),
        cached per UTM zone: a point is then measured against every segment at numpy speed."""
        key = (i, epsg)
        with self._lock:
            cached = self._projected.get(key)
        if cached is None:
            tr = transformer(4326, epsg)
            cached = []
            for part in self._corridors[i].parts:
                x, y = tr.transform(part[:, 0], part[:, 1])
                x, y = np.asarray(x), np.asarray(y)
                dx, dy = np.diff(x), np.diff(y)
                cached.append((x[:-1], y[:-1], dx, dy, np.maximum(dx * dx + dy * dy, 1e-18)))
            with self._lock:
                self._projected[key] = cached
        return cached

    def _measure(self, i: int, epsg: int, point_m: Point, lon: float, lat: float) -> Placement:
        corridor = self._corridors[i]
        px, py = point_m.x, point_m.y
        best: tuple[float, int, int, float, float] | None = None
        for k, (ax, ay, dx, dy, len2) in enumerate(self._projected_parts(i, epsg)):
            t = np.clip(((px - ax) * dx + (py - ay) * dy) / len2, 0.0, 1.0)
            cx, cy = ax + t * dx, ay + t * dy
            d2 = (px - cx) ** 2 + (py - cy) ** 2
            j = int(np.argmin(d2))
            if best is None or d2[j] < best[0]:
                best = (float(d2[j]), k, j, float(cx[j]), float(cy[j]))
        assert best is not None
        _, k, seg, near_x, near_y = best
        near_lon, near_lat = transformer(epsg, 4326).transform(near_x, near_y)
        _, _, distance = GEOD.inv(lon, lat, near_lon, near_lat)
        lonlat = corridor.parts[k]
        a_lon, a_lat = lonlat[seg]
        b_lon, b_lat = lonlat[seg + 1]
        _, _, from_vertex = GEOD.inv(a_lon, a_lat, near_lon, near_lat)
        az_to_end, _, to_end = GEOD.inv(near_lon, near_lat, b_lon, b_lat)
        if to_end < 1e-6:  # at the segment's end: take the azimuth on arrival
            _, back_az, _ = GEOD.inv(a_lon, a_lat, b_lon, b_lat)
            az_to_end = back_az + 180.0
        along = corridor.part_start_m[k] + corridor.seg_start_m[k][seg] + from_vertex
        return Placement(
            corridor=corridor.code,
            distance_m=float(distance),
            km_along=float(along) / 1000.0,
            bearing_deg=float(az_to_end) % 360.0,
            off_corridor=bool(distance > corridor.tolerance_m),
        )


def _prepare(code: str, geom: BaseGeometry, tolerance_m: float) -> _Corridor:
    if isinstance(geom, LineString):
        lines = [geom]
    elif isinstance(geom, MultiLineString):
        lines = list(geom.geoms)
    else:
        raise ValueError(f"corridor {code}: expected LineString or MultiLineString, got {geom.geom_type}")
    if tolerance_m is None or not tolerance_m >= 0:
        raise ValueError(f"corridor {code}: tolerance_m must be >= 0, got {tolerance_m}")
    parts: list[np.ndarray] = []
    seg_start: list[np.ndarray] = []
    part_start: list[float] = []
    total = 0.0
    for line in lines:
        xy = np.asarray(shapely.segmentize(line, _DENSIFY_DEG).coords)[:, :2]
        keep = np.concatenate([[True], np.any(np.diff(xy, axis=0) != 0, axis=1)])
        xy = xy[keep]
        if len(xy) < 2:
            continue
        _, _, seg_len = GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
        parts.append(xy)
        part_start.append(total)
        cum = np.concatenate([[0.0], np.cumsum(seg_len)])
        seg_start.append(cum)
        total += float(cum[-1])
    if not parts:
        raise ValueError(f"corridor {code}: geometry has no segment of non-zero length")
    return _Corridor(code, geom, float(tolerance_m), parts, part_start, seg_start)


class IndexCache:
    """Holds one NetworkIndex and rebuilds it only when the caller's version changes.

    ``get(version, build)`` returns the cached index when its version matches, else calls
    ``build()`` (under a lock, so concurrent callers build it once) and keeps it.
    """

    def __init__(self) -> None:
        self._index: NetworkIndex | None = None
        self._lock = threading.Lock()

    def get(self, version: str, build: Callable[[], NetworkIndex]) -> NetworkIndex:
        with self._lock:
            if self._index is not None and self._index.version == version:
                return self._index
            index = build()
            index.version = version
            self._index = index
            return index

    def invalidate(self) -> None:
        with self._lock:
            self._index = None

    @property
    def current(self) -> NetworkIndex | None:
        return self._index


# --- directions -------------------------------------------------------------------------

_POINTS_16 = [
    "N",
    "NNE",
    "NE",
    "ENE",
    "E",
    "ESE",
    "SE",
    "SSE",
    "S",
    "SSW",
    "SW",
    "WSW",
    "W",
    "WNW",
    "NW",
    "NNW",
]
COMPASS_16: dict[str, float] = {name: i * 22.5 for i, name in enumerate(_POINTS_16)}
# Longest words first so "WEST" is replaced before "EST" and "OUEST" before both.
_WORDS = (
    ("OUEST", "W"),
    ("NORTH", "N"),
    ("SOUTH", "S"),
    ("NORD", "N"),
    ("EAST", "E"),
    ("WEST", "W"),
    ("SUD", "S"),
    ("EST", "E"),
)


def parse_direction(value: str | float | int, field: str = "direction") -> float:
    """Heading in degrees clockwise from north, in [0, 360), from what enumerators type.

    Accepts numbers 0-360 (``225``, ``"225"``, ``"225.5°"``), 16-point compass abbreviations
    in English or French (``"SW"``, ``"SSO"``, ``"ONO"``) and words (``"south-west"``,
    ``"sud-ouest"``, ``"Nord"``). Raises ValidationFailed naming ``field`` otherwise.
    """
    if type(value) is str and value in COMPASS_16:  # the common case: no parsing needed
        return COMPASS_16[value]
    if isinstance(value, bool) or value is None:
        _bad(field, value)
    if isinstance(value, (int, float)):
        return _degrees(float(value), field, value)
    text = str(value).strip().replace("°", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return _degrees(number, field, value)
    key = "".join(ch for ch in text.upper() if ch.isalpha())
    for word, letter in _WORDS:
        key = key.replace(word, letter)
    key = key.replace("O", "W")
    if key in COMPASS_16:
        return COMPASS_16[key]
    _bad(field, value)
    raise AssertionError  # unreachable


def _degrees(number: float, field: str, raw: object) -> float:
    if not math.isfinite(number) or number < 0 or number > 360:
        raise ValidationFailed(
            [{"field": field, "message": Text("a heading in degrees must be 0-360, got {got}", got=repr(raw))}]
        )
    return number % 360.0


def _bad(field: str, raw: object) -> None:
    raise ValidationFailed(
        [
            {
                "field": field,
                "message": Text(
                    "expected a compass direction (N, NE, SSW, SO, ... or a word such as "
                    "'south-west'/'sud-ouest') or degrees 0-360, got {got}", got=repr(raw)
                ),
            }
        ]
    )


def angle_between(a_deg: float, b_deg: float) -> float:
    """Smallest angle between two headings, 0-180 degrees."""
    d = abs(a_deg - b_deg) % 360.0
    return min(d, 360.0 - d)


def movement_from_heading(heading_deg: float, bearing_deg: float, tolerance_deg: float = 60.0) -> str:
    """Which way a herd moves along a corridor, from its heading and the corridor's bearing.

    "descent" when the heading is within ``tolerance_deg`` of the corridor's drawn bearing,
    "return" when within it of the opposite bearing, else "unknown" (e.g. crossing it).
    """
    if not 0 < tolerance_deg < 90:
        raise ValueError(f"tolerance_deg must be between 0 and 90, got {tolerance_deg}")
    diff = angle_between(heading_deg, bearing_deg)
    if diff <= tolerance_deg:
        return "descent"
    if 180.0 - diff <= tolerance_deg:
        return "return"
    return "unknown"
