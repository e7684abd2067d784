"""Use cases of the managed geodata: upsert/replace/patch/delete/list features, calendars,
file imports with a per-feature report, and placing points on the network."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pyproj import Geod
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corridors.calendars import DIRECTIONS, CalendarEntry, MonthDay, window_in_force
from corridors.geodata import repository as repo
from corridors.geodata.features import Kind, ParsedFeature, parse_feature, parse_features
from corridors.geodata.layers import LAYERS as GEODATA_LAYERS
from corridors.geodata.layers import layer_of
from corridors.geodata.models import Calendar
from corridors.geodata.network import invalidate_network_index, load_network_index
from ttt.db import utcnow
from ttt.errors import Conflict, NotFound, ValidationFailed
from ttt.geo import feature as make_feature
from ttt.geo import to_geojson

GEOD = Geod(ellps="WGS84")
LAYERS = tuple(GEODATA_LAYERS)


def kind_of(layer: str) -> Kind:
    return layer_of(layer).kind


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (datetime, date)) else v


# --- serialisation -----------------------------------------------------------------------------


def to_feature(layer: str, row: Any, corridor_codes: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A stored row as the GeoJSON Feature of the API contract."""
    lay = layer_of(layer)
    return make_feature(repo.shape_of(row.geom), lay.properties(row, corridor_codes or {}),
                        getattr(row, lay.key_column))


def to_features(session: Session, layer: str, rows: list[Any]) -> list[dict[str, Any]]:
    codes = repo.corridor_codes_by_id(session, [getattr(r, "corridor_id", None) for r in rows])
    return [to_feature(layer, r, codes) for r in rows]


# --- writing -------------------------------------------------------------------------------------


def _where(p: ParsedFeature, name: str) -> str:
    return f"features[{p.index}].{name}" if p.index is not None else name


def _apply(session: Session, layer: str, obj: Any, p: ParsedFeature, partial: bool) -> None:
    """Copy checked values onto a row, then derive what is derived (length, P-codes, corridor)."""
    values = dict(p.values)
    corridor_code = values.pop("corridor", None)
    corridor_given = "corridor" in p.values
    for column, value in values.items():
        setattr(obj, column, value)
    kind = kind_of(layer)
    for name in kind.defaults_from_key:  # a blanked name falls back to the code
        column = kind.props[name][0]
        if getattr(obj, column, None) in (None, "") and kind.key:
            setattr(obj, column, getattr(obj, kind.props[kind.key][0]))
    moved = p.geometry is not None
    if moved:
        obj.geom = repo.geom_value(p.geometry)
    geom: BaseGeometry | None = p.geometry if moved else repo.shape_of(getattr(obj, "geom", None))
    if hasattr(obj, "updated_at"):
        obj.updated_at = utcnow()

    lay = layer_of(layer)
    if lay.measured:
        if moved:
            obj.length_km = GEOD.geometry_length(geom) / 1000.0
        if moved and not p.values.get("pcodes") and geom is not None:
            obj.pcodes = repo.admin_pcodes_crossed(session, geom)
    elif lay.on_corridor and geom is not None:
        _assign_corridor(session, layer, obj, p, geom, corridor_code, corridor_given, moved, partial)
        if lay.admin_pcodes and moved:
            found = repo.admin_pcodes_at(session, geom)
            for level in (0, 1, 2):
                column = f"adm{level}_pcode"
                if not p.values.get(column) and level in found:
                    setattr(obj, column, found[level])


