"""Coordinate reference systems, reprojection and GeoJSON <-> shapely helpers.

Everything stored is EPSG:4326 with GeoJSON axis order ``[lon, lat]`` (RFC 7946, CRS84).
Lengths, buffers and distances are never taken in degrees: project to the local UTM
zone (:func:`to_metric`), work in metres, project back (:func:`from_metric`).
pyproj transformers are built once per CRS pair (they cost milliseconds each) and
always use ``always_xy=True`` so that x is longitude whatever the EPSG axis order says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from ttt.errors import ValidationFailed

WGS84_EPSG = 4326
WGS84 = f"EPSG:{WGS84_EPSG}"
LON_BOUNDS = (-180.0, 180.0)
LAT_BOUNDS = (-90.0, 90.0)

GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)


@lru_cache(maxsize=128)
def crs(epsg: int) -> CRS:
    """A pyproj CRS for an EPSG code; raises ``pyproj.exceptions.CRSError`` when unknown."""
    return CRS.from_epsg(int(epsg))


@lru_cache(maxsize=256)
def transformer(src_epsg: int, dst_epsg: int) -> Transformer:
    """Cached transformer between two EPSG codes, x = longitude/easting (``always_xy``)."""
    return Transformer.from_crs(crs(src_epsg), crs(dst_epsg), always_xy=True)


def utm_crs_for(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone containing (lon, lat): 326zz north, 327zz south.

    Follows the standard zone grid, including the Norway (32V) and Svalbard (31X-37X)
    exceptions, so the answer is the zone a surveyor would use.
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"({lon}, {lat}) is not a longitude/latitude pair")
    zone = int((lon + 180.0) // 6.0) + 1
    zone = min(max(zone, 1), 60)
    if 56.0 <= lat < 64.0 and 3.0 <= lon < 12.0:
        zone = 32
    elif 72.0 <= lat < 84.0 and 0.0 <= lon < 42.0:
        if lon < 9.0:
            zone = 31
        elif lon < 21.0:
            zone = 33
        elif lon < 33.0:
            zone = 35
        else:
            zone = 37
    return (32600 if lat >= 0 else 32700) + zone


def reproject(geom: BaseGeometry, src_epsg: int, dst_epsg: int) -> BaseGeometry:
    """The geometry with every coordinate transformed from ``src_epsg`` to ``dst_epsg``."""
    if int(src_epsg) == int(dst_epsg):
        return geom
    tr = transformer(int(src_epsg), int(dst_epsg))

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _apply)


def metric_epsg_for(geom: BaseGeometry) -> int:
    """The UTM zone of a 4326 geometry's centre: where metres are locally accurate."""
    c = geom.centroid if not geom.is_empty else None
    if c is None or c.is_empty:
        raise ValueError("an empty geometry has no metric CRS")
    return utm_crs_for(c.x, c.y)


def to_metric(geom: BaseGeometry, epsg: int | None = None) -> tuple[BaseGeometry, int]:
    """Project a 4326 geometry to metres; returns (projected geometry, EPSG used).

    Keep the EPSG to project results back with :func:`from_metric`.
    """
    epsg = epsg or metric_epsg_for(geom)
    return reproject(geom, WGS84_EPSG, epsg), epsg


def from_metric(geom: BaseGeometry, epsg: int) -> BaseGeometry:
    """Project a geometry in metres (``epsg``) back to EPSG:4326."""
    return reproject(geom, epsg, WGS84_EPSG)


def length_m(geom: BaseGeometry) -> float:
    """Length of a 4326 (Multi)LineString in metres, measured in its UTM zone."""
    projected, _ = to_metric(geom)
    return float(projected.length)


def buffer_m(geom: BaseGeometry, distance_m: float) -> BaseGeometry:
    """A 4326 geometry buffered by ``distance_m`` metres (computed in its UTM zone)."""
    projected, epsg = to_metric(geom)
    return from_metric(projected.buffer(distance_m), epsg)


# --- GeoJSON ---------------------------------------------------------------------------


def to_geojson(geom: BaseGeometry | None) -> dict[str, Any] | None:
    """A GeoJSON geometry dict (plain lists, JSON-ready), or None."""
    if geom is None:
        return None
    return _listify(mapping(geom))


