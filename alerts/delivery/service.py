"""Use cases of delivery: subscriptions, the delivery log, CAP documents and the Atom feed
(the signed alert page and receipts are in :mod:`alerts.delivery.page`)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy.orm import Session

from alerts.delivery import repository as repo
from alerts.delivery.cap import FeedEntry, build_feed, cap_bytes, earlier_refs
from alerts.delivery.channels import EmailChannel, SmsChannel, WebhookChannel, WebhookConfig
from alerts.delivery.channels.webhook import generate_secret, secret_key
from alerts.delivery.message import AlertMessage
from alerts.delivery.models import Subscription
from alerts.delivery.outbox import message_for_alert
from alerts.delivery.page import public_page_url
from alerts.delivery.render import render_sms
from alerts.delivery.samples import typical_alert
from alerts.delivery.schemas import SubscriptionIn, SubscriptionPatch
from alerts.delivery.settings import DeliverySettings, cap_options, get_delivery_settings
from alerts.delivery.sms_text import count_sms
from ttt.config import get_settings
from ttt.errors import NotFound, ValidationFailed
from ttt.geo import parse_geometry, to_geojson
from ttt.i18n import language_or_default, translator
from ttt.outbound import OutboundRefused, check_url, mask_url
from ttt.users import Principal

# --- subscriptions ------------------------------------------------------------------------


def _address_problem(channel: str, address: str, ds: DeliverySettings) -> str | None:
    checkers = {
        "email": EmailChannel(), "sms": SmsChannel(),
        "webhook": WebhookChannel(WebhookConfig(allow_http=not ds.webhook_require_https)),
    }
    checker = checkers.get(channel)
    problem = checker.check_address(address) if checker else None
    if problem is None and channel == "webhook":
        try:  # a name that does not resolve yet is checked again at send time
            check_url(address, unresolvable_ok=True)
        except OutboundRefused as exc:
            return f"{mask_url(address)}: {exc.detail}"
    return problem


def _check(values: dict[str, Any], ds: DeliverySettings) -> list[dict[str, str]]:
    """Every problem with a subscription at once, each naming its field."""
    errors = []
    problem = _address_problem(values["channel"], values["address"].strip(), ds)
    if problem:
        errors.append({"field": "address", "message": f"{problem} for channel {values['channel']}"})
    if values.get("secret") and values["channel"] != "webhook":
        errors.append({"field": "secret", "message": "a signing secret is only used by the webhook channel"})
    if values.get("secret"):
        try:
            secret_key(values["secret"])
        except ValueError as exc:
            errors.append({"field": "secret", "message": str(exc)})
    for i, code in enumerate(values.get("pcodes") or []):
        if not code or not code.strip() or " " in code.strip():
            errors.append({"field": f"pcodes.{i}", "message": f"'{code}' is not a P-code (e.g. ML05)"})
    for i, code in enumerate(values.get("corridors") or []):
        if not code or not code.strip():
            errors.append({"field": f"corridors.{i}", "message": "a corridor code cannot be empty"})
    return errors


def _area(value: dict[str, Any] | None):
    if value is None:
        return None
    geom = parse_geometry(value, ("Polygon", "MultiPolygon"), field="area")
    return from_shape(geom, srid=4326)


def within_scopes(user: Principal | None, pcodes: list[str] | None) -> bool:
    """A scoped user manages only subscriptions naming admin areas, all inside their scopes
    (one without areas reaches every country: unscoped users only)."""
    if user is None or user.unrestricted:
        return True
    return bool(pcodes) and all(user.in_scope(p) for p in pcodes)


def _scope_errors(user: Principal | None, pcodes: list[str] | None) -> list[dict[str, str]]:
    if within_scopes(user, pcodes):
        return []
    assert user is not None
    return [{"field": "pcodes", "message": f"name admin areas inside yours ({', '.join(user.scopes)}); "
             "a subscription for other or all areas is set up by a user without scopes"}]


def create_subscription(session: Session, body: SubscriptionIn, user: Principal,
                        ds: DeliverySettings | None = None) -> tuple[Subscription, str | None]:
    """A new subscription; returns it with the webhook secret to show once (generated if absent)."""
    ds = ds or get_delivery_settings()
    values = body.model_dump()
    errors = _check(values, ds) + _scope_errors(user, [p.strip().upper() for p in values.get("pcodes") or []])
    area = None
    try:
        area = _area(values.pop("area"))
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    if values["channel"] == "webhook" and not values.get("secret"):
        values["secret"] = generate_secret()
    values["address"] = values["address"].strip()
    values["pcodes"] = [p.strip().upper() for p in values["pcodes"]]
    values["corridors"] = [c.strip() for c in values["corridors"]]
    sub = Subscription(**values, area=area, created_by=user.name)
    session.add(sub)
    session.flush()
    return sub, sub.secret


def list_subscriptions(session: Session, *, limit: int, offset: int, active: bool | None = None,
                       channel: str | None = None, user: Principal | None = None) -> tuple[list[Subscription], int]:
    return repo.list_subscriptions(session, limit=limit, offset=offset, active=active, channel=channel,
                                   scopes=tuple(user.scopes) if user else ())


def get_subscription(session: Session, subscription_id: int, user: Principal | None = None) -> Subscription:
    sub = repo.get_subscription(session, subscription_id)
    if sub is None or not within_scopes(user, sub.pcodes):
        raise NotFound(f"subscription {subscription_id} does not exist")
    return sub


def update_subscription(session: Session, subscription_id: int, patch: SubscriptionPatch,
                        ds: DeliverySettings | None = None, user: Principal | None = None) -> tuple[Subscription, str | None]:
    ds = ds or get_delivery_settings()
    sub = get_subscription(session, subscription_id, user)
    changes = patch.model_dump(exclude_unset=True)
    for field in ("name", "kind", "channel", "address", "language", "min_severity", "mode", "tier", "active",
                  "hears", "may_report_outcome"):
        if field in changes and changes[field] is None:
            raise ValidationFailed([{"field": field, "message": "cannot be null"}])
    merged = {"channel": sub.channel, "address": sub.address, "pcodes": sub.pcodes, "corridors": sub.corridors,
              "secret": None, **changes}
    errors = _check(merged, ds) + _scope_errors(user, [p.strip().upper() for p in merged.get("pcodes") or []])
    if errors:
        raise ValidationFailed(errors)
    new_secret = None
    if "area" in changes:
        sub.area = _area(changes.pop("area"))
    for field, value in changes.items():
        if field == "address":
            value = value.strip()
        if field == "pcodes":
            value = [p.strip().upper() for p in value or []]
        setattr(sub, field, value if value is not None or field in ("organisation", "secret") else [])
    if "secret" in changes:
        new_secret = sub.secret
    if sub.channel == "webhook" and not sub.secret:
        sub.secret = new_secret = generate_secret()
    if sub.channel != "webhook":
        sub.secret = None
    sub.updated_at = datetime.now(UTC)
    session.flush()
    return sub, new_secret


def delete_subscription(session: Session, subscription_id: int, user: Principal | None = None) -> None:
    session.delete(get_subscription(session, subscription_id, user))
    session.flush()


def subscription_json(sub: Subscription, *, secret: str | None = None) -> dict[str, Any]:
    """The subscription as the API shows it. The secret is shown only when just created or
    changed; afterwards only whether one is set."""
    return {
        "id": sub.id, "name": sub.name, "organisation": sub.organisation, "kind": sub.kind,
        "channel": sub.channel, "address": sub.address, "language": sub.language,
        "alert_types": list(sub.alert_types or []), "min_severity": sub.min_severity,
        "corridors": list(sub.corridors or []), "pcodes": list(sub.pcodes or []),
        "area": to_geojson(to_shape(sub.area)) if sub.area is not None else None,
        "mode": sub.mode, "tier": sub.tier, "active": sub.active, "hears": list(sub.hears or []),
        "reporter": sub.reporter, "may_report_outcome": bool(sub.may_report_outcome),
        "sms_cost": sms_cost(sub.language) if sub.channel == "sms" else None,
        "secret": secret, "has_secret": bool(sub.secret),
        "created_by": sub.created_by,
        "created_at": sub.created_at.isoformat() if sub.created_at else None,
        "updated_at": sub.updated_at.isoformat() if sub.updated_at else None,
    }


def sms_cost(language: str, ds: DeliverySettings | None = None) -> dict[str, Any]:
    """What one typical alert costs by SMS in this language: Arabic goes as UCS-2, 67
    characters a part instead of 153, so admins see why the text is shorter or dearer."""
    ds = ds or get_delivery_settings()
    text = render_sms(typical_alert(), language, max_parts=ds.sms_max_parts, fold=ds.sms_fold_to_gsm)
    count = count_sms(text)
    per_part = 153 if count.encoding == "GSM-7" else 67
    return {"encoding": count.encoding, "parts": count.parts, "characters_per_part": per_part}


# --- delivery log -------------------------------------------------------------------------


def delivery_log(session: Session, *, alert_id: int | None, status: str | None, limit: int,
                 offset: int, user: Principal | None = None) -> tuple[list[dict[str, Any]], int]:
    """Deliveries (scoped users: of their subscriptions only) with every attempt: status and
    our own short reason, never the receiver's answer."""
    rows, total = repo.list_deliveries(session, alert_id=alert_id, status=status, limit=limit, offset=offset,
                                       scopes=tuple(user.scopes) if user else ())
    subs = repo.subscriptions_by_id(session, [d.subscription_id for d in rows])
    attempts = repo.attempts_for(session, [d.id for d in rows])

    def iso(v):
        return v.isoformat() if v else None

    items = []
    for d in rows:
        sub = subs.get(d.subscription_id)
        items.append({
            "id": d.id, "alert_id": d.alert_id, "notice_id": d.notice_id, "alert_version": d.alert_version, "event": d.event,
            "mode": d.mode, "status": d.status, "attempts": d.attempts,
            "subscription": {"id": d.subscription_id, "name": sub.name if sub else None,
                             "organisation": sub.organisation if sub else None,
                             "channel": sub.channel if sub else None, "address": (mask_url(sub.address) if sub.channel == "webhook" else sub.address) if sub else None},
            "created_at": iso(d.created_at), "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None,
            "sent_at": iso(d.sent_at), "acknowledged_at": iso(d.acknowledged_at), "last_error": d.last_error,
            "attempt_log": [{"at": iso(a.at), "outcome": a.outcome, "status_code": a.status_code,
                             "response_excerpt": None, "error": a.error, "duration_ms": a.duration_ms}
                            for a in attempts.get(d.id, [])],
        })
    return items, total


