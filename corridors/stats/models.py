"""Rollups of observations, one row per (UTC day or month, flow point, corridor, movement).

Migration 0006 keeps this table in step with `observations` through statement-level
triggers with transition tables: every INSERT, UPDATE (corrections, re-snapping), DELETE or
TRUNCATE of observations adjusts the touched rollup rows in the same transaction, with one
grouped upsert per statement, so ingestion code needs no coupling and bulk inserts stay
cheap. Days are cut in UTC: an observation at 2026-01-01T00:30+01:00 counts on 2025-12-31.
Statistics read only this table (a few hundred rows per corridor and season), never the
millions of raw observations.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base
from ttt.facts import COUNT_COLUMNS

_INCLUDED = ["movement", "observations", *COUNT_COLUMNS]


class _Counts:
    """Summed counts shared by the daily and monthly rollups."""

    flow_point_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = no flow point
    corridor_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = off network
    movement: Mapped[str] = mapped_column(String(10), primary_key=True)
    observations: Mapped[int] = mapped_column(BigInteger, default=0)
    cattle: Mapped[int] = mapped_column(BigInteger, default=0)
    sheep: Mapped[int] = mapped_column(BigInteger, default=0)
    goats: Mapped[int] = mapped_column(BigInteger, default=0)
    camels: Mapped[int] = mapped_column(BigInteger, default=0)
    donkeys: Mapped[int] = mapped_column(BigInteger, default=0)
    horses: Mapped[int] = mapped_column(BigInteger, default=0)
    other: Mapped[int] = mapped_column(BigInteger, default=0)
    men: Mapped[int] = mapped_column(BigInteger, default=0)
    women: Mapped[int] = mapped_column(BigInteger, default=0)
    boys: Mapped[int] = mapped_column(BigInteger, default=0)
    girls: Mapped[int] = mapped_column(BigInteger, default=0)


class DailyRollup(_Counts, Base):
    __tablename__ = "daily_rollups"

    day: Mapped[date] = mapped_column(Date, primary_key=True)

    __table_args__ = (
        # plain indexes: count updates from the triggers stay HOT (fillfactor 70, see 0006)
        Index("ix_daily_rollups_corridor_day", "corridor_id", "day"),
        Index("ix_daily_rollups_flow_point_day", "flow_point_id", "day"),
    )


class MonthlyRollup(_Counts, Base):
    """The same sums per UTC calendar month (`month` is its first day)."""

    __tablename__ = "monthly_rollups"

    month: Mapped[date] = mapped_column(Date, primary_key=True)

    __table_args__ = (
        Index("ix_monthly_rollups_corridor_month", "corridor_id", "month", postgresql_include=["flow_point_id", *_INCLUDED]),
        Index("ix_monthly_rollups_flow_point_month", "flow_point_id", "month", postgresql_include=_INCLUDED),
    )
