"""What each console page shows, read through the domain services with the signed-in user.

Pure shaping of service answers for templates: no SQL here, no HTTP.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from alerts.alerts import service as alerts
from alerts.alerts.models import ALERT_SEVERITIES, ALERT_STATUSES, ALERT_TYPES
from alerts.alerts.repository import AlertFilter
from corridors.stats import repository as places
from corridors.stats.service import config as stats_config
from ttt.errors import NotFound
from ttt.users import Principal

STATIC = Path(__file__).parent / "static"
INBOX_LIMIT = 200
# a person works the queue from what still needs a decision to what is done
_VERIFY_ORDER = {"new": 0, "verifying": 1}
_STATUS_ORDER = {"open": 0, "acknowledged": 1, "resolved": 2}
ADMIN_SECTIONS = ("subscriptions", "feeds", "quality", "users")
VERIFICATION_STATES = ("new", "verifying", "confirmed", "dismissed")
OUTCOME_MODES = ("mediation", "rerouting", "dispute_committee", "security_forces", "herders_moved_on",
                 "no_action_needed", "false_alarm", "other")


class NotForRole(Exception):
    """A page this role has no business seeing (answered 403 with a page, not JSON)."""


def _visible_points(session: Session, user: Principal) -> list[places.Place]:
    pts = places.flow_points(session)
    return pts if user.unrestricted else [p for p in pts if user.in_scope(p.pcode)]


def seasons_with_data(session: Session) -> tuple[list[dict[str, str]], dt.date]:
    """Every season from the first counted day to the last (oldest first), and that last day:
    pages open on the latest season that holds data, not on an empty current one."""
    season, _ = stats_config()
    first, last = places.data_days(session)
    today = dt.datetime.now(dt.UTC).date()
    last = min(last or today, today)
    seasons = []
    if first is not None:
        y = season.season_year(first)
        while y <= season.season_year(last):
            start = dt.date(y, season.month, season.day)
            seasons.append({"name": season.season_name(start), "from": start.isoformat(),
                            "to": min(season.season_end(start), today).isoformat()})
            y += 1
    return seasons, last


def map_context(session: Session, user: Principal) -> dict[str, Any]:
    seasons, last = seasons_with_data(session)
    points = _visible_points(session, user)
    countries = sorted({(p.pcode or "")[:2] for p in points if p.pcode})
    corridor_codes = {p.corridor_code for p in points}
    corridors = [c for c in places.corridor_list(session) if user.unrestricted or c.code in corridor_codes]
    return {"seasons": seasons, "current_day": last.isoformat(), "countries": countries,
            "corridors": corridors, "types": ALERT_TYPES, "severities": ALERT_SEVERITIES,
            "flow_points": points}


def place_names(session: Session) -> dict[str, str]:
    """Names of corridors and flow points by code: people read names, codes come second."""
    names = {c.code: c.name for c in places.corridor_list(session)}
    names.update({p.code: p.name for p in places.flow_points(session)})
    return names


def _queue_key(a: dict[str, Any]) -> tuple:
    sev = ALERT_SEVERITIES.index(a["severity"]) if a.get("severity") in ALERT_SEVERITIES else 0
    # held = told to nobody until someone confirms it: the most urgent decision of all
    return (not a.get("held"), _VERIFY_ORDER.get(a.get("verification") or "", 2), _STATUS_ORDER.get(a.get("status"), 3), -sev)


def queue_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What waits for a decision first; newest change first inside each group (sorts are stable)."""
    newest_first = sorted(items, key=lambda a: a.get("updated_at") or "", reverse=True)
    return sorted(newest_first, key=_queue_key)


def inbox_context(session: Session, user: Principal, status: str | None, type_: str | None,
                  severity: str | None) -> dict[str, Any]:
    f = AlertFilter(status=status if status in ALERT_STATUSES else None,
                    type=type_ if type_ in ALERT_TYPES else None,
                    severity=severity if severity in ALERT_SEVERITIES else None, limit=INBOX_LIMIT)
    rows, total = alerts.list_alerts(session, user, f)
    items = queue_order([alerts.alert_json(a, user) for a in rows])
    return {"alerts": items, "total": total, "shown": len(items), "statuses": ALERT_STATUSES, "names": place_names(session),
            "types": ALERT_TYPES, "severities": ALERT_SEVERITIES,
            "filters": {"status": status or "", "type": type_ or "", "severity": severity or ""}}


def alert_context(session: Session, user: Principal, alert_id: int, lang: str) -> dict[str, Any]:
    row = alerts.get_alert(session, user, alert_id)
    a = alerts.alert_json(row, user)
    return {"alert": a, "words": alert_words(session, row, lang), "names": place_names(session),
            "can_respond": user.role in ("admin", "analyst", "partner"),
            "can_verify": user.role in ("admin", "analyst"), "outcome_modes": OUTCOME_MODES}


def alert_words(session: Session, row: Any, lang: str) -> dict[str, str]:
    """What happened, the evidence and what to do, in the words recipients read (one text for
    everyone: no statistics jargon, places by name, herds only as coarse areas)."""
    from alerts.delivery import repository as delivery_repo
    from alerts.delivery.service import current_message
    from alerts.delivery.words import parts

    return parts(current_message(session, row, delivery_repo.alert_messages(session, row.id)), lang)


def corridors_context(session: Session, user: Principal) -> dict[str, Any]:
    points = _visible_points(session, user)
    by_corridor: dict[str | None, list[places.Place]] = {}
    for p in points:
        by_corridor.setdefault(p.corridor_code, []).append(p)
    rows = [{"code": c.code, "name": c.name, "points": by_corridor.get(c.code, [])}
            for c in places.corridor_list(session)
            if user.unrestricted or c.code in by_corridor]
    return {"corridors": rows}


def place_context(session: Session, user: Principal, kind: str, code: str) -> dict[str, Any]:
    if kind == "corridor":
        place = places.corridor_by_code(session, code)
        points = places.flow_points(session, corridor_id=place.id) if place else []
    else:
        place = places.flow_point_by_code(session, code)
        points = []
    if place is None:
        raise NotFound(f"no {kind.replace('_', ' ')} with code {code!r}")
    visible = {p.code for p in _visible_points(session, user)}
    points = [p for p in points if p.code in visible]
    if kind == "flow_point" and code not in visible or kind == "corridor" and not points and not user.unrestricted:
        raise NotFound(f"no {kind.replace('_', ' ')} with code {code!r} in your scope")
    f = AlertFilter(corridor=code if kind == "corridor" else None, flow_point=code if kind == "flow_point" else None,
                    limit=20)
    rows, _ = alerts.list_alerts(session, user, f)
    api = "corridors" if kind == "corridor" else "flow-points"
    seasons, _ = seasons_with_data(session)
    return {"kind": kind, "place": place, "points": points, "api": f"/api/v1/stats/{api}/{code}",
            "names": place_names(session), "seasons": seasons,
            "alerts": [alerts.alert_json(a, user) for a in rows]}


def admin_context(user: Principal, section: str) -> dict[str, Any]:
    if section not in ADMIN_SECTIONS or section == "users" and user.role != "admin":
        raise NotForRole()
    return {"section": section, "sections": [s for s in ADMIN_SECTIONS if s != "users" or user.role == "admin"]}
