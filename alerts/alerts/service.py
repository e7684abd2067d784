"""Alert use cases: record findings as alerts (dedup, outbox), event reports, listing,
acknowledging and resolving. Every function takes the caller's Session and commits nothing.

The delivery outbox (``alerts.delivery.outbox.enqueue``) is called in the same transaction
as the alert change it announces (created, escalated, resolved), so an alert never exists
without its deliveries, nor the reverse.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy.orm import Session

from alerts.alerts import lifecycle as life
from alerts.alerts import repository as repo
from alerts.alerts import rerouting
from alerts.alerts.lifecycle import NOTIFY_EVENTS, notify  # noqa: F401  (the delivery hook's home)
from alerts.alerts.models import ALERT_SEVERITIES, Alert
from alerts.privacy import actor, evidence_for, quoted, reporter_text, role_label
from alerts.rules.dedup import AlertState, Change, merge
from alerts.rules.lifecycle import Lifecycle
from alerts.rules.model import SPECIES, Evidence, Finding
from ttt.errors import Conflict, NotFound, ValidationFailed
from ttt.facts import corridor_place, fp_place
from ttt.location_policy import GENERALISED, alert_geometry, sees_exact
from ttt.scope import meets_scopes
from ttt.users import Principal

EVENT_KINDS = (
    "conflict", "crop_destruction", "cattle_rustling", "kidnapping", "natural_disaster", "bushfire",
    "flood", "disease", "non_use_of_corridor", "other",
)
EVENT_KIND_TEXT = {
    "conflict": ("Conflict", "Conflit"), "crop_destruction": ("Crop destruction", "Destruction de cultures"),
    "cattle_rustling": ("Cattle rustling", "Vol de bétail"), "kidnapping": ("Kidnapping", "Enlèvement"),
    "natural_disaster": ("Natural disaster", "Catastrophe naturelle"), "bushfire": ("Bushfire", "Feu de brousse"),
    "flood": ("Flood", "Inondation"), "disease": ("Animal disease", "Maladie animale"),
    "non_use_of_corridor": ("Official corridor not used", "Non-utilisation du couloir officiel"),
    "other": ("Event", "Événement"),
}
MAX_EVENT_VERTICES = 2_000  # every later feed and map read pays for each vertex of an event's geometry
EVENT_SUPPRESS_HOURS = 24.0  # reports of the same kind at the same place within a day are one alert


# --- delivery hook ------------------------------------------------------------------------
# ``notify`` (alerts.alerts.lifecycle) hands a change to the outbox unless the alert is held.


# --- findings -> alerts -------------------------------------------------------------------


def state_of(a: Alert) -> AlertState:
    return AlertState(
        id=a.id, rule=a.rule_id or "", place=a.place or "", status=a.status, severity=a.severity,
        window_start=a.window_start or a.created_at, window_end=a.window_end or a.created_at,
        occurrences=a.occurrences, dedup_key=a.dedup_key, keys=set(a.dedup_keys or [a.dedup_key]),
        observation_ids=set(a.observation_ids or []), type=a.type, verification=a.verification or "new",
        evidence=dict(a.evidence or {}), reopened_from=a.reopened_from,
    )


def record_findings(
    session: Session,
    findings: Sequence[Finding],
    pcodes_for: Callable[[Finding], list[str]],
    *,
    now: datetime | None = None,
    created_by: str | None = None,
    created_label: str | None = None,
    extra: Callable[[Finding], dict[str, Any]] | None = None,
    lifecycle: Lifecycle | None = None,
) -> tuple[list[Alert], list[Alert]]:
    """Create, reopen or update alerts for findings (serialised by an advisory lock); returns
    (created or reopened, updated). Each change is recorded in the alert's history and told
    (see :func:`alerts.alerts.lifecycle.notify`)."""
    if not findings:
        return [], []
    lifecycle = lifecycle or life.rules_lifecycle()
    repo.lock_alerts(session)
    reach = max(f.suppress_hours for f in findings)
    rows = repo.alerts_for_merge(
        session, [f.dedup_key for f in findings], [(f.rule, f.place) for f in findings],
        since=min(f.window_start for f in findings) - timedelta(hours=reach),
        incident_types=lifecycle.incidents, corridors=[f.corridor for f in findings if f.corridor])
    by_id = {a.id: a for a in rows}
    result = merge(findings, [state_of(a) for a in rows], lifecycle)
    now = now or datetime.now(UTC)
    created, updated = [], []
    for change in result.changes:
        if change.event in ("created", "reopened"):
            alert = _new_alert(change, pcodes_for(change.alert.first or change.finding), now, created_by)
            if extra:
                for k, v in extra(change.finding).items():
                    setattr(alert, k, v)
            life.on_raised(alert, change.event, now, lifecycle, created_by, created_label)
            session.add(alert)
            session.flush()
            created.append(alert)
        else:
            alert = by_id[change.alert.id]
            added = len(change.alert.observation_ids) - len(alert.observation_ids or [])
            _apply(alert, change, now)
            if extra:
                for k, v in extra(change.finding).items():
                    if v is not None:
                        setattr(alert, k, v)
            _widen(session, alert)
            life.add_history(alert, change.event, created_by, now,
                             f"{added} more observation(s)" if added > 0 else None, created_label)
            session.flush()
            updated.append(alert)
        rerouting.attach(session, alert, now)
        notify(session, alert, change.event)
    return created, updated


def _new_alert(change: Change, pcodes: list[str], now: datetime, created_by: str | None) -> Alert:
    s = change.alert
    f = s.first or change.finding  # the finding that opened it names the rule, place and headline
    return Alert(
        type=f.type, severity=s.severity, status="open", dedup_key=s.dedup_key, rule_id=f.rule,
        corridor_code=f.corridor, flow_point_code=f.flow_point, pcodes=sorted(set(pcodes)),
        geom=from_shape(f.geometry, srid=4326) if f.geometry is not None else None,
        window_start=s.window_start, window_end=s.window_end, headline=f.headline.get("en", ""),
        headline_fr=f.headline.get("fr"), evidence=s.evidence or f.evidence.as_dict(), occurrences=s.occurrences,
        version=1, created_by=created_by, created_at=now, updated_at=now, escalation_tier=1, place=f.place,
        rule_version=f.evidence.rule_version, dedup_keys=sorted(s.keys), observation_ids=sorted(s.observation_ids),
        reopened_from=s.reopened_from, verification="new", history=[],
    )


def _apply(alert: Alert, change: Change, now: datetime) -> None:
    f, s = change.finding, change.alert
    alert.severity = s.severity
    alert.window_start, alert.window_end = s.window_start, s.window_end
    alert.occurrences = s.occurrences
    alert.dedup_keys = sorted(s.keys)
    alert.observation_ids = sorted(s.observation_ids)
    alert.evidence = s.evidence
    if f.rule == alert.rule_id:  # a finding of another rule joined the incident: the alert keeps its words
        alert.rule_version = f.evidence.rule_version
        alert.headline, alert.headline_fr = f.headline.get("en", alert.headline), f.headline.get("fr", alert.headline_fr)
        if f.geometry is not None:
            alert.geom = from_shape(f.geometry, srid=4326)
    alert.version += 1
    alert.updated_at = now


_COUNTS = (re.compile(r"\d+ herd\(s\), [\d ]+ animals"), re.compile(r"\d+ troupeau\(x\), [\d ]+ animaux"))


def _widen(session: Session, alert: Alert) -> None:
    """Herds and animals of an updated alert over every observation it holds, not only the
    latest batch's (a rule evaluating only new rows finds just those)."""
    ev = dict(alert.evidence or {})
    observed = ev.get("observed")
    ids = list(alert.observation_ids or [])
    if alert.type == "event" or not isinstance(observed, dict) or "herds" not in observed or "animals" not in observed:
        return
    if len(ids) <= int(observed["herds"]):
        return
    herds, animals = repo.herd_totals(session, ids, SPECIES)
    if herds <= int(observed["herds"]):
        return
    ev["observed"] = {**observed, "herds": herds, "animals": float(animals)}
    ev["observations"] = sorted(set(ev.get("observations") or []) | set(ids))
    alert.evidence = ev
    fmt = f"{round(animals):,}".replace(",", " ")
    alert.headline = _COUNTS[0].sub(f"{herds} herd(s), {fmt} animals", alert.headline or "")
    if alert.headline_fr:
        alert.headline_fr = _COUNTS[1].sub(f"{herds} troupeau(x), {fmt} animaux", alert.headline_fr)


