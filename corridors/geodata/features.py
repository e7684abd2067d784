"""Turning GeoJSON Features from users and files into checked column values (pure).

One :class:`Kind` per managed layer says which property is the key (``code``/``pcode``),
which geometry types are allowed, and how each property is checked. Every problem is
reported with its location (``features[3].properties.tolerance_m``) and what was expected,
and one bad feature never hides the others: callers get all the errors at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from ttt.errors import ValidationFailed
from ttt.facts import SEVERITIES
from ttt.geo import parse_geometry

HAZARD_KINDS = ("bushfire", "flood", "drought", "disease", "insecurity", "conflict", "other")
RESOURCE_KINDS = ("water_point", "market", "pasture", "veterinary_post", "rest_area", "fodder")
CORRIDOR_STATUSES = ("open", "closed")
LINES = ("LineString", "MultiLineString")
POINTS = ("Point",)
AREAS = ("Polygon", "MultiPolygon")

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,39}$")
_ISO2 = re.compile(r"^[A-Z]{2}$")
_PCODE = re.compile(r"^[A-Z]{2}[A-Za-z0-9]{0,18}$")


class Problem(Exception):
    """One property that cannot be accepted (message only; the caller adds the location)."""


# --- property checkers: raw value -> column value, or raise Problem ---------------------


def text(max_len: int | None = None, required: bool = False) -> Callable[[Any], Any]:
    def check(v: Any) -> str | None:
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                raise Problem("is required (a non-empty text)")
            return None
        if isinstance(v, (dict, list, bool)):
            raise Problem(f"expected text, got {type(v).__name__}")
        s = str(v).strip()
        if max_len and len(s) > max_len:
            raise Problem(f"is longer than {max_len} characters")
        return s

    return check


def code(v: Any) -> str:
    if v is None or isinstance(v, (dict, list, bool)) or not _CODE.match(str(v).strip()):
        raise Problem(
            f"expected a code of 1-40 letters, digits, '-', '_', '.' or ':' (e.g. 'ML-C01'), got {v!r}"
        )
    return str(v).strip()


def optional_code(v: Any) -> str | None:
    return None if v is None or v == "" else code(v)


def pcode(v: Any) -> str | None:
    if v is None or v == "":
        return None
    s = str(v).strip()
    if not _PCODE.match(s):
        raise Problem(f"expected an OCHA P-code (ISO alpha-2 then letters/digits, e.g. 'ML0506'), got {v!r}")
    return s


def required_pcode(v: Any) -> str:
    out = pcode(v)
    if out is None:
        raise Problem("is required (an OCHA P-code such as 'ML05')")
    return out


def choice(options: tuple[str, ...], default: str | None = None) -> Callable[[Any], Any]:
    def check(v: Any) -> str | None:
        if v is None or v == "":
            if default is None:
                raise Problem(f"is required: one of {', '.join(options)}")
            return default
        s = str(v).strip().lower().replace(" ", "_").replace("-", "_")
        if s not in options:
            raise Problem(f"expected one of {', '.join(options)}, got {v!r}")
        return s

    return check


def number(minimum: float | None = None, default: float | None = None, exclusive_min: bool = False):
    def check(v: Any) -> float | None:
        if v is None or v == "":
            return default
        if isinstance(v, bool):
            raise Problem(f"expected a number, got {v!r}")
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise Problem(f"expected a number, got {v!r}") from None
        if not math.isfinite(x):
            raise Problem(f"expected a finite number, got {v!r}")
        if minimum is not None and (x <= minimum if exclusive_min else x < minimum):
            raise Problem(f"must be {'>' if exclusive_min else '>='} {minimum:g}, got {x:g}")
        return x

    return check


def integer(minimum: int, maximum: int, required: bool = True):
    def check(v: Any) -> int | None:
        if v is None or v == "":
            if required:
                raise Problem(f"is required (an integer {minimum}-{maximum})")
            return None
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise Problem(f"expected an integer {minimum}-{maximum}, got {v!r}") from None
        if isinstance(v, bool) or not x.is_integer() or not minimum <= x <= maximum:
            raise Problem(f"expected an integer {minimum}-{maximum}, got {v!r}")
        return int(x)

    return check


def boolean(default: bool):
    def check(v: Any) -> bool:
        if v is None or v == "":
            return default
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in ("1", "true", "yes", "oui", "y", "t"):
            return True
        if s in ("0", "false", "no", "non", "n", "f"):
            return False
        raise Problem(f"expected true or false, got {v!r}")

    return check


def _listed(v: Any, expected: str) -> list[Any]:
    """A list as given, or split from "a, b; c" text (as GIS attribute tables hold lists)."""
    if v is None or v == "":
        return []
    items = v.replace(";", ",").split(",") if isinstance(v, str) else v
    if not isinstance(items, (list, tuple)):
        raise Problem(f"expected {expected}, got {v!r}")
    return list(items)


def countries(v: Any) -> list[str]:
    out = []
    for item in _listed(v, "a list of ISO 3166-1 alpha-2 codes such as ['ML', 'BF']"):
        s = str(item).strip().upper()
        if not _ISO2.match(s):
            raise Problem(f"expected ISO 3166-1 alpha-2 country codes such as 'ML', got {item!r}")
        if s not in out:
            out.append(s)
    return out


def pcode_list(v: Any) -> list[str]:
    return [p for p in (pcode(i) for i in _listed(v, "a list of P-codes")) if p]


def timestamp(required: bool):
    def check(v: Any) -> datetime | None:
        if v is None or v == "":
            if required:
                raise Problem("is required (ISO 8601 date-time with offset, e.g. 2025-11-02T08:00:00+00:00)")
            return None
        if isinstance(v, datetime):
            dt = v
        else:
            s = str(v).strip()
            try:
                dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
            except ValueError:
                raise Problem(
                    f"expected an ISO 8601 date-time with offset (2025-11-02T08:00:00+00:00), got {v!r}"
                ) from None
        if dt.tzinfo is None:
            raise Problem(f"needs a UTC offset (e.g. {dt.isoformat()}+00:00), got {v!r}")
        return dt.astimezone(UTC)

    return check


# --- kinds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What one managed layer accepts.

    ``props`` maps each accepted property to (column name, checker). ``aliases`` maps other
    spellings found in files (COD-AB shapefiles, older exports) to the property name.
    """

    name: str
    key: str | None  # the upsert key property; None: server-assigned ids
    geometry_types: tuple[str, ...]
    geometry_required: bool
    props: Mapping[str, tuple[str, Callable[[Any], Any]]]
    defaults_from_key: tuple[str, ...] = ()  # properties defaulting to the key (name)
    aliases: Mapping[str, str] = field(default_factory=dict)


