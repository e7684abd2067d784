"""Subscriptions, the delivery outbox and every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import ARRAY, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base, utcnow


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12))  # authority | partner | staff
    channel: Mapped[str] = mapped_column(String(10))  # email | sms | webhook | log
    address: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    alert_types: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    min_severity: Mapped[str] = mapped_column(String(10), default="minor")
    corridors: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    pcodes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    area = mapped_column(Geometry("GEOMETRY", srid=4326), nullable=True)
    mode: Mapped[str] = mapped_column(String(10), default="immediate")
    tier: Mapped[int] = mapped_column(Integer, default=1)
    secret: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    alert_version: Mapped[int] = mapped_column(Integer)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(12))  # created | escalated | resolved | digest
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("subscription_id", "alert_id", "alert_version", "event",
                         name="uq_deliveries_once_per_version"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(10))  # ok | retry | permanent
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
