"""The signed alert page ``/a/{token}``: what a recipient sees, acknowledges and reports back.

The token (see :mod:`alerts.delivery.ack`) is the credential: no account, no login. A token
made for a delivery lets that recipient record its own receipt and, when its subscription
allows it, report what was done; a token without a delivery (CAP ``<web>``, Atom) shows the
page read-only. The page never shows another recipient's contact: only how many
organisations confirmed receipt. Locations are coarse: corridor, flow point, admin area,
and herd positions only as grid cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from alerts.alerts.response import MODES
from alerts.delivery import repository as repo
from alerts.delivery.ack import AckClaim, AckTokenError, make_token, page_url, read_token
from alerts.delivery.mapimage import MapLayers, corridor_of, generalise_points, render_svg, route_of
from alerts.delivery.message import AlertMessage
from alerts.delivery.settings import get_delivery_settings
from alerts.delivery.words import STATE_TITLES
from alerts.delivery.words import parts as word_parts
from alerts.privacy import recipient_label
from ttt.config import get_settings
from ttt.i18n import N_, language_or_default, languages, translator

ENDED = ("resolved", "closed", "dismissed")
MODE_WORDS = {  # how it was resolved, in words (the modes are the alert outcome's, declared once)
    "mediation": N_("mediation"), "rerouting": N_("herds sent by another corridor"),
    "dispute_committee": N_("dispute committee"), "security_forces": N_("security forces"),
    "herders_moved_on": N_("herders moved on"), "no_action_needed": N_("no action needed"),
    "false_alarm": N_("false alarm"), "other": N_("other"),
}
OUTCOME_MODES = {mode: MODE_WORDS.get(mode, N_("other")) for mode in MODES}
_REASONS = {
    "expired": N_("This link has expired."), "tampered": N_("This link is not valid."),
    "malformed": N_("This link is incomplete or damaged."), "gone": N_("This alert no longer exists."),
    "superseded": N_("This alert has become more severe since this message: open the link in the newest "
                     "message to acknowledge it."),
}
_OUTCOME_INTS = {"killed": 100_000, "injured": 100_000, "displaced": 1_000_000, "animals_lost": 1_000_000}


@dataclass
class PageView:
    state: str  # page | invalid
    language: str
    status_code: int = 200
    message: str | None = None
    parts: dict[str, str] | None = None
    base: str = ""
    map_svg: Markup = Markup("")
    map_has_hazard: bool = False
    map_has_herds: bool = False
    map_has_route: bool = False
    verification: str = ""
    history: list[tuple[datetime, str]] = field(default_factory=list)
    ack_count: int = 0
    mine: Any = None
    can_ack: bool = False
    can_report: bool = False
    outcome_saved: bool = False
    modes: list[tuple[str, str]] = field(default_factory=list)
    ended: bool = False
    expires_at: datetime | None = None


class PageRefused(Exception):
    def __init__(self, view: PageView) -> None:
        super().__init__(view.message)
        self.view = view


@dataclass
class _Context:
    claim: AckClaim
    alert: Any
    delivery: Any
    sub: Any
    language: str


def public_page_url(alert_id: int, version: int, *, now: datetime | None = None) -> str:
    """A read-only page link for documents not addressed to one recipient (CAP, Atom)."""
    settings = get_settings()
    token = make_token(settings.secret_key.get_secret_value(), alert_id=alert_id, version=version, now=now,
                       ttl=timedelta(days=get_delivery_settings().ack_ttl_days))
    return page_url(settings.public_url, token)


def _load(session: Session, token: str, language: str | None, *, lock: bool = False) -> _Context:
    lang = language_or_default(language) if language in languages() else None
    try:
        claim = read_token(get_settings().secret_key.get_secret_value(), token)
    except AckTokenError as exc:
        lang = lang or language_or_default(None)
        raise PageRefused(PageView("invalid", lang, 410 if exc.reason == "expired" else 400,
                                   translator(lang).gettext(_REASONS[exc.reason]))) from None
    delivery = repo.get_delivery(session, claim.delivery_id) if claim.delivery_id else None
    sub = repo.get_subscription(session, delivery.subscription_id) if delivery else None
    lang = lang or language_or_default(sub.language if sub else None)
    alert = repo.get_alert(session, claim.alert_id, lock=lock)
    if alert is None or (delivery is not None and delivery.alert_id != alert.id):
        raise PageRefused(PageView("invalid", lang, 404, translator(lang).gettext(_REASONS["gone"])))
    return _Context(claim, alert, delivery, sub, lang)


def _message(session: Session, alert) -> tuple[AlertMessage, list[Any]]:
    from alerts.delivery.service import current_message

    records = repo.alert_messages(session, alert.id)
    return current_message(session, alert, records), records


def _map(session: Session, m: AlertMessage, label: str, alert) -> tuple[Markup, bool, bool, bool]:
    """Public places as they are mapped (corridor, flow point, admin area, the hazard's own
    outline, the best open way round); where herds were, only as the coarse cells the message
    carries. The way round is drawn as routed, from the alert's own evidence: it is made of
    corridors and the junctions between them, from the alert's flow point (else its corridor's
    start) to its corridor's end, all public like the corridor drawn beside it; bent onto the
    cells of herd positions it would no longer follow the corridors it names."""
    shapes = repo.map_shapes(session, m.corridor_code, m.flow_point_code, m.pcodes)
    geom = m.geometry
    hazard = None
    if m.type == "hazard":
        base = m.evidence.get("baseline") if isinstance(m.evidence.get("baseline"), dict) else {}
        hazard = repo.hazard_shape(session, base.get("hazard")) or geom
    herds = None
    if m.type in ("unexpected", "event") and geom is not None and not geom.is_empty:
        herds = generalise_points(geom) if geom.geom_type in ("Point", "MultiPoint") else geom
    layers = MapLayers(corridor=shapes["corridor"] or corridor_of(geom), flow_point=shapes["flow_point"],
                       hazard=hazard, herd_area=herds, context=shapes["area"], label=label,
                       route=route_of(alert.evidence))
    ds = get_delivery_settings()
    svg = render_svg(layers, title=label, basemap_url=ds.map_basemap_url, attribution=ds.map_basemap_attribution)
    return svg, hazard is not None, herds is not None, layers.route is not None and bool(svg)


VERIFICATION_WORDS = {"new": N_("not yet verified"), "verifying": N_("being verified"),
                      "confirmed": N_("confirmed by a second source"), "dismissed": N_("checked: false alarm")}


def _verification(message: AlertMessage, t) -> str:
    return t.gettext(VERIFICATION_WORDS.get(message.verification, VERIFICATION_WORDS["new"]))


def view(session: Session, token: str, language: str | None = None, *, outcome_saved: bool = False) -> PageView:
    """GET: the page; never records anything (mail scanners open links)."""
    try:
        ctx = _load(session, token, language)
    except PageRefused as refused:
        return refused.view
    return _view(session, ctx, token, outcome_saved=outcome_saved)


def _view(session: Session, ctx: _Context, token: str, *, outcome_saved: bool = False) -> PageView:
    t = translator(ctx.language)
    message, records = _message(session, ctx.alert)
    p = word_parts(message, ctx.language)
    svg, has_hazard, has_herds, has_route = _map(session, message, p["place"], ctx.alert)
    history = [(r.sent_at, t.gettext(STATE_TITLES.get(r.event, STATE_TITLES["updated"]))) for r in records]
    mine = repo.receipt_of(session, ctx.delivery.id) if ctx.delivery is not None else None
    return PageView(
        "page", ctx.language, parts=p, base=f"/a/{token}", map_svg=svg, map_has_hazard=has_hazard,
        map_has_herds=has_herds, map_has_route=has_route, verification=_verification(message, t), history=history,
        ack_count=repo.organisations_acknowledged(session, ctx.alert.id), mine=mine,
        can_ack=ctx.delivery is not None and ctx.sub is not None,
        can_report=bool(ctx.sub is not None and ctx.sub.may_report_outcome),
        outcome_saved=outcome_saved, modes=[(k, t.gettext(v)) for k, v in OUTCOME_MODES.items()],
        ended=message.event in ENDED, expires_at=ctx.claim.expires_at,
    )


def acknowledge(session: Session, token: str, *, note: str | None = None, language: str | None = None,
                now: datetime | None = None) -> PageView:
    """POST: record this recipient's receipt (once per delivery). Not a new alert version."""
    try:
        ctx = _load(session, token, language)
    except PageRefused as refused:
        return refused.view
    if _graver_since(session, ctx.alert, ctx.claim.version):
        # an old link must not acknowledge a newer, more severe version nobody has read yet
        return PageView("invalid", ctx.language, 409, translator(ctx.language).gettext(_REASONS["superseded"]))
    if ctx.delivery is not None and ctx.sub is not None:
        now = now or datetime.now(UTC)
        if repo.add_receipt(session, alert_id=ctx.alert.id, alert_version=ctx.claim.version,
                            delivery_id=ctx.delivery.id, subscription_id=ctx.sub.id,
                            organisation=(ctx.sub.organisation or ctx.sub.name), kind=ctx.sub.kind,
                            tier=ctx.sub.tier, note=(note or "").strip()[:1000] or None, at=now):
            repo.mark_acknowledged(session, ctx.delivery.id, now)
            if ctx.alert.acknowledged_at is None and ctx.sub.kind != "partner":
                # the first authority's receipt, for response-time figures; the version stays
                if ctx.alert.status == "open":
                    ctx.alert.status = "acknowledged"
                ctx.alert.acknowledged_at = now
                ctx.alert.acknowledged_by = f"{ctx.sub.name} ({ctx.sub.organisation or ctx.sub.kind})"  # admins
                ctx.alert.acknowledged_by_label = recipient_label(ctx.sub.organisation, ctx.sub.kind)
            # the alert's own trail (not a new version: nothing is re-sent)
            ctx.alert.history = [*(ctx.alert.history or []), {
                "at": now.isoformat(), "by": ctx.alert.acknowledged_by if ctx.sub.kind != "partner" else ctx.sub.name,
                "by_label": recipient_label(ctx.sub.organisation, ctx.sub.kind), "change": "receipt",
                "note": (note or "").strip()[:1000] or None}]
        session.flush()
    return _view(session, ctx, token)