def _assign_corridor(
    session: Session,
    layer: str,
    obj: Any,
    p: ParsedFeature,
    geom: BaseGeometry,
    corridor_code: str | None,
    corridor_given: bool,
    moved: bool,
    partial: bool,
) -> None:
    """An explicit corridor must exist; none given (or null) means the nearest corridor that
    holds the point within its tolerance, or none."""
    index = None
    if corridor_code:
        ids = repo.corridor_ids_by_code(session, [corridor_code])
        if corridor_code not in ids:
            raise ValidationFailed(
                [{"field": _where(p, "properties.corridor"), "message": f"no corridor with code {corridor_code!r}"}]
            )
        obj.corridor_id = ids[corridor_code]
    elif corridor_given or not partial or (moved and obj.corridor_id is None):
        index = load_network_index(session)
        placement = index.place(geom.x, geom.y)
        if placement.corridor and not placement.off_corridor:
            obj.corridor_id = repo.corridor_ids_by_code(session, [placement.corridor])[placement.corridor]
        else:
            obj.corridor_id = None
    if layer_of(layer).km_along and (moved or corridor_given or not partial):
        code = repo.corridor_codes_by_id(session, [obj.corridor_id]).get(obj.corridor_id)
        if code is None:
            obj.km_along = None
        else:
            index = index or load_network_index(session)
            obj.km_along = index.place_on(code, geom.x, geom.y).km_along


def _write_one(session: Session, layer: str, p: ParsedFeature, existing: Any | None) -> tuple[Any, bool]:
    created = existing is None
    obj = existing if existing is not None else layer_of(layer).model()
    _apply(session, layer, obj, p, partial=False)
    if created:
        repo.add(session, obj)
    else:
        session.flush()
    return obj, created


def upsert(session: Session, layer: str, body: Any) -> tuple[dict[str, Any], bool]:
    """Create or replace from a Feature or a FeatureCollection (by key; hazards always new).

    All or nothing: any bad feature refuses the whole request with every problem listed.
    Returns (the Feature or a FeatureCollection with ``created``/``updated`` keys, any created).
    """
    kind = kind_of(layer)
    parsed = parse_features(kind, body)
    existing = repo.get_many_by_keys(session, layer, [p.key for p in parsed if p.key is not None])
    rows, created_keys, updated_keys, errors = [], [], [], []
    for p in parsed:
        try:
            obj, created = _write_one(session, layer, p, existing.get(p.key) if p.key is not None else None)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        rows.append(obj)
        key = obj.id if kind.key is None else p.key
        (created_keys if created else updated_keys).append(key)
    if errors:
        raise ValidationFailed(errors)
    if layer_of(layer).feeds_network:
        _network_changed(session)
    features = to_features(session, layer, rows)
    if body.get("type") == "Feature":
        return features[0], bool(created_keys)
    return (
        {"type": "FeatureCollection", "features": features, "created": created_keys, "updated": updated_keys},
        bool(created_keys),
    )


def _network_changed(session: Session) -> None:
    invalidate_network_index()
    refresh_flow_points(session)


def refresh_flow_points(session: Session) -> int:
    """Keep flow points in step with the corridors: km along their corridor is recomputed,
    and points with no corridor get the nearest one that holds them within its tolerance.
    Called after every corridor change (and usable after bulk loads); returns rows changed."""
    index = load_network_index(session)
    changed = 0
    for fp, code in repo.flow_points_with_corridor_code(session):
        geom = repo.shape_of(fp.geom)
        if code is None:
            placement = index.place(geom.x, geom.y)
            if not placement.corridor or placement.off_corridor:
                continue
            code = placement.corridor
            fp.corridor_id = repo.corridor_ids_by_code(session, [code])[code]
            km = placement.km_along
        else:
            km = index.place_on(code, geom.x, geom.y).km_along
        if fp.km_along is None or abs(fp.km_along - km) > 1e-6:
            fp.km_along = km
            changed += 1
    session.flush()
    return changed


def _key(layer: str, key: Any) -> Any:
    if repo.KEY_COLUMNS[layer] == "id":
        try:
            return int(key)
        except (TypeError, ValueError):
            raise NotFound(f"no {kind_of(layer).name} with id {key!r}") from None
    return key


def get(session: Session, layer: str, key: Any) -> dict[str, Any]:
    obj = repo.get_by_key(session, layer, _key(layer, key))
    if obj is None:
        raise NotFound(f"no {kind_of(layer).name} {key!r}")
    return to_features(session, layer, [obj])[0]


