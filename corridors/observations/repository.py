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
from ttt.facts import COUNT_COLUMNS, SPECIES
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
    "adm2_pcode": "text", "replaces": "uuid", "review": "text", "flags": "jsonb",
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
    review: str | None = None  # received | flagged | approved | rejected
    flag: str | None = None  # an automatic flag code
    id: uuid.UUID | None = None
    limit: int = 100
    offset: int = 0


_LIST_COLUMNS = (
    "o.id, fp.code AS flow_point, o.observed_at, ST_X(o.geom) AS lon, ST_Y(o.geom) AS lat, "
    "o.location_source, o.direction, o.direction_deg, o.movement, o.cattle, o.sheep, o.goats, "
    "o.camels, o.donkeys, o.horses, o.other, o.men, o.women, o.boys, o.girls, o.origin, "
    "o.destination, o.flow_type, o.reason, o.cross_border, o.has_certificate, o.already_counted, "
    "o.notes, u.name AS enumerator, o.source, o.received_at, c.code AS corridor, o.distance_m, "
    "o.km_along, o.off_corridor, o.adm2_pcode, o.replaces, o.review, o.flags, o.reviewed_at, "
    "rv.name AS reviewed_by, o.review_note"
)

#: Rejected observations, read back from the history in the shape of the observations table.
_REJECTED = (
    "(SELECT (jsonb_populate_record(NULL::observations, h.row || jsonb_build_object("
    "'geom', CAST(h.geom AS text), 'review', 'rejected'))).* FROM observation_history h "
    "WHERE h.reason = 'rejected')"
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
    if f.review and f.review != "rejected":
        where.append("o.review = :review")
        params["review"] = f.review
    if f.flag:
        where.append("o.flags @> CAST(:flag AS jsonb)")
        params["flag"] = to_json([{"code": f.flag}]).decode()
    if f.id is not None:
        where.append("o.id = :id")
        params["id"] = f.id
    table = _REJECTED if f.review == "rejected" else "observations"
    base = (
        f" FROM {table} o LEFT JOIN flow_points fp ON fp.id = o.flow_point_id "
        "LEFT JOIN corridors c ON c.id = o.corridor_id LEFT JOIN users u ON u.id = o.enumerator_id "
        "LEFT JOIN users rv ON rv.id = o.reviewed_by "
        "WHERE " + " AND ".join(where)
    )
    total = session.execute(text("SELECT count(*)" + base), params).scalar_one()
    rows = session.execute(
        text(f"SELECT {_LIST_COLUMNS}{base} ORDER BY o.observed_at DESC, o.id LIMIT :limit OFFSET :offset"),
        {**params, "limit": f.limit, "offset": f.offset},
    ).mappings().all()
    return [dict(r) for r in rows], int(total)


# --------------------------------------------------------------------------- versions (edits, rejections)

#: Move observations out of the current set into observation_history, in one statement; the
#: rollup triggers take them out of the statistics and the rules no longer read them.
_ARCHIVE_SQL = text(
    "WITH gone AS (DELETE FROM observations o USING unnest(CAST(:ids AS uuid[]), CAST(:by AS uuid[])) "
    "AS a(id, replaced_by) WHERE o.id = a.id RETURNING o.*, a.replaced_by AS _replaced_by) "
    "INSERT INTO observation_history (observation_id, reason, replaced_by, replaces, archived_at, archived_by, "
    "content_hash, enumerator_id, row, geom) "
    "SELECT g.id, :reason, g._replaced_by, g.replaces, now(), :user, g.content_hash, g.enumerator_id, "
    "to_jsonb(g) - 'geom' - '_replaced_by', g.geom FROM gone g RETURNING observation_id"
)


def archive(session: Session, ids: Sequence[uuid.UUID], reason: str, replaced_by: Sequence[uuid.UUID | None] | None = None,
            user_id: int | None = None) -> set[uuid.UUID]:
    """Move current observations to the history (``replaced`` by an edit or ``rejected``);
    returns the ids moved."""
    if not ids:
        return set()
    by = list(replaced_by) if replaced_by is not None else [None] * len(ids)
    rows = session.execute(_ARCHIVE_SQL, {"ids": [str(i) for i in ids], "by": [None if b is None else str(b) for b in by],
                                          "reason": reason, "user": user_id}).scalars()
    return set(rows)


def restore(session: Session, observation_id: uuid.UUID) -> bool:
    """Bring a rejected observation back into the current set (and the rules queue)."""
    row = session.execute(
        text("DELETE FROM observation_history WHERE observation_id = :id AND reason = 'rejected' "
             "RETURNING row, geom"), {"id": observation_id}).first()
    if row is None:
        return False
    session.execute(
        text("INSERT INTO observations SELECT (jsonb_populate_record(NULL::observations, "
             "CAST(:row AS jsonb) || jsonb_build_object('geom', CAST(:geom AS text)))).*"),
        {"row": to_json(row[0]).decode(), "geom": row[1]})
    session.execute(text("INSERT INTO rule_queue (observation_id, enqueued_at) VALUES (:id, now()) "
                         "ON CONFLICT (observation_id) DO NOTHING"), {"id": observation_id})
    return True


def archived(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str, uuid.UUID | None]]:
    """Ids already in the history: id -> (content hash, reason, replaced_by)."""
    if not ids:
        return {}
    rows = session.execute(
        text("SELECT observation_id, content_hash, reason, replaced_by FROM observation_history "
             "WHERE observation_id = ANY(CAST(:ids AS uuid[]))"), {"ids": [str(i) for i in ids]}).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


