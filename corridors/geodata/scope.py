"""Scopes on geodata writes: a user scoped to some areas (P-code prefixes) changes only
features that lie inside them, before and after the change.

Where a feature lies: the admin areas its geometry touches, plus the P-codes and countries
its properties name (``pcode``, ``parent_pcode``, ``adm0/1/2_pcode``, ``pcodes``,
``countries``, ``country``). A feature reaching outside the user's areas (a corridor
crossing into another country, a hazard drawn over a border) is left to unscoped users; a
feature with no known place is too. Reading the network stays open to every role.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from sqlalchemy.orm import Session

from corridors.geodata import repository as repo
from corridors.geodata import service
from ttt.errors import Forbidden, NotFound
from ttt.scope import meets_scopes
from ttt.users import Principal

PLACE_PROPERTIES = ("pcode", "parent_pcode", "adm0_pcode", "adm1_pcode", "adm2_pcode", "country")
PLACE_LISTS = ("pcodes", "countries")


def related(user: Principal, pcode: str | None) -> bool:
    """Inside the user's areas, or an area containing one of them (a country for a region)."""
    return bool(pcode) and meets_scopes(pcode, user.scopes)


def places_of(session: Session, feature: dict[str, Any]) -> set[str]:
    props = feature.get("properties") or {}
    places = {str(props[k]).upper() for k in PLACE_PROPERTIES if props.get(k)}
    for k in PLACE_LISTS:
        places |= {str(v).upper() for v in props.get(k) or [] if v}
    geometry = feature.get("geometry")
    if geometry:
        places |= {p.upper() for p in repo.admin_pcodes_touching(session, shape(geometry))}
    return places


def features_in(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, dict) and content.get("type") == "FeatureCollection":
        return list(content.get("features") or [])
    if isinstance(content, dict) and content.get("type") == "Feature":
        return [content]
    return []


def check(session: Session, user: Principal, layer: str, content: Any) -> None:
    """Raise Forbidden unless every feature in ``content`` lies inside the user's scopes."""
    if user.unrestricted:
        return
    for feature in features_in(content):
        places = places_of(session, feature)
        outside = sorted(p for p in places if not related(user, p))
        if not places or outside:
            where = ", ".join(outside[:8]) or "no known admin area"
            raise Forbidden(f"this {service.kind_of(layer).name} lies outside your areas ({where}); "
                            f"you may change features inside {', '.join(user.scopes)} only")


def check_existing(session: Session, user: Principal, layer: str, key: Any) -> None:
    """Before a change or a deletion: the feature as it is now must be inside the scopes."""
    if user.unrestricted:
        return
    try:
        current = service.get(session, layer, key)
    except NotFound:
        return
    check(session, user, layer, current)


def check_existing_in_body(session: Session, user: Principal, layer: str, body: Any) -> None:
    """Before an upsert: every existing feature it would overwrite must be inside the scopes."""
    if user.unrestricted:
        return
    key_name = service.kind_of(layer).key
    if key_name is None:
        return
    for feature in features_in(body):
        key = (feature.get("properties") or {}).get(key_name)
        if key is not None:
            check_existing(session, user, layer, key)


def check_calendar(session: Session, user: Principal, calendar: dict[str, Any]) -> None:
    """A calendar belongs to its country, or to its corridor's areas."""
    if user.unrestricted:
        return
    places: set[str] = set()
    if calendar.get("country"):
        places.add(str(calendar["country"]).upper())
    if calendar.get("corridor"):
        try:
            corridor = service.get(session, "corridors", calendar["corridor"])
        except NotFound:
            corridor = {}
        props = corridor.get("properties") or {}
        places |= {str(v).upper() for k in PLACE_LISTS for v in props.get(k) or [] if v}
    outside = sorted(p for p in places if not related(user, p))
    if not places or outside:
        raise Forbidden(f"this calendar is for areas outside yours ({', '.join(outside) or 'everywhere'}); "
                        f"you may change calendars of {', '.join(user.scopes)} only")