CORRIDOR = Kind(
    "corridor",
    key="code",
    geometry_types=LINES,
    geometry_required=True,
    props={
        "code": ("code", code),
        "name": ("name", text()),
        "tolerance_m": ("tolerance_m", number(minimum=0, default=5000.0, exclusive_min=True)),
        "countries": ("countries", countries),
        "status": ("status", choice(CORRIDOR_STATUSES, default="open")),
        "status_reason": ("status_reason", text()),
        "pcodes": ("pcodes", pcode_list),
    },
    defaults_from_key=("name",),
)

FLOW_POINT = Kind(
    "flow point",
    key="code",
    geometry_types=POINTS,
    geometry_required=True,
    props={
        "code": ("code", code),
        "name": ("name", text()),
        "corridor": ("corridor", optional_code),
        "adm0_pcode": ("adm0_pcode", pcode),
        "adm1_pcode": ("adm1_pcode", pcode),
        "adm2_pcode": ("adm2_pcode", pcode),
        "active": ("active", boolean(True)),
    },
    defaults_from_key=("name",),
)

HAZARD = Kind(
    "hazard",
    key=None,
    geometry_types=AREAS,
    geometry_required=True,
    props={
        "kind": ("kind", choice(HAZARD_KINDS)),
        "severity": ("severity", choice(SEVERITIES)),
        "starts_at": ("starts_at", timestamp(required=True)),
        "ends_at": ("ends_at", timestamp(required=False)),
        "source": ("source", text()),
        "description": ("description", text()),
    },
)