# --- event alerts from key informants -------------------------------------------------------


def report_event(session: Session, user: Principal, body: dict[str, Any], now: datetime | None = None) -> tuple[Alert, bool]:
    """Record a key informant's event report; returns (alert, created).

    Reports of the same kind at the same place (flow point, else corridor, else a 0.1 degree
    cell) on the same day are one alert; a report re-sent with the same ``id`` changes
    nothing (offline phones retry).
    """
    from ttt.geo import parse_geometry

    now = now or datetime.now(UTC)
    errors: list[dict[str, str]] = []
    kind = body.get("event_kind")
    if kind not in EVENT_KINDS:
        errors.append({"field": "event_kind", "message": f"expected one of {', '.join(EVENT_KINDS)}, got {kind!r}"})
    severity = body.get("severity", "moderate")
    if severity not in ALERT_SEVERITIES:
        errors.append({"field": "severity", "message": f"expected one of {', '.join(ALERT_SEVERITIES)}, got {severity!r}"})
    geom = None
    if body.get("geometry") is not None:
        try:
            geom = parse_geometry(body["geometry"], ("Point", "Polygon", "MultiPolygon", "LineString"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    elif body.get("location") is not None:
        loc = body["location"]
        try:
            geom = parse_geometry({"type": "Point", "coordinates": [loc["lon"], loc["lat"]]}, ("Point",), field="location")
        except (KeyError, TypeError):
            errors.append({"field": "location", "message": "expected {\"lon\": <number>, \"lat\": <number>}"})
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if geom is not None and shapely.get_num_coordinates(geom) > MAX_EVENT_VERTICES:
        errors.append({"field": "geometry", "message": f"{shapely.get_num_coordinates(geom):,} vertices; draw the "
                       f"event with at most {MAX_EVENT_VERTICES:,} (simplify it)"})
        geom = None
    network = repo.load_network(session)
    fp_code, corridor = body.get("flow_point"), body.get("corridor")
    fps = {f.code: f for f in network.flow_points}
    if fp_code is not None and fp_code not in fps:
        errors.append({"field": "flow_point", "message": f"unknown flow point {fp_code!r}"})
    if corridor is not None and corridor not in {c.code for c in network.corridors}:
        errors.append({"field": "corridor", "message": f"unknown corridor {corridor!r}"})
    if geom is None and fp_code is None:
        errors.append({"field": "location", "message": "an event needs a location, a geometry or a flow_point"})
    occurred = body.get("occurred_at") or now
    if isinstance(occurred, str):
        try:
            occurred = datetime.fromisoformat(occurred)
        except ValueError:
            errors.append({"field": "occurred_at", "message": f"expected an ISO 8601 date-time, got {occurred!r}"})
    if isinstance(occurred, datetime) and occurred.tzinfo is None:
        errors.append({"field": "occurred_at", "message": "give a time zone offset (e.g. +00:00)"})
    elif isinstance(occurred, datetime) and occurred > now + timedelta(minutes=5):
        errors.append({"field": "occurred_at", "message": "is in the future"})
    if len((body.get("headline") or "").strip()) > 300:
        errors.append({"field": "headline", "message": "at most 300 characters"})
    headline = reporter_text(body.get("headline"))  # one line, no links: it goes into official messages
    if errors:
        raise ValidationFailed(errors)
    fp = fps.get(fp_code) if fp_code else None
    if fp is not None:
        corridor = corridor or (network.corridors[fp.corridor].code if fp.corridor >= 0 else None)
        geom = geom or fp.location
        place = fp_place(fp.code)
    elif corridor is not None:
        place = corridor_place(corridor)
    else:
        c = geom.centroid
        place = f"cell:{round(c.y, 1):.1f},{round(c.x, 1):.1f}"
    pcodes = [p for p in [network.fp_pcode.get(fp.code) if fp else None] if p]
    if not pcodes:
        from corridors.observations.repository import admin_pcodes_at

        c = geom.centroid
        pcodes = [p for p in admin_pcodes_at(session, [c.x], [c.y]) if p]
    if not user.unrestricted:
        _check_event_scope(session, user, geom, pcodes, corridor, network, bool(body.get("geometry")))
    report_id = str(body.get("id") or uuid.uuid4())
    day = occurred.astimezone(UTC).date()
    en, fr = EVENT_KIND_TEXT[kind]
    where = fp.code if fp else (corridor or place.removeprefix("cell:"))
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    lifecycle = life.rules_lifecycle()
    key = f"event:{kind}|{place}|{start:%Y-%m-%d}"
    near = repo.nearby_event_alert(session, kind, geom, occurred, lifecycle.corroboration_km,
                                   lifecycle.corroboration_hours, exclude_key=key)
    if near is not None and report_id not in (near.observation_ids or []):
        key, place = near.dedup_key, near.place or place  # the same event, reported near by
    finding = Finding(
        rule=f"event:{kind}", type="event", severity=severity, corridor=corridor, flow_point=fp.code if fp else None,
        window_start=occurred, window_end=occurred,
        headline={"en": f"{en} reported at {where}" + (f": {quoted(headline, 'en')}" if headline else ""),
                  "fr": f"{fr} signalé(e) à {where}" + (f" : {quoted(headline, 'fr')}" if headline else "")},
        dedup_key=key, place=place,
        evidence=Evidence(rule=f"event:{kind}", rule_version="event", observed={"reports": 1}, baseline=None,
                          threshold=None, observations=(report_id,),
                          details={"reported_by": user.name, "reporter_role": user.role,
                                   "description": body.get("description") or ""}),
        geometry=geom, suppress_hours=EVENT_SUPPRESS_HOURS,
    )
    created, updated = record_findings(
        session, [finding], lambda f: pcodes, now=now, created_by=user.name, created_label=role_label(user.role),
        extra=lambda f: {"event_kind": kind, "reprisal_risk": body.get("reprisal_risk")}, lifecycle=lifecycle,
    )
    if created:
        life.reported_by(created[0], user.name, report_id, now, label=role_label(user.role))
        return created[0], True
    if updated:
        alert = updated[0]
        alert.evidence = {**alert.evidence, "observed": {"reports": len(alert.observation_ids or [])}}
        life.reported_by(alert, user.name, report_id, now, label=role_label(user.role))
        return alert, False
    alerts = repo.alerts_by_key(session, finding.dedup_key)
    existing = next((a for a in reversed(alerts) if report_id in (a.observation_ids or [])), None)
    if existing is not None:
        return existing, False  # a retry of a report already recorded
    if not alerts:  # pragma: no cover - merge only skips a finding whose key it knows
        raise Conflict("the report could not be recorded")
    # the event was resolved or dismissed and this report is no worse: kept for the record
    closed = alerts[-1]
    closed.observation_ids = sorted({*(closed.observation_ids or []), report_id})
    life.reported_by(closed, user.name, report_id, now, after_close=True, label=role_label(user.role))
    session.flush()
    return closed, False


def _related(user: Principal, pcode: str | None) -> bool:
    """In the user's areas, or an area containing one of them (a country for a region scope)."""
    return bool(pcode) and meets_scopes(pcode, user.scopes)


def _check_event_scope(session: Session, user: Principal, geom, pcodes: list[str], corridor: str | None,
                       network, drawn: bool) -> None:
    """A scoped reporter reports only inside their areas: the place, every admin area a
    drawn geometry touches, and the corridor named (its admin areas must meet theirs), so an
    event cannot be pushed to another country's recipients."""
    from corridors.geodata.repository import admin_pcodes_touching

    errors = []
    if not any(user.in_scope(p) for p in pcodes):
        errors.append({"field": "location", "message":
                       f"this place ({', '.join(pcodes) or 'outside every known admin area'}) is outside "
                       f"your areas ({', '.join(user.scopes)})"})
    if drawn and geom is not None:
        outside = sorted(p for p in admin_pcodes_touching(session, geom) if not _related(user, p))
        if outside:
            errors.append({"field": "geometry", "message": f"reaches areas outside yours ({', '.join(outside[:10])}); "
                           f"draw the event inside {', '.join(user.scopes)}"})
    if corridor is not None:
        codes = network.corridor_pcodes.get(corridor) or []
        if not any(_related(user, p) for p in codes):
            errors.append({"field": "corridor", "message": f"corridor {corridor} does not pass through your areas "
                           f"({', '.join(user.scopes)})"})
    if errors:
        raise ValidationFailed(errors)


# --- reading and acting on alerts --------------------------------------------------------------


STAFF_ROLES = ("admin", "analyst")


def visible(user: Principal, alert: Alert) -> bool:
    """In the user's areas; an alert waiting for confirmation only for staff and its reporters."""
    if alert.held and user.role not in STAFF_ROLES and user.name not in (alert.reporters or []):
        return False
    return user.unrestricted or any(user.in_scope(p) for p in (alert.pcodes or []))


def get_alert(session: Session, user: Principal, alert_id: int, *, for_update: bool = False) -> Alert:
    alert = repo.get_alert(session, alert_id, for_update=for_update)
    if alert is None or not visible(user, alert):
        raise NotFound(f"no alert {alert_id}")
    return alert


def list_alerts(session: Session, user: Principal, f: repo.AlertFilter) -> tuple[list[Alert], int]:
    f.scopes = tuple(user.scopes)
    f.held_visible_to = None if user.role in STAFF_ROLES else user.name
    return repo.list_alerts(session, f)


def acknowledge(session: Session, user: Principal, alert_id: int, note: str | None) -> Alert:
    alert = get_alert(session, user, alert_id, for_update=True)
    if alert.status == "resolved":
        raise Conflict(f"alert {alert_id} is resolved; it cannot be acknowledged")
    if alert.status == "acknowledged":
        raise Conflict(f"alert {alert_id} was already acknowledged by "
                       f"{actor(user.role, alert.acknowledged_by, alert.acknowledged_by_label)} at "
                       f"{alert.acknowledged_at.isoformat()}")
    now = datetime.now(UTC)
    life.acknowledged(alert, user.name, now, note, role_label(user.role))
    alert.status, alert.acknowledged_at, alert.acknowledged_by, alert.acknowledge_note = "acknowledged", now, user.name, note
    alert.acknowledged_by_label = role_label(user.role)
    alert.updated_at = now  # an acknowledgement is not a new version: nothing is re-sent or re-published
    session.flush()
    return alert


def resolve(session: Session, user: Principal, alert_id: int, outcome: dict[str, Any] | None) -> Alert:
    """Resolve with a structured outcome (mode, casualties, damage, reprisal risk, who acted, note)."""
    alert = get_alert(session, user, alert_id, for_update=True)
    if alert.status == "resolved" and alert.verification != "dismissed":
        raise Conflict(f"alert {alert_id} was already resolved by "
                       f"{actor(user.role, alert.resolved_by, alert.resolved_by_label)} at {alert.resolved_at.isoformat()}")
    life.resolve(session, alert, user.name, outcome, label=role_label(user.role))
    alert.resolved_by_label = role_label(user.role)
    return alert


def verify(session: Session, user: Principal, alert_id: int, verdict: str, note: str | None) -> Alert:
    alert = get_alert(session, user, alert_id, for_update=True)
    return life.verify(session, alert, user.name, verdict, note, label=role_label(user.role))


def response_stats(session: Session, user: Principal, first: date, last: date, interval: str, *,
                   type: str | None = None, severity: str | None = None, pcode: str | None = None) -> dict[str, Any]:
    """Response figures over alerts raised from ``first`` to ``last`` (UTC days), scoped to the
    user's areas like every statistic."""
    from alerts.alerts.response import AlertTimes, response_figures

    if last < first:
        raise ValidationFailed([{"field": "to", "message": "must not be before 'from'"}])
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    rows = repo.response_rows(session, start, end, type=type, severity=severity, pcode=pcode,
                              scopes=() if user.unrestricted else user.scopes)
    times = [AlertTimes(a.created_at, a.status, a.verification or "new", a.acknowledged_at, a.verified_at,
                        a.resolved_at, a.resolved_by, a.outcome, a.reopened_from is not None) for a in rows]
    result = response_figures(times, first, last, interval)
    result["filters"] = {"pcode": pcode, "type": type, "severity": severity}
    return result


# --- JSON ------------------------------------------------------------------------------------


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat() if dt else None


def alert_json(alert: Alert, user: Principal | None = None) -> dict[str, Any]:
    """The alert as the API contract shows it to ``user``: the location policy decides the
    geometry (exact for admin/analyst, whole 0.1 degree cells for everyone else) and the
    people policy who acted and what a reporter wrote (alerts.privacy)."""
    role = user.role if user is not None else None
    geom = alert_geometry(role, to_shape(alert.geom) if alert.geom is not None else None)
    return {
        "id": alert.id,
        "type": alert.type,
        "event_kind": alert.event_kind,
        "severity": alert.severity,
        "status": alert.status,
        "corridor": alert.corridor_code,
        "flow_point": alert.flow_point_code,
        "pcodes": alert.pcodes or [],
        "headline": alert.headline,
        "headlines": {"en": alert.headline, "fr": alert.headline_fr or alert.headline},
        "window_start": _iso(alert.window_start),
        "window_end": _iso(alert.window_end),
        "occurrences": alert.occurrences,
        "rule": alert.rule_id,
        "rule_version": alert.rule_version,
        "evidence": evidence_for(role, alert.evidence),
        "geometry": _geojson(geom),
        "location": "exact" if sees_exact(role) else GENERALISED,
        "reprisal_risk": alert.reprisal_risk,
        "version": alert.version,
        "created_at": _iso(alert.created_at),
        "updated_at": _iso(alert.updated_at),
        "acknowledged": None if alert.acknowledged_at is None else
        {"by": actor(role, alert.acknowledged_by, alert.acknowledged_by_label), "at": _iso(alert.acknowledged_at),
         "note": alert.acknowledge_note},
        "resolved": None if alert.resolved_at is None else
        {"by": actor(role, alert.resolved_by, alert.resolved_by_label), "at": _iso(alert.resolved_at),
         "note": alert.resolve_note},
        **life.lifecycle_json(alert, role),
    }


def _geojson(geom) -> dict[str, Any] | None:
    from ttt.geo import to_geojson

    return to_geojson(geom) if geom is not None else None


def finding_json(f: Finding) -> dict[str, Any]:
    """A finding in the alert contract's shape (backtests: what would have been raised)."""
    return {
        "type": f.type, "severity": f.severity, "corridor": f.corridor, "flow_point": f.flow_point,
        "headline": f.headline.get("en"), "headlines": dict(f.headline), "rule": f.rule,
        "window_start": _iso(f.window_start), "window_end": _iso(f.window_end), "dedup_key": f.dedup_key,
        "evidence": f.evidence.as_dict(), "geometry": _geojson(f.geometry),
    }


def backtest_for(session: Session, user: Principal, result: dict[str, Any]) -> dict[str, Any]:
    """A backtest as a scoped user may see it: only the alerts at places inside their areas
    (a flow point's admin area, else the corridor's), and counts of those alone."""
    if user.unrestricted:
        return result
    network = repo.load_network(session)

    def places(a: dict[str, Any]) -> list[str]:
        if a.get("flow_point") and network.fp_pcode.get(a["flow_point"]):
            return [network.fp_pcode[a["flow_point"]]]
        return list(network.corridor_pcodes.get(a.get("corridor") or "", []))

    kept = [a for a in result["alerts"] if any(user.in_scope(p) for p in places(a))]
    by_type: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for a in kept:
        by_type[a["type"]] = by_type.get(a["type"], 0) + 1
        by_rule[a["rule"]] = by_rule.get(a["rule"], 0) + 1
    return {**result, "alerts": kept, "by_type": by_type, "by_rule": by_rule, "by_place": {},
            "findings": None, "observations": None}


def states_json(states: Iterable[AlertState]) -> list[dict[str, Any]]:
    out = []
    for s in states:
        d = finding_json(s.finding)
        d.update(severity=s.severity, occurrences=s.occurrences, window_start=_iso(s.window_start),
                 window_end=_iso(s.window_end), dedup_key=s.dedup_key)
        out.append(d)
    return out