# --- CAP and Atom -------------------------------------------------------------------------


def _visible(alert, user: Principal) -> bool:
    if getattr(alert, "held", False) and user.role not in ("admin", "analyst"):
        return False  # waiting for confirmation: told to nobody yet
    if not user.scopes:
        return True
    return any(user.in_scope(p) for p in (alert.pcodes or []))


def current_message(session: Session, alert, records=None) -> AlertMessage:
    """The alert as of its current version (stored snapshot when there is one), with a
    read-only signed page link made now, from the current public URL."""
    records = repo.alert_messages(session, alert.id) if records is None else records
    latest = next((r for r in reversed(records) if r.version == alert.version), None)
    if latest is not None:
        message = AlertMessage.from_dict(latest.payload).for_recipients()
    else:
        event = "resolved" if alert.status == "resolved" else ("created" if (alert.version or 1) == 1 else "updated")
        message = message_for_alert(session, alert, event)
    return dataclasses.replace(message, url=public_page_url(alert.id, message.version))


def _current_message(session: Session, alert) -> tuple[AlertMessage, dict[int, datetime]]:
    """The current message and the send times of every version told so far (CAP references)."""
    records = repo.alert_messages(session, alert.id)
    return current_message(session, alert, records), {r.version: r.sent_at for r in records}


def cap_document(session: Session, alert_id: int, user: Principal) -> bytes:
    alert = repo.get_alert(session, alert_id)
    if alert is None or not _visible(alert, user):
        raise NotFound(f"alert {alert_id} does not exist")
    message, sent = _current_message(session, alert)
    options = cap_options(get_settings(), get_delivery_settings())
    refs = earlier_refs(message, sent, options)
    return cap_bytes(message, options, references=refs, sent=sent.get(message.version, message.updated_at))


def feed_document(session: Session, user: Principal, *, limit: int, language: str, base_url: str) -> bytes:
    base = base_url.rstrip("/")
    alerts = [a for a in repo.recent_alerts(session, limit=limit * 3 if user.scopes else limit) if _visible(a, user)]
    entries = [FeedEntry(_current_message(session, a)[0], f"{base}/api/v1/alerts/{a.id}.cap") for a in alerts[:limit]]
    options = cap_options(get_settings(), get_delivery_settings())
    title = translator(language).gettext("TTT - transhumance alerts")
    return build_feed(entries, feed_url=f"{base}/api/v1/alerts/feed.atom", title=title,
                      language=language_or_default(language), options=options)
