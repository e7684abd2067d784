"""Flow-monitoring observations (one counted herd) and the queue the rules engine consumes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base, utcnow
from ttt.facts import HERDER_GROUPS, MOVEMENTS, SPECIES

__all__ = ["HERDER_GROUPS", "MOVEMENTS", "SPECIES"]  # re-exported for older imports
SOURCES = ("api", "openrosa", "kobo", "csv")
FLOW_TYPES = ("entering", "leaving", "transit", "internal")


class Observation(Base):
    """One counted herd. ``id`` is the client-made UUID, so a resend can never insert twice;
    ``content_hash`` tells a harmless resend (same hash) from a conflicting one."""

    __tablename__ = "observations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    flow_point_id: Mapped[int | None] = mapped_column(ForeignKey("flow_points.id", ondelete="RESTRICT"))
    corridor_id: Mapped[int | None] = mapped_column(ForeignKey("corridors.id", ondelete="SET NULL"))
    observed_at: Mapped[datetime]
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    location_source: Mapped[str] = mapped_column(String(10), default="gps")  # gps | flow_point
    direction: Mapped[str | None] = mapped_column(String(8))  # as given, normalised: "SW" or "225.0"
    direction_deg: Mapped[float | None]
    movement: Mapped[str] = mapped_column(String(10), default="unknown")
    cattle: Mapped[int] = mapped_column(Integer, default=0)
    sheep: Mapped[int] = mapped_column(Integer, default=0)
    goats: Mapped[int] = mapped_column(Integer, default=0)
    camels: Mapped[int] = mapped_column(Integer, default=0)
    donkeys: Mapped[int] = mapped_column(Integer, default=0)
    horses: Mapped[int] = mapped_column(Integer, default=0)
    other: Mapped[int] = mapped_column(Integer, default=0)
    men: Mapped[int] = mapped_column(Integer, default=0)
    women: Mapped[int] = mapped_column(Integer, default=0)
    boys: Mapped[int] = mapped_column(Integer, default=0)
    girls: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str | None] = mapped_column(Text)
    destination: Mapped[str | None] = mapped_column(Text)
    flow_type: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    cross_border: Mapped[bool | None]
    has_certificate: Mapped[bool | None]
    already_counted: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    # server side
    enumerator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    distance_m: Mapped[float | None]
    km_along: Mapped[float | None]
    off_corridor: Mapped[bool] = mapped_column(default=False)
    adm2_pcode: Mapped[str | None] = mapped_column(String(20))
    # field data quality: edits, review, automatic flags (see corridors.observations.quality)
    replaces: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    review: Mapped[str] = mapped_column(String(10), server_default="received", default="received")
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"), default=list)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("review in ('received', 'flagged', 'approved')", name="review"),
        Index("ix_observations_replaces", "replaces", postgresql_where=text("replaces IS NOT NULL")),
        Index("ix_observations_review", "review", "observed_at", postgresql_where=text("review <> 'received'")),
        Index("ix_observations_flow_point_observed", "flow_point_id", "observed_at"),
        Index("ix_observations_corridor_observed", "corridor_id", "observed_at"),
        Index("ix_observations_observed_at", "observed_at"),
        Index("ix_observations_enumerator", "enumerator_id"),
        # "was this origin / destination seen at this point before?" (the rules' novelty screen)
        Index("ix_observations_flow_point_origin", "flow_point_id", "origin", "observed_at"),
        Index("ix_observations_flow_point_destination", "flow_point_id", "destination", "observed_at"),
    )


class RuleQueueItem(Base):
    """One accepted observation waiting for the rules engine; written in the ingest
    transaction, deleted in the transaction that evaluates it (exactly once)."""

    __tablename__ = "rule_queue"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    observation_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("observations.id", ondelete="CASCADE"), unique=True
    )
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class ObservationHistory(Base):
    """A version that left ``observations``: replaced by an edit, or rejected by a reviewer.

    ``row`` is the observation as ``to_jsonb`` wrote it (without its geometry, kept in
    ``geom``), so it can be shown or restored exactly whatever columns observations gain."""

    __tablename__ = "observation_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    observation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    reason: Mapped[str] = mapped_column(String(10))  # replaced | rejected
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    replaces: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # the version this one replaced
    archived_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    content_hash: Mapped[str] = mapped_column(String(64))
    enumerator_id: Mapped[int | None]
    row: Mapped[dict[str, Any]] = mapped_column(JSONB)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)

    __table_args__ = (
        CheckConstraint("reason in ('replaced', 'rejected')", name="reason"),
        Index("ix_observation_history_observation_id", "observation_id", unique=True),
        Index("ix_observation_history_replaced_by", "replaced_by"),
        Index("ix_observation_history_replaces", "replaces"),
    )


class ZeroReport(Base):
    """"On duty, no herds passed": the enumerator of a flow point says so for whole UTC days,
    so those days are known zeros rather than unknown."""

    __tablename__ = "zero_reports"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    flow_point_id: Mapped[int] = mapped_column(ForeignKey("flow_points.id", ondelete="RESTRICT"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reported_at: Mapped[datetime]
    notes: Mapped[str | None] = mapped_column(Text)
    enumerator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="days_in_order"),
        Index("ix_zero_reports_flow_point_days", "flow_point_id", "first_day", "last_day"),
    )


class QualityNotice(Base):
    """A data-quality notice for data managers (e.g. ``data_gap``: a point stopped reporting);
    open while ``closed_at`` is NULL, at most one open per kind and point."""

    __tablename__ = "quality_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    flow_point_id: Mapped[int] = mapped_column(ForeignKey("flow_points.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    last_known_day: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    __table_args__ = (
        Index("ix_quality_notices_open", "kind", "flow_point_id", unique=True, postgresql_where=text("closed_at IS NULL")),
    )
