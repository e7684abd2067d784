"""Daily rollups of observations per flow point (kept in step by triggers in migration 0006)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base


class DailyRollup(Base):
    __tablename__ = "daily_rollups"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
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
