"""The one location policy: what each reader sees of an alert's geometry and a herd's position.

A herd's exact position is targeting information (cattle raids, reprisals), so it leaves ttt
only for the roles that analyse it:

- **admin, analyst** (authenticated API and OGC): exact geometries and points.
- **everybody else** (partner, enumerator, anonymous readers of the CAP documents and the
  Atom feed, and every message pushed out: e-mail, SMS, webhooks of any kind of
  subscription, the acknowledgement pages): the **generalised** location, on a grid of
  ``CELL_DEG`` (0.1 degree, about 11 km) cells:

  * an alert's geometry becomes the rectangle of whole grid cells that covers it (at least
    one cell: a single point never becomes a zero-area polygon), so every corner is a
    multiple of 0.1 degree;
  * an observation's position becomes the nearest grid node (a multiple of 0.1 degree), of
    the flow point when it was counted at one, else of the herd's own GPS point, and no
    km along the corridor (corridor + km would pin the herd).

Subscriptions of kind ``authority`` get the generalised geometry too: messages are
forwarded and phones get lost; the alert names its flow point, corridor and admin areas,
which is what an official needs to act, and analysts read the exact geometry in the API.

Pure functions (shapely in, shapely out) plus the same rules spelt in SQL for the OGC
collections, so one module decides for every surface.
"""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

CELL_DEG = 0.1
EXACT_ROLES = frozenset({"admin", "analyst"})
GENERALISED = "grid_0.1deg"  # the name clients see for the generalised location
_DECIMALS = 6  # rounding of k * CELL_DEG (float noise such as 1.2000000000000002)


def sees_exact(role: str | None) -> bool:
    """True for the roles that may see exact herd positions and alert geometries."""
    return role in EXACT_ROLES


def _node(k: int) -> float:
    return round(k * CELL_DEG, _DECIMALS)


def cell_box(geom: BaseGeometry) -> BaseGeometry:
    """The rectangle of whole grid cells covering ``geom``; never empty, never zero-area."""
    minx, miny, maxx, maxy = geom.bounds
    x0, y0 = math.floor(minx / CELL_DEG + 1e-9), math.floor(miny / CELL_DEG + 1e-9)
    x1 = max(math.ceil(maxx / CELL_DEG - 1e-9), x0 + 1)
    y1 = max(math.ceil(maxy / CELL_DEG - 1e-9), y0 + 1)
    return box(_node(x0), _node(y0), _node(x1), _node(y1))


def snap_point(lon: float, lat: float) -> tuple[float, float]:
    """The grid node nearest to (lon, lat)."""
    return _node(round(lon / CELL_DEG)), _node(round(lat / CELL_DEG))


def alert_geometry(role: str | None, geom: BaseGeometry | None) -> BaseGeometry | None:
    """What ``role`` sees of an alert's geometry (None: everybody but exact roles, and
    every pushed message, get the covering cells)."""
    if geom is None or geom.is_empty:
        return None if geom is None or not sees_exact(role) else geom
    return geom if sees_exact(role) else cell_box(geom)


def recipient_geometry(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The geometry in messages that leave ttt (CAP, Atom, e-mail, SMS, webhooks, pages)."""
    return alert_geometry(None, geom)


def observation_location(role: str | None, point: BaseGeometry | None,
                         flow_point: BaseGeometry | None = None) -> tuple[BaseGeometry | None, str]:
    """(point shown, how it was generalised: ``exact``, or ``grid_0.1deg``)."""
    if sees_exact(role):
        return point, "exact"
    source = flow_point if flow_point is not None else point
    if source is None or source.is_empty:
        return None, GENERALISED
    c = source if isinstance(source, Point) else source.centroid
    return Point(*snap_point(c.x, c.y)), GENERALISED


POSITION_KEYS = frozenset({"geometry", "location", "coordinates", "point", "points", "centroid", "position"})
SCALAR_KEYS = frozenset({"lon", "lat", "longitude", "latitude"})


def _snap_pairs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _snap_pairs(v) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) in (2, 3) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return list(snap_point(float(value[0]), float(value[1])))
        return [_snap_pairs(v) for v in value]
    return value


def generalise_coordinates(value: Any) -> Any:
    """A JSON blob (evidence, details) with every position in it generalised: values under
    geometry/location/coordinates/point(s) keys snapped pairwise, lon/lat numbers snapped."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = str(k).lower()
            if key in POSITION_KEYS:
                out[k] = _snap_pairs(v)
            elif key in SCALAR_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = _node(round(float(v) / CELL_DEG))
            else:
                out[k] = generalise_coordinates(v)
        return out
    if isinstance(value, list):
        return [generalise_coordinates(v) for v in value]
    return value


# --- the same rules in SQL (OGC collections) -------------------------------------------------


def sql_cell_box(expr: str) -> str:
    """SQL for :func:`cell_box` of a geometry expression (SRID 4326)."""
    c = repr(CELL_DEG)
    x0 = f"floor(ST_XMin({expr}) / {c} + 1e-9)"
    y0 = f"floor(ST_YMin({expr}) / {c} + 1e-9)"
    x1 = f"greatest(ceil(ST_XMax({expr}) / {c} - 1e-9), {x0} + 1)"
    y1 = f"greatest(ceil(ST_YMax({expr}) / {c} - 1e-9), {y0} + 1)"
    return (f"CASE WHEN {expr} IS NULL THEN NULL ELSE "
            f"ST_MakeEnvelope({x0} * {c}, {y0} * {c}, {x1} * {c}, {y1} * {c}, 4326) END")


def sql_snap(expr: str) -> str:
    """SQL for :func:`snap_point` of a point expression."""
    return f"ST_SnapToGrid({expr}, {CELL_DEG!r})"
