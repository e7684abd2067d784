"""Alternative routes in the evidence of the alerts that call for rerouting.

HAZARD alerts, UNEXPECTED alerts at a closed corridor or flow point, and event alerts of a
conflict kind on a corridor get, in ``evidence["rerouting"]``, the best open routes from
where the herds are (the alert's flow point, else the corridor's start) to where the
corridor was taking them (its far end), at the alert's time, with the words of the
recommended action in French and English. Routing runs in a savepoint: if it fails, the
alert is recorded without alternatives rather than not at all.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from alerts.alerts.models import Alert
from corridors.network import service as network
from corridors.network.params import routing_params
from corridors.network.words import alternative_sentence, no_route_sentence
from ttt.errors import TTTError

log = logging.getLogger(__name__)
ALTERNATIVES = 2  # how many routes an alert carries


def wants_rerouting(alert: Alert) -> bool:
    if not alert.corridor_code:
        return False
    if alert.type == "hazard":
        return True
    if alert.type == "unexpected":
        return (alert.evidence or {}).get("details", {}).get("check") == "closed"
    return alert.type == "event" and alert.event_kind in routing_params().conflict_kinds


def _moment(alert: Alert, now: datetime) -> datetime:
    """The alert's time, inside its window (a hazard is active there)."""
    at = now
    if alert.window_end is not None and at > alert.window_end:
        at = alert.window_end
    if alert.window_start is not None and at < alert.window_start:
        at = alert.window_start
    return at


def alternatives(session: Session, alert: Alert, now: datetime) -> dict[str, Any] | None:
    """The rerouting evidence of one alert (None when the corridor is not on the network)."""
    params = routing_params()
    view = network.network(session, params)
    # herds at a closed place are told the way that avoids the whole corridor: start to end
    start_at = None if alert.type == "unexpected" else alert.flow_point_code
    ends = network.corridor_ends(session, view, alert.corridor_code, start_at, params)
    if ends is None:
        return None
    at = _moment(alert, now)
    base = {"from": ends[0].label, "to": ends[1].label, "at": at.isoformat(), "species": params.default_species}
    try:
        found = network.routes_between(session, view, *ends, k=ALTERNATIVES, at=at, species=params.default_species,
                                       params=params)
    except network.NoOpenRoute as exc:
        return {**base, "alternatives": [], "blocked_by": exc.blocking,
                "text": {"fr": no_route_sentence(exc.blocking, "fr"), "en": no_route_sentence(exc.blocking, "en")}}
    except TTTError:  # not connected to anything else: nothing to propose
        return {**base, "alternatives": [], "text": {}}
    routes = [{**f["properties"], "geometry": f["geometry"]} for f in found["features"]]
    # the usual way open and the best route being it: nothing to reroute
    useful = [r for r in routes if r["hazards_avoided"]]
    if not useful:
        return {**base, "alternatives": [], "text": {}}
    best = useful[0]
    return {**base, "alternatives": useful,
            "text": {"fr": alternative_sentence(best, "fr"), "en": alternative_sentence(best, "en")}}


def attach(session: Session, alert: Alert, now: datetime) -> None:
    """Put the alternatives into the alert's evidence when its kind calls for them."""
    if not wants_rerouting(alert):
        return
    try:
        with session.begin_nested():
            found = alternatives(session, alert, now)
    except Exception:  # noqa: BLE001 - an alert without alternatives beats no alert
        log.exception("rerouting failed for alert %s", alert.id)
        return
    if found is not None:
        alert.evidence = {**(alert.evidence or {}), "rerouting": found}


__all__ = ["alternatives", "attach", "wants_rerouting"]