@dataclass(frozen=True)
class Version:
    id: uuid.UUID
    current: bool
    enumerator_id: int | None
    replaced_by: uuid.UUID | None
    adm2_pcode: str | None = None


def versions(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Version]:
    """Where each id is: current (observations) or in the history (with what replaced it)."""
    if not ids:
        return {}
    rows = session.execute(
        text("SELECT id, true, enumerator_id, NULL::uuid, adm2_pcode FROM observations "
             "WHERE id = ANY(CAST(:ids AS uuid[])) "
             "UNION ALL SELECT observation_id, false, enumerator_id, replaced_by, row->>'adm2_pcode' "
             "FROM observation_history WHERE observation_id = ANY(CAST(:ids AS uuid[]))"),
        {"ids": [str(i) for i in ids]}).all()
    return {r[0]: Version(r[0], r[1], r[2], r[3], r[4]) for r in rows}


def replacing(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Versions (current or already replaced themselves) that name one of ``ids`` in
    ``replaces``, i.e. edits that arrived before the version they replace: replaced id ->
    replacing id."""
    if not ids:
        return {}
    rows = session.execute(
        text("SELECT replaces, id FROM (SELECT replaces, id, received_at FROM observations "
             "WHERE replaces = ANY(CAST(:ids AS uuid[])) UNION ALL SELECT replaces, observation_id, archived_at "
             "FROM observation_history WHERE reason = 'replaced' AND replaces = ANY(CAST(:ids AS uuid[]))) v "
             "ORDER BY received_at"),
        {"ids": [str(i) for i in ids]}).all()
    return {r[0]: r[1] for r in rows}


def set_flags(session: Session, flags: dict[uuid.UUID, list[dict[str, str]]]) -> None:
    """Replace the automatic flags of some observations (review becomes flagged when any)."""
    if not flags:
        return
    session.execute(
        text("UPDATE observations o SET flags = f.flags, review = CASE WHEN o.review = 'approved' THEN o.review "
             "WHEN jsonb_array_length(f.flags) > 0 THEN 'flagged' ELSE 'received' END "
             "FROM json_to_recordset(CAST(:rows AS json)) AS f(id uuid, flags jsonb) WHERE o.id = f.id"),
        {"rows": to_json([{"id": str(k), "flags": v} for k, v in flags.items()]).decode()})


# --------------------------------------------------------------------------- QA context


def point_distributions(session: Session, flow_point_ids: Sequence[int], before: datetime, last_n: int = 100
                        ) -> dict[int, tuple[int, float, float, float]]:
    """Per flow point, over its last ``last_n`` herds before ``before``: (herds, q1, median, q3)
    of the total animals per herd."""
    if not flow_point_ids:
        return {}
    rows = session.execute(text(
        "SELECT p.fp, count(t.total), percentile_cont(0.25) WITHIN GROUP (ORDER BY t.total), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY t.total), percentile_cont(0.75) WITHIN GROUP (ORDER BY t.total) "
        "FROM unnest(CAST(:fps AS int[])) AS p(fp) CROSS JOIN LATERAL ("
        "  SELECT cattle + sheep + goats + camels + donkeys + horses + other AS total FROM observations o "
        "  WHERE o.flow_point_id = p.fp AND o.observed_at < :before ORDER BY o.observed_at DESC LIMIT :n) t "
        "GROUP BY p.fp"), {"fps": sorted(set(flow_point_ids)), "before": before, "n": last_n}).all()
    return {r[0]: (int(r[1]), float(r[2]), float(r[3]), float(r[4])) for r in rows}


def upstream_matches(session: Session, herds: list[dict[str, Any]], days: float) -> dict[str, tuple[str, datetime]]:
    """Herds (``key``, ``fp``, ``t``, ``origin``, ``destination``, species counts) seen with the
    same origin, destination and composition at another flow point within ``days`` before:
    key -> (that flow point's code, when)."""
    if not herds:
        return {}
    species = SPECIES
    # one scan of the batch's time span, hash-joined on the herd's description (not one index
    # probe per herd: at a season's scale that is millions of row visits per batch)
    rows = session.execute(text(
        "WITH h AS (SELECT * FROM json_to_recordset(CAST(:herds AS json)) AS h("
        "key text, fp int, t timestamptz, origin text, destination text, "
        + ", ".join(f"{s} int" for s in species) + ")), "
        "span AS (SELECT min(t) - make_interval(secs => :secs) AS lo, max(t) AS hi FROM h) "
        "SELECT DISTINCT ON (h.key) h.key, fp.code, o.observed_at FROM span, h JOIN observations o "
        "ON o.origin = h.origin AND o.destination = h.destination AND "
        + " AND ".join(f"o.{s} = h.{s}" for s in species)
        + " JOIN flow_points fp ON fp.id = o.flow_point_id "
        "WHERE o.observed_at >= span.lo AND o.observed_at < span.hi AND o.flow_point_id <> h.fp "
        "AND o.observed_at < h.t AND o.observed_at >= h.t - make_interval(secs => :secs) "
        "ORDER BY h.key, o.observed_at DESC"),
        {"herds": to_json(herds, fallback=plain).decode(), "secs": days * 86400.0}).all()
    return {r[0]: (r[1], r[2]) for r in rows}


# --------------------------------------------------------------------------- zero reports

_ZERO_INSERT = text(
    "WITH u AS (SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS u(id uuid, flow_point_id int, "
    "first_day date, last_day date, reported_at timestamptz, notes text, enumerator_id int, source text, "
    "received_at timestamptz, content_hash text)), "
    "ins AS (INSERT INTO zero_reports (id, flow_point_id, first_day, last_day, reported_at, notes, enumerator_id, "
    "source, received_at, content_hash) SELECT * FROM u ON CONFLICT (id) DO NOTHING RETURNING id) "
    "SELECT u.id, z.content_hash FROM u JOIN zero_reports z ON z.id = u.id "
    "WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = u.id)"
)


def insert_zero_reports(session: Session, rows: list[dict[str, Any]]) -> dict[uuid.UUID, str]:
    """Insert zero reports; returns id -> stored hash of those that already existed."""
    if not rows:
        return {}
    payload = to_json(rows, fallback=plain).decode()
    return {r[0]: r[1] for r in session.execute(_ZERO_INSERT, {"rows": payload})}


def drop_flag(session: Session, ids: Sequence[uuid.UUID], code: str) -> None:
    """Remove one automatic flag (e.g. an edit's unknown original has now arrived)."""
    if not ids:
        return
    session.execute(text(
        "UPDATE observations o SET flags = f.kept, review = CASE WHEN o.review = 'approved' THEN o.review "
        "WHEN jsonb_array_length(f.kept) > 0 THEN 'flagged' ELSE 'received' END "
        "FROM (SELECT o2.id, coalesce(jsonb_agg(e) FILTER (WHERE e->>'code' <> :code), '[]'::jsonb) AS kept "
        "      FROM observations o2 LEFT JOIN LATERAL jsonb_array_elements(o2.flags) e ON true "
        "      WHERE o2.id = ANY(CAST(:ids AS uuid[])) GROUP BY o2.id) f WHERE o.id = f.id"),
        {"ids": [str(i) for i in ids], "code": code})


def set_review(session: Session, observation_id: uuid.UUID, review: str, user_id: int | None, note: str | None) -> None:
    session.execute(text("UPDATE observations SET review = :r, reviewed_by = :u, reviewed_at = now(), review_note = :n "
                         "WHERE id = :id"), {"r": review, "u": user_id, "n": note, "id": observation_id})


def version_history(session: Session, observation_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every archived version of the chain an observation belongs to (oldest first)."""
    rows = session.execute(text(
        "WITH RECURSIVE back(id, depth) AS (SELECT CAST(:id AS uuid), 0 UNION "
        "  SELECT h.observation_id, b.depth + 1 FROM back b JOIN observation_history h ON h.replaced_by = b.id "
        "  WHERE b.depth < 100) "
        "SELECT h.observation_id, h.reason, h.replaced_by, h.archived_at, h.row FROM back b "
        "JOIN observation_history h ON h.observation_id = b.id ORDER BY b.depth DESC"), {"id": observation_id}).all()
    return [{"id": str(r[0]), "reason": r[1], "replaced_by": None if r[2] is None else str(r[2]),
             "archived_at": r[3].isoformat(), "counts": {s: r[4].get(s) for s in SPECIES},
             "observed_at": r[4].get("observed_at")} for r in rows]


def flagged_among(session: Session, ids: Sequence[str]) -> dict[str, list[str]]:
    """Which of these observations are flagged for review, with their flag codes."""
    if not ids:
        return {}
    rows = session.execute(text(
        "SELECT id, flags FROM observations WHERE id = ANY(CAST(:ids AS uuid[])) AND review = 'flagged'"),
        {"ids": list(ids)}).all()
    return {str(r[0]): [f["code"] for f in r[1]] for r in rows}


def zero_report_days(session: Session, since: datetime | None, until: datetime) -> dict[int, list[int]]:
    """Per flow point id, the UTC days (as epoch seconds of their start) reported "no herd
    passed" between ``since`` and ``until``, days with a counted herd left out."""
    rows = session.execute(text(
        "SELECT z.flow_point_id, array_agg(DISTINCT extract(epoch FROM d)::bigint ORDER BY extract(epoch FROM d)::bigint) "
        "FROM zero_reports z, generate_series(CAST(z.first_day AS timestamp), CAST(z.last_day AS timestamp), interval '1 day') AS d "
        "WHERE z.last_day >= CAST(:since AS date) AND z.first_day <= CAST(:until AS date) "
        "AND d BETWEEN CAST(:since AS date) AND CAST(:until AS date) "
        "AND NOT EXISTS (SELECT 1 FROM daily_rollups r WHERE r.flow_point_id = z.flow_point_id AND r.day = d::date) "
        "GROUP BY z.flow_point_id"),
        {"since": since or datetime(1900, 1, 1), "until": until}).all()
    return {r[0]: list(r[1]) for r in rows}
