"""Every query of the alerts and rules area.

Snapshot loading is column-wise: observations come out of PostgreSQL as one binary COPY
stream read straight into a numpy record array, so a season (~1M rows) loads without
building a Python object per value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from geoalchemy2.shape import to_shape
from sqlalchemy import Select, Text, func, or_, select, text
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from alerts.alerts.models import LIVE_SQL, Alert, RuleRun
from alerts.rules.model import (
    SPECIES,
    Corridor,
    FlowPoint,
    Hazard,
    Observations,
    Snapshot,
)
from alerts.rules.screen import PointDays
from corridors.calendars import CalendarEntry
from corridors.feeds.models import HazardFeed
from corridors.geodata import models as geo
from ttt.scope import pcodes_in_sql, prefix_patterns
from ttt.versioned import versioned

ALERT_LOCK = 7_243_001  # pg_advisory_xact_lock key: one alert writer at a time


@dataclass
class Network:
    """Corridors, flow points, calendars and hazards as the rules see them, plus the maps
    between database ids and snapshot indexes and the P-codes of each place."""

    corridors: tuple[Corridor, ...]
    flow_points: tuple[FlowPoint, ...]
    calendars: tuple[CalendarEntry, ...]
    hazards: tuple[Hazard, ...]
    corridor_index: dict[int, int] = field(default_factory=dict)  # db id -> index
    fp_index: dict[int, int] = field(default_factory=dict)
    fp_pcode: dict[str, str | None] = field(default_factory=dict)  # code -> adm2 (or coarser)
    corridor_pcodes: dict[str, list[str]] = field(default_factory=dict)


_GEODATA = ("corridors", "flow_points", "calendars", "hazards")
_network_cache: dict = {}  # database URL -> (version, network)


def load_network(session: Session) -> Network:
    """The network as the rules see it, reused while the geodata tables are unchanged.

    Their version is the count and the transaction ids (``xmin``) of their rows: any insert,
    update or delete, by the API or straight in SQL, makes a new one. Reading it costs a few
    small scans; building the network (geometries parsed) ~20 ms at 500 flow points.
    """
    version = session.execute(text("SELECT " + " || '|' || ".join(
        f"(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM {t})" for t in _GEODATA
    ))).scalar_one()
    url = session.get_bind().url.render_as_string(hide_password=True)
    return versioned(_network_cache, url, version, lambda: _build_network(session))


def _build_network(session: Session) -> Network:
    corridors, c_index, c_pcodes = [], {}, {}
    for row in session.scalars(select(geo.Corridor).order_by(geo.Corridor.id)):
        c_index[row.id] = len(corridors)
        corridors.append(Corridor(row.code, to_shape(row.geom), float(row.tolerance_m or 5000.0), row.status,
                                  tuple(c.upper() for c in (row.countries or ()))))
        c_pcodes[row.code] = list(row.pcodes or []) or [c.upper() for c in (row.countries or ())]
    points, f_index, f_pcode = [], {}, {}
    for row in session.scalars(select(geo.FlowPoint).order_by(geo.FlowPoint.id)):
        f_index[row.id] = len(points)
        ci = c_index.get(row.corridor_id, -1) if row.corridor_id is not None else -1
        country = (row.adm0_pcode or "")[:2].upper() or (corridors[ci].countries[0] if ci >= 0 and corridors[ci].countries else None)
        points.append(FlowPoint(row.code, ci, country, bool(row.active), to_shape(row.geom)))
        f_pcode[row.code] = row.adm2_pcode or row.adm1_pcode or row.adm0_pcode
    calendars = tuple(
        CalendarEntry(r.corridor_code, r.country, r.direction, r.opens, r.closes, r.effective_from, r.source or "")
        for r in session.scalars(select(geo.Calendar).order_by(geo.Calendar.id))
    )
    hazards = tuple(
        Hazard(r.id, r.kind, r.severity, to_shape(r.geom), r.starts_at, r.ends_at, r.updated_at.isoformat())
        for r in session.scalars(select(geo.Hazard).order_by(geo.Hazard.id))
    )
    return Network(tuple(corridors), tuple(points), calendars, hazards, c_index, f_index, f_pcode, c_pcodes)


_COPY_COLUMNS = (
    ("id", "o.id", "V16"),
    ("t", "extract(epoch FROM o.observed_at)::int8", ">i8"),
    ("fp", "coalesce(o.flow_point_id, -1)::int4", ">i4"),
    ("corridor", "coalesce(o.corridor_id, -1)::int4", ">i4"),
    *((s, f"o.{s}::int4", ">i4") for s in SPECIES),
    ("movement", "(CASE o.movement WHEN 'descent' THEN 1 WHEN 'return' THEN 2 ELSE 0 END)::int2", ">i2"),
    ("off", "o.off_corridor", "u1"),
    ("distance", "coalesce(o.distance_m, 'NaN')::float8", ">f8"),
    ("lon", "ST_X(o.geom)::float8", ">f8"),
    ("lat", "ST_Y(o.geom)::float8", ">f8"),
    ("heading", "coalesce(o.direction_deg, 'NaN')::float8", ">f8"),
    ("counted", "coalesce(o.already_counted, false)", "u1"),
    ("origin", "coalesce(po.i - 1, -1)::int4", ">i4"),
    ("destination", "coalesce(pd.i - 1, -1)::int4", ">i4"),
)
_COPY_DTYPE = np.dtype([("n", ">i2")] + [x for name, _, t in _COPY_COLUMNS for x in ((f"len_{name}", ">i4"), (name, t))])
_COPY_HEADER = 19  # PGCOPY signature, flags, header extension length


def load_observations(
    session: Session,
    network: Network,
    *,
    until: datetime,
    since: datetime | None = None,
    corridor_ids: Sequence[int] | None = None,
    flow_point_ids: Sequence[int] | None = None,
    ids: Sequence[str] | None = None,
    spans: Sequence[tuple[datetime, datetime]] | None = None,
) -> Observations:
    """Observations up to ``until`` (and from ``since``, and inside ``spans``), optionally
    only those on the given corridors / flow points / ids (any of them), ordered by time.

    Read with ``COPY ... (FORMAT BINARY)``: every column is fixed-width and never null (nulls
    become -1 or NaN in SQL), so the stream is one numpy record array, with no Python object
    per value; a season of a million herds loads in about a second. Sorted in numpy (by time,
    then id, as ``ORDER BY observed_at, id`` would) so PostgreSQL streams rows as it reads them.
    """
    where = ["o.observed_at <= %(until)s"]
    params: dict[str, Any] = {"until": until}
    if since is not None:
        where.append("o.observed_at >= %(since)s")
        params["since"] = since
    if spans is not None:  # only rows inside these time spans (inclusive)
        where.append("(" + " OR ".join(f"o.observed_at BETWEEN %(a{i})s AND %(b{i})s" for i in range(len(spans)))
                     + ")" if spans else "false")
        for i, (a, b) in enumerate(spans):
            params[f"a{i}"], params[f"b{i}"] = a, b
    places = []
    if corridor_ids is not None:
        places.append("o.corridor_id = ANY(%(cids)s::int[])")
        params["cids"] = list(corridor_ids)
    if flow_point_ids is not None:
        places.append("o.flow_point_id = ANY(%(fids)s::int[])")
        params["fids"] = list(flow_point_ids)
    if ids is not None:
        places.append("o.id = ANY(%(ids)s::uuid[])")
        params["ids"] = [str(i) for i in ids]
    if places:
        where.append("(" + " OR ".join(places) + ")")
    cond = " AND ".join(where)
    # origins and destinations become codes into one vocabulary, looked up in SQL
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(f"SELECT DISTINCT x.v FROM observations o, LATERAL (VALUES (o.origin), (o.destination)) x(v) "
                    f"WHERE {cond} AND x.v IS NOT NULL ORDER BY 1", params)
        vocab = [r[0] for r in cur.fetchall()]
    params["vocab"] = vocab
    select_list = ", ".join(expr for _, expr, _ in _COPY_COLUMNS)
    sql = (
        f"COPY (SELECT {select_list} FROM observations o "
        "LEFT JOIN unnest(%(vocab)s::text[]) WITH ORDINALITY po(v, i) ON po.v = o.origin "
        "LEFT JOIN unnest(%(vocab)s::text[]) WITH ORDINALITY pd(v, i) ON pd.v = o.destination "
        f"WHERE {cond}) TO STDOUT (FORMAT BINARY)"
    )
    data = bytearray()  # one growing buffer: the stream is never held twice
    with raw.cursor() as cur, cur.copy(sql, params) as copy:
        for chunk in copy:
            data += chunk
    end = len(data) - 2 if len(data) > _COPY_HEADER + 2 else _COPY_HEADER
    rec = np.frombuffer(memoryview(data)[_COPY_HEADER:end], dtype=_COPY_DTYPE)
    # in time order (ties by id), sorted here rather than by PostgreSQL: cheaper for both
    ids = np.frombuffer(rec["id"].tobytes(), dtype=">u8").reshape(-1, 2)
    rec = rec[np.lexsort((ids[:, 1], ids[:, 0], rec["t"]))]
    del data
    return _observations_from_records(rec, network, tuple(vocab))


_DAYS_COLUMNS = (  # name, SQL value, its binary form's numpy type
    ("day", "int4send((r.day - date '1970-01-01')::int4)", ">i4"),
    ("fp", "int4send(r.flow_point_id::int4)", ">i4"),
    ("movement", "int2send((CASE r.movement WHEN 'descent' THEN 1 WHEN 'return' THEN 2 ELSE 0 END)::int2)", ">i2"),
    ("herds", "int4send(r.observations::int4)", ">i4"),
    ("species", "int2send((" + " | ".join(f"((r.{s} > 0)::int << {i})" for i, s in enumerate(SPECIES)) + ")::int2)",
     ">i2"),
)


def point_days(session: Session, network: Network, flow_point_ids: Sequence[int], since: datetime,
               before: datetime) -> PointDays:
    """Daily herd counts (and the species seen) at the given flow points in [since, before),
    from the statistics' daily rollups (kept by triggers in the same transaction as every
    insert). Each column comes back as one binary string (``string_agg`` of the values'
    binary forms, every column in the same row order), read by numpy without a Python
    object per row."""
    sql = (f"SELECT {', '.join(f'string_agg({e}, NULL)' for _, e, _ in _DAYS_COLUMNS)} FROM daily_rollups r "
           "WHERE r.flow_point_id = ANY(%(fids)s::int[]) AND r.day >= (%(since)s AT TIME ZONE 'UTC')::date "
           "AND r.day < (%(before)s AT TIME ZONE 'UTC')::date")
    raw = session.connection().connection.driver_connection
    with raw.cursor(binary=True) as cur:
        cur.execute(sql, {"fids": list(flow_point_ids), "since": since, "before": before})
        row = cur.fetchone()
    cols = {name: np.frombuffer(data or b"", dtype=kind) for (name, _, kind), data in zip(_DAYS_COLUMNS, row, strict=True)}
    fmap = _index_map(network.fp_index)
    return PointDays(
        day=cols["day"].astype(np.int64),
        flow_point=fmap[cols["fp"].astype(np.int64)],
        movement=cols["movement"].astype(np.int8),
        herds=cols["herds"].astype(np.int64),
        species=cols["species"].astype(np.int64),
    )


def unseen_values(session: Session, column: str, pairs: Sequence[tuple[int, str, datetime]],
                  since: datetime) -> list[tuple[int, str]]:
    """Of (flow point id, value, season start), those whose value never appears in ``column``
    (origin or destination) at that point between ``since`` and the season start."""
    if column not in ("origin", "destination"):
        raise ValueError(f"unseen_values: column {column!r}")
    if not pairs:
        return []
    rows = session.execute(
        text(
            "SELECT p.fp, p.v FROM unnest(CAST(:fps AS int[]), CAST(:vals AS text[]), CAST(:ends AS timestamptz[])) "
            "AS p(fp, v, ends) WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.flow_point_id = p.fp "
            f"AND o.observed_at >= :since AND o.observed_at < p.ends AND o.{column} = p.v)"
        ),
        {"fps": [p[0] for p in pairs], "vals": [p[1] for p in pairs], "ends": [p[2] for p in pairs], "since": since},
    ).all()
    return [(int(r[0]), r[1]) for r in rows]


def _index_map(mapping: dict[int, int]) -> np.ndarray:
    """Database id -> snapshot index as an array (last slot, index -1, maps to -1)."""
    size = (max(mapping) + 1) if mapping else 0
    table = np.full(size + 1, -1, dtype=np.int32)
    for db_id, idx in mapping.items():
        table[db_id] = idx
    return table


def _observations_from_records(rec: np.ndarray, network: Network, vocab: tuple[str, ...]) -> Observations:
    n = len(rec)
    fmap = _index_map(network.fp_index)
    cmap = _index_map(network.corridor_index)
    fp_db = rec["fp"].astype(np.int64)
    co_db = rec["corridor"].astype(np.int64)
    fp = np.where((fp_db >= 0) & (fp_db < len(fmap) - 1), fmap[np.clip(fp_db, -1, len(fmap) - 2)], -1)
    co = np.where((co_db >= 0) & (co_db < len(cmap) - 1), cmap[np.clip(co_db, -1, len(cmap) - 2)], -1)
    return Observations(
        id=rec["id"].copy(),  # raw 16-byte UUIDs; shown as text only for the evidence of findings
        observed_at=rec["t"].astype(np.int64).astype("datetime64[s]"),
        flow_point=fp.astype(np.int32),
        corridor=co.astype(np.int32),
        animals=np.stack([rec[s].astype(np.int64) for s in SPECIES], axis=1) if n else np.zeros((0, len(SPECIES)), np.int64),
        movement=rec["movement"].astype(np.int8),
        off_corridor=rec["off"].astype(bool),
        distance_m=rec["distance"].astype(np.float64),
        origin=rec["origin"].astype(np.int32),
        destination=rec["destination"].astype(np.int32),
        lon=rec["lon"].astype(np.float64),
        lat=rec["lat"].astype(np.float64),
        heading=rec["heading"].astype(np.float64),
        already_counted=rec["counted"].astype(bool),
        species=SPECIES,
        places=vocab,
    )


def snapshot(network: Network, observations: Observations, zero_days: dict | None = None) -> Snapshot:
    return Snapshot(observations, network.corridors, network.flow_points, network.calendars, network.hazards,
                    zero_days or {})


def zero_days(session: Session, network: Network, since: datetime | None, until: datetime) -> dict[int, np.ndarray]:
    """Days each flow point reported "no herd passed" (flow point index -> UTC day starts in
    epoch seconds), from ``since`` (None: all) to ``until``."""
    from corridors.observations.repository import zero_report_days

    out: dict[int, np.ndarray] = {}
    for fp_id, days in zero_report_days(session, since, until).items():
        if fp_id in network.fp_index:
            out[network.fp_index[fp_id]] = np.array(days, dtype=np.int64)
    return out


# --- the queue written by ingestion -------------------------------------------------------


def claim_queue(session: Session, limit: int) -> list[tuple[int, str]]:
    """Lock up to ``limit`` queued observations no other runner holds: (queue id, observation id)."""
    rows = session.execute(
        text("SELECT id, observation_id::text FROM rule_queue ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"),
        {"n": limit},
    ).all()
    return [(r[0], r[1]) for r in rows]


def delete_queue(session: Session, queue_ids: Sequence[int]) -> None:
    if queue_ids:
        session.execute(text("DELETE FROM rule_queue WHERE id = ANY(CAST(:ids AS bigint[]))"), {"ids": list(queue_ids)})


def places_of(session: Session, observation_ids: Sequence[str]
              ) -> tuple[list[int], list[int], datetime | None, list[str]]:
    """Corridors (own and their flow points'), flow points, earliest time, and the ids of
    those on no corridor and at no flow point, of the given observations (one query)."""
    row = session.execute(
        text(
            "SELECT array_agg(DISTINCT coalesce(o.corridor_id, fp.corridor_id)) "
            "  FILTER (WHERE coalesce(o.corridor_id, fp.corridor_id) IS NOT NULL), "
            "array_agg(DISTINCT o.flow_point_id) FILTER (WHERE o.flow_point_id IS NOT NULL), min(o.observed_at), "
            "array_agg(o.id::text) FILTER (WHERE o.flow_point_id IS NULL AND o.corridor_id IS NULL) "
            "FROM observations o LEFT JOIN flow_points fp ON fp.id = o.flow_point_id "
            "WHERE o.id = ANY(CAST(:ids AS uuid[]))"
        ),
        {"ids": list(observation_ids)},
    ).one()
    return list(row[0] or []), list(row[1] or []), row[2], list(row[3] or [])


def rows_by_place(session: Session, since: datetime, corridor_ids: Sequence[int],
                  flow_point_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """Observations since ``since`` per (corridor id, flow point id) (0 = none) on the given
    corridors or at the given points, from the monthly rollups: an estimate (whole months)
    cheap enough to plan a run with."""
    rows = session.execute(
        text(
            "SELECT corridor_id, flow_point_id, sum(observations) FROM monthly_rollups "
            "WHERE month >= date_trunc('month', CAST(:since AS timestamptz) AT TIME ZONE 'UTC') "
            "AND (corridor_id = ANY(CAST(:c AS int[])) OR flow_point_id = ANY(CAST(:f AS int[]))) GROUP BY 1, 2"
        ),
        {"since": since, "c": list(corridor_ids), "f": list(flow_point_ids)},
    ).all()
    return {(int(r[0]), int(r[1])): int(r[2]) for r in rows}


def herd_totals(session: Session, observation_ids: Sequence[str], species: Sequence[str]) -> tuple[int, float]:
    """(herds, animals) of these observations (ids that are not observations count nothing)."""
    ids = [i for i in observation_ids if _UUID.fullmatch(str(i))]
    if not ids:
        return 0, 0.0
    animals = " + ".join(f"coalesce({s}, 0)" for s in species if s.isidentifier())
    row = session.execute(text(f"SELECT count(*), coalesce(sum({animals}), 0) FROM observations "
                               "WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids}).one()
    return int(row[0]), float(row[1])


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def adm2_of(session: Session, observation_ids: Iterable[str]) -> list[str]:
    ids = list(observation_ids)
    if not ids:
        return []
    rows = session.execute(
        text("SELECT DISTINCT adm2_pcode FROM observations WHERE id = ANY(CAST(:ids AS uuid[])) "
             "AND adm2_pcode IS NOT NULL ORDER BY 1"),
        {"ids": ids},
    ).scalars()
    return list(rows)


# --- alerts -------------------------------------------------------------------------------


def lock_alerts(session: Session) -> None:
    """Serialise alert writers (engine runs, event reports) until the transaction ends."""
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ALERT_LOCK})


def _live():
    return (Alert.status != "resolved") & (Alert.verification != "dismissed")


def alerts_for_merge(session: Session, keys: Sequence[str], rule_places: Sequence[tuple[str, str]],
                     since: datetime | None = None, incident_types: Sequence[str] = (),
                     corridors: Sequence[str] = ()) -> list[Alert]:
    """Alerts a set of findings may merge into: any holding one of the keys; live ones of the
    same rule and place; closed ones of the same rule and place whose window ends after
    ``since`` (their resolution may hold); live ones of an incident type on the same
    corridors whose window ends after ``since`` (the same herds may be one incident)."""
    if not keys:
        return []
    conds = [Alert.dedup_keys.has_any(array(list(keys), type_=Text))]
    rules = sorted({r for r, _ in rule_places})
    places = sorted({p for _, p in rule_places})
    same = Alert.rule_id.in_(rules) & Alert.place.in_(places)
    conds.append(_live() & same)
    if since is not None:
        conds.append(same & (Alert.window_end >= since))
        if incident_types and corridors:
            conds.append(_live() & Alert.type.in_(list(incident_types)) & Alert.corridor_code.in_(sorted(set(corridors)))
                         & (Alert.window_end >= since))
    return list(session.scalars(select(Alert).where(or_(*conds)).order_by(Alert.id)))


def response_rows(session: Session, start: datetime, end: datetime, *, type: str | None, severity: str | None,
                  pcode: str | None, scopes: Sequence[str]) -> list[Alert]:
    """Alerts raised in [start, end) for the response figures, in the caller's areas."""
    q = select(Alert).where(Alert.created_at >= start, Alert.created_at < end)
    if type:
        q = q.where(Alert.type == type)
    if severity:
        q = q.where(Alert.severity == severity)
    for i, prefixes in enumerate(p for p in ([pcode] if pcode else [], list(scopes)) if p):
        q = q.where(text(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(coalesce(alerts.pcodes, '[]'::jsonb)) p(code), "
            f"unnest(CAST(:pre{i} AS text[])) s(prefix) WHERE upper(p.code) LIKE upper(s.prefix) || '%')"
        ).bindparams(**{f"pre{i}": prefixes}))
    return list(session.scalars(q.order_by(Alert.created_at, Alert.id)))


def live_alerts_for_tick(session: Session, ended_before: datetime) -> list[Alert]:
    """Live alerts that may be due to close or remind (window ended before ``ended_before``,
    confirmed, or about a hazard), locked, skipping those another writer holds."""
    due = (Alert.window_end <= ended_before) | (Alert.verification == "confirmed") | (Alert.type == "hazard")
    return list(session.scalars(select(Alert).where(_live() & due).order_by(Alert.id).with_for_update(skip_locked=True)))


def hazard_end(session: Session, hazard_id: Any) -> datetime | None:
    """When a hazard ended (None: still going, or unknown)."""
    try:
        hid = int(hazard_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(select(geo.Hazard.ends_at).where(geo.Hazard.id == hid))


@dataclass
class AlertFilter:
    type: str | None = None
    status: str | None = None
    severity: str | None = None
    corridor: str | None = None
    flow_point: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    scopes: tuple[str, ...] = ()
    held_visible_to: str | None = None  # None: held alerts shown; a name: only that reporter's held ones
    limit: int = 50
    offset: int = 0


def _filtered(f: AlertFilter) -> Select:
    q = select(Alert)
    if f.type:
        q = q.where(Alert.type == f.type)
    if f.status:
        q = q.where(Alert.status == f.status)
    if f.severity:
        q = q.where(Alert.severity == f.severity)
    if f.corridor:
        q = q.where(Alert.corridor_code == f.corridor)
    if f.flow_point:
        q = q.where(Alert.flow_point_code == f.flow_point)
    # an alert is "in" [since, until] when its window overlaps it (or, without a window, its creation)
    if f.since:
        q = q.where(func.coalesce(Alert.window_end, Alert.created_at) >= f.since)
    if f.until:
        q = q.where(func.coalesce(Alert.window_start, Alert.created_at) <= f.until)
    if f.held_visible_to is not None:
        q = q.where(Alert.held.is_(False) | Alert.reporters.contains([f.held_visible_to]))
    if f.scopes:
        q = q.where(text(pcodes_in_sql("alerts.pcodes")).bindparams(scopes=prefix_patterns(f.scopes)))
    return q


def list_alerts(session: Session, f: AlertFilter) -> tuple[list[Alert], int]:
    q = _filtered(f)
    total = session.scalar(select(func.count()).select_from(q.subquery()))
    rows = session.scalars(q.order_by(Alert.updated_at.desc(), Alert.id.desc()).limit(f.limit).offset(f.offset))
    return list(rows), int(total or 0)


def get_alert(session: Session, alert_id: int, *, for_update: bool = False) -> Alert | None:
    q = select(Alert).where(Alert.id == alert_id)
    if for_update:
        q = q.with_for_update()
    return session.scalar(q)


def nearby_event_alert(session: Session, kind: str, geom, at: datetime, km: float, hours: float,
                       exclude_key: str | None = None) -> Alert | None:
    """The nearest live event alert of this kind within ``km`` and ``hours`` of a report."""
    if geom is None:
        return None
    from datetime import timedelta

    point = func.ST_GeomFromText(geom.centroid.wkt, 4326)
    gap = timedelta(hours=hours)
    near = func.ST_DWithin(func.Geography(Alert.geom), func.Geography(point), km * 1000.0)
    q = (select(Alert).where(_live(), Alert.type == "event", Alert.event_kind == kind, Alert.geom.is_not(None), near,
                             Alert.window_end >= at - gap, Alert.window_start <= at + gap)
         .order_by(func.ST_Distance(func.Geography(Alert.geom), func.Geography(point)), Alert.id.desc()).limit(1))
    if exclude_key:
        exact = session.scalar(select(Alert).where(_live(), Alert.dedup_key == exclude_key))
        if exact is not None:
            return None  # the report's own place and day already has its alert
    return session.scalar(q)


def alerts_by_key(session: Session, key: str) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.dedup_keys.has_key(key)).order_by(Alert.id)))