def _graver_since(session: Session, alert, version: int) -> bool:
    """Whether the alert is more severe now than in the message of ``version``."""
    from ttt.facts import severity_rank

    if version >= (alert.version or 1):
        return False
    told = next((r for r in repo.alert_messages(session, alert.id) if r.version == version), None)
    if told is None:
        return False
    return severity_rank(alert.severity) > severity_rank((told.payload or {}).get("severity") or alert.severity)


class OutcomeInvalid(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def parse_outcome(form: dict[str, Any]) -> dict[str, Any]:
    """The outcome fields from the page's form, every problem named by its field."""
    errors, out = [], {}
    mode = (form.get("mode") or "").strip()
    if mode not in OUTCOME_MODES:
        errors.append({"field": "mode", "message": f"expected one of {', '.join(OUTCOME_MODES)}"})
    out["mode"] = mode
    for name, limit in _OUTCOME_INTS.items():
        raw = (form.get(name) or "").strip()
        if not raw:
            out[name] = None
        elif raw.isdigit() and int(raw) <= limit:
            out[name] = int(raw)
        else:
            errors.append({"field": name, "message": f"expected a whole number from 0 to {limit}"})
    raw = (form.get("crop_damage_ha") or "").strip().replace(",", ".")
    try:
        out["crop_damage_ha"] = float(raw) if raw else None
        if out["crop_damage_ha"] is not None and not 0 <= out["crop_damage_ha"] <= 1_000_000:
            raise ValueError
    except ValueError:
        errors.append({"field": "crop_damage_ha", "message": "expected hectares from 0 to 1000000"})
    out["reprisal_risk"] = {"yes": True, "no": False}.get((form.get("reprisal_risk") or "").strip())
    out["acted_by"] = (form.get("acted_by") or "").strip()[:200] or None
    out["note"] = (form.get("note") or "").strip()[:2000] or None
    if errors:
        raise OutcomeInvalid(errors)
    return out


def report_outcome(session: Session, token: str, form: dict[str, Any], *, language: str | None = None,
                   now: datetime | None = None) -> PageView:
    """POST from an authority allowed to report back: how it was resolved, casualties, note."""
    try:
        ctx = _load(session, token, language)
    except PageRefused as refused:
        return refused.view
    if ctx.sub is None or not ctx.sub.may_report_outcome:
        v = _view(session, ctx, token)
        v.status_code = 403
        return v
    fields = parse_outcome(form)
    now = now or datetime.now(UTC)
    repo.add_outcome(session, alert_id=ctx.alert.id, delivery_id=ctx.delivery.id, subscription_id=ctx.sub.id,
                     organisation=ctx.sub.organisation or ctx.sub.name, at=now, **fields)
    alert = repo.get_alert(session, ctx.alert.id, lock=True)
    if alert.status != "resolved" and alert.verification != "dismissed":
        # the authority's report resolves the alert, through the alert lifecycle (everyone told hears it)
        from alerts.alerts import lifecycle

        label = recipient_label(ctx.sub.organisation, ctx.sub.kind)
        lifecycle.resolve(session, alert, f"{ctx.sub.name} ({label})", fields, now=now, label=label)
        alert.resolved_by_label = label
    return _view(session, ctx, token, outcome_saved=True)


def map_image(session: Session, token: str) -> Markup | None:
    """The map alone (``/a/{token}/map.svg``), for clients that want the picture only."""
    try:
        ctx = _load(session, token, None)
    except PageRefused:
        return None
    message, _ = _message(session, ctx.alert)
    svg, *_ = _map(session, message, word_parts(message, ctx.language)["place"], ctx.alert)
    return svg
