"""Every query of the observations area. Set-based: one statement per batch, never per row.

Inserts go through ``unnest`` of column arrays with ``ON CONFLICT (id) DO NOTHING RETURNING id``:
a retried or concurrent batch can never insert an id twice (the primary key decides, and a
concurrent insert of the same id waits for the first transaction, then does nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import text
from sqlalchemy.orm import Session

from corridors.observations.placement import BatchPlacer
from ttt.facts import COUNT_COLUMNS
from ttt.jsonkit import plain
from ttt.scope import pcode_in_sql, prefix_patterns
from ttt.versioned import versioned


@dataclass(frozen=True)
class FlowPointInfo:
    id: int
    code: str
    corridor_id: int | None
    lon: float
    lat: float
    adm2_pcode: str | None
    active: bool


def flow_points_by_code(session: Session, codes: Sequence[str]) -> dict[str, FlowPointInfo]:
    """Flow points for the given codes, keyed by upper-cased code (codes match case-blind)."""
    if not codes:
        return {}
    rows = session.execute(
        text(
            "SELECT id, code, corridor_id, ST_X(geom), ST_Y(geom), adm2_pcode, active "
            "FROM flow_points WHERE upper(code) = ANY(CAST(:codes AS text[]))"
        ),
        {"codes": sorted({c.upper() for c in codes})},
    ).all()
    return {r[1].upper(): FlowPointInfo(*r) for r in rows}


def admin_pcodes_at(session: Session, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
    """The deepest admin area (level <= 2) covering each point, or None; one query."""
    if not lons:
        return []
    rows = session.execute(
        text(
            "SELECT p.i, a.pcode FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) "
            "WITH ORDINALITY AS p(lon, lat, i) "
            "LEFT JOIN LATERAL (SELECT pcode FROM admin_areas "
            "  WHERE level <= 2 AND geom IS NOT NULL "
            "  AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) "
            "  ORDER BY level DESC LIMIT 1) a ON true ORDER BY p.i"
        ),
        {"lons": list(lons), "lats": list(lats)},
    ).all()
    return [r[1] for r in rows]


def corridor_ids(session: Session) -> dict[str, int]:
    return {code: cid for cid, code in session.execute(text("SELECT id, code FROM corridors")).all()}


_placers: dict = {}  # "placer" -> (corridor network version, BatchPlacer)


def network_placer(session: Session) -> BatchPlacer:
    """The vectorised placer over the corridor lines, rebuilt when they change."""
    from corridors.geodata import repository as geodata

    version = geodata.network_version(session)
    return versioned(_placers, "placer", version, lambda: BatchPlacer(geodata.network_lines(session), version))


# --------------------------------------------------------------------------- writes

#: Column name -> PostgreSQL array type for the unnest insert, in table order.
INSERT_COLUMNS: dict[str, str] = {
    "id": "uuid", "flow_point_id": "int4", "corridor_id": "int4", "observed_at": "timestamptz",
    "lon": "float8", "lat": "float8", "location_source": "text", "direction": "text",
    "direction_deg": "float8", "movement": "text",
    **dict.fromkeys(COUNT_COLUMNS, "int4"), "origin": "text", "destination": "text", "flow_type": "text", "reason": "text",
    "cross_border": "bool", "has_certificate": "bool", "already_counted": "bool", "notes": "text",
    "enumerator_id": "int4", "source": "text", "received_at": "timestamptz",
    "content_hash": "text", "distance_m": "float8", "km_along": "float8", "off_corridor": "bool",
    "adm2_pcode": "text",
}

_TABLE_COLUMNS = [c for c in INSERT_COLUMNS if c not in ("lon", "lat")] + ["geom"]
_INSERT_SQL = text(
    "WITH u AS (SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS u("
    + ", ".join(f"{c} {t}" for c, t in INSERT_COLUMNS.items())
    + ")), ins AS (INSERT INTO observations ("
    + ", ".join(_TABLE_COLUMNS)
    + ") SELECT "
    + ", ".join(f"u.{c}" for c in INSERT_COLUMNS if c not in ("lon", "lat"))
    + ", ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326) FROM u ON CONFLICT (id) DO NOTHING RETURNING id), "
    # every observation inserted is queued for the rules engine by the same statement
    "q AS (INSERT INTO rule_queue (observation_id, enqueued_at) SELECT ins.id, now() FROM ins "
    "ON CONFLICT (observation_id) DO NOTHING) "
    # the ids NOT inserted (already stored): usually none, so no rows to send back and decode
    "SELECT u.id FROM u WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = u.id)"
)


def insert_observations(session: Session, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert rows (dicts keyed by INSERT_COLUMNS, distinct ids) and queue the new ones for the
    rules engine, in one statement of the caller's transaction; returns the ids actually
    inserted. One JSON parameter expanded server-side by json_to_recordset: no per-value
    adaptation in Python, no per-row round trip."""
    if not rows:
        return set()
    # pydantic-core's encoder (Rust) knows UUIDs and datetimes: ~10x faster than json.dumps
    # with a default hook. NaN is written as NaN, which PostgreSQL refuses as JSON: a bug
    # upstream fails loudly, as allow_nan=False did.
    payload = to_json(rows, fallback=plain, inf_nan_mode="constants").decode()
    skipped = set(session.execute(_INSERT_SQL, {"rows": payload}).scalars())
    return {r["id"] for r in rows} - skipped


