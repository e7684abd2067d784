"""The outbox: one delivery row per matching subscription, in the caller's transaction.

Call :func:`enqueue` right where an alert is created, escalated, changed or resolved, with
the same session, before the commit. If the transaction rolls back, no delivery exists; if
it commits, the dispatcher will send them. The (subscription, alert, version) unique
constraint makes a second call for the same version a no-op: that is how a recipient never
gets the same alert version twice, whoever calls and however often.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from alerts.delivery import repository as repo
from alerts.delivery.matching import AlertFacts, SubscriptionFilter, matching_ids
from alerts.delivery.message import EVENT_HEARD_AS, EVENTS, AlertMessage, Place
from alerts.delivery.settings import DeliverySettings, get_delivery_settings


def next_digest_at(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The next time the daily digest goes out (local wall-clock ``at``), in UTC."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(UTC)


def _geometry(value: Any):
    if value is None:
        return None
    return value if hasattr(value, "geom_type") else to_shape(value)


def _flat_evidence(evidence: dict[str, Any] | None) -> dict[str, Any]:
    """Rule details (unit, window, distances) next to observed/threshold, for the templates."""
    evidence = dict(evidence or {})
    details = evidence.get("details")
    if isinstance(details, dict):
        for key, value in details.items():
            evidence.setdefault(key, value)
    if "unit" not in evidence and evidence.get("measure"):
        evidence["unit"] = evidence["measure"]
    if "observation_count" not in evidence and isinstance(evidence.get("observations"), list):
        evidence["observation_count"] = len(evidence["observations"])
    return evidence


def message_for_alert(session: Session, alert, event: str) -> AlertMessage:
    """The recipient's view of an alert row now, with place names looked up once.

    It carries no link: links are made when a message is sent (each recipient's signed
    page, from the public URL configured then), so a corrected TTT_PUBLIC_URL fixes them.
    """
    fp_name, fp_pcodes = repo.flow_point_info(session, alert.flow_point_code)
    codes = list(dict.fromkeys([*(alert.pcodes or []), *fp_pcodes]))
    names = repo.admin_areas(session, codes)
    places = tuple(Place(code, *(names.get(code) or (None, None))) for code in codes)
    headline = {"en": alert.headline}
    if alert.headline_fr:
        headline["fr"] = alert.headline_fr
    updated = alert.updated_at or datetime.now(UTC)
    return AlertMessage(
        id=alert.id, version=alert.version or 1, updated_at=updated, created_at=alert.created_at,
        type=alert.type, severity=alert.severity, status=alert.status, event=event,
        corridor_code=alert.corridor_code, corridor_name=repo.corridor_name(session, alert.corridor_code),
        flow_point_code=alert.flow_point_code, flow_point_name=fp_name, places=places, headline=headline,
        evidence=_flat_evidence(alert.evidence), geometry=_geometry(alert.geom),
        window_start=alert.window_start, window_end=alert.window_end, kind=alert.event_kind,
        verification=alert.verification or "new",
        corroborations=alert.corroborations or 0, late=bool(alert.late), reopened_from=alert.reopened_from,
    ).for_recipients()


def _filter(sub) -> SubscriptionFilter:
    return SubscriptionFilter(
        id=sub.id, alert_types=tuple(sub.alert_types or ()), min_severity=sub.min_severity,
        corridors=tuple(sub.corridors or ()), pcodes=tuple(sub.pcodes or ()), area=_geometry(sub.area),
        tier=sub.tier, active=sub.active,
    )


def _record_message(session: Session, alert, event: str) -> AlertMessage:
    """The snapshot of this alert version as told (once per version)."""
    session.flush()  # the alert needs its id
    message = message_for_alert(session, alert, event)
    if not repo.add_alert_message(session, alert_id=alert.id, version=message.version, event=event,
                                  sent_at=message.updated_at, payload=message.to_dict()):
        told = repo.alert_message_event(session, alert.id, message.version)
        if told != event:
            # the unique (subscription, alert, version) rule would silently swallow this news
            raise ValueError(f"alert {alert.id}: version {message.version} was already told as '{told}'; "
                             f"increase alert.version before telling '{event}'")
    return message


def enqueue_feedback(session: Session, alert, event: str, reporters: list[str], *, now: datetime | None = None) -> int:
    """Tell the informants who reported an event what became of it (confirmed, dismissed,
    resolved), through their own subscriptions (``reporter``), at once. Returns new rows."""
    subs = [s for s in repo.active_subscriptions(session) if s.reporter and s.reporter in reporters]
    if not subs:
        return 0
    now = now or datetime.now(UTC)
    message = _record_message(session, alert, event)
    return repo.insert_deliveries(session, [
        {"alert_id": alert.id, "alert_version": message.version, "subscription_id": s.id, "event": event,
         "mode": "immediate", "status": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now}
        for s in subs
    ])


def enqueue(session: Session, alert, event: str = "created", *, now: datetime | None = None,
            settings: DeliverySettings | None = None) -> int:
    """Write the deliveries for this version of ``alert``; returns how many new rows.

    ``event`` is one of :data:`EVENTS`. Immediate subscribers are due at once, digest
    subscribers at the next digest time; a late alert (about events long past) goes to
    everyone's digest. News about an alert already told (resolved, closed, dismissed,
    reminder, and a confirmation after it went out) goes only to those told, and each
    subscription hears only the kinds of change it chose (``hears``), but a false alarm
    reaches everyone who was told. Nothing is sent here.
    """
    if event not in EVENTS:
        raise ValueError(f"alert {alert.id}: event must be one of {', '.join(EVENTS)}, got {event!r}")
    ds = settings or get_delivery_settings()
    now = now or datetime.now(UTC)
    message = _record_message(session, alert, event)
    facts = AlertFacts(type=alert.type, severity=alert.severity, corridor_code=alert.corridor_code,
                       pcodes=message.pcodes, geometry=_geometry(alert.geom),  # exact: matching stays inside ttt
                       escalation_tier=alert.escalation_tier or 1)
    heard_as = EVENT_HEARD_AS.get(event)
    subs = [s for s in repo.active_subscriptions(session)
            if s.reporter is None and (heard_as is None or heard_as in (s.hears or (heard_as,)))]
    told = repo.told_subscription_ids(session, alert.id) if event not in ("created", "reopened") else set()
    told_only = event in ("resolved", "closed", "dismissed", "reminder") or (event == "confirmed" and bool(told))
    ids = matching_ids([_filter(s) for s in subs], facts, resolution=told_only, already_told=told)
    by_id = {s.id: s for s in subs}
    digest_at = next_digest_at(now, ds.digest_at, ds.zone)
    late = bool(getattr(alert, "late", False))
    rows = [
        {
            "alert_id": alert.id, "alert_version": message.version, "subscription_id": sid, "event": event,
            "mode": "digest" if late else by_id[sid].mode, "status": "pending", "attempts": 0, "created_at": now,
            "next_attempt_at": digest_at if late or by_id[sid].mode == "digest" else now,
        }
        for sid in ids
    ]
    return repo.insert_deliveries(session, rows)
