"""Every managed geodata layer, declared once: adding a layer (water points, closed zones...)
is one ``Layer`` here plus its table (model and migration).

A layer says: its API name (also its OGC collection id), its table, what it accepts (the
``Kind``: properties, checks, import aliases), its key, the properties a Feature shows, the
list filters, the OGC collection it publishes (if any), what a change to it sets off (the
corridor network is rebuilt; points are put on a corridor), and the scope rule (geodata is
reference data: every user sees all of it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from corridors.geodata.features import (
    ADMIN_AREA,
    CORRIDOR,
    CORRIDOR_STATUSES,
    FLOW_POINT,
    HAZARD,
    HAZARD_KINDS,
    RESOURCE,
    RESOURCE_KINDS,
    Kind,
    cod_ab_properties,
    timestamp,
)
from corridors.geodata.models import AdminArea, Corridor, FlowPoint, Hazard, Resource
from corridors.geodata.ogc_core import Collection
from ttt.facts import SEVERITIES

Properties = Callable[[Any, Mapping[int, str]], dict[str, Any]]


# --- list filter converters (query text -> value; ValueError says what was expected) -------


def _bool(v: str) -> bool:
    low = v.lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise ValueError("expected true or false")


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def conv(v: str) -> str:
        if v not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return v

    return conv


def _level(v: str) -> int:
    if not v.isdigit() or int(v) > 5:
        raise ValueError("expected an admin level 0-5")
    return int(v)


def _instant(v: str) -> datetime:
    return timestamp(required=True)(v)


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (datetime, date)) else v


@dataclass(frozen=True)
class Layer:
    name: str  # API path segment and OGC collection id
    model: type
    kind: Kind
    key_column: str  # where the key is stored ("id" for server-assigned ids)
    key_name: str  # the key as the API documents it
    properties: Properties  # a stored row -> the Feature's properties
    filters: Mapping[str, tuple[str, Callable[[str], Any]]] = field(default_factory=dict)
    collection: Collection | None = None  # published in OGC API - Features
    feeds_network: bool = False  # a change rebuilds the corridor network (and re-places points)
    measured: bool = False  # lines: length and the admin areas crossed are derived
    on_corridor: bool = False  # points: placed on the nearest corridor unless one is given
    km_along: bool = False  # points: km along their corridor is kept
    admin_pcodes: bool = False  # points: adm0-2 P-codes found from the admin areas
    scoped: bool = False  # reference data: every user sees every feature
    from_file: Callable[[dict[str, Any], int | None], dict[str, Any]] | None = None  # file import mapping


def _corridor(row: Any, codes: Mapping[int, str]) -> dict[str, Any]:
    return {
        "code": row.code, "name": row.name, "tolerance_m": row.tolerance_m, "countries": list(row.countries or []),
        "status": row.status, "status_reason": row.status_reason, "pcodes": list(row.pcodes or []),
        "length_km": row.length_km, "updated_at": _iso(row.updated_at),
    }


def _flow_point(row: Any, codes: Mapping[int, str]) -> dict[str, Any]:
    return {
        "code": row.code, "name": row.name, "corridor": codes.get(row.corridor_id), "km_along": row.km_along,
        "adm0_pcode": row.adm0_pcode, "adm1_pcode": row.adm1_pcode, "adm2_pcode": row.adm2_pcode,
        "active": row.active,
    }


def _hazard(row: Any, codes: Mapping[int, str]) -> dict[str, Any]:
    return {
        "kind": row.kind, "severity": row.severity, "starts_at": _iso(row.starts_at), "ends_at": _iso(row.ends_at),
        "source": row.source, "description": row.description,
        # provenance when a feed brought it (all null for hand-drawn hazards)
        "feed": row.feed_id, "source_id": row.source_id, "source_version": row.source_version,
        "pulled_at": _iso(row.pulled_at),
    }


def _admin_area(row: Any, codes: Mapping[int, str]) -> dict[str, Any]:
    return {"pcode": row.pcode, "name": row.name, "level": row.level, "parent": row.parent_pcode,
            "cod_version": row.cod_version}


def _resource(row: Any, codes: Mapping[int, str]) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "kind": row.kind, "corridor": codes.get(row.corridor_id),
            "description": row.description}


LAYERS: dict[str, Layer] = {layer.name: layer for layer in (
    Layer(
        "corridors", Corridor, CORRIDOR, "code", "code", _corridor,
        filters={"status": ("status", _choice(CORRIDOR_STATUSES)), "country": ("country", str.upper)},
        collection=Collection("corridors", "Transhumance corridors",
                              "Corridor centre lines drawn in the descent direction (start = northern/source end).",
                              False),
        feeds_network=True, measured=True,
    ),
    Layer(
        "flow-points", FlowPoint, FLOW_POINT, "code", "code", _flow_point,
        filters={"corridor": ("corridor", str), "active": ("active", _bool)},
        collection=Collection("flow-points", "Flow monitoring points", "Points where enumerators count passing herds.",
                              False),
        on_corridor=True, km_along=True, admin_pcodes=True,
    ),
    Layer(
        "hazards", Hazard, HAZARD, "id", "hazard_id", _hazard,
        filters={"kind": ("kind", _choice(HAZARD_KINDS)), "severity": ("severity", _choice(SEVERITIES)),
                 "active_at": ("active_at", _instant)},
        collection=Collection("hazards", "Hazards",
                              "Bushfires, floods, droughts, disease, insecurity and conflict areas.", True),
    ),
    Layer(
        "admin-areas", AdminArea, ADMIN_AREA, "pcode", "pcode", _admin_area,
        filters={"level": ("level", _level), "parent": ("parent_pcode", str), "cod_version": ("cod_version", str)},
        from_file=cod_ab_properties,  # OCHA COD-AB columns (ADM2_PCODE, ADM2_EN...) -> ours
    ),
    Layer(
        "resources", Resource, RESOURCE, "code", "code", _resource,
        filters={"kind": ("kind", _choice(RESOURCE_KINDS)), "corridor": ("corridor", str)},
        on_corridor=True,
    ),
)}


def layer_of(name: str) -> Layer:
    return LAYERS[name]
