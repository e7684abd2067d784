"""Every statistics query. Reads the daily rollups (never raw observations, except to
verify or rebuild the rollups) and returns plain `DailyRows` for the pure aggregation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from corridors.stats.aggregate import DailyRows
from corridors.stats.tlu import HERDER_GROUPS, MOVEMENTS, SPECIES
from ttt.scope import pcode_in_sql, prefix_patterns

_COLS = ", ".join(("observations", *SPECIES, *HERDER_GROUPS))
_SUMS = ", ".join(f"sum({c})::bigint" for c in ("observations", *SPECIES, *HERDER_GROUPS))
_MOVEMENT_INDEX = {m: i for i, m in enumerate(MOVEMENTS)}


@dataclass(frozen=True)
class Place:
    """A corridor or flow point as statistics need it: identity, name and P-codes."""

    id: int
    code: str
    name: str
    corridor_id: int | None = None
    corridor_code: str | None = None
    pcode: str | None = None  # most specific P-code known for a flow point


def corridor_by_code(session: Session, code: str) -> Place | None:
    row = session.execute(text("SELECT id, code, name FROM corridors WHERE code = :c"), {"c": code}).first()
    return Place(row.id, row.code, row.name, corridor_id=row.id, corridor_code=row.code) if row else None


_FP_SQL = """
SELECT fp.id, fp.code, fp.name, fp.corridor_id, c.code AS corridor_code,
       coalesce(fp.adm2_pcode, fp.adm1_pcode, fp.adm0_pcode) AS pcode
