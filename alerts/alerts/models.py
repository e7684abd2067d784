"""Alerts: one row per (rule, place, window) dedup key, updated on repeat triggers.

``dedup_key`` is the key of the finding that opened the alert; ``dedup_keys`` every key
merged into it since (repeat triggers, the next days inside the suppression window), and
``observation_ids`` every observation behind it, so a replay is recognised and changes
nothing. ``version`` goes up on every change the outside world should hear about (the
delivery outbox keys on it). ``RuleRun`` records each engine run (and where the next
time-based check starts).
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from alerts.alerts.response import VERIFICATIONS
from ttt.db import Base, utcnow
from ttt.facts import ALERT_TYPES
from ttt.facts import SEVERITIES as ALERT_SEVERITIES

ALERT_STATUSES = ("open", "acknowledged", "resolved")

LIVE_SQL = "status <> 'resolved' AND verification <> 'dismissed'"


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
    # what non-admins see of who acted (an organisation or a role; see alerts.privacy)
    acknowledged_by_label: Mapped[str | None] = mapped_column(Text)
    resolved_by_label: Mapped[str | None] = mapped_column(Text)
    escalation_tier: Mapped[int] = mapped_column(Integer, default=1)
    # rules engine bookkeeping
    place: Mapped[str | None] = mapped_column(Text)
    rule_version: Mapped[str | None] = mapped_column(String(40))
    dedup_keys: Mapped[list[str]] = mapped_column(JSONB, default=list)
    observation_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    reprisal_risk: Mapped[bool | None]
    # after the alert: verification, corroboration, outcome, audit trail (alerts.alerts.lifecycle)
    verification: Mapped[str] = mapped_column(String(10), default="new", server_default="new")
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[str | None] = mapped_column(Text)
    verify_note: Mapped[str | None] = mapped_column(Text)
    corroborations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reporters: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")  # never shown
    outcome: Mapped[dict | None] = mapped_column(JSONB)
    history: Mapped[list[dict]] = mapped_column(JSONB, default=list, server_default="[]")
    reopened_from: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("alerts.id", ondelete="SET NULL"))
    held: Mapped[bool] = mapped_column(default=False, server_default=text("false"))  # waits for confirmation
    late: Mapped[bool] = mapped_column(default=False, server_default=text("false"))  # digest only
    reminded_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("status in ('open', 'acknowledged', 'resolved')", name="status"),
        # at most one live alert per dedup key; a resolved one may be followed by a new one
        Index("uq_alerts_live_dedup_key", "dedup_key", unique=True, postgresql_where=text(LIVE_SQL)),
        Index("ix_alerts_rule_place_live", "rule_id", "place", postgresql_where=text(LIVE_SQL)),
        Index("ix_alerts_created_at_type", "created_at", "type"),
        Index("ix_alerts_dedup_keys", "dedup_keys", postgresql_using="gin"),
        CheckConstraint(f"type in {ALERT_TYPES}", name="type"),
        CheckConstraint(f"severity in {ALERT_SEVERITIES}", name="severity"),
        CheckConstraint(f"verification in {VERIFICATIONS}", name="verification"),
    )


class RuleRun(Base):
    """One run of the engine: incremental (queue), time-based check, or manual."""

    __tablename__ = "rule_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # queue | time | manual
    rules_version: Mapped[str] = mapped_column(String(40))
    since: Mapped[datetime | None]
    until: Mapped[datetime]
    observations: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("kind in ('queue', 'time', 'manual')", name="kind"),
        Index("ix_rule_runs_kind_until", "kind", "until"),
    )