# --- runs ---------------------------------------------------------------------------------


def last_run_until(session: Session, kind: str) -> datetime | None:
    return session.scalar(select(func.max(RuleRun.until)).where(RuleRun.kind == kind, RuleRun.finished_at.is_not(None)))


def add_run(session: Session, run: RuleRun) -> RuleRun:
    session.add(run)
    session.flush()
    return run


def live_hazard_alerts(session: Session) -> list[Alert]:
    """Open or acknowledged HAZARD alerts (their place names the hazard: ``hazard:<id>|...``)."""
    stmt = (select(Alert).where(Alert.type == "hazard", Alert.status.in_(("open", "acknowledged")),
                                Alert.place.like("hazard:%")).order_by(Alert.id).with_for_update())
    return list(session.execute(stmt).scalars())


def feed_events_without_alert(session: Session, now: datetime) -> list[tuple[geo.Hazard, str]]:
    """Active hazards of ACLED feeds asked to raise event alerts (``options.event_alerts``)
    that have no event alert yet (key ``feed:<feed>|<source id>``), with their feed's name."""
    key = func.concat("feed:", geo.Hazard.feed_id, "|", geo.Hazard.source_id)
    has_alert = select(Alert.id).where(Alert.dedup_key == key).exists()
    stmt = (select(geo.Hazard, HazardFeed.name).join(HazardFeed, HazardFeed.id == geo.Hazard.feed_id)
            .where(HazardFeed.kind == "acled_csv", HazardFeed.options["event_alerts"].as_boolean().is_(True),
                   geo.Hazard.starts_at <= now, (geo.Hazard.ends_at.is_(None)) | (geo.Hazard.ends_at > now),
                   ~has_alert)
            .order_by(geo.Hazard.id))
    return [(h, name) for h, name in session.execute(stmt)]


