"""A small map of an alert drawn on the server as SVG (pure: shapely in, text out).

No tile service by default: a recipient's phone never calls a third party, and the picture
weighs a few kilobytes on a slow link (a deployment may opt in to an XYZ basemap, drawn under
the map in the same Web Mercator projection). It shows the admin area for context, the corridor, the flow
point, a hazard's outline, the best open way round it (a dashed line) and a *generalised* area where herds were seen: herd positions
are snapped to a coarse grid (``HERD_CELL_DEG``, about 28 km), never drawn as points,
because precise herd locations are sensitive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from shapely.geometry import LineString, MultiPoint, Point, box, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

WIDTH, HEIGHT, PAD = 360, 240, 16
HERD_CELL_DEG = 0.25
MIN_SPAN_DEG = 0.3  # a lone point still shows its surroundings
ROUTE_COLOUR = "#080"  # the open way round, green and dashed (the legend draws the same)


@dataclass(frozen=True)
class MapLayers:
    corridor: BaseGeometry | None = None
    flow_point: Point | None = None
    hazard: BaseGeometry | None = None
    herd_area: BaseGeometry | None = None
    context: BaseGeometry | None = None  # the admin area, drawn faintly
    label: str | None = None  # the place name written next to the flow point
    route: BaseGeometry | None = None  # the best open alternative route (corridors and their junctions)


def generalise_points(geom: BaseGeometry | None, cell_deg: float = HERD_CELL_DEG) -> BaseGeometry | None:
    """The grid cells holding any of the points: where herds were, never exactly where."""
    if geom is None or geom.is_empty:
        return None
    points: Iterable[Point]
    if isinstance(geom, Point):
        points = [geom]
    elif isinstance(geom, MultiPoint):
        points = list(geom.geoms)
    else:
        return None
    cells = {(math.floor(p.x / cell_deg), math.floor(p.y / cell_deg)) for p in points}
    return unary_union([box(i * cell_deg, j * cell_deg, (i + 1) * cell_deg, (j + 1) * cell_deg) for i, j in cells])


def _merc(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator in world units (0..1 left to right, top to bottom), as XYZ tiles are cut."""
    lat = max(min(lat, 85.0), -85.0)
    y = math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat)))
    return (lon + 180.0) / 360.0, (1 - y / math.pi) / 2


