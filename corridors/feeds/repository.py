"""Every query of the hazard feeds: feeds, the hazards each brought, area filters."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import false, func, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from corridors.feeds.models import HazardFeed
from corridors.geodata.models import AdminArea, Hazard

LOCK_NAMESPACE = 18018  # first key of the per-feed advisory lock (second key: the feed id)


def get(session: Session, feed_id: int, for_update: bool = False) -> HazardFeed | None:
    stmt = select(HazardFeed).where(HazardFeed.id == feed_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def list_feeds(session: Session, *, limit: int | None = None, offset: int = 0) -> tuple[list[HazardFeed], int]:
    total = session.execute(select(func.count()).select_from(HazardFeed)).scalar_one()
    stmt = select(HazardFeed).order_by(HazardFeed.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars()), int(total)


def due_feed_ids(session: Session, now: datetime) -> list[int]:
    rows = session.execute(
        select(HazardFeed.id)
        .where(HazardFeed.enabled, or_(HazardFeed.next_pull_at.is_(None), HazardFeed.next_pull_at <= now))
        .order_by(HazardFeed.next_pull_at.nulls_first(), HazardFeed.id)
    ).scalars()
    return list(rows)


def enabled_feed_ids(session: Session) -> list[int]:
    return list(session.execute(select(HazardFeed.id).where(HazardFeed.enabled).order_by(HazardFeed.id)).scalars())


def add(session: Session, obj):
    session.add(obj)
    session.flush()
    return obj


def delete(session: Session, obj) -> None:
    session.delete(obj)
    session.flush()


def try_lock(session: Session, feed_id: int) -> bool:
    """One pull of a feed at a time (API, command line and scheduler alike), until commit."""
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:a, :b)"),
                                {"a": LOCK_NAMESPACE, "b": feed_id}).scalar())


def hazards_of(session: Session, feed_id: int, source_ids: Collection[str], recent_since: datetime) -> list[Hazard]:
    """The feed's hazards with these source ids, and those still going or ended since
    ``recent_since`` (bounded however long the feed has been pulled)."""
    recent = Hazard.ends_at.is_(None) | (Hazard.ends_at >= recent_since)
    named = Hazard.source_id.in_(list(source_ids)) if source_ids else false()
    stmt = select(Hazard).where(Hazard.feed_id == feed_id, or_(named, recent)).order_by(Hazard.id)
    return list(session.execute(stmt).scalars())


def hazard_counts(session: Session, feed_ids: Sequence[int], now: datetime) -> dict[int, tuple[int, int]]:
    """{feed id: (hazards, of which active now)}."""
    if not feed_ids:
        return {}
    active = (Hazard.ends_at.is_(None)) | (Hazard.ends_at > now)
    rows = session.execute(
        select(Hazard.feed_id, func.count(), func.count().filter(active & (Hazard.starts_at <= now)))
        .where(Hazard.feed_id.in_(list(feed_ids))).group_by(Hazard.feed_id)
    )
    return {fid: (int(n), int(a)) for fid, n, a in rows}


def relabel(session: Session, hazard: Hazard, version: str) -> None:
    """A new source version for unchanged content: the hazard's edit time (the version its
    alerts follow) stays as it was."""
    session.execute(update(Hazard).where(Hazard.id == hazard.id)
                    .values(source_version=version, updated_at=Hazard.updated_at))
    set_committed_value(hazard, "source_version", version)


def known_pcodes(session: Session, pcodes: Sequence[str]) -> set[str]:
    if not pcodes:
        return set()
    return set(session.execute(select(AdminArea.pcode).where(AdminArea.pcode.in_(list(pcodes)))).scalars())


def area_of_pcodes(session: Session, pcodes: Sequence[str]) -> BaseGeometry | None:
    """Union of the boundaries of these admin areas (None when none has a boundary)."""
    if not pcodes:
        return None
    wkb = session.execute(
        select(func.ST_AsBinary(func.ST_Union(AdminArea.geom)))
        .where(AdminArea.pcode.in_(list(pcodes)), AdminArea.geom.is_not(None))
    ).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def geom_value(geom: BaseGeometry):
    return from_shape(geom, srid=4326)