# --- what a time-based check needs ------------------------------------------------------------


def hazards_to_check(session: Session, since: datetime, until: datetime, margin: timedelta) -> list[int]:
    """Hazards a time-based check must look at: written (created or changed) since ``since``
    (less ``margin``, for writes committed late), or starting in (since, until]. Any other
    hazard was judged already, with every herd, by an earlier check or an upload's run."""
    return list(session.scalars(text(
        "SELECT id FROM hazards WHERE greatest(created_at, updated_at) >= :written "
        "OR (starts_at > :since AND starts_at <= :until) ORDER BY id"),
        {"written": since - margin, "since": since, "until": until}))


def calendars_written_since(session: Session, written: datetime) -> list[tuple[str | None, str | None]]:
    """(corridor code, country) of the calendar windows added or replaced since ``written``."""
    return [tuple(r) for r in session.execute(text(
        "SELECT DISTINCT corridor_code, country FROM calendars WHERE created_at >= :written"), {"written": written})]


def observation_ids_in_boxes(session: Session, boxes: Sequence[tuple[float, float, float, float]],
                             since: datetime, until: datetime) -> list[str]:
    """Observations in [since, until] inside any of the lon/lat boxes (GiST index)."""
    if not boxes:
        return []
    cond = " OR ".join(f"o.geom && ST_MakeEnvelope(:x0_{i}, :y0_{i}, :x1_{i}, :y1_{i}, 4326)" for i in range(len(boxes)))
    params: dict[str, Any] = {"since": since, "until": until}
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        params.update({f"x0_{i}": x0, f"y0_{i}": y0, f"x1_{i}": x1, f"y1_{i}": y1})
    return list(session.scalars(text(
        f"SELECT o.id::text FROM observations o WHERE o.observed_at BETWEEN :since AND :until AND ({cond})"), params))


