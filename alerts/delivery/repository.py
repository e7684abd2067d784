"""Every query of the delivery area (subscriptions, outbox, attempts, acknowledgements)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from alerts.alerts.models import Alert
from alerts.delivery.models import (
    Acknowledgement,
    AlertMessageRecord,
    Delivery,
    DeliveryAttempt,
    RecipientOutcome,
    Subscription,
)
from corridors.geodata.models import AdminArea, Corridor, FlowPoint, Hazard
from ttt.scope import pcode_in_sql, prefix_patterns

# --- subscriptions ------------------------------------------------------------------------


def subscriptions_within(scopes: Sequence[str]):
    """SQL condition: the subscription names admin areas and every one lies inside ``scopes``
    (P-code prefixes). A subscription without areas reaches everywhere: unscoped users only."""
    return text(
        "cardinality(subscriptions.pcodes) > 0 AND NOT EXISTS (SELECT 1 FROM unnest(subscriptions.pcodes) AS p(code) "
        f"WHERE NOT {pcode_in_sql('p.code', param='scope_patterns')})"
    ).bindparams(scope_patterns=prefix_patterns(scopes))


def list_subscriptions(session: Session, *, limit: int, offset: int, active: bool | None = None,
                       channel: str | None = None, scopes: Sequence[str] = ()) -> tuple[list[Subscription], int]:
    query = select(Subscription)
    if scopes:
        query = query.where(subscriptions_within(scopes))
    if active is not None:
        query = query.where(Subscription.active.is_(active))
    if channel:
        query = query.where(Subscription.channel == channel)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Subscription.id).limit(limit).offset(offset)).all()
    return list(rows), total


def get_subscription(session: Session, subscription_id: int) -> Subscription | None:
    return session.get(Subscription, subscription_id)


def active_subscriptions(session: Session) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)))


def subscriptions_by_id(session: Session, ids: Iterable[int]) -> dict[int, Subscription]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Subscription).where(Subscription.id.in_(ids)))}


# --- places (names for messages) ----------------------------------------------------------


def corridor_name(session: Session, code: str | None) -> str | None:
    if not code:
        return None
    return session.scalar(select(Corridor.name).where(Corridor.code == code))


def flow_point_info(session: Session, code: str | None) -> tuple[str | None, list[str]]:
    """Name of a flow point and its admin P-codes (country, region, district)."""
    if not code:
        return None, []
    row = session.execute(
        select(FlowPoint.name, FlowPoint.adm0_pcode, FlowPoint.adm1_pcode, FlowPoint.adm2_pcode)
        .where(FlowPoint.code == code)
    ).first()
    if row is None:
        return None, []
    return row[0], [p for p in row[1:] if p]


def admin_areas(session: Session, pcodes: Sequence[str]) -> dict[str, tuple[str, int]]:
    if not pcodes:
        return {}
    rows = session.execute(select(AdminArea.pcode, AdminArea.name, AdminArea.level).where(AdminArea.pcode.in_(list(pcodes))))
    return {r.pcode: (r.name, r.level) for r in rows}


# --- alerts and their messages ------------------------------------------------------------


def get_alert(session: Session, alert_id: int, *, lock: bool = False) -> Alert | None:
    if lock:
        return session.scalar(select(Alert).where(Alert.id == alert_id).with_for_update())
    return session.get(Alert, alert_id)


def recent_alerts(session: Session, *, limit: int, since: datetime | None = None) -> list[Alert]:
    # an alert waiting for confirmation has not been told to anyone yet
    query = select(Alert).where(Alert.held.is_(False)).order_by(Alert.updated_at.desc(), Alert.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Alert.updated_at >= since)
    return list(session.scalars(query))


def add_alert_message(session: Session, *, alert_id: int, version: int, event: str, sent_at: datetime,
                      payload: dict[str, Any]) -> bool:
    """Record what version ``version`` said; False when it was already recorded."""
    inserted = session.scalar(
        insert(AlertMessageRecord)
        .values(alert_id=alert_id, version=version, event=event, sent_at=sent_at, payload=payload)
        .on_conflict_do_nothing(constraint="uq_alert_messages_alert_version")
        .returning(AlertMessageRecord.id)
    )
    return inserted is not None


def alert_message_event(session: Session, alert_id: int, version: int) -> str | None:
    return session.scalar(select(AlertMessageRecord.event).where(
        AlertMessageRecord.alert_id == alert_id, AlertMessageRecord.version == version))


def alert_messages(session: Session, alert_id: int) -> list[AlertMessageRecord]:
    return list(session.scalars(
        select(AlertMessageRecord).where(AlertMessageRecord.alert_id == alert_id).order_by(AlertMessageRecord.version)
    ))


def message_payloads(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict[str, Any]]:
    keys = list(set(keys))
    if not keys:
        return {}
    conditions = [and_(AlertMessageRecord.alert_id == a, AlertMessageRecord.version == v) for a, v in keys]
    rows = session.scalars(select(AlertMessageRecord).where(or_(*conditions)))
    return {(r.alert_id, r.version): r.payload for r in rows}


def told_subscription_ids(session: Session, alert_id: int) -> set[int]:
    """Subscriptions that were sent (or are about to be sent) something about this alert."""
    return set(session.scalars(
        select(Delivery.subscription_id).where(Delivery.alert_id == alert_id, Delivery.status.in_(("pending", "sent")))
    ))


def insert_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert outbox rows; one that already exists for (subscription, alert, version) is skipped."""
    if not rows:
        return 0
    stmt = insert(Delivery).values(list(rows))
    if rows[0].get("notice_id") is not None:  # a notice's step: once per subscription (partial unique index)
        stmt = stmt.on_conflict_do_nothing(index_elements=["subscription_id", "notice_id", "alert_version"],
                                           index_where=text("notice_id IS NOT NULL"))
    else:
        stmt = stmt.on_conflict_do_nothing(constraint="uq_deliveries_once_per_version")
    inserted = session.scalars(stmt.returning(Delivery.id)).all()
    return len(inserted)


