"""Hazard feeds: where hazards come from by themselves (a URL of a publisher), how to read
them, and how the last pulls went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, Boolean, CheckConstraint, Float, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base, utcnow

FEED_KINDS = ("firms_csv", "gdacs_geojson", "cap_feed", "acled_csv")


class HazardFeed(Base):
    __tablename__ = "hazard_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    credential: Mapped[str | None] = mapped_column(Text)  # write-only: never shown back
    area_bbox: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    area_pcodes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    every_minutes: Mapped[int] = mapped_column(Integer, default=60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    hazard_kind: Mapped[str | None] = mapped_column(String(20))
    kind_map: Mapped[dict] = mapped_column(JSONB, default=dict)
    severity_map: Mapped[dict] = mapped_column(JSONB, default=dict)
    expire_hours: Mapped[float | None] = mapped_column(Float)
    options: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # how the pulls went
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row, for the backoff
    next_pull_at: Mapped[datetime | None] = mapped_column(index=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_report: Mapped[dict | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint(f"kind in {FEED_KINDS}", name="kind"),
        CheckConstraint("every_minutes >= 1", name="every_minutes"),
    )