# --- counts withdrawn after an alert used them (rejected in review, replaced by an edit) ------


def alerts_on_withdrawn_counts(session: Session) -> list[tuple[Alert, dict[str, str]]]:
    """Live alerts (not informants' reports) whose evidence holds a count that has since left
    the current set, locked, with those counts' ids and why (``rejected`` or ``replaced``)."""
    rows = session.execute(text(
        "SELECT a.id, h.observation_id::text, h.reason FROM alerts a "
        "CROSS JOIN LATERAL jsonb_array_elements_text(a.observation_ids) o(id) "
        "JOIN observation_history h ON h.observation_id::text = o.id "
        f"WHERE {LIVE_SQL} AND a.type <> 'event' ORDER BY a.id")).all()
    gone: dict[int, dict[str, str]] = {}
    for alert_id, obs_id, reason in rows:
        gone.setdefault(alert_id, {})[obs_id] = reason
    if not gone:
        return []
    alerts = session.scalars(select(Alert).where(Alert.id.in_(list(gone))).order_by(Alert.id).with_for_update())
    return [(a, gone[a.id]) for a in alerts]


def places_of_any(session: Session, observation_ids: Sequence[str]) -> tuple[list[int], list[int]]:
    """Corridors and flow points of observations, current or withdrawn (their archived row)."""
    row = session.execute(text(
        "WITH o AS (SELECT flow_point_id, corridor_id FROM observations WHERE id::text = ANY(:ids) "
        "  UNION ALL SELECT (row->>'flow_point_id')::int, (row->>'corridor_id')::int FROM observation_history "
        "  WHERE observation_id::text = ANY(:ids)) "
        "SELECT array_agg(DISTINCT coalesce(o.corridor_id, fp.corridor_id)) "
        "  FILTER (WHERE coalesce(o.corridor_id, fp.corridor_id) IS NOT NULL), "
        "array_agg(DISTINCT o.flow_point_id) FILTER (WHERE o.flow_point_id IS NOT NULL) "
        "FROM o LEFT JOIN flow_points fp ON fp.id = o.flow_point_id"), {"ids": list(observation_ids)}).one()
    return list(row[0] or []), list(row[1] or [])
