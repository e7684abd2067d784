"""Hand-drawn corridor networks for the routing tests (committed, as the API sees them)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from geoalchemy2.shape import from_shape
from pyproj import Geod
from shapely.geometry import LineString, Point, box

from corridors.geodata.models import Calendar, Corridor, FlowPoint, Hazard, Resource
from ttt.db import session_scope

GEOD = Geod(ellps="WGS84")
LAT = 12.0
J1, J2 = (0.2, LAT), (0.8, LAT)
B_TOP = (0.5, LAT + 0.3)


def km(*points) -> float:
    """Geodesic length of a polyline through lon/lat points, in km (the hand computation)."""
    return sum(GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in zip(points, points[1:], strict=False)) / 1000.0


def add_corridor(s, code: str, coords, status: str = "open", countries=("BF",)) -> None:
    s.add(Corridor(code=code, name=f"Couloir {code}", geom=from_shape(LineString(coords), srid=4326),
                   countries=list(countries), status=status))


def two_ways(direct_closed: bool = False) -> None:
    """S (start stub) -> A (direct, ~65 km) or B (over a hill, ~90 km) -> E (end stub);
    flow points FP-O on S and FP-D on E; one water point on B."""
    with session_scope() as s:
        add_corridor(s, "S", [(0.0, LAT), J1])
        add_corridor(s, "A", [J1, J2], status="closed" if direct_closed else "open")
        add_corridor(s, "B", [J1, B_TOP, J2])
        add_corridor(s, "E", [J2, (1.0, LAT)])
        s.flush()
        for code, lon in (("FP-O", 0.05), ("FP-D", 0.95)):
            s.add(FlowPoint(code=code, name=f"Point {code}", geom=from_shape(Point(lon, LAT), srid=4326)))
        s.add(Resource(code="W1", name="Mare de la colline", kind="water_point",
                       geom=from_shape(Point(*B_TOP), srid=4326)))


def hazard(lon: float, lat: float, half: float = 0.02, kind: str = "bushfire",
           starts: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
    with session_scope() as s:
        s.add(Hazard(kind=kind, severity="severe", geom=from_shape(box(lon - half, lat - half, lon + half, lat + half), srid=4326),
                     starts_at=starts, ends_at=None, description="test fire"))


def calendar(corridor: str, direction: str, opens: str, closes: str) -> None:
    with session_scope() as s:
        s.add(Calendar(corridor_code=corridor, direction=direction, opens=opens, closes=closes,
                       effective_from=date(2020, 1, 1), source="arrêté de test"))
