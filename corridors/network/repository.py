"""Every query of the routable network: its version, storing a built graph, attaching flow
points and resources, what closes or slows each edge today, and the pgRouting calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from corridors.network.build import Graph

BUILD_LOCK = 7_243_017  # pg_advisory_xact_lock key: one network build at a time
_SOURCES = ("corridors", "flow_points", "resources", "admin_areas")
# a cheap prefilter in degrees before metres on the spheroid: below 75 degrees of latitude a
# degree of longitude is at least ~28 km, of latitude ~110 km
_M_PER_DEG_MIN = 28_000.0


def geodata_version(session: Session) -> str:
    """Count and transaction ids of the rows the graph is built from: any change, by the API
    or straight in SQL, gives a new version."""
    return session.execute(text("SELECT " + " || '|' || ".join(
        f"(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM {t})" for t in _SOURCES
    ))).scalar_one()


def stored_version(session: Session) -> str | None:
    return session.execute(text("SELECT version FROM network_state WHERE id = 1")).scalar_one_or_none()


def lock_build(session: Session) -> None:
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": BUILD_LOCK})


def corridor_lines(session: Session) -> list[tuple[str, BaseGeometry]]:
    rows = session.execute(text("SELECT code, ST_AsBinary(geom) FROM corridors ORDER BY code"))
    return [(code, shapely.from_wkb(bytes(wkb))) for code, wkb in rows]


def store_graph(session: Session, graph: Graph, version: str, attach_max_m: float) -> None:
    """Replace the stored graph; edges get the country they mostly lie in; flow points and
    resources are attached to their nearest edge (a flow point to its own corridor's)."""
    session.execute(text("TRUNCATE network_points, network_edges, network_nodes"))
    if graph.nodes:
        session.execute(
            text("INSERT INTO network_nodes (id, geom, degree) "
                 "SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326), degree "
                 "FROM unnest(CAST(:ids AS bigint[]), CAST(:lons AS float8[]), CAST(:lats AS float8[]), "
                 "CAST(:degrees AS int[])) AS n(id, lon, lat, degree)"),
            {"ids": [n.id for n in graph.nodes], "lons": [n.lon for n in graph.nodes],
             "lats": [n.lat for n in graph.nodes], "degrees": [n.degree for n in graph.nodes]},
        )
    if graph.edges:
        session.execute(
            text("INSERT INTO network_edges (id, source, target, corridor_code, length_m, geom) "
                 "SELECT id, source, target, corridor, length_m, ST_GeomFromWKB(wkb, 4326) "
                 "FROM unnest(CAST(:ids AS bigint[]), CAST(:sources AS bigint[]), CAST(:targets AS bigint[]), "
                 "CAST(:corridors AS text[]), CAST(:lengths AS float8[]), CAST(:wkbs AS bytea[])) "
                 "AS e(id, source, target, corridor, length_m, wkb)"),
            {"ids": [e.id for e in graph.edges], "sources": [e.source for e in graph.edges],
             "targets": [e.target for e in graph.edges], "corridors": [e.corridor for e in graph.edges],
             "lengths": [e.length_m for e in graph.edges],
             "wkbs": [shapely.to_wkb(e.geometry) for e in graph.edges]},
        )
        session.execute(text(
            "UPDATE network_edges e SET country = a.cc FROM ("
            "  SELECT e2.id, (SELECT upper(left(a.pcode, 2)) FROM admin_areas a WHERE a.geom IS NOT NULL "
            "   AND a.level = 0 AND ST_Covers(a.geom, ST_LineInterpolatePoint(e2.geom, 0.5)) LIMIT 1) AS cc "
            "  FROM network_edges e2) a WHERE a.id = e.id AND a.cc IS NOT NULL"))
        attach = (
            "INSERT INTO network_points (kind, code, resource_kind, edge_id, fraction, distance_m) "
            "SELECT :kind, p.code, {rkind}, e.id, ST_LineLocatePoint(e.geom, p.geom), "
            "       ST_Distance(e.geom::geography, p.geom::geography) "
            "FROM {table} p {join} CROSS JOIN LATERAL ("
            "  SELECT id, geom FROM network_edges e WHERE e.corridor_code IS NOT NULL {prefer} "
            "  ORDER BY e.geom <-> p.geom LIMIT 1) e "
            "WHERE ST_DWithin(e.geom::geography, p.geom::geography, :max_m)"
        )
        session.execute(text(attach.format(
            rkind="NULL", table="flow_points", join="LEFT JOIN corridors c ON c.id = p.corridor_id",
            prefer="AND (c.code IS NULL OR e.corridor_code = c.code)")),
            {"kind": "flow_point", "max_m": attach_max_m})
        session.execute(text(attach.format(rkind="p.kind", table="resources", join="", prefer="")),
                        {"kind": "resource", "max_m": attach_max_m})
    session.execute(text("INSERT INTO network_state (id, version, built_at) VALUES (1, :v, now()) "
                         "ON CONFLICT (id) DO UPDATE SET version = excluded.version, built_at = excluded.built_at"),
                    {"v": version})


def edges(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(text(
        "SELECT id, source, target, corridor_code, length_m, country, ST_AsBinary(geom) AS wkb "
        "FROM network_edges ORDER BY id")).mappings()
    return [{**r, "geometry": shapely.from_wkb(bytes(r["wkb"]))} for r in rows]


def nodes(session: Session) -> list[dict[str, Any]]:
    return list(session.execute(text(
        "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, degree FROM network_nodes ORDER BY id")).mappings())


def points(session: Session) -> list[dict[str, Any]]:
    return list(session.execute(text(
        "SELECT p.kind, p.code, p.resource_kind, p.edge_id, p.fraction, p.distance_m, "
        "       coalesce(f.name, r.name, p.code) AS name, coalesce(f.active, true) AS active "
        "FROM network_points p "
        "LEFT JOIN flow_points f ON p.kind = 'flow_point' AND f.code = p.code "
        "LEFT JOIN resources r ON p.kind = 'resource' AND r.code = p.code "
        "ORDER BY p.kind, p.code")).mappings())


# --- where a place is on the network ---------------------------------------------------------


def locate(session: Session, geom: BaseGeometry) -> dict[str, Any] | None:
    """The nearest point of the network to a point (edge, fraction, distance in metres)."""
    return session.execute(text(
        "SELECT e.id AS edge_id, ST_LineLocatePoint(e.geom, g) AS fraction, "
        "       ST_Distance(e.geom::geography, g::geography) AS distance_m "
        "FROM (SELECT ST_GeomFromWKB(:wkb, 4326) AS g) q CROSS JOIN LATERAL ("
        "  SELECT id, geom FROM network_edges ORDER BY geom <-> q.g LIMIT 1) e"),
        {"wkb": shapely.to_wkb(geom)}).mappings().one_or_none()


def flow_point(session: Session, code: str) -> dict[str, Any] | None:
    return session.execute(text(
        "SELECT f.code, f.name, ST_AsBinary(f.geom) AS wkb, p.edge_id, p.fraction "
        "FROM flow_points f LEFT JOIN network_points p ON p.kind = 'flow_point' AND p.code = f.code "
        "WHERE f.code = :c"), {"c": code}).mappings().one_or_none()


def admin_area(session: Session, pcode: str) -> dict[str, Any] | None:
    """An area as a point: a point on its outline's surface, else (gazetteers without
    outlines) the centre of its flow points."""
    return session.execute(text(
        "SELECT a.pcode, a.name, ST_AsBinary(coalesce(ST_PointOnSurface(a.geom), ("
        "  SELECT ST_Centroid(ST_Collect(f.geom)) FROM flow_points f "
        "  WHERE :p IN (f.adm0_pcode, f.adm1_pcode, f.adm2_pcode)))) AS wkb "
        "FROM admin_areas a WHERE a.pcode = :p"), {"p": pcode}).mappings().one_or_none()


def areas_crossed(session: Session, geom: BaseGeometry, flow_points: Sequence[str]) -> list[dict[str, Any]]:
    """Admin areas the route crosses (by their outlines), and those of the flow points on it
    (gazetteers without outlines still name them)."""
    return list(session.execute(text(
        "SELECT pcode, name, level FROM admin_areas WHERE (geom IS NOT NULL "
        "AND ST_Intersects(geom, ST_GeomFromWKB(:wkb, 4326))) OR pcode IN ("
        "  SELECT unnest(ARRAY[adm0_pcode, adm1_pcode, adm2_pcode]) FROM flow_points "
        "  WHERE code = ANY(CAST(:fps AS text[]))) ORDER BY level, pcode"),
        {"wkb": shapely.to_wkb(geom), "fps": list(flow_points)}).mappings())


# --- what closes or slows each edge -----------------------------------------------------------


def hazards_near(session: Session, at: datetime, kinds: Sequence[str] | None, within_m: float) -> list[dict[str, Any]]:
    """(edge, hazard) pairs within ``within_m`` of each other, with the distance, for the
    hazards active at ``at``."""
    return list(session.execute(text(
        "SELECT e.id AS edge_id, h.id AS ref, h.kind, h.severity, h.description, "
        "       ST_Distance(e.geom::geography, h.geom::geography) AS distance_m "
        "FROM hazards h JOIN network_edges e ON ST_DWithin(e.geom, h.geom, :deg) "
        "WHERE h.starts_at <= :at AND (h.ends_at IS NULL OR h.ends_at >= :at) "
        "  AND (CAST(:kinds AS text[]) IS NULL OR h.kind = ANY(CAST(:kinds AS text[]))) "
        "  AND ST_DWithin(e.geom::geography, h.geom::geography, :m)"),
        {"at": at, "kinds": list(kinds) if kinds is not None else None, "m": within_m,
         "deg": within_m / _M_PER_DEG_MIN}).mappings())


def conflicts_near(session: Session, at: datetime, days: float, kinds: Sequence[str],
                   within_m: float) -> list[dict[str, Any]]:
    """(edge, event alert) pairs for the conflict-kind event alerts of the ``days`` before
    ``at`` neither resolved by then nor dismissed as false."""
    return list(session.execute(text(
        "SELECT e.id AS edge_id, a.id AS ref, a.event_kind AS kind, a.severity, a.headline AS description, "
        "       ST_Distance(e.geom::geography, a.geom::geography) AS distance_m "
        "FROM alerts a JOIN network_edges e ON ST_DWithin(e.geom, a.geom, :deg) "
        "WHERE a.type = 'event' AND a.event_kind = ANY(CAST(:kinds AS text[])) AND a.geom IS NOT NULL "
        "  AND coalesce(a.window_end, a.created_at) BETWEEN :since AND :at "
        "  AND (a.resolved_at IS NULL OR a.resolved_at > :at) AND a.verification <> 'dismissed' "
        "  AND ST_DWithin(e.geom::geography, a.geom::geography, :m)"),
        {"at": at, "since": at - timedelta(days=days), "kinds": list(kinds), "m": within_m,
         "deg": within_m / _M_PER_DEG_MIN}).mappings())


def closed_corridors(session: Session) -> dict[str, str | None]:
    return dict(session.execute(text("SELECT code, status_reason FROM corridors WHERE status = 'closed'")).all())


def corridor_info(session: Session) -> dict[str, dict[str, Any]]:
    rows = session.execute(text("SELECT code, name, countries FROM corridors")).mappings()
    return {r["code"]: {"name": r["name"], "countries": [c.upper() for c in (r["countries"] or [])]} for r in rows}


def calendars(session: Session) -> list[dict[str, Any]]:
    return list(session.execute(text(
        "SELECT corridor_code, country, direction, opens, closes, effective_from, source FROM calendars "
        "ORDER BY effective_from, id")).mappings())


# --- pgRouting ----------------------------------------------------------------------------------

_COSTS_TABLE = "CREATE TEMP TABLE IF NOT EXISTS route_costs (id bigint PRIMARY KEY, cost float8, reverse_cost float8)"
# an edge's cost is its length unless this query's costs say otherwise
_EDGES_SQL = ("SELECT e.id, e.source, e.target, coalesce(c.cost, e.length_m) AS cost, "
              "coalesce(c.reverse_cost, e.length_m) AS reverse_cost "
              "FROM network_edges e LEFT JOIN route_costs c ON c.id = e.id")


def load_costs(session: Session, costs: dict[int, tuple[float, float]]) -> None:
    """This query's costs where they differ from the edge's length, in a temporary table
    the edges SQL of pgRouting joins."""
    session.execute(text(_COSTS_TABLE))
    session.execute(text("TRUNCATE route_costs"))
    ids = list(costs)
    session.execute(text(
        "INSERT INTO route_costs SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:c AS float8[]), "
        "CAST(:r AS float8[]))"), {"ids": ids, "c": [costs[i][0] for i in ids], "r": [costs[i][1] for i in ids]})


def ksp(session: Session, start: tuple[int, float], end: tuple[int, float], k: int) -> list[dict[str, Any]]:
    """Up to ``k`` shortest loopless paths (Yen, ``pgr_withPointsKSP``) between two points on
    edges, over the costs of :func:`load_costs`. Point nodes come back as -1 (start), -2 (end)."""
    points_sql = (f"SELECT 1 AS pid, {int(start[0])}::bigint AS edge_id, {float(start[1])}::float8 AS fraction "
                  f"UNION ALL SELECT 2, {int(end[0])}::bigint, {float(end[1])}::float8")
    rows = session.execute(text(
        "SELECT path_id, path_seq, node, edge, cost, agg_cost "
        "FROM pgr_withPointsKSP(:edges, :points, -1, -2, :k, directed => true, details => false) "
        "ORDER BY path_id, path_seq"), {"edges": _EDGES_SQL, "points": points_sql, "k": k}).mappings()
    return list(rows)


