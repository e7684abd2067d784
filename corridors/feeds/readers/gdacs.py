"""GDACS events as GeoJSON (the GDACS API: ``geteventlist`` answers and per-event
``polygons/getgeometry`` answers are both FeatureCollections).

Source: gdacs.org/gdacsapi. Each Feature's ``properties`` carry ``eventtype`` (EQ, TC, FL, VO,
DR, WF), ``eventid``, ``episodeid``, ``name``/``eventname``, ``description``, ``alertlevel``
(Green, Orange, Red), ``fromdate``/``todate`` (``2024-09-12T00:00:00``, UTC, no offset),
``iscurrent`` ("true"/"false"), ``datemodified`` and ``country``. One event may come as
several Features (event polygons, its centroid point): they are one hazard, the polygons
being its area; an event given only as a point gets a circle of ``point_radius_km``.
Version: the episode and the modification date. A current event has no end; an event no
longer current ends at its ``todate``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry import shape
from shapely.ops import unary_union

from corridors.feeds.readers.common import (
    HAZARD_KINDS,
    SEVERITIES,
    FormatError,
    Item,
    ReadResult,
    mapped,
    utc,
)
from ttt.geo import buffer_m

# Herds meet floods, droughts and wildfires; cyclones, earthquakes and volcanoes are followed
# only when a feed maps them (``kind_map``).
EVENT_KINDS = {"FL": "flood", "DR": "drought", "WF": "bushfire"}
ALERT_SEVERITY = {"green": "minor", "orange": "severe", "red": "extreme"}
EVENT_NAMES = {"FL": "Flood", "DR": "Drought", "WF": "Wildfire", "TC": "Tropical cyclone", "EQ": "Earthquake",
               "VO": "Volcano"}


@dataclass(frozen=True)
class GdacsOptions:
    kind_map: Mapping[str, str] | None = None  # eventtype -> hazard kind
    severity_map: Mapping[str, str] | None = None  # alertlevel -> severity
    event_types: tuple[str, ...] | None = None  # only these (None: every type with a kind)
    point_radius_km: float = 25.0


def gdacs_time(raw: Any) -> datetime | None:
    if raw in (None, ""):
        return None
    s = str(raw).strip()
    try:
        return utc(datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s))
    except ValueError:
        raise ValueError(f"expected a date-time such as 2024-09-12T00:00:00, got {raw!r}") from None


def _truthy(v: Any) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes")


def read_gdacs(data: bytes, options: GdacsOptions = GdacsOptions()) -> ReadResult:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"not GeoJSON: {exc}") from None
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise FormatError("not a GDACS GeoJSON answer: expected a FeatureCollection")
    result = ReadResult()
    events: dict[str, list[tuple[int, Mapping[str, Any], Any]]] = {}
    for i, feature in enumerate(doc["features"]):
        result.records += 1
        where = f"features[{i}]"
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(props, Mapping):
            result.refuse(where, "a Feature with properties was expected")
            continue
        etype = str(props.get("eventtype") or "").strip().upper()
        eid = str(props.get("eventid") or "").strip()
        if not etype or not eid:
            result.refuse(where, "eventtype and eventid are required")
            continue
        try:
            geom = shape(feature["geometry"]) if feature.get("geometry") else None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            result.refuse(where, f"geometry cannot be read: {exc}", f"gdacs:{etype}:{eid}")
            continue
        events.setdefault(f"gdacs:{etype}:{eid}", []).append((i, props, geom))
    kinds = dict(EVENT_KINDS, **{k.upper(): v for k, v in (options.kind_map or {}).items()})
    for source_id, parts in events.items():
        result.items.extend(_event(source_id, parts, kinds, options, result))
    return result


def _event(source_id: str, parts: list, kinds: Mapping[str, str], options: GdacsOptions, result: ReadResult) -> list[Item]:
    where = f"features[{parts[0][0]}]"
    props = next((p for _, p, g in parts if g is not None and g.geom_type == "Point"), parts[0][1])
    etype = str(props.get("eventtype")).upper()
    if options.event_types is not None and etype not in options.event_types:
        result.skip(where, f"event type {etype} is not followed by this feed", source_id)
        return []
    kind = kinds.get(etype)
    if kind not in HAZARD_KINDS:
        result.skip(where, f"event type {etype} has no hazard kind", source_id)
        return []
    level = str(props.get("alertlevel") or props.get("episodealertlevel") or "").strip()
    severity = mapped(level, dict(ALERT_SEVERITY, **(options.severity_map or {})), "moderate", SEVERITIES)
    try:
        starts = gdacs_time(props.get("fromdate"))
        todate = gdacs_time(props.get("todate"))
    except ValueError as exc:
        result.refuse(where, f"fromdate/todate: {exc}", source_id)
        return []
    if starts is None:
        result.refuse(where, "fromdate is required", source_id)
        return []
    areas = [g for _, _, g in parts if g is not None and g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    points = [g for _, _, g in parts if g is not None and g.geom_type == "Point" and not g.is_empty]
    if areas:
        geometry = unary_union(areas)
    elif points:
        geometry = buffer_m(points[0], options.point_radius_km * 1000.0)
    else:
        result.refuse(where, "the event has neither a polygon nor a point", source_id)
        return []
    if not geometry.is_valid:
        geometry = geometry.buffer(0)
    current = _truthy(props.get("iscurrent", "true"))
    ends = None if current else (todate or starts)
    if ends is not None and ends < starts:
        ends = starts
    name = props.get("name") or props.get("eventname") or EVENT_NAMES.get(etype, etype)
    description = f"GDACS {level or 'unrated'} alert: {name}"
    if props.get("country"):
        description += f" ({props['country']})"
    version = f"episode {props.get('episodeid', '?')} modified {props.get('datemodified') or props.get('todate') or ''}".strip()
    return [Item(source_id=source_id, version=version, kind=kind, severity=severity, geometry=geometry,
                 starts_at=starts, ends_at=ends, description=description)]