def alerts_due_for_escalation(session: Session, *, older_than: datetime, severities: Sequence[str],
                              max_tier: int) -> list[Alert]:
    """Open (unacknowledged) alerts of these severities whose current tier was told before
    ``older_than``, locked so two escalation runs cannot both bump one alert."""
    last_told = (
        select(func.max(AlertMessageRecord.sent_at))
        .where(AlertMessageRecord.alert_id == Alert.id, AlertMessageRecord.event.in_(("created", "escalated")))
        .scalar_subquery()
    )
    # a receipt from an authority (not a partner system) of a tier already told stops it
    receipt = (
        select(Acknowledgement.id)
        .where(Acknowledgement.alert_id == Alert.id, Acknowledgement.kind != "partner",
               Acknowledgement.tier <= Alert.escalation_tier)
        .exists()
    )
    return list(session.scalars(
        select(Alert)
        .where(Alert.status == "open", Alert.verification != "dismissed", Alert.held.is_(False),
               Alert.severity.in_(list(severities)), Alert.escalation_tier < max_tier, last_told <= older_than,
               ~receipt)
        .order_by(Alert.id)
        .with_for_update(skip_locked=True)
    ))


# --- dispatcher ---------------------------------------------------------------------------


def claim_next_due(session: Session, now: datetime) -> Delivery | None:
    """Lock one due delivery that no other dispatcher holds (FOR UPDATE SKIP LOCKED)."""
    return session.scalar(
        select(Delivery)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def claim_digest_companions(session: Session, delivery: Delivery, now: datetime) -> list[Delivery]:
    """The other due digest rows of the same subscription, locked, to go in the same message."""
    return list(session.scalars(
        select(Delivery)
        .where(Delivery.status == "pending", Delivery.mode == "digest", Delivery.next_attempt_at <= now,
               Delivery.subscription_id == delivery.subscription_id, Delivery.id != delivery.id)
        .order_by(Delivery.created_at, Delivery.id)
        .with_for_update(skip_locked=True)
    ))


def newer_version_queued(session: Session, delivery: Delivery) -> int | None:
    """A later version of the same alert (or step of the same notice) for the same
    subscription, pending or sent."""
    about = (Delivery.notice_id == delivery.notice_id) if delivery.notice_id is not None \
        else (Delivery.alert_id == delivery.alert_id)
    return session.scalar(
        select(func.max(Delivery.alert_version)).where(
            Delivery.subscription_id == delivery.subscription_id, about,
            Delivery.alert_version > delivery.alert_version, Delivery.status.in_(("pending", "sent")))
    )


def add_attempt(session: Session, **fields: Any) -> int:
    attempt = DeliveryAttempt(**fields)
    session.add(attempt)
    session.flush()
    return attempt.id


def finish_attempt(session: Session, attempt_id: int, **fields: Any) -> None:
    """The outcome of an attempt recorded (as ``sending``) before it was made."""
    session.execute(update(DeliveryAttempt).where(DeliveryAttempt.id == attempt_id).values(**fields))


UNFINISHED = "the dispatcher stopped before it recorded the outcome: the receiver may have got it"


def settle_unfinished_attempts(session: Session, delivery_ids: Sequence[int]) -> None:
    """Attempts still ``sending`` when their delivery is claimed again: their dispatcher died
    mid-send (the lease ran out), so whether they arrived is unknown."""
    if delivery_ids:
        session.execute(update(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(list(delivery_ids)),
                                                      DeliveryAttempt.outcome == "sending")
                        .values(outcome="unknown", error=UNFINISHED))


def deliveries_by_id(session: Session, ids: Sequence[int]) -> dict[int, Delivery]:
    """The deliveries, locked for the recording of an outcome."""
    rows = session.scalars(select(Delivery).where(Delivery.id.in_(list(ids))).order_by(Delivery.id).with_for_update())
    return {d.id: d for d in rows}


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def list_deliveries(session: Session, *, alert_id: int | None, status: str | None, limit: int,
                    offset: int, scopes: Sequence[str] = ()) -> tuple[list[Delivery], int]:
    query = select(Delivery)
    if scopes:
        query = query.where(Delivery.subscription_id.in_(select(Subscription.id).where(subscriptions_within(scopes))))
    if alert_id is not None:
        query = query.where(Delivery.alert_id == alert_id)
    if status:
        query = query.where(Delivery.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Delivery.id).limit(limit).offset(offset)).all()
    return list(rows), total


