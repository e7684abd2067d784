"""Alerts: one row per (rule, place, window) dedup key, updated on repeat triggers."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base, utcnow

ALERT_TYPES = ("mass", "early", "late", "unexpected", "hazard", "event")
ALERT_SEVERITIES = ("minor", "moderate", "severe", "extreme")
ALERT_STATUSES = ("open", "acknowledged", "resolved")


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    type: Mapped[str] = mapped_column(String(12))
    event_kind: Mapped[str | None] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(14), default="open")
    dedup_key: Mapped[str] = mapped_column(Text)
    rule_id: Mapped[str | None] = mapped_column(String(80))
    corridor_code: Mapped[str | None] = mapped_column(String(40), index=True)
    flow_point_code: Mapped[str | None] = mapped_column(String(40), index=True)
    pcodes: Mapped[list[str] | None] = mapped_column(JSONB)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=True)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    headline: Mapped[str] = mapped_column(Text)
    headline_fr: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSONB, default=dict)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(Text)
    acknowledge_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(Text)
    resolve_note: Mapped[str | None] = mapped_column(Text)
    escalation_tier: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        CheckConstraint("status in ('open', 'acknowledged', 'resolved')", name="status"),
        # at most one live alert per dedup key; a resolved one may be followed by a new one
        Index("uq_alerts_live_dedup_key", "dedup_key", unique=True,
              postgresql_where=text("status <> 'resolved'")),
    )
