"""The corridor network and what surrounds it: corridors, flow points, hazards, calendars,
admin areas and resources. Geometries are SRID 4326; metres are computed elsewhere in a
metric CRS."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from corridors.calendars import DIRECTIONS
from corridors.geodata.features import CORRIDOR_STATUSES, HAZARD_KINDS, RESOURCE_KINDS, SEVERITIES
from ttt.db import Base, utcnow

__all__ = [
    "CORRIDOR_STATUSES", "DIRECTIONS", "HAZARD_KINDS", "RESOURCE_KINDS", "SEVERITIES",
    "AdminArea", "Calendar", "Corridor", "FlowPoint", "Hazard", "Resource",
]


class Corridor(Base):
    __tablename__ = "corridors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False)
    tolerance_m: Mapped[float] = mapped_column(default=5000.0)
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    pcodes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    status_reason: Mapped[str | None] = mapped_column(Text)
    length_km: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("status in ('open', 'closed')", name="status"),)


class FlowPoint(Base):
    __tablename__ = "flow_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    corridor_id: Mapped[int | None] = mapped_column(ForeignKey("corridors.id", ondelete="SET NULL"), index=True)
    adm0_pcode: Mapped[str | None] = mapped_column(String(20))
    adm1_pcode: Mapped[str | None] = mapped_column(String(20))
    adm2_pcode: Mapped[str | None] = mapped_column(String(20), index=True)
    km_along: Mapped[float | None]  # position on its corridor, km from the corridor's start
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    report_days_per_week: Mapped[int | None] = mapped_column(SmallInteger)  # NULL: learned from its reports


class Hazard(Base):
    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    # provenance of hazards pulled from a feed: the feed, the publisher's own id and version
    # of the item, and when that version was pulled (hand-drawn hazards leave them empty)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_feeds.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[str | None] = mapped_column(Text)
    source_version: Mapped[str | None] = mapped_column(Text)
    pulled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("feed_id", "source_id"),
        CheckConstraint(f"kind in {HAZARD_KINDS}", name="kind"),
        CheckConstraint(f"severity in {SEVERITIES}", name="severity"),
        CheckConstraint("ends_at is null or ends_at >= starts_at", name="ends_after_start"),
    )


class Calendar(Base):
    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    corridor_code: Mapped[str | None] = mapped_column(String(40), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # when this window was last written

    __table_args__ = (
        CheckConstraint("(corridor_code is not null) <> (country is not null)", name="one_scope"),
        CheckConstraint(f"direction in {DIRECTIONS}", name="direction"),
    )


class AdminArea(Base):
    __tablename__ = "admin_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    pcode: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer)
    parent_pcode: Mapped[str | None] = mapped_column(String(20), index=True)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=True)
    cod_version: Mapped[str | None] = mapped_column(String(40))


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    corridor_id: Mapped[int | None] = mapped_column(ForeignKey("corridors.id", ondelete="SET NULL"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint(f"kind in {RESOURCE_KINDS}", name="kind"),)
