"""A small map of an alert drawn on the server as SVG (pure: shapely in, text out).

No tile service: a recipient's phone never calls a third party, and the picture weighs a
few kilobytes on a slow link. It shows the admin area for context, the corridor, the flow
point, a hazard's outline and a *generalised* area where herds were seen: herd positions
are snapped to a coarse grid (``HERD_CELL_DEG``, about 28 km), never drawn as points,
because precise herd locations are sensitive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape
from shapely.geometry import LineString, MultiPoint, Point, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

WIDTH, HEIGHT, PAD = 360, 240, 16
HERD_CELL_DEG = 0.25
MIN_SPAN_DEG = 0.3  # a lone point still shows its surroundings


@dataclass(frozen=True)
class MapLayers:
    corridor: BaseGeometry | None = None
    flow_point: Point | None = None
    hazard: BaseGeometry | None = None
    herd_area: BaseGeometry | None = None
    context: BaseGeometry | None = None  # the admin area, drawn faintly
    label: str | None = None  # the place name written next to the flow point


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


class _Frame:
    """Equirectangular projection of a bounding box onto the picture (x scaled by cos(lat))."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.k = math.cos(math.radians(cy))
        span_x = max((maxx - minx) * self.k, MIN_SPAN_DEG)
        span_y = max(maxy - miny, MIN_SPAN_DEG)
        self.scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
        self.cx, self.cy = cx, cy

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (WIDTH / 2 + (x - self.cx) * self.k * self.scale, HEIGHT / 2 - (y - self.cy) * self.scale)

    @property
    def tolerance(self) -> float:
        return 1.0 / self.scale  # one pixel, in degrees: finer detail is invisible anyway


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


def render_svg(layers: MapLayers, *, title: str = "") -> Markup:
    """The map as an inline ``<svg>``; empty when there is nothing to place."""
    drawn = [g for g in (layers.corridor, layers.flow_point, layers.hazard, layers.herd_area) if g is not None
             and not g.is_empty]
    if not drawn:
        return Markup("")
    focus = unary_union(drawn)
    minx, miny, maxx, maxy = focus.bounds
    margin = 0.08 * max(maxx - minx, maxy - miny, MIN_SPAN_DEG)
    frame = _Frame((minx - margin, miny - margin, maxx + margin, maxy + margin))
    view = box(*_inverse_bounds(frame))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" class="alert-map" direction="ltr">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f6f3ea"/>']
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
    parts.append("</svg>")
    return Markup("".join(parts))


def _inverse_bounds(frame: _Frame) -> tuple[float, float, float, float]:
    half_w = WIDTH / 2 / (frame.k * frame.scale)
    half_h = HEIGHT / 2 / frame.scale
    return frame.cx - half_w, frame.cy - half_h, frame.cx + half_w, frame.cy + half_h


def _scale_bar(frame: _Frame) -> str:
    """A bar of a round number of km (1 degree of latitude is ~111 km)."""
    km_per_px = 111.32 / frame.scale
    target = km_per_px * 80
    nice = next((n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if n >= target * 0.5), 1000)
    px = nice / km_per_px
    y = HEIGHT - 10
    return (f'<g class="scale"><path d="M10,{y} h{px:.1f}" stroke="#333" stroke-width="2"/>'
            f'<text x="{10 + px + 4:.1f}" y="{y + 4}" font-size="11" font-family="sans-serif" fill="#333">'
            f'{nice} km</text></g>')


def corridor_of(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Line geometries are corridors as the engine stores them; anything else is not."""
    return geom if isinstance(geom, LineString) or (geom is not None and geom.geom_type == "MultiLineString") else None