def replace(session: Session, layer: str, key: Any, body: Any) -> tuple[dict[str, Any], bool]:
    """PUT: the whole feature; creates it when the key is new (not for hazards)."""
    kind = kind_of(layer)
    url_key = None if kind.key is None else str(key)
    p = parse_feature(kind, body, key=url_key, crs=_crs(body))
    existing = repo.get_by_key(session, layer, _key(layer, key), for_update=True)
    if existing is None and kind.key is None:
        raise NotFound(f"no {kind.name} {key!r}")
    obj, created = _write_one(session, layer, p, existing)
    if layer_of(layer).feeds_network:
        _network_changed(session)
    return to_features(session, layer, [obj])[0], created


def patch(session: Session, layer: str, key: Any, body: Any) -> dict[str, Any]:
    """PATCH: only the properties (and geometry) given change; derived values follow."""
    kind = kind_of(layer)
    url_key = None if kind.key is None else str(key)
    if isinstance(body, Mapping) and "type" not in body:
        body = {**body, "type": "Feature"}
    p = parse_feature(kind, body, key=None, partial=True, crs=_crs(body))
    if kind.key and p.key is not None and p.key != url_key:
        raise ValidationFailed(
            [{"field": f"properties.{kind.key}", "message": f"cannot change the {kind.key} ({url_key!r} -> {p.key!r}); create a new one"}]
        )
    obj = repo.get_by_key(session, layer, _key(layer, key), for_update=True)
    if obj is None:
        raise NotFound(f"no {kind.name} {key!r}")
    _apply(session, layer, obj, p, partial=True)
    session.flush()
    if layer_of(layer).feeds_network:
        _network_changed(session)
    return to_features(session, layer, [obj])[0]


def remove(session: Session, layer: str, key: Any) -> None:
    obj = repo.get_by_key(session, layer, _key(layer, key), for_update=True)
    if obj is None:
        raise NotFound(f"no {kind_of(layer).name} {key!r}")
    try:
        with session.begin_nested():
            repo.delete(session, obj)
    except IntegrityError as exc:
        raise Conflict(f"{kind_of(layer).name} {key!r} is still referenced (e.g. by observations); deactivate it instead") from exc
    if layer_of(layer).feeds_network:
        _network_changed(session)


def list_features(
    session: Session,
    layer: str,
    *,
    limit: int,
    offset: int,
    bbox: tuple[float, float, float, float] | None = None,
    filters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    filters = dict(filters or {})
    if "corridor" in filters and filters["corridor"] is not None:
        ids = repo.corridor_ids_by_code(session, [filters["corridor"]])
        filters["corridor"] = ids.get(filters["corridor"], -1)
    rows, total = repo.list_layer(session, layer, limit=limit, offset=offset, bbox=bbox, filters=filters)
    features = to_features(session, layer, rows)
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "numberMatched": total,
        "numberReturned": len(features),
    }


def _crs(body: Any) -> Any:
    if not isinstance(body, Mapping):
        return None
    value = body.get("crs")
    if isinstance(value, Mapping):
        value = (value.get("properties") or {}).get("name")
    return value


# --- file import -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What a file import did: keys created and updated, and one entry per refused feature."""

    created: list[Any] = field(default_factory=list)
    updated: list[Any] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # {index, key, errors: [...]}

    @property
    def ok(self) -> int:
        return len(self.created) + len(self.updated)


