"""HAZARD alerts follow their hazard: when the hazard changes (a CAP Update moves a flood,
a fire area grows) its live alerts are updated in place, and when it ends (a CAP Cancel,
expiry, a fire area quiet for its N hours, a hazard deleted) they get an all clear.

Runs after each time-based rules check, so hazards changed by a feed pull, the geodata API
or straight SQL are all followed within one evaluation interval. An alert knows which state
of its hazard it describes by ``evidence.details.hazard_version`` (alerts raised before that
was recorded are left to the rules).

An alert raised after its hazard was already over (data loaded late) is history, not a
warning in force: it gets no all clear. The all clear resolves the alert through the ordinary resolution path (status resolved, a
note saying why, a ``resolved`` delivery to everyone who was told).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy.orm import Session

from alerts.alerts import repository as repo
from alerts.alerts import rerouting
from alerts.alerts.lifecycle import add_history
from alerts.alerts.models import Alert
from alerts.alerts.service import notify
from alerts.rules.config import RuleSet
from alerts.rules.engine import evaluate
from alerts.rules.model import Finding, Hazard, severity_rank

RESOLVER = "ttt (hazard ended)"
KIND_FR = {"bushfire": "le feu de brousse", "flood": "l'inondation", "drought": "la sécheresse",
           "disease": "l'épizootie", "insecurity": "l'insécurité", "conflict": "le conflit", "other": "le danger"}


@dataclass
class FollowResult:
    updated: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)


def _hazard_id(place: str | None) -> int | None:
    head = (place or "").split("|", 1)[0]
    try:
        return int(head.removeprefix("hazard:"))
    except ValueError:
        return None


def all_clear(session: Session, alert: Alert, note: str, now: datetime) -> None:
    alert.status, alert.resolved_at, alert.resolved_by, alert.resolve_note = "resolved", now, RESOLVER, note
    alert.version += 1
    alert.updated_at = now
    add_history(alert, "closed", RESOLVER, now, note, "ttt")
    session.flush()
    notify(session, alert, "resolved")


def _ended_note(h: Hazard | None, now: datetime) -> str:
    if h is None:
        return "All clear: the hazard was removed. / Fin d'alerte : le danger a été retiré."
    day = f"{(h.ends or now):%Y-%m-%d}"
    return f"All clear: the {h.kind} ended on {day}. / Fin d'alerte : {KIND_FR.get(h.kind, 'le danger')} a pris fin le {day}."


def _refresh(session: Session, alert: Alert, f: Finding, now: datetime) -> str | None:
    higher = severity_rank(f.severity) > severity_rank(alert.severity)
    same_area = alert.geom is not None and f.geometry is not None and to_shape(alert.geom).equals_exact(f.geometry, 1e-7)
    if not higher and same_area and set(f.observation_ids) <= set(alert.observation_ids or []):
        # the hazard changed elsewhere (its text, another corridor): only note the version seen
        alert.evidence = {**alert.evidence, "details": {**(alert.evidence.get("details") or {}),
                                                        "hazard_version": f.evidence.details.get("hazard_version")}}
        session.flush()
        return None
    if higher:
        alert.severity = f.severity
    if f.geometry is not None:
        alert.geom = from_shape(f.geometry, srid=4326)
    alert.evidence = f.evidence.as_dict()
    alert.headline, alert.headline_fr = f.headline.get("en", alert.headline), f.headline.get("fr", alert.headline_fr)
    alert.window_start = min(alert.window_start or f.window_start, f.window_start)
    alert.window_end = max(alert.window_end or f.window_end, f.window_end)
    alert.dedup_keys = sorted(set(alert.dedup_keys or [alert.dedup_key]) | {f.dedup_key})
    alert.observation_ids = sorted(set(alert.observation_ids or []) | set(f.observation_ids))
    alert.version += 1
    alert.updated_at = now
    event = "escalated" if higher else "updated"
    add_history(alert, event, "ttt", now, "the hazard changed")
    session.flush()
    rerouting.attach(session, alert, now)  # the way round a moved hazard is another way
    notify(session, alert, event)
    return event


def follow_hazards(session: Session, network: repo.Network, rules: RuleSet, now: datetime) -> FollowResult:
    result = FollowResult()
    alerts = repo.live_hazard_alerts(session)
    if not alerts:
        return result
    hazards = {h.id: h for h in network.hazards}
    stale: dict[int, list[Alert]] = {}
    for alert in alerts:
        hid = _hazard_id(alert.place)
        if hid is None:
            continue
        h = hazards.get(hid)
        if h is not None and h.ends is not None and h.ends <= now and alert.created_at >= h.ends:
            continue  # raised about a hazard already over (a historical load): nothing to clear
        if h is None or (h.ends is not None and h.ends <= now):
            all_clear(session, alert, _ended_note(h, now), now)
            result.cleared.append(alert.id)
            continue
        seen = ((alert.evidence or {}).get("details") or {}).get("hazard_version")
        if seen and seen != h.version:
            stale.setdefault(hid, []).append(alert)
    for hid, group in stale.items():
        h = hazards[hid]
        rule_ids = {a.rule_id for a in group}
        lookback = max((r.params.get("lookback_days", 7) for r in rules.rules if r.id in rule_ids), default=7)
        since = min([h.starts, *(a.window_start for a in group if a.window_start)])
        observations = repo.load_observations(session, network, until=now, since=since - timedelta(days=lookback))
        snapshot = replace(repo.snapshot(network, observations), hazards=(h,))
        findings = {(f.rule, f.place): f for f in evaluate(snapshot, rules, now=now, since=since,
                                                            only=lambda r, ids=frozenset(rule_ids): r.id in ids)}
        for alert in group:
            f = findings.get((alert.rule_id, alert.place))
            if f is None:
                where = alert.corridor_code or alert.flow_point_code or "this place"
                all_clear(session, alert, f"All clear: the {h.kind} no longer reaches {where}. / Fin d'alerte : "
                                          f"{KIND_FR.get(h.kind, 'le danger')} n'atteint plus {where}.", now)
                result.cleared.append(alert.id)
            elif _refresh(session, alert, f, now):
                result.updated.append(alert.id)
    return result