FROM flow_points fp LEFT JOIN corridors c ON c.id = fp.corridor_id
"""


def _place(row) -> Place:
    return Place(row.id, row.code, row.name, row.corridor_id, row.corridor_code, row.pcode)


def flow_point_by_code(session: Session, code: str) -> Place | None:
    row = session.execute(text(_FP_SQL + " WHERE fp.code = :c"), {"c": code}).first()
    return _place(row) if row else None


def flow_points(session: Session, *, corridor_id: int | None = None, pcode_prefix: str | None = None) -> list[Place]:
    """Flow points of a corridor, or whose P-codes (adm0, adm1 or adm2) start with a prefix."""
    where, params = [], {}
    if corridor_id is not None:
        where.append("fp.corridor_id = :cid")
        params["cid"] = corridor_id
    if pcode_prefix is not None:
        where.append(pcode_in_sql("fp.adm2_pcode", "fp.adm1_pcode", "fp.adm0_pcode", param="p"))
        params["p"] = prefix_patterns([pcode_prefix])
    sql = _FP_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY fp.code"
    return [_place(r) for r in session.execute(text(sql), params)]


def _rows(result, *, with_days: bool, day: dt.date | None = None, keyed: bool = False) -> DailyRows:
    rows = result.all()
    n = len(rows)
    if n == 0:
        empty = DailyRows.empty()
        if keyed:
            empty.keys = np.array([], dtype=object)
        return empty
    counts = np.array([r[2:] for r in rows], dtype=np.int64)  # after (day or key, movement)
    return DailyRows(
        days=np.array([r.day if with_days else day for r in rows], dtype="datetime64[D]"),
        movement=np.array([_MOVEMENT_INDEX.get(r.movement, _MOVEMENT_INDEX["unknown"]) for r in rows]),
        observations=counts[:, 0],
        animals=counts[:, 1:1 + len(SPECIES)],
        herders=counts[:, 1 + len(SPECIES):],
        keys=np.array([r.key for r in rows], dtype=object) if keyed else None,
    )


def split_months(first: dt.date, last: dt.date) -> tuple[list[tuple[dt.date, dt.date]], tuple[dt.date, dt.date] | None]:
    """Cut [first, last] into whole UTC months [m1, m2) read from monthly_rollups and the
    leftover days at either edge read from daily_rollups."""
    fm = first if first.day == 1 else (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = last + dt.timedelta(days=1)
    lm = after.replace(day=1)  # first day after the last whole month
    if fm >= lm:
        return [(first, last)], None
    edges = [(a, b) for a, b in ((first, fm - dt.timedelta(days=1)), (lm, last)) if a <= b]
    return edges, (fm, lm)


def _source(first: dt.date, last: dt.date, use_months: bool, corridor_id: int | None,
            flow_point_ids: Sequence[int] | None, direction: str | None) -> tuple[str, dict]:
    """UNION ALL of rollup rows covering [first, last] (column `d` is the day or month start),
    each branch filtered so it reads a covering index."""
    extra, params = [], {}
    if corridor_id is not None:
        extra.append("corridor_id = :cid")
        params["cid"] = corridor_id
    if flow_point_ids is not None:
        extra.append("flow_point_id = ANY(:fps)")
        params["fps"] = list(flow_point_ids)
    if direction is not None:
        extra.append("movement = :dir")
        params["dir"] = direction
    cond = "".join(f" AND {e}" for e in extra)
    cols = f"flow_point_id, corridor_id, movement, {_COLS}"
    days, months = split_months(first, last) if use_months else ([(first, last)], None)
    parts = []
    for i, (a, b) in enumerate(days):
        parts.append(f"SELECT day AS d, {cols} FROM daily_rollups WHERE day BETWEEN :a{i} AND :b{i}{cond}")
        params.update({f"a{i}": a, f"b{i}": b})
    if months:
        parts.append(f"SELECT month AS d, {cols} FROM monthly_rollups WHERE month >= :m1 AND month < :m2{cond}")
        params.update({"m1": months[0], "m2": months[1]})
    return " UNION ALL ".join(parts), params


def daily_rows(
    session: Session,
    first: dt.date,
    last: dt.date,
    *,
    corridor_id: int | None = None,
    flow_point_ids: Sequence[int] | None = None,
    direction: str | None = None,
    use_months: bool = False,
) -> DailyRows:
    """Rollups summed over the selected points, one row per (day, movement) in [first, last].

    With `use_months`, whole months come from monthly_rollups as one row dated the 1st of the
    month: right for month buckets, and for season buckets when seasons start on a 1st."""
    src, params = _source(first, last, use_months, corridor_id, flow_point_ids, direction)
    sql = f"SELECT d AS day, movement, {_SUMS} FROM ({src}) s GROUP BY d, movement ORDER BY d"
    return _rows(session.execute(text(sql), params), with_days=True)


def corridor_totals(
    session: Session,
    first: dt.date,
    last: dt.date,
    *,
    flow_point_ids: Sequence[int] | None = None,
    direction: str | None = None,
) -> DailyRows:
    """Rollups summed per corridor code and movement over [first, last], keyed by corridor
    code (off-network counts excluded); every row is dated `first` (the range is already cut)."""
    src, params = _source(first, last, True, None, flow_point_ids, direction)
    sql = (f"SELECT c.code AS key, s.movement, {_SUMS} FROM ({src}) s JOIN corridors c ON c.id = s.corridor_id "
           f"GROUP BY c.code, s.movement")
    return _rows(session.execute(text(sql), params), with_days=False, day=first, keyed=True)


def flow_point_totals(
    session: Session,
    first: dt.date,
    last: dt.date,
    *,
    flow_point_ids: Sequence[int] | None = None,
    direction: str | None = None,
) -> DailyRows:
    """Like corridor_totals, keyed by flow point code (one row per point and movement)."""
    src, params = _source(first, last, True, None, flow_point_ids, direction)
    sql = (f"SELECT f.code AS key, s.movement, {_SUMS} FROM ({src}) s JOIN flow_points f ON f.id = s.flow_point_id "
           f"GROUP BY f.code, s.movement")
    return _rows(session.execute(text(sql), params), with_days=False, day=first, keyed=True)


def data_days(session: Session) -> tuple[dt.date | None, dt.date | None]:
    """First and last day holding any count (from the rollups, so it stays cheap)."""
    row = session.execute(text("SELECT min(day) AS a, max(day) AS b FROM daily_rollups")).first()
    return (row.a, row.b) if row else (None, None)


def corridor_list(session: Session) -> list[Place]:
    rows = session.execute(text("SELECT id, code, name FROM corridors ORDER BY name, code"))
    return [Place(r.id, r.code, r.name) for r in rows]


def corridor_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    rows = session.execute(text("SELECT code, name FROM corridors WHERE code = ANY(:c)"), {"c": list(codes)})
    return {r.code: r.name for r in rows}


def flow_point_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    rows = session.execute(text("SELECT code, name FROM flow_points WHERE code = ANY(:c)"), {"c": list(codes)})
    return {r.code: r.name for r in rows}


# ------------------------------------------------------------------ rollup integrity

_ROLLUPS = {"daily_rollups": ("day", "(observed_at AT TIME ZONE 'UTC')::date"),
            "monthly_rollups": ("month", "date_trunc('month', observed_at AT TIME ZONE 'UTC')::date")}
_RAW_SUMS = ", ".join(["count(*)::bigint AS observations"] + [f"sum({c})::bigint AS {c}" for c in (*SPECIES, *HERDER_GROUPS)])


def _raw_sql(table: str) -> tuple[str, str]:
    period, expr = _ROLLUPS[table]
    cols = f"{period}, flow_point_id, corridor_id, movement, {_COLS}"
    raw = (f"SELECT {expr} AS {period}, coalesce(flow_point_id, 0) AS flow_point_id, "
           f"coalesce(corridor_id, 0) AS corridor_id, movement, {_RAW_SUMS} FROM observations GROUP BY 1, 2, 3, 4")
    return cols, raw


def rollup_drift(session: Session) -> list[tuple]:
    """Rows where a rollup table differs from aggregating raw observations (empty when in
    step): (side, table, period, flow_point_id, corridor_id, movement, counts...)."""
    out = []
    for table in _ROLLUPS:
        cols, raw = _raw_sql(table)
        sql = (f"(SELECT 'rollup_only' AS side, '{table}' AS t, * FROM (SELECT {cols} FROM {table} EXCEPT {raw}) a) "
               f"UNION ALL (SELECT 'raw_only', '{table}', * FROM ({raw} EXCEPT SELECT {cols} FROM {table}) b)")
        out += [tuple(r) for r in session.execute(text(sql))]
    return out


def rebuild_rollups(session: Session) -> int:
    """Recompute every rollup from raw observations (repair after manual SQL with triggers
    disabled). Locks observations against writes until the caller commits."""
    session.execute(text("LOCK TABLE observations IN SHARE MODE"))
    n = 0
    for table in _ROLLUPS:
        cols, raw = _raw_sql(table)
        session.execute(text(f"DELETE FROM {table}"))
        n += session.execute(text(f"INSERT INTO {table} ({cols}) {raw}")).rowcount
    return n


# ------------------------------------------------------------------ known days

def known_days(session: Session, first: dt.date, last: dt.date, *, corridor_id: int | None = None,
               flow_point_ids: Sequence[int] | None = None) -> list[dt.date]:
    """Days in [first, last] with a report from the selected points: a counted herd, or a
    zero report ("on duty, no herd passed"). Other days are unknown, not zero."""
    cond_r, cond_z, params = "", "", {"a": first, "b": last}
    if corridor_id is not None:
        cond_r += " AND corridor_id = :cid"
        cond_z += " AND fp.corridor_id = :cid"
        params["cid"] = corridor_id
    if flow_point_ids is not None:
        cond_r += " AND flow_point_id = ANY(:fps)"
        cond_z += " AND z.flow_point_id = ANY(:fps)"
        params["fps"] = list(flow_point_ids)
    sql = (f"SELECT day FROM daily_rollups WHERE day BETWEEN :a AND :b{cond_r} UNION "
           "SELECT CAST(d AS date) FROM zero_reports z JOIN flow_points fp ON fp.id = z.flow_point_id, "
           "generate_series(CAST(greatest(z.first_day, :a) AS timestamp), CAST(least(z.last_day, :b) AS timestamp), "
           f"interval '1 day') AS d WHERE z.last_day >= :a AND z.first_day <= :b{cond_z} ORDER BY 1")
    return list(session.execute(text(sql), params).scalars())
