"""Every query of the geodata area (corridors, flow points, hazards, calendars, admin
areas, resources) and the read-only queries behind the OGC API collections, including the
``alerts`` and ``observations`` tables owned by other areas (plain SQL, read only)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from corridors.geodata.layers import LAYERS
from corridors.geodata.models import AdminArea, Calendar, Corridor, FlowPoint
from corridors.geodata.ogc_core import Collection
from ttt.scope import prefix_patterns

MODELS = {name: layer.model for name, layer in LAYERS.items()}
KEY_COLUMNS = {name: layer.key_column for name, layer in LAYERS.items()}

Bbox = tuple[float, float, float, float]


def geom_value(geom: BaseGeometry | None):
    return None if geom is None else from_shape(geom, srid=4326)


def shape_of(value) -> BaseGeometry | None:
    return None if value is None else to_shape(value)


# --- managed layers -----------------------------------------------------------------------


def get_by_key(session: Session, layer: str, key: Any, for_update: bool = False):
    model = MODELS[layer]
    stmt = select(model).where(getattr(model, KEY_COLUMNS[layer]) == key)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def get_many_by_keys(session: Session, layer: str, keys: Sequence[Any]) -> dict[Any, Any]:
    if not keys:
        return {}
    model = MODELS[layer]
    column = getattr(model, KEY_COLUMNS[layer])
    rows = session.execute(select(model).where(column.in_(list(keys)))).scalars()
    return {getattr(r, KEY_COLUMNS[layer]): r for r in rows}


def list_layer(
    session: Session,
    layer: str,
    *,
    limit: int,
    offset: int,
    bbox: Bbox | None = None,
    filters: dict[str, Any] | None = None,
) -> tuple[list[Any], int]:
    """One page of a layer ordered by its key, and the total matching."""
    model = MODELS[layer]
    conditions = []
    if bbox is not None:
        conditions.append(func.ST_Intersects(model.geom, func.ST_MakeEnvelope(*bbox, 4326)))
    for name, value in (filters or {}).items():
        if value is None:
            continue
        if name == "country":
            conditions.append(model.countries.any(value))
        elif name == "corridor":
            conditions.append(model.corridor_id == value)
        elif name == "active_at":
            conditions.append(model.starts_at <= value)
            conditions.append((model.ends_at.is_(None)) | (model.ends_at >= value))
        else:
            conditions.append(getattr(model, name) == value)
    total = session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()
    order = getattr(model, KEY_COLUMNS[layer])
    rows = session.execute(select(model).where(*conditions).order_by(order).limit(limit).offset(offset)).scalars()
    return list(rows), int(total)


def add(session: Session, obj: Any) -> Any:
    session.add(obj)
    session.flush()
    return obj


def delete(session: Session, obj: Any) -> None:
    session.delete(obj)
    session.flush()


def corridor_codes_by_id(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Corridor.id, Corridor.code).where(Corridor.id.in_(wanted)))
    return {i: c for i, c in rows}


def flow_points_with_corridor_code(session: Session) -> list[tuple[FlowPoint, str | None]]:
    rows = session.execute(
        select(FlowPoint, Corridor.code).outerjoin(Corridor, Corridor.id == FlowPoint.corridor_id).order_by(FlowPoint.id)
    )
    return [(fp, code) for fp, code in rows]


def corridor_ids_by_code(session: Session, codes: Sequence[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = session.execute(select(Corridor.code, Corridor.id).where(Corridor.code.in_(list(set(codes)))))
    return {c: i for c, i in rows}


# --- the network for placement ------------------------------------------------------------


def network_version(session: Session) -> str:
    """A fingerprint of everything placement depends on (codes, tolerances, edit times).

    Every geodata write sets ``updated_at``, so any change, insert or delete changes it.
    """
    row = session.execute(
        text(
            "SELECT count(*), coalesce(md5(string_agg(code || ':' || tolerance_m || ':' || "
            "extract(epoch from updated_at), ',' ORDER BY code)), '') FROM corridors"
        )
    ).one()
    return hashlib.sha256(f"{row[0]}:{row[1]}".encode()).hexdigest()[:16]


def network_lines(session: Session) -> list[tuple[str, BaseGeometry, float]]:
    rows = session.execute(
        select(Corridor.code, func.ST_AsBinary(Corridor.geom), Corridor.tolerance_m).order_by(Corridor.code)
    )
    return [(code, shapely.from_wkb(bytes(wkb)), float(tol)) for code, wkb, tol in rows]


# --- admin areas as a gazetteer --------------------------------------------------------------


def admin_pcodes_at(session: Session, point: BaseGeometry) -> dict[int, str]:
    """{level: pcode} of the admin areas covering the point (the most recent per level)."""
    rows = session.execute(
        select(AdminArea.level, AdminArea.pcode)
        .where(AdminArea.geom.is_not(None), func.ST_Covers(AdminArea.geom, from_shape(point, srid=4326)))
        .order_by(AdminArea.level, AdminArea.pcode)
    )
    out: dict[int, str] = {}
    for level, pcode in rows:
        out.setdefault(int(level), pcode)
    return out


def admin_pcodes_crossed(session: Session, geom: BaseGeometry) -> list[str]:
    rows = session.execute(
        select(AdminArea.pcode)
        .where(AdminArea.geom.is_not(None), func.ST_Intersects(AdminArea.geom, from_shape(geom, srid=4326)))
        .order_by(AdminArea.level, AdminArea.pcode)
    ).scalars()
    return list(rows)


# --- calendars -------------------------------------------------------------------------------


def list_calendars(
    session: Session,
    *,
    corridor: str | None = None,
    country: str | None = None,
    direction: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Calendar], int]:
    conditions = []
    if corridor:
        conditions.append(Calendar.corridor_code == corridor)
    if country:
        conditions.append(Calendar.country == country.upper())
    if direction:
        conditions.append(Calendar.direction == direction)
    total = session.execute(select(func.count()).select_from(Calendar).where(*conditions)).scalar_one()
    stmt = select(Calendar).where(*conditions).order_by(Calendar.effective_from, Calendar.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars()), int(total)


def calendars_for(session: Session, corridor: str | None, country: str | None) -> list[Calendar]:
    """Every calendar row that could apply to a corridor in a country (both scopes)."""
    conditions = []
    if corridor:
        conditions.append(Calendar.corridor_code == corridor)
    if country:
        conditions.append(Calendar.country == country.upper())
    if not conditions:
        return []
    stmt = select(Calendar).where(or_(*conditions)).order_by(Calendar.effective_from, Calendar.id)
    return list(session.execute(stmt).scalars())


def get_calendar(session: Session, calendar_id: int) -> Calendar | None:
    return session.get(Calendar, calendar_id)


# --- OGC API collections (read only, plain SQL) ------------------------------------------------


@dataclass(frozen=True)
class CollectionSource:
    """How one OGC collection reads its table: id, geometry and time expressions, the
    properties served, and joins. Only these constants are put into SQL text."""

    table: str
    id_expr: str
    geom_expr: str
    properties: tuple[tuple[str, str], ...]  # (output name, SQL expression)
    joins: str = ""
    time_start: str | None = None
    time_end: str | None = None  # None: an instant at time_start
    id_cast: str = "text"
    scope_sql: str | None = None  # condition on :scopes (LIKE patterns) for users with scopes


CORRIDORS_SOURCE = CollectionSource(
    table="corridors c",
    id_expr="c.code",
    geom_expr="c.geom",
    properties=(
        ("code", "c.code"),
        ("name", "c.name"),
        ("tolerance_m", "c.tolerance_m"),
        ("countries", "array_to_json(c.countries)"),
        ("status", "c.status"),
        ("status_reason", "c.status_reason"),
        ("length_km", "c.length_km"),
        ("pcodes", "array_to_json(c.pcodes)"),
        ("updated_at", "c.updated_at"),
    ),
)

FLOW_POINTS_SOURCE = CollectionSource(
    table="flow_points f",
    id_expr="f.code",
    geom_expr="f.geom",
    joins="LEFT JOIN corridors c ON c.id = f.corridor_id",
    properties=(
        ("code", "f.code"),
        ("name", "f.name"),
        ("corridor", "c.code"),
        ("km_along", "f.km_along"),
        ("adm0_pcode", "f.adm0_pcode"),
        ("adm1_pcode", "f.adm1_pcode"),
        ("adm2_pcode", "f.adm2_pcode"),
        ("active", "f.active"),
    ),
)

HAZARDS_SOURCE = CollectionSource(
    table="hazards h",
    id_expr="h.id",
    geom_expr="h.geom",
    id_cast="bigint",
    time_start="h.starts_at",
    time_end="h.ends_at",
    properties=(
        ("kind", "h.kind"),
        ("severity", "h.severity"),
        ("starts_at", "h.starts_at"),
        ("ends_at", "h.ends_at"),
        ("source", "h.source"),
        ("description", "h.description"),
        ("feed", "h.feed_id"),
        ("source_id", "h.source_id"),
        ("source_version", "h.source_version"),
        ("pulled_at", "h.pulled_at"),
    ),
)

@dataclass(frozen=True)
class Published:
    """A collection of the OGC API as its domain publishes it: its description, the source a
    user reads (``source_for(user)``: what each role may see), and whether P-code scopes apply."""

    collection: Collection
    source_for: Callable[[Any], CollectionSource]
    scoped: bool = False


# The SQL behind each layer's OGC collection (corridors.geodata.layers declares which publish one).
LAYER_SOURCES: dict[str, CollectionSource] = {
    "corridors": CORRIDORS_SOURCE, "flow-points": FLOW_POINTS_SOURCE, "hazards": HAZARDS_SOURCE,
}

def _where(
    src: CollectionSource,
    bbox: Bbox | None,
    interval: tuple[datetime | None, datetime | None] | None,
    scopes: Sequence[str],
) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if bbox is not None:
        clauses.append(f"ST_Intersects({src.geom_expr}, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
        params.update(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3])
    if interval is not None and src.time_start:
        start, end = interval
        item_end = src.time_end or src.time_start
        if start is not None:
            # open-ended items (no end) last for ever
            clauses.append(f"({item_end} IS NULL OR {item_end} >= :t0)" if src.time_end else f"{item_end} >= :t0")
            params["t0"] = start
        if end is not None:
            clauses.append(f"{src.time_start} <= :t1")
            params["t1"] = end
    if scopes and src.scope_sql:
        clauses.append(src.scope_sql)
        params["scopes"] = prefix_patterns(scopes)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def ogc_page(
    session: Session,
    src: CollectionSource,
    *,
    bbox: Bbox | None = None,
    interval: tuple[datetime | None, datetime | None] | None = None,
    limit: int = 10,
    after: str | None = None,
    offset: int = 0,
    scopes: Sequence[str] = (),
    count: bool = True,
) -> tuple[list[tuple[Any, str]], bool, int | None]:
    """A page of features in id order: rows (id, the GeoJSON Feature as JSON text, built by
    PostgreSQL), whether more follow, and numberMatched: exact when this page holds the whole
    result, else counted only when ``count`` (None otherwise: counting a large table costs as
    much as reading it).

    Keyset paging: ``after`` is the last id of the previous page, so every page is one index
    range scan however deep it is, and rows inserted meanwhile never shift a page (``offset``
    stays for clients that send it, with its cost)."""
    where, params = _where(src, bbox, interval, scopes)
    everything = f"FROM {src.table} {src.joins}{where}"
    if after is not None:
        cond = f"{src.id_expr} > CAST(:after AS {src.id_cast})"
        where = f"{where} AND {cond}" if where else f" WHERE {cond}"
    base = f"FROM {src.table} {src.joins}{where}"
    rows = session.execute(
        text(f"SELECT {src.id_expr}, {_feature_json(session, src)} {base} ORDER BY {src.id_expr} "
             "LIMIT :limit OFFSET :offset"),
        {**params, "after": after, "limit": limit + 1, "offset": offset},
    ).all()
    more = len(rows) > limit
    out = [(_fid(r[0]), r[1]) for r in rows[:limit]]
    matched = None
    if not (more or offset or after):  # the whole result is this page
        matched = len(out)
    elif count:
        matched = int(session.execute(text(f"SELECT count(*) {everything}"), params).scalar_one())
    return out, more, matched


_TIMESTAMPTZ = 1184
_feature_sql: dict[tuple, str] = {}  # (properties, id, geometry, joins) -> SQL


def _feature_json(session: Session, src: CollectionSource) -> str:
    """SQL building each row's GeoJSON Feature as text in PostgreSQL (no Python object per
    value), times written as ``ogc_item`` writes them (RFC 3339 in UTC with ``Z``)."""
    key = (src.properties, src.id_expr, src.geom_expr, src.joins)
    if key not in _feature_sql:
        probe = session.execute(text(
            f"SELECT {', '.join(expr for _, expr in src.properties)} FROM {src.table} {src.joins} LIMIT 0"))
        kinds = [d[1] for d in probe.cursor.description]
        pairs = []
        for (name, expr), kind in zip(src.properties, kinds, strict=True):
            if kind == _TIMESTAMPTZ:
                expr = (f"to_char(({expr}) AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', {expr}) = {expr} "
                        """THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' END)""")
            pairs.append(f"'{name}', {expr}")
        _feature_sql[key] = (
            f"json_build_object('type', 'Feature', 'id', {src.id_expr}, 'geometry', "
            f"ST_AsGeoJSON({src.geom_expr}, 7)::json, 'properties', json_build_object({', '.join(pairs)}))::text")
    return _feature_sql[key]


