"""Queries of the quality area: days each flow point reported, and data-gap notices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic_core import to_json
from sqlalchemy import text
from sqlalchemy.orm import Session

from ttt.scope import pcode_in_sql, prefix_patterns


@dataclass(frozen=True)
class Point:
    id: int
    code: str
    name: str
    adm2_pcode: str | None
    report_days_per_week: int | None


def points(session: Session, scopes: Sequence[str] = ()) -> list[Point]:
    """Active flow points (inside the scopes when given), by code."""
    where, params = "WHERE active", {}
    if scopes:
        where += " AND " + pcode_in_sql("coalesce(adm2_pcode, adm1_pcode, adm0_pcode)")
        params["scopes"] = prefix_patterns(scopes)
    rows = session.execute(text(f"SELECT id, code, name, adm2_pcode, report_days_per_week FROM flow_points {where} "
                                "ORDER BY code"), params)
    return [Point(*r) for r in rows]


def reported_days(session: Session, first: date, last: date) -> dict[int, tuple[set[date], set[date]]]:
    """Per flow point id: (days with a counted herd, days reported "no herd passed") in [first, last]."""
    out: dict[int, tuple[set[date], set[date]]] = {}
    for fp, day in session.execute(text(
            "SELECT DISTINCT flow_point_id, day FROM daily_rollups WHERE day BETWEEN :a AND :b AND flow_point_id > 0"),
            {"a": first, "b": last}):
        out.setdefault(fp, (set(), set()))[0].add(day)
    for fp, day in session.execute(text(
            "SELECT DISTINCT z.flow_point_id, CAST(d AS date) FROM zero_reports z, generate_series("
            "CAST(greatest(z.first_day, :a) AS timestamp), CAST(least(z.last_day, :b) AS timestamp), interval '1 day') d "
            "WHERE z.last_day >= :a AND z.first_day <= :b"), {"a": first, "b": last}):
        out.setdefault(fp, (set(), set()))[1].add(day)
    return out


def open_notices(session: Session, kind: str = "data_gap") -> dict[int, dict[str, Any]]:
    rows = session.execute(text("SELECT flow_point_id, id, opened_at, last_known_day, details FROM quality_notices "
                                "WHERE kind = :k AND closed_at IS NULL"), {"k": kind})
    return {r[0]: {"id": r[1], "opened_at": r[2], "last_known_day": r[3], "details": r[4]} for r in rows}


def open_notice(session: Session, flow_point_id: int, last_known_day: date | None, details: dict[str, Any],
                kind: str = "data_gap") -> int | None:
    """Open a notice unless one is open already (the partial unique index decides)."""
    return session.execute(text(
        "INSERT INTO quality_notices (kind, flow_point_id, opened_at, last_known_day, details) "
        "VALUES (:k, :fp, now(), :day, CAST(:d AS jsonb)) ON CONFLICT DO NOTHING RETURNING id"),
        {"k": kind, "fp": flow_point_id, "day": last_known_day, "d": to_json(details).decode()}).scalar()


def close_notice(session: Session, notice_id: int, details: dict[str, Any]) -> None:
    session.execute(text("UPDATE quality_notices SET closed_at = now(), details = details || CAST(:d AS jsonb) "
                         "WHERE id = :id"), {"id": notice_id, "d": to_json(details).decode()})


def notice(session: Session, notice_id: int) -> dict[str, Any] | None:
    """One notice with its flow point's code, name, corridor and P-codes (for telling it)."""
    row = session.execute(text(
        "SELECT n.id, n.kind, n.opened_at, n.closed_at, n.last_known_day, n.details, fp.code, fp.name, "
        "c.code AS corridor_code, array_remove(ARRAY[fp.adm0_pcode, fp.adm1_pcode, fp.adm2_pcode], NULL) AS pcodes "
        "FROM quality_notices n JOIN flow_points fp ON fp.id = n.flow_point_id "
        "LEFT JOIN corridors c ON c.id = fp.corridor_id WHERE n.id = :id"), {"id": notice_id}).mappings().first()
    return dict(row) if row else None


def notices(session: Session, *, open_only: bool, scopes: Sequence[str] = (), limit: int = 100, offset: int = 0
            ) -> tuple[list[dict[str, Any]], int]:
    where, params = ["true"], {"limit": limit, "offset": offset}
    if open_only:
        where.append("n.closed_at IS NULL")
    if scopes:
        where.append(pcode_in_sql("coalesce(fp.adm2_pcode, fp.adm1_pcode, fp.adm0_pcode)"))
        params["scopes"] = prefix_patterns(scopes)
    base = " FROM quality_notices n JOIN flow_points fp ON fp.id = n.flow_point_id WHERE " + " AND ".join(where)
    total = session.execute(text("SELECT count(*)" + base), params).scalar_one()
    rows = session.execute(text(
        "SELECT n.id, n.kind, fp.code, fp.name, n.opened_at, n.closed_at, n.last_known_day, n.details" + base
        + " ORDER BY n.closed_at IS NULL DESC, n.opened_at DESC LIMIT :limit OFFSET :offset"), params).mappings()
    return [dict(r) for r in rows], int(total)


def set_rhythm(session: Session, flow_point_id: int, days_per_week: int | None) -> None:
    session.execute(text("UPDATE flow_points SET report_days_per_week = :d WHERE id = :id"),
                    {"d": days_per_week, "id": flow_point_id})