ADMIN_AREA = Kind(
    "admin area",
    key="pcode",
    geometry_types=AREAS,
    geometry_required=False,
    props={
        "pcode": ("pcode", required_pcode),
        "name": ("name", text()),
        "level": ("level", integer(0, 5)),
        "parent": ("parent_pcode", pcode),
        "cod_version": ("cod_version", text(max_len=40)),
    },
    defaults_from_key=("name",),
    aliases={"parent_pcode": "parent"},
)

RESOURCE = Kind(
    "resource",
    key="code",
    geometry_types=POINTS,
    geometry_required=True,
    props={
        "code": ("code", code),
        "name": ("name", text()),
        "kind": ("kind", choice(RESOURCE_KINDS)),
        "corridor": ("corridor", optional_code),
        "description": ("description", text()),
    },
    defaults_from_key=("name",),
)

KINDS = {"corridors": CORRIDOR, "flow-points": FLOW_POINT, "hazards": HAZARD, "admin-areas": ADMIN_AREA, "resources": RESOURCE}


@dataclass
class ParsedFeature:
    """A checked feature: ``values`` holds column values for the properties that were given
    (plus defaults unless partial); ``geometry`` is None when absent (partial updates)."""

    index: int | None
    key: str | None
    geometry: BaseGeometry | None
    values: dict[str, Any]
    has_geometry: bool


def _epsg_from(obj: Mapping[str, Any], inherited: Any = None) -> Any:
    """The ``crs`` member: 32630, "EPSG:32630" or GeoJSON-2008 {"type":"name",...}."""
    value = obj.get("crs", inherited)
    if isinstance(value, Mapping):
        value = (value.get("properties") or {}).get("name")
    return value


def parse_feature(
    kind: Kind,
    feature: Any,
    *,
    index: int | None = None,
    partial: bool = False,
    crs: Any = None,
    key: str | None = None,
) -> ParsedFeature:
    """Check one GeoJSON Feature for ``kind``; raises ValidationFailed listing every problem.

    ``partial`` (PATCH) checks only what is present and applies no defaults. ``key``, when
    given (the code in the URL), must match the feature's key if the feature has one.
    """
    where = f"features[{index}]." if index is not None else ""
    errors: list[dict[str, str]] = []
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        got = feature.get("type") if isinstance(feature, Mapping) else type(feature).__name__
        raise ValidationFailed([{"field": where.rstrip(".") or "body", "message": f"expected a GeoJSON Feature, got {got!r}"}])
    raw_props = feature.get("properties") or {}
    if not isinstance(raw_props, Mapping):
        raise ValidationFailed([{"field": f"{where}properties", "message": "expected an object"}])
    props = dict(raw_props)
    for alias, name in kind.aliases.items():
        if alias in props and name not in props:
            props[name] = props.pop(alias)
    if kind.key and props.get(kind.key) in (None, "") and feature.get("id") not in (None, ""):
        props[kind.key] = feature["id"]  # the feature id is the code (contract)
    if kind.key and key is not None:
        given = props.get(kind.key)
        if given not in (None, "") and str(given).strip() != key:
            errors.append(
                {
                    "field": f"{where}properties.{kind.key}",
                    "message": f"does not match the {kind.key} in the URL ({key!r}); got {given!r}",
                }
            )
        props[kind.key] = key

    values: dict[str, Any] = {}
    for name, (column, check) in kind.props.items():
        if partial and name not in props:
            continue
        try:
            values[column] = check(props.get(name))
        except Problem as exc:
            errors.append({"field": f"{where}properties.{name}", "message": str(exc)})
    if not partial:
        for name in kind.defaults_from_key:
            column = kind.props[name][0]
            if values.get(column) in (None, "") and kind.key:
                values[column] = values.get(kind.props[kind.key][0])
    if values.get("ends_at") and values.get("starts_at") and values["ends_at"] < values["starts_at"]:
        errors.append({"field": f"{where}properties.ends_at", "message": "is before starts_at"})

    geometry = None
    has_geometry = "geometry" in feature and feature.get("geometry") is not None
    if has_geometry:
        try:
            geometry = parse_geometry(
                feature["geometry"], kind.geometry_types, _epsg_from(feature, crs), field=f"{where}geometry"
            )
        except ValidationFailed as exc:
            errors.extend(
                {**e, "field": f"{where}crs" if e.get("field") == "crs" else e.get("field")} for e in exc.errors
            )
    elif kind.geometry_required and not partial:
        errors.append(
            {"field": f"{where}geometry", "message": f"is required: a {' or '.join(kind.geometry_types)}"}
        )
    if errors:
        raise ValidationFailed(errors)
    key_value = values.get(kind.props[kind.key][0]) if kind.key else None
    return ParsedFeature(index, key_value, geometry, values, has_geometry)