class _Frame:
    """Web Mercator projection of a bounding box (degrees) onto the picture."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        x0, y1 = _merc(minx, miny)
        x1, y0 = _merc(maxx, maxy)
        self.lat = (miny + maxy) / 2
        min_span = MIN_SPAN_DEG / 360.0
        span_x, span_y = max(x1 - x0, min_span), max(y1 - y0, min_span)
        self.scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)  # px per world unit
        self.cx, self.cy = (x0 + x1) / 2, (y0 + y1) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        mx, my = _merc(lon, lat)
        return WIDTH / 2 + (mx - self.cx) * self.scale, HEIGHT / 2 + (my - self.cy) * self.scale

    def lonlat(self, px: float, py: float) -> tuple[float, float]:
        mx, my = self.cx + (px - WIDTH / 2) / self.scale, self.cy + (py - HEIGHT / 2) / self.scale
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * my))))
        return mx * 360.0 - 180.0, lat

    @property
    def tolerance(self) -> float:
        return 360.0 / self.scale  # about one pixel, in degrees: finer detail is invisible anyway

    @property
    def km_per_px(self) -> float:
        return 40_075.0 * math.cos(math.radians(self.lat)) / self.scale


def _tiles(frame: _Frame, url: str, max_tiles: int = 12) -> str:
    """``<image>`` tiles of an XYZ basemap (``{z}/{x}/{y}``) under the drawing. The recipient's
    browser fetches them from that server: a deployment opts in knowingly (off by default)."""
    zoom = max(0, min(18, round(math.log2(frame.scale / 256.0))))
    n = 2 ** zoom
    size = frame.scale / n  # px of one tile on the picture
    left, top = frame.cx - WIDTH / 2 / frame.scale, frame.cy - HEIGHT / 2 / frame.scale
    xs = range(max(0, math.floor(left * n)), min(n, math.floor((left + WIDTH / frame.scale) * n) + 1))
    ys = range(max(0, math.floor(top * n)), min(n, math.floor((top + HEIGHT / frame.scale) * n) + 1))
    if len(xs) * len(ys) > max_tiles:
        return ""
    out = []
    for tx in xs:
        for ty in ys:
            href = url.replace("{z}", str(zoom)).replace("{x}", str(tx)).replace("{y}", str(ty))
            px, py = (tx / n - frame.cx) * frame.scale + WIDTH / 2, (ty / n - frame.cy) * frame.scale + HEIGHT / 2
            out.append(f'<image class="basemap" href="{escape(href)}" x="{px:.1f}" y="{py:.1f}" '
                       f'width="{size:.1f}" height="{size:.1f}" preserveAspectRatio="none"/>')
    return "".join(out)


def _path(frame: _Frame, geom: BaseGeometry) -> str:
    geom = geom.simplify(frame.tolerance, preserve_topology=True)
    out = []

    def ring(coords, close: bool) -> None:
        pts = [frame.xy(x, y) for x, y, *_ in coords]
        if pts:
            out.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + (" Z" if close else ""))

    def walk(g: BaseGeometry) -> None:
        if g.geom_type == "Polygon":
            ring(g.exterior.coords, True)
            for hole in g.interiors:
                ring(hole.coords, True)
        elif g.geom_type in ("LineString", "LinearRing"):
            ring(g.coords, False)
        elif g.geom_type == "Point":
            x, y = frame.xy(g.x, g.y)
            out.append(f"M{x - 2:.1f},{y:.1f} a2,2 0 1,0 4,0 a2,2 0 1,0 -4,0")
        elif hasattr(g, "geoms"):
            for part in g.geoms:
                walk(part)

    walk(geom)
    return " ".join(out)


def render_svg(layers: MapLayers, *, title: str = "", basemap_url: str = "", attribution: str = "") -> Markup:
    """The map as an inline ``<svg>``; empty when there is nothing to place."""
    drawn = [g for g in (layers.corridor, layers.flow_point, layers.hazard, layers.herd_area, layers.route)
             if g is not None and not g.is_empty]
    if not drawn:
        return Markup("")
    focus = unary_union(drawn)
    minx, miny, maxx, maxy = focus.bounds
    margin = 0.08 * max(maxx - minx, maxy - miny, MIN_SPAN_DEG)
    frame = _Frame((minx - margin, miny - margin, maxx + margin, maxy + margin))
    (west, north), (east, south) = frame.lonlat(0, 0), frame.lonlat(WIDTH, HEIGHT)
    view = box(west, south, east, north)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" class="alert-map" direction="ltr">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f6f3ea"/>']
    if basemap_url:
        parts.append(_tiles(frame, basemap_url))
    if layers.context is not None and not layers.context.is_empty:
        clipped = layers.context.intersection(view)
        if not clipped.is_empty:
            parts.append(f'<path class="area" d="{_path(frame, clipped)}" fill="#ebe6d6" stroke="#b9b09a" '
                         f'stroke-width="1" stroke-dasharray="4 3"/>')
    if layers.hazard is not None:
        parts.append(f'<path class="hazard" d="{_path(frame, layers.hazard)}" fill="#d22" fill-opacity=".35" '
                     f'stroke="#d22" stroke-width="1.5"/>')
    if layers.herd_area is not None:
        parts.append(f'<path class="herds" d="{_path(frame, layers.herd_area)}" fill="#36c" fill-opacity=".3" '
                     f'stroke="#36c" stroke-width="1"/>')
    if layers.corridor is not None:
        line = layers.corridor.boundary if layers.corridor.geom_type in ("Polygon", "MultiPolygon") else layers.corridor
        parts.append(f'<path class="corridor" d="{_path(frame, line)}" fill="none" stroke="#c60" stroke-width="5" '
                     f'stroke-linecap="round" stroke-linejoin="round"/>')
    if layers.route is not None and not layers.route.is_empty:  # dashed over the corridor it leaves
        parts.append(f'<path class="route" d="{_path(frame, layers.route)}" fill="none" stroke="#fff" '
                     f'stroke-width="5" stroke-linecap="round" stroke-linejoin="round" stroke-opacity=".8"/>'
                     f'<path class="route" d="{_path(frame, layers.route)}" fill="none" stroke="{ROUTE_COLOUR}" '
                     f'stroke-width="3" stroke-dasharray="7 4" stroke-linejoin="round"/>')
    if layers.flow_point is not None:
        x, y = frame.xy(layers.flow_point.x, layers.flow_point.y)
        parts.append(f'<circle class="flow-point" cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#036" stroke="#fff" '
                     f'stroke-width="2.5"/>')
        if layers.label:  # above the point, kept inside the picture
            tx = min(max(x, 8 + 3.5 * len(layers.label)), WIDTH - 8 - 3.5 * len(layers.label))
            ty = y - 13 if y > 30 else y + 24
            parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="13" '
                         f'font-family="sans-serif" fill="#036" stroke="#fff" stroke-width="3" paint-order="stroke">'
                         f'{escape(layers.label)}</text>')
    parts.append(_scale_bar(frame))
    if basemap_url and attribution:
        parts.append(f'<text x="{WIDTH - 4}" y="{HEIGHT - 4}" text-anchor="end" font-size="9" '
                     f'font-family="sans-serif" fill="#333">{escape(attribution)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _scale_bar(frame: _Frame) -> str:
    """A bar of a round number of km (1 degree of latitude is ~111 km)."""
    km_per_px = frame.km_per_px
    target = km_per_px * 80
    nice = next((n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if n >= target * 0.5), 1000)
    px = nice / km_per_px
    y = HEIGHT - 10
    return (f'<g class="scale"><path d="M10,{y} h{px:.1f}" stroke="#333" stroke-width="2"/>'
            f'<text x="{10 + px + 4:.1f}" y="{y + 4}" font-size="11" font-family="sans-serif" fill="#333">'
            f'{nice} km</text></g>')


def route_of(evidence: Mapping[str, Any] | None) -> BaseGeometry | None:
    """The best alternative route of an alert's ``evidence.rerouting`` (None when there is
    none or it is not a line)."""
    rerouting = (evidence or {}).get("rerouting")
    alternatives = rerouting.get("alternatives") if isinstance(rerouting, Mapping) else None
    best = alternatives[0] if isinstance(alternatives, list) and alternatives else None
    if not isinstance(best, Mapping) or not best.get("geometry"):
        return None
    try:
        geom = shape(best["geometry"])
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None
    return geom if geom.geom_type in ("LineString", "MultiLineString") and not geom.is_empty else None


def corridor_of(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Line geometries are corridors as the engine stores them; anything else is not."""
    return geom if isinstance(geom, LineString) or (geom is not None and geom.geom_type == "MultiLineString") else None