def _fid(value: Any) -> Any:
    return value if isinstance(value, (int, str)) else str(value)


def ogc_item(session: Session, src: CollectionSource, fid: str, scopes: Sequence[str] = ()) -> dict[str, Any] | None:
    where, params = _where(src, None, None, scopes)
    cond = f"{src.id_expr}::text = :fid"
    where = f"{where} AND {cond}" if where else f" WHERE {cond}"
    props = ", ".join(f'{expr} AS "p_{name}"' for name, expr in src.properties)
    row = (
        session.execute(
            text(
                f"SELECT {src.id_expr} AS fid, ST_AsGeoJSON({src.geom_expr}, 7)::json AS geometry, {props} "
                f"FROM {src.table} {src.joins}{where}"
            ),
            {**params, "fid": fid},
        )
        .mappings()
        .one_or_none()
    )
    return None if row is None else _feature_row(src, row)


def ogc_extent(session: Session, src: CollectionSource, scopes: Sequence[str] = ()) -> dict[str, Any]:
    """Spatial bbox (None when the table is empty) and temporal [min, max] of a collection."""
    where, params = _where(src, None, None, scopes)
    t_end = src.time_end or src.time_start
    time_cols = f", min({src.time_start}), max({t_end})" if src.time_start else ", NULL, NULL"
    row = session.execute(
        text(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), tmin, tmax FROM ("
            f"SELECT ST_Extent({src.geom_expr}) AS e{time_cols} "
            f"FROM {src.table} {src.joins}{where}) AS x(e, tmin, tmax)"
        ),
        params,
    ).one()
    bbox = None if row[0] is None else [float(row[0]), float(row[1]), float(row[2]), float(row[3])]
    return {"bbox": bbox, "interval": [row[4], row[5]] if src.time_start else None}


def _feature_row(src: CollectionSource, row: Any) -> dict[str, Any]:
    props = {name: row[f"p_{name}"] for name, _ in src.properties}
    fid = row["fid"]
    return {"id": fid if isinstance(fid, (int, str)) else str(fid), "geometry": row["geometry"], "properties": props}


def admin_pcodes_touching(session: Session, geom) -> list[str]:
    """P-codes of every admin area (level <= 2) the geometry touches; one query."""
    rows = session.execute(
        text("SELECT pcode FROM admin_areas WHERE level <= 2 AND geom IS NOT NULL "
             "AND ST_Intersects(geom, ST_GeomFromText(:wkt, 4326))"),
        {"wkt": geom.wkt},
    ).scalars().all()
    return list(rows)