def import_features(
    session: Session,
    layer: str,
    features: Iterable[dict[str, Any]],
    *,
    extra_properties: Mapping[str, Any] | None = None,
    on_feature: Callable[[], None] | None = None,
) -> ImportReport:
    """Upsert features one by one: a bad feature is reported and skipped, good ones are kept.

    ``extra_properties`` (e.g. the COD version given on the command line) override the file's.
    Each feature is written in a savepoint, so a database refusal (say an unknown corridor)
    affects that feature only. The caller commits.
    """
    kind = kind_of(layer)
    report = ImportReport()
    seen: dict[Any, int] = {}
    for i, raw in enumerate(features):
        key_guess = (raw.get("properties") or {}).get(kind.key) if kind.key and isinstance(raw, Mapping) else None
        try:
            if extra_properties:
                props = {**(raw.get("properties") or {}), **{k: v for k, v in extra_properties.items() if v is not None}}
                raw = {**raw, "properties": props}
            p = parse_feature(kind, raw, index=i)
            key_guess = p.key
            if p.key is not None and p.key in seen:
                raise ValidationFailed(
                    [{"field": f"features[{i}].properties.{kind.key}", "message": f"{p.key!r} appears twice in the file (also feature {seen[p.key]})"}]
                )
            with session.begin_nested():
                existing = repo.get_by_key(session, layer, p.key) if p.key is not None else None
                obj, created = _write_one(session, layer, p, existing)
            if p.key is not None:
                seen[p.key] = i
            (report.created if created else report.updated).append(p.key if kind.key else obj.id)
        except ValidationFailed as exc:
            report.errors.append({"index": i, "key": key_guess, "errors": exc.errors})
        except IntegrityError as exc:
            report.errors.append(
                {"index": i, "key": key_guess, "errors": [{"field": f"features[{i}]", "message": f"refused by the database: {exc.orig}"}]}
            )
        if on_feature:
            on_feature()
    if layer_of(layer).feeds_network:
        _network_changed(session)
    return report


# --- calendars ----------------------------------------------------------------------------------


def calendar_to_dict(row: Calendar) -> dict[str, Any]:
    return {
        "id": row.id,
        "corridor": row.corridor_code,
        "country": row.country,
        "direction": row.direction,
        "opens": row.opens,
        "closes": row.closes,
        "effective_from": row.effective_from.isoformat(),
        "source": row.source,
    }


