"""Subscriptions, the delivery outbox, every delivery attempt, and the message of each alert version.

The outbox is a table: a delivery row is written in the same transaction as the alert change
that causes it, so an alert can never exist without its deliveries (nor the reverse). The
unique constraint on (subscription, alert, version) is what guarantees a recipient never gets
the same alert version twice, whatever the number of engines and dispatchers running.
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base, utcnow

SUBSCRIPTION_KINDS = ("authority", "partner", "staff")
CHANNELS = ("email", "sms", "webhook", "log")
MODES = ("immediate", "digest")
DELIVERY_STATUSES = ("pending", "sent", "failed", "superseded")


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
    may_report_outcome: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    secret: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    # which changes it hears: new, update, verification, resolution (HEARS in delivery.message)
    hears: Mapped[list[str]] = mapped_column(ARRAY(Text), default=lambda: ["new", "update", "verification", "resolution"],
                                             server_default="{new,update,verification,resolution}")
    # a key informant's or enumerator's own channel: only feedback on the reports of this user
    reporter: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(f"kind in {SUBSCRIPTION_KINDS}", name="kind"),
        CheckConstraint(f"channel in {CHANNELS}", name="channel"),
        CheckConstraint(f"mode in {MODES}", name="mode"),
        CheckConstraint("tier >= 1", name="tier"),
    )


class AlertMessageRecord(Base):
    """What was said about one version of an alert, and when: CAP ``references`` and every
    retry of a delivery use this snapshot, not the alert as it is now."""

    __tablename__ = "alert_messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(12))  # created | updated | escalated | resolved
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict] = mapped_column(JSONB)

    __table_args__ = (UniqueConstraint("alert_id", "version", name="uq_alert_messages_alert_version"),)


class Delivery(Base):
    """One message to one subscription: about an alert version, or about a step of a data-gap
    notice (``notice_id``; ``alert_version`` 1 opened, 2 closed; staff subscriptions only)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("quality_notices.id", ondelete="CASCADE"), index=True)
    alert_version: Mapped[int] = mapped_column(Integer)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(12))  # created | updated | ... | gap_opened | gap_closed
    mode: Mapped[str] = mapped_column(String(10), default="immediate")  # immediate | digest
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed | superseded
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("subscription_id", "alert_id", "alert_version", name="uq_deliveries_once_per_version"),
        Index("uq_deliveries_once_per_notice_step", "subscription_id", "notice_id", "alert_version", unique=True,
              postgresql_where=text("notice_id IS NOT NULL")),
        CheckConstraint("(alert_id IS NULL) <> (notice_id IS NULL)", name="about"),
        CheckConstraint(f"status in {DELIVERY_STATUSES}", name="status"),
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(10))  # ok | retryable | permanent
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(Text)


class Acknowledgement(Base):
    """One recipient's receipt of an alert, through the signed link of one delivery.

    Receipts are per recipient, not per alert: two organisations each record their own. An
    acknowledgement is not a change of the alert (no new version, nothing re-sent). ``kind``
    and ``tier`` are the subscription's at the time, so escalation can tell an authority of
    the tier it targets from a partner system.
    """

    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    alert_version: Mapped[int] = mapped_column(Integer)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"), unique=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="SET NULL"))
    organisation: Mapped[str | None] = mapped_column(Text)  # the label shown; never a contact
    kind: Mapped[str] = mapped_column(String(12))
    tier: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RecipientOutcome(Base):
    """What an authority reports back from its alert page (field names as the alert outcome)."""

    __tablename__ = "recipient_outcomes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="SET NULL"))
    organisation: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(30))
    killed: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    displaced: Mapped[int | None] = mapped_column(Integer)
    animals_lost: Mapped[int | None] = mapped_column(Integer)
    crop_damage_ha: Mapped[float | None] = mapped_column(Float)
    reprisal_risk: Mapped[bool | None] = mapped_column(Boolean)
    acted_by: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