def parse_features(kind: Kind, body: Any) -> list[ParsedFeature]:
    """A Feature or a FeatureCollection -> checked features; all problems raised together.

    Keys repeated inside one collection are refused (which one should win is unclear).
    """
    if isinstance(body, Mapping) and body.get("type") == "Feature":
        return [parse_feature(kind, body, crs=_epsg_from(body))]
    if not isinstance(body, Mapping) or body.get("type") != "FeatureCollection":
        got = body.get("type") if isinstance(body, Mapping) else type(body).__name__
        raise ValidationFailed([{"field": "type", "message": f"expected a GeoJSON Feature or FeatureCollection, got {got!r}"}])
    features = body.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationFailed([{"field": "features", "message": "expected a non-empty list of Features"}])
    crs = _epsg_from(body)
    parsed: list[ParsedFeature] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, f in enumerate(features):
        try:
            p = parse_feature(kind, f, index=i, crs=crs)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if p.key is not None:
            if p.key in seen:
                errors.append(
                    {
                        "field": f"features[{i}].properties.{kind.key}",
                        "message": f"{p.key!r} appears twice (also features[{seen[p.key]}])",
                    }
                )
                continue
            seen[p.key] = i
        parsed.append(p)
    if errors:
        raise ValidationFailed(errors)
    return parsed


def cod_ab_properties(props: Mapping[str, Any], level: int | None = None) -> dict[str, Any]:
    """Admin-area properties from an OCHA COD-AB attribute table (``ADM2_PCODE``, ``ADM2_FR``...).

    The level is the highest ``ADMn_PCODE`` column present unless given; the parent is the
    ``ADM(n-1)_PCODE``; the name is taken from ``ADMn_FR``, ``_EN``, ``_PT``, then ``ADMn_NAME``.
    Properties already in our own form (``pcode``, ``level``) are returned unchanged.
    """
    if "pcode" in props:
        return dict(props)
    upper = {str(k).upper(): v for k, v in props.items()}
    levels = [n for n in range(6) if f"ADM{n}_PCODE" in upper]
    if not levels:
        return dict(props)
    n = level if level is not None and f"ADM{level}_PCODE" in upper else max(levels)
    name = next(
        (upper[f"ADM{n}_{suffix}"] for suffix in ("FR", "EN", "PT", "NAME", "REF") if upper.get(f"ADM{n}_{suffix}")),
        None,
    )
    return {
        "pcode": upper[f"ADM{n}_PCODE"],
        "name": name,
        "level": n,
        "parent": upper.get(f"ADM{n - 1}_PCODE") if n > 0 else None,
    }
