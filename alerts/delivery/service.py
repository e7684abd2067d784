"""Use cases of delivery: subscriptions, the delivery log, CAP documents, acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy.orm import Session

from alerts.cap import FeedEntry, build_feed, cap_bytes, earlier_refs
from alerts.delivery import repository as repo
from alerts.delivery.ack import AckTokenError, read_token
from alerts.delivery.channels import EmailChannel, SmsChannel, WebhookChannel, WebhookConfig
from alerts.delivery.channels.webhook import generate_secret, secret_key
from alerts.delivery.message import AlertMessage
from alerts.delivery.models import Subscription
from alerts.delivery.outbox import message_for_alert
from alerts.delivery.render import language_or_default, render_parts
from alerts.delivery.schemas import SubscriptionIn, SubscriptionPatch
from alerts.delivery.settings import DeliverySettings, cap_options, get_delivery_settings
from alerts.privacy import actor, recipient_label
from ttt.config import get_settings
from ttt.errors import NotFound, ValidationFailed
from ttt.geo import parse_geometry, to_geojson
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


def create_subscription(session: Session, body: SubscriptionIn, user: Principal,
                        ds: DeliverySettings | None = None) -> tuple[Subscription, str | None]:
    """A new subscription; returns it with the webhook secret to show once (generated if absent)."""
    ds = ds or get_delivery_settings()
    values = body.model_dump()
    errors = _check(values, ds)
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
                       channel: str | None = None) -> tuple[list[Subscription], int]:
    return repo.list_subscriptions(session, limit=limit, offset=offset, active=active, channel=channel)


def get_subscription(session: Session, subscription_id: int) -> Subscription:
    sub = repo.get_subscription(session, subscription_id)
    if sub is None:
        raise NotFound(f"subscription {subscription_id} does not exist")
    return sub


def update_subscription(session: Session, subscription_id: int, patch: SubscriptionPatch,
                        ds: DeliverySettings | None = None) -> tuple[Subscription, str | None]:
    ds = ds or get_delivery_settings()
    sub = get_subscription(session, subscription_id)
    changes = patch.model_dump(exclude_unset=True)
    for field in ("name", "kind", "channel", "address", "language", "min_severity", "mode", "tier", "active", "hears"):
        if field in changes and changes[field] is None:
            raise ValidationFailed([{"field": field, "message": "cannot be null"}])
    merged = {"channel": sub.channel, "address": sub.address, "pcodes": sub.pcodes, "corridors": sub.corridors,
              "secret": None, **changes}
    errors = _check(merged, ds)
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


def delete_subscription(session: Session, subscription_id: int) -> None:
    session.delete(get_subscription(session, subscription_id))
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
        "reporter": sub.reporter, "secret": secret, "has_secret": bool(sub.secret),
        "created_by": sub.created_by,
        "created_at": sub.created_at.isoformat() if sub.created_at else None,
        "updated_at": sub.updated_at.isoformat() if sub.updated_at else None,
    }


# --- delivery log -------------------------------------------------------------------------


def delivery_log(session: Session, *, alert_id: int | None, status: str | None, limit: int,
                 offset: int) -> tuple[list[dict[str, Any]], int]:
    rows, total = repo.list_deliveries(session, alert_id=alert_id, status=status, limit=limit, offset=offset)
    subs = repo.subscriptions_by_id(session, [d.subscription_id for d in rows])
    attempts = repo.attempts_for(session, [d.id for d in rows])

    def iso(v):
        return v.isoformat() if v else None

    items = []
    for d in rows:
        sub = subs.get(d.subscription_id)
        items.append({
            "id": d.id, "alert_id": d.alert_id, "alert_version": d.alert_version, "event": d.event,
            "mode": d.mode, "status": d.status, "attempts": d.attempts,
            "subscription": {"id": d.subscription_id, "name": sub.name if sub else None,
                             "organisation": sub.organisation if sub else None,
                             "channel": sub.channel if sub else None, "address": sub.address if sub else None},
            "created_at": iso(d.created_at), "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None,
            "sent_at": iso(d.sent_at), "acknowledged_at": iso(d.acknowledged_at), "last_error": d.last_error,
            "attempt_log": [{"at": iso(a.at), "outcome": a.outcome, "status_code": a.status_code,
                             "response_excerpt": a.response_excerpt, "error": a.error, "duration_ms": a.duration_ms}
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


def _current_message(session: Session, alert) -> tuple[AlertMessage, dict[int, datetime]]:
    """The alert as of its current version (stored snapshot when there is one) and the send
    times of every version told so far (for CAP references)."""
    records = repo.alert_messages(session, alert.id)
    sent = {r.version: r.sent_at for r in records}
    latest = next((r for r in reversed(records) if r.version == alert.version), None)
    if latest is not None:
        return AlertMessage.from_dict(latest.payload).for_recipients(), sent
    event = "resolved" if alert.status == "resolved" else ("created" if (alert.version or 1) == 1 else "updated")
    return message_for_alert(session, alert, event), sent


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
    title = "TTT - alertes de transhumance" if language_or_default(language) == "fr" else "TTT - transhumance alerts"
    return build_feed(entries, feed_url=f"{base}/api/v1/alerts/feed.atom", title=title,
                      language=language_or_default(language), options=options)


# --- acknowledgement ----------------------------------------------------------------------


@dataclass
class AckView:
    """What the acknowledgement page shows."""

    state: str  # ready | done | already | invalid
    language: str
    reason: str | None = None
    message: str | None = None
    parts: dict[str, str] | None = None
    who: str | None = None
    at: datetime | None = None
    status_code: int = 200


_REASONS = {
    "fr": {"expired": "Ce lien de confirmation a expiré.", "tampered": "Ce lien de confirmation n'est pas valide.",
           "malformed": "Ce lien de confirmation est incomplet ou abîmé.", "gone": "Cette alerte n'existe plus."},
    "en": {"expired": "This acknowledgement link has expired.", "tampered": "This acknowledgement link is not valid.",
           "malformed": "This acknowledgement link is incomplete or damaged.", "gone": "This alert no longer exists."},
}


def _who(sub: Subscription | None, name: str | None) -> str:
    base = "unknown recipient"
    if sub is not None:
        org = f", {sub.organisation}" if sub.organisation else ""
        base = f"{sub.name}{org} <{sub.address}> via {sub.channel} (subscription {sub.id})"
    if name and name.strip():
        return f"{name.strip()[:120]} for {base}"
    return base


def _shown(alert) -> str | None:
    """Who acknowledged, as the (anonymous) page shows it: an organisation, never a contact."""
    return actor(None, alert.acknowledged_by, alert.acknowledged_by_label)


class _Refused(Exception):
    def __init__(self, view: AckView) -> None:
        super().__init__(view.reason)
        self.view = view


def _load(session: Session, token: str, language: str | None, *, lock: bool):
    """(alert, delivery, subscription, language) for a token, or _Refused with the page to show."""
    lang = language_or_default(language) if language else None
    try:
        claim = read_token(get_settings().secret_key.get_secret_value(), token)
    except AckTokenError as exc:
        lang = lang or "fr"
        raise _Refused(AckView("invalid", lang, exc.reason, _REASONS[lang][exc.reason],
                               status_code=410 if exc.reason == "expired" else 400)) from None
    delivery = repo.get_delivery(session, claim.delivery_id) if claim.delivery_id else None
    sub = repo.get_subscription(session, delivery.subscription_id) if delivery else None
    lang = lang or (sub.language if sub else "fr")
    alert = repo.get_alert(session, claim.alert_id, lock=lock)
    if alert is None:
        raise _Refused(AckView("invalid", lang, "gone", _REASONS[lang]["gone"], status_code=404))
    return alert, delivery, sub, lang


def ack_page(session: Session, token: str, language: str | None = None) -> AckView:
    """GET: show the alert and a button; never records anything (mail scanners open links)."""
    try:
        alert, _delivery, _sub, lang = _load(session, token, language, lock=False)
    except _Refused as refused:
        return refused.view
    message, _ = _current_message(session, alert)
    parts = render_parts(message, lang)
    if alert.acknowledged_at:
        return AckView("already", lang, parts=parts, who=_shown(alert), at=alert.acknowledged_at)
    return AckView("ready", lang, parts=parts)


def acknowledge(session: Session, token: str, *, name: str | None = None, note: str | None = None,
                language: str | None = None, now: datetime | None = None) -> AckView:
    """POST: record who acknowledged and when, on the alert and on the delivery."""
    try:
        alert, delivery, sub, lang = _load(session, token, language, lock=True)
    except _Refused as refused:
        return refused.view
    now = now or datetime.now(UTC)
    message, _ = _current_message(session, alert)
    parts = render_parts(message, lang)
    if delivery is not None:
        repo.mark_acknowledged(session, delivery.id, now)
    if alert.acknowledged_at:
        return AckView("already", lang, parts=parts, who=_shown(alert), at=alert.acknowledged_at)
    who = _who(sub, name)
    label = recipient_label(sub.organisation if sub else None, sub.kind if sub else None)
    repo.record_acknowledgement(session, alert, who=who, at=now, note=(note or "").strip()[:1000] or None, label=label)
    alert.acknowledged_by_label = label
    session.flush()
    return AckView("done", lang, parts=parts, who=_shown(alert), at=now)