def _parse_calendar(session: Session, body: Any, where: str = "") -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise ValidationFailed([{"field": where.rstrip(".") or "body", "message": "expected a calendar object"}])
    errors: list[dict[str, Any]] = []
    source = body.get("source")
    for name in ("corridor", "country", "direction", "opens", "closes", "source"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            errors.append({"field": f"{where}{name}", "message": f"expected text, got {type(value).__name__}"})
    if errors:  # wrong JSON types: say so before reading the values
        raise ValidationFailed(errors)
    unknown = set(body) - {"id", "corridor", "country", "direction", "opens", "closes", "effective_from", "source"}
    for name in sorted(unknown):
        errors.append({"field": f"{where}{name}", "message": "unknown field"})
    corridor = body.get("corridor") or None
    country = body.get("country") or None
    if corridor and country:
        errors.append({"field": f"{where}country", "message": "give a corridor or a country, not both"})
    if country is not None:
        country = str(country).strip().upper()
        if len(country) != 2 or not country.isalpha():
            errors.append({"field": f"{where}country", "message": f"expected an ISO 3166-1 alpha-2 code such as 'ML', got {body.get('country')!r}"})
    if corridor is not None:
        corridor = str(corridor).strip()
        if corridor not in repo.corridor_ids_by_code(session, [corridor]):
            errors.append({"field": f"{where}corridor", "message": f"no corridor with code {corridor!r}"})
    eff = body.get("effective_from")
    try:
        effective = eff if isinstance(eff, date) else date.fromisoformat(str(eff))
    except ValueError:
        errors.append({"field": f"{where}effective_from", "message": f"expected a date YYYY-MM-DD, got {eff!r}"})
        effective = date(1970, 1, 1)
    try:
        entry = CalendarEntry(corridor, country, body.get("direction"), body.get("opens"), body.get("closes"), effective, source or "")
    except ValidationFailed as exc:
        errors.extend({**e, "field": f"{where}{e['field']}"} for e in exc.errors)
        entry = None
    if errors:
        raise ValidationFailed(errors)
    assert entry is not None
    return {
        "corridor_code": corridor,
        "country": None if corridor else country,
        "direction": entry.direction,
        "opens": str(MonthDay.parse(entry.opens)),
        "closes": str(MonthDay.parse(entry.closes)),
        "effective_from": effective,
        "source": entry.source or None,
    }


def create_calendars(session: Session, body: Any) -> list[dict[str, Any]]:
    """One calendar object or a list of them (all or nothing)."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise ValidationFailed([{"field": "body", "message": "expected a calendar or a non-empty list"}])
    values, errors = [], []
    for i, item in enumerate(items):
        try:
            values.append(_parse_calendar(session, item, f"[{i}]." if isinstance(body, list) else ""))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    rows = [repo.add(session, Calendar(**v)) for v in values]
    return [calendar_to_dict(r) for r in rows]


def replace_calendar(session: Session, calendar_id: int, body: Any) -> dict[str, Any]:
    row = repo.get_calendar(session, calendar_id)
    if row is None:
        raise NotFound(f"no calendar {calendar_id}")
    for column, value in _parse_calendar(session, body).items():
        setattr(row, column, value)
    row.created_at = utcnow()  # the window as written now: time checks judge recent herds again by it
    session.flush()
    return calendar_to_dict(row)


def get_calendar(session: Session, calendar_id: int) -> dict[str, Any]:
    row = repo.get_calendar(session, calendar_id)
    if row is None:
        raise NotFound(f"no calendar {calendar_id}")
    return calendar_to_dict(row)


def delete_calendar(session: Session, calendar_id: int) -> None:
    row = repo.get_calendar(session, calendar_id)
    if row is None:
        raise NotFound(f"no calendar {calendar_id}")
    repo.delete(session, row)


def list_calendars(session: Session, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    rows, total = repo.list_calendars(session, **filters)
    return [calendar_to_dict(r) for r in rows], total


def entries_for(session: Session, corridor: str | None, country: str | None) -> list[CalendarEntry]:
    """Calendar rows as pure entries for :func:`corridors.calendars.window_in_force` (rules)."""
    return [
        CalendarEntry(r.corridor_code, r.country, r.direction, r.opens, r.closes, r.effective_from, r.source or "")
        for r in repo.calendars_for(session, corridor, country)
    ]


def calendar_in_force(
    session: Session, corridor: str | None, country: str | None, direction: str, on: date
) -> dict[str, Any]:
    if direction not in DIRECTIONS:
        raise ValidationFailed([{"field": "direction", "message": f"expected 'descent' or 'return', got {direction!r}"}])
    if not corridor and not country:
        raise ValidationFailed([{"field": "corridor", "message": "give a corridor, a country or both"}])
    if corridor and not country:
        row = repo.get_by_key(session, "corridors", corridor)
        if row is None:
            raise NotFound(f"no corridor {corridor!r}")
        country = (row.countries or [None])[0]
    window = window_in_force(entries_for(session, corridor, country), corridor, country, direction, on)
    if window is None:
        return {"date": on.isoformat(), "direction": direction, "window": None}
    opened, closed = window.dates_around(on)
    entry = window.entry
    return {
        "date": on.isoformat(),
        "direction": direction,
        "window": {
            "opens": str(window.opens),
            "closes": str(window.closes),
            "scope": "corridor" if entry and entry.corridor else "country",
            "corridor": entry.corridor if entry else None,
            "country": entry.country if entry else None,
            "effective_from": entry.effective_from.isoformat() if entry else None,
            "source": entry.source if entry else None,
        },
        "open_date": opened.isoformat(),
        "close_date": closed.isoformat(),
        "is_open": window.contains(on),
        "days_before_open": window.days_before_open(on),
        "days_after_close": window.days_after_close(on),
    }


# --- placement ------------------------------------------------------------------------------------


def place(session: Session, lon: float, lat: float, max_search_m: float = 100_000) -> dict[str, Any]:
    try:
        placement = load_network_index(session).place(lon, lat, max_search_m)
    except ValueError as exc:
        raise ValidationFailed([{"field": "lon", "message": str(exc)}]) from None
    out = {
        "lon": lon,
        "lat": lat,
        "corridor": placement.corridor,
        "distance_m": placement.distance_m,
        "km_along": placement.km_along,
        "bearing_deg": placement.bearing_deg,
        "off_corridor": placement.off_corridor,
        "point": to_geojson(Point(lon, lat)),
    }
    return out