def existing_hashes(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(
        text("SELECT id, content_hash FROM observations WHERE id = ANY(CAST(:ids AS uuid[]))"),
        {"ids": list(ids)},
    ).all()
    return {r[0]: r[1] for r in rows}


# --------------------------------------------------------------------------- reads


@dataclass
class ListFilter:
    corridor: str | None = None
    flow_point: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    source: str | None = None
    enumerator_id: int | None = None
    scopes: tuple[str, ...] = ()
    limit: int = 100
    offset: int = 0


_LIST_COLUMNS = (
    "o.id, fp.code AS flow_point, o.observed_at, ST_X(o.geom) AS lon, ST_Y(o.geom) AS lat, "
    "o.location_source, o.direction, o.direction_deg, o.movement, o.cattle, o.sheep, o.goats, "
    "o.camels, o.donkeys, o.horses, o.other, o.men, o.women, o.boys, o.girls, o.origin, "
    "o.destination, o.flow_type, o.reason, o.cross_border, o.has_certificate, o.already_counted, "
    "o.notes, u.name AS enumerator, o.source, o.received_at, c.code AS corridor, o.distance_m, "
    "o.km_along, o.off_corridor, o.adm2_pcode"
)


def list_observations(session: Session, f: ListFilter) -> tuple[list[dict[str, Any]], int]:
    """Filtered page of observations (newest first) and the total matching count."""
    where = ["true"]
    params: dict[str, Any] = {}
    if f.corridor:
        where.append("c.code = :corridor")
        params["corridor"] = f.corridor
    if f.flow_point:
        where.append("upper(fp.code) = upper(:flow_point)")
        params["flow_point"] = f.flow_point
    if f.start:
        where.append("o.observed_at >= :start")
        params["start"] = f.start
    if f.end:
        where.append("o.observed_at < :end")
        params["end"] = f.end
    if f.source:
        where.append("o.source = :source")
        params["source"] = f.source
    if f.enumerator_id is not None:
        where.append("o.enumerator_id = :enumerator_id")
        params["enumerator_id"] = f.enumerator_id
    if f.scopes:
        where.append(pcode_in_sql("o.adm2_pcode"))
        params["scopes"] = prefix_patterns(f.scopes)
    base = (
        " FROM observations o LEFT JOIN flow_points fp ON fp.id = o.flow_point_id "
        "LEFT JOIN corridors c ON c.id = o.corridor_id LEFT JOIN users u ON u.id = o.enumerator_id "
        "WHERE " + " AND ".join(where)
    )
    total = session.execute(text("SELECT count(*)" + base), params).scalar_one()
    rows = session.execute(
        text(f"SELECT {_LIST_COLUMNS}{base} ORDER BY o.observed_at DESC, o.id LIMIT :limit OFFSET :offset"),
        {**params, "limit": f.limit, "offset": f.offset},
    ).mappings().all()
    return [dict(r) for r in rows], int(total)
