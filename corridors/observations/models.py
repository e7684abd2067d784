"""Flow-monitoring observations (one counted herd) and the queue the rules engine consumes."""

from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
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

    __table_args__ = (
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