def attempts_for(session: Session, delivery_ids: Sequence[int]) -> dict[int, list[DeliveryAttempt]]:
    out: dict[int, list[DeliveryAttempt]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return out
    for a in session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(list(delivery_ids)))
                             .order_by(DeliveryAttempt.id)):
        out[a.delivery_id].append(a)
    return out


def count_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())


def delete_finished_before(session: Session, cutoff: datetime) -> int:
    """Cleanup: drop finished deliveries (and, by cascade, their attempts) older than ``cutoff``."""
    result = session.execute(
        delete(Delivery).where(Delivery.status.in_(("sent", "failed", "superseded")), Delivery.created_at < cutoff)
    )
    return int(result.rowcount or 0)


# --- recipients' receipts and reports (the signed alert page) ----------------------------


def receipt_of(session: Session, delivery_id: int) -> Acknowledgement | None:
    return session.scalar(select(Acknowledgement).where(Acknowledgement.delivery_id == delivery_id))


def add_receipt(session: Session, **fields: Any) -> bool:
    """Record one delivery's receipt; False when that delivery was already acknowledged."""
    inserted = session.scalar(
        insert(Acknowledgement).values(**fields)
        .on_conflict_do_nothing(index_elements=[Acknowledgement.delivery_id]).returning(Acknowledgement.id)
    )
    return inserted is not None


def organisations_acknowledged(session: Session, alert_id: int) -> int:
    """How many organisations confirmed receipt (subscriptions without a label count alone)."""
    label = func.coalesce(Acknowledgement.organisation, func.concat("#", Acknowledgement.subscription_id))
    return session.scalar(select(func.count(func.distinct(label))).where(Acknowledgement.alert_id == alert_id)) or 0


def add_outcome(session: Session, **fields: Any) -> None:
    session.add(RecipientOutcome(**fields))
    session.flush()


def outcomes_of(session: Session, delivery_id: int) -> list[RecipientOutcome]:
    return list(session.scalars(select(RecipientOutcome).where(RecipientOutcome.delivery_id == delivery_id)
                                .order_by(RecipientOutcome.id)))


def map_shapes(session: Session, corridor_code: str | None, flow_point_code: str | None,
               pcodes: Sequence[str]) -> dict[str, Any]:
    """Corridor line, flow point and the most detailed admin area, as shapely geometries."""
    from geoalchemy2.shape import to_shape

    out: dict[str, Any] = {"corridor": None, "flow_point": None, "area": None}
    if corridor_code:
        geom = session.scalar(select(Corridor.geom).where(Corridor.code == corridor_code))
        out["corridor"] = to_shape(geom) if geom is not None else None
    if flow_point_code:
        row = session.execute(select(FlowPoint.geom, Corridor.geom).outerjoin(
            Corridor, Corridor.id == FlowPoint.corridor_id).where(FlowPoint.code == flow_point_code)).first()
        if row is not None:
            out["flow_point"] = to_shape(row[0])
            if out["corridor"] is None and row[1] is not None:
                out["corridor"] = to_shape(row[1])
    if pcodes:
        geom = session.scalar(select(AdminArea.geom).where(AdminArea.pcode.in_(list(pcodes)), AdminArea.geom.isnot(None))
                              .order_by(AdminArea.level.desc()).limit(1))
        out["area"] = to_shape(geom) if geom is not None else None
    return out


def hazard_shape(session: Session, hazard_id: Any):
    """A hazard's outline (public: fires, floods...), or None."""
    from geoalchemy2.shape import to_shape

    try:
        key = int(hazard_id)
    except (TypeError, ValueError):
        return None
    geom = session.scalar(select(Hazard.geom).where(Hazard.id == key))
    return to_shape(geom) if geom is not None else None


def mark_acknowledged(session: Session, delivery_id: int, at: datetime) -> None:
    session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.acknowledged_at.is_(None))
                    .values(acknowledged_at=at))