def from_geojson(obj: Mapping[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry dict (no checks; see parse_geometry)."""
    return shape(obj)


def feature(
    geom: BaseGeometry | None, properties: Mapping[str, Any], feature_id: Any = None
) -> dict[str, Any]:
    """A GeoJSON Feature; ``id`` is included when given."""
    out: dict[str, Any] = {"type": "Feature"}
    if feature_id is not None:
        out["id"] = feature_id
    out["geometry"] = to_geojson(geom)
    out["properties"] = dict(properties)
    return out


def feature_collection(features: Iterable[Mapping[str, Any]], **extra: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection; ``extra`` members (links, numberMatched...) are added."""
    return {"type": "FeatureCollection", "features": list(features), **extra}


def _listify(obj: Any) -> Any:
    if isinstance(obj, (tuple, list)):
        return [_listify(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _listify(v) for k, v in obj.items()}
    return obj


# --- validation -----------------------------------------------------------------------


def parse_geometry(
    geojson: Any,
    allowed_types: Iterable[str],
    crs_epsg: int | str | None = None,
    field: str = "geometry",
) -> BaseGeometry:
    """Check a GeoJSON geometry from a user and return it as a 2D shapely geometry in 4326.

    Refuses, with one message per problem (``ValidationFailed``, field = ``field``):
    anything that is not a GeoJSON geometry, a type not in ``allowed_types`` (saying
    expected vs got), non-finite coordinates, an unknown ``crs_epsg``, coordinates outside
    lon [-180, 180] / lat [-90, 90] after reprojection, and invalid geometries (with the
    reason from shapely's ``explain_validity``). ``crs_epsg`` names the CRS the input
    coordinates are in (reprojected with pyproj); default EPSG:4326 in [lon, lat] order.
    """
    allowed = tuple(allowed_types)
    expected = " or ".join(allowed)
    if not isinstance(geojson, Mapping):
        _fail(field, f"expected a GeoJSON geometry object ({expected}), got {_kind(geojson)}")
    gtype = geojson.get("type")
    if gtype not in GEOMETRY_TYPES:
        _fail(field, f"expected a GeoJSON geometry of type {expected}, got type {gtype!r}")
    if gtype not in allowed:
        _fail(field, f"expected geometry type {expected}, got {gtype}")
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types on malformed coordinates
        _fail(field, f"malformed {gtype} coordinates: {exc}")
    if geom.is_empty:
        _fail(field, f"the {gtype} has no coordinates")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        _fail(field, "coordinates must be finite numbers (found NaN or infinity)")

    epsg = _parse_epsg(crs_epsg)
    if epsg != WGS84_EPSG:
        if not geom.is_valid:
            _fail(field, f"invalid {gtype} (in EPSG:{epsg}): {explain_validity(geom)}")
        try:
            transformer(WGS84_EPSG, epsg)  # fail early on an unusable CRS
        except CRSError:
            _fail("crs", f"unknown CRS EPSG:{epsg}")
        geom = reproject(geom, epsg, WGS84_EPSG)
        coords = shapely.get_coordinates(geom)
        if not np.isfinite(coords).all():
            _fail(field, f"coordinates cannot be transformed from EPSG:{epsg} to EPSG:4326")

    lon_ok = (coords[:, 0] >= LON_BOUNDS[0]) & (coords[:, 0] <= LON_BOUNDS[1])
    lat_ok = (coords[:, 1] >= LAT_BOUNDS[0]) & (coords[:, 1] <= LAT_BOUNDS[1])
    bad = np.flatnonzero(~(lon_ok & lat_ok))
    if bad.size:
        i = int(bad[0])
        lon, lat = coords[i]
        hint = " (GeoJSON order is [lon, lat])" if epsg == WGS84_EPSG else ""
        _fail(
            field,
            f"{bad.size} coordinate(s) outside lon [-180, 180] / lat [-90, 90]; "
            f"first is position {i} = [{lon:g}, {lat:g}]{hint}",
        )
    if not geom.is_valid:
        _fail(field, f"invalid {gtype}: {explain_validity(geom)}")
    return geom


def _parse_epsg(value: int | str | None) -> int:
    """EPSG code from 4326, "4326", "EPSG:4326" or an OGC CRS URN/URL; None means 4326."""
    if value is None or value == "":
        return WGS84_EPSG
    if isinstance(value, bool):
        _fail("crs", f"expected an EPSG code such as 32630, got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and value > 0:
            return int(value)
        _fail("crs", f"expected an EPSG code such as 32630, got {value!r}")
    text = str(value).strip()
    if text.upper().endswith("CRS84"):
        return WGS84_EPSG
    tail = text.replace("::", ":").replace("/", ":").split(":")[-1]
    if tail.isdigit() and int(tail) > 0:
        return int(tail)
    _fail("crs", f"expected an EPSG code such as 32630 or 'EPSG:32630', got {value!r}")
    raise AssertionError  # unreachable, _fail raises


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return type(value).__name__


def _fail(field: str, message: str) -> None:
    raise ValidationFailed([{"field": field, "message": message}])


__all__ = [
    "GEOMETRY_TYPES",
    "WGS84",
    "WGS84_EPSG",
    "buffer_m",
    "crs",
    "feature",
    "feature_collection",
    "from_geojson",
    "from_metric",
    "length_m",
    "metric_epsg_for",
    "parse_geometry",
    "reproject",
    "to_geojson",
    "to_metric",
    "transformer",
    "utm_crs_for",
]
