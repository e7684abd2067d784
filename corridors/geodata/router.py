"""HTTP for the managed geodata under /api/v1: corridors, flow-points, hazards, admin-areas,
resources (GeoJSON), calendars (JSON) and network placement. Thin: parse, call the service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse

from corridors.geodata import scope, service
from corridors.geodata.layers import LAYERS, layer_of
from corridors.geodata.ogc_core import OgcParamError, parse_bbox
from corridors.geodata.schemas import CalendarIn, CalendarOut, InForceOut, PlaceOut
from ttt.errors import ValidationFailed
from ttt.http.deps import CurrentUser, DbSession, require_roles
from ttt.http.paging import next_link, page
from ttt.http.schemas import Feature, FeatureCollection, FeatureList, GeoJSONIn, Page, body_dict

GEOJSON = "application/geo+json"
EDITORS = ("admin", "analyst")
router = APIRouter(prefix="/api/v1", tags=["geodata"])

FEATURE_EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[-4.2, 15.1], [-4.0, 14.5], [-3.9, 13.9]]},
    "properties": {"code": "ML-C01", "name": "Mopti - Djenne", "tolerance_m": 5000, "countries": ["ML"], "status": "open"},
}


def _geojson(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status, media_type=GEOJSON)


def _add_layer_routes(layer: str) -> None:
    lay = layer_of(layer)
    key_name, label, allowed = lay.key_name, lay.kind.name, lay.filters

    def list_layer(
        request: Request,
        session: DbSession,
        _: CurrentUser,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
        bbox: str | None = Query(None, description="lon_min,lat_min,lon_max,lat_max (CRS84)"),
    ) -> JSONResponse:
        filters: dict[str, Any] = {}
        errors = []
        for name, raw in request.query_params.items():
            if name in ("limit", "offset", "bbox"):
                continue
            if name not in allowed:
                errors.append({"field": name, "message": f"unknown filter; use {', '.join(sorted(allowed)) or 'none'}"})
                continue
            column, conv = allowed[name]
            try:
                filters[column] = conv(raw)
            except Exception as exc:
                errors.append({"field": name, "message": str(exc)})
        box = None
        if bbox is not None:
            try:
                box = parse_bbox(bbox)
            except OgcParamError as exc:
                errors.append({"field": "bbox", "message": str(exc)})
        if errors:
            raise ValidationFailed(errors)
        fc = service.list_features(session, layer, limit=limit, offset=offset, bbox=box, filters=filters)
        fc["next"] = next_link(request, offset, limit, fc["total"])
        return _geojson(fc)

    # scoped editors change only features inside their areas, as they are and as they become
    def create(session: DbSession, body: Annotated[GeoJSONIn, Body(examples=[FEATURE_EXAMPLE])],
               user: Any = require_roles(*EDITORS)) -> JSONResponse:
        raw = body_dict(body)
        scope.check_existing_in_body(session, user, layer, raw)
        content, created = service.upsert(session, layer, raw)
        scope.check(session, user, layer, content)
        return _geojson(content, 201 if created else 200)

    def read(key: str, session: DbSession, _: CurrentUser) -> JSONResponse:
        return _geojson(service.get(session, layer, key))

    def put(key: str, session: DbSession, body: GeoJSONIn, user: Any = require_roles(*EDITORS)) -> JSONResponse:
        scope.check_existing(session, user, layer, key)
        content, created = service.replace(session, layer, key, body_dict(body))
        scope.check(session, user, layer, content)
        return _geojson(content, 201 if created else 200)

    def patch(key: str, session: DbSession, body: GeoJSONIn, user: Any = require_roles(*EDITORS)) -> JSONResponse:
        scope.check_existing(session, user, layer, key)
        content = service.patch(session, layer, key, body_dict(body))
        scope.check(session, user, layer, content)
        return _geojson(content)

    def delete(key: str, session: DbSession, user: Any = require_roles(*EDITORS)) -> Response:
        scope.check_existing(session, user, layer, key)
        service.remove(session, layer, key)
        return Response(status_code=204)

    path = f"/{layer}"
    item = f"/{layer}/{{key}}"
    router.add_api_route(path, list_layer, methods=["GET"], summary=f"List {label}s (GeoJSON FeatureCollection, paged)",
                         response_class=JSONResponse, name=f"list_{layer}", response_model=FeatureList)
    router.add_api_route(path, create, methods=["POST"], status_code=201, name=f"upsert_{layer}",
                         response_model=Feature | FeatureCollection,
                         summary=f"Create or update {label}s from a GeoJSON Feature or FeatureCollection (admin, analyst)")
    router.add_api_route(item, read, methods=["GET"], summary=f"One {label} by {key_name}", name=f"get_{layer}",
                         response_model=Feature)
    router.add_api_route(item, put, methods=["PUT"], summary=f"Replace a {label} (admin, analyst)", name=f"put_{layer}",
                         response_model=Feature)
    router.add_api_route(item, patch, methods=["PATCH"], name=f"patch_{layer}", response_model=Feature,
                         summary=f"Change some properties or the geometry of a {label} (admin, analyst)")
    router.add_api_route(item, delete, methods=["DELETE"], status_code=204, summary=f"Delete a {label} (admin, analyst)",
                         name=f"delete_{layer}")


@router.get("/calendars/in-force", response_model=InForceOut, summary="The calendar window in force on a date for a corridor/country")
def calendar_in_force(
    session: DbSession,
    _: CurrentUser,
    direction: str = Query(..., description="descent or return"),
    corridor: str | None = None,
    country: str | None = None,
    on: date | None = Query(None, alias="date"),
) -> dict:
    return service.calendar_in_force(session, corridor, country, direction, on or date.today())


@router.get("/calendars", response_model=Page[CalendarOut], summary="List calendars")
def list_calendars(
    request: Request,
    session: DbSession,
    _: CurrentUser,
    corridor: str | None = None,
    country: str | None = None,
    direction: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict:
    items, total = service.list_calendars(
        session, corridor=corridor, country=country, direction=direction, limit=limit, offset=offset
    )
    return page(request, items, total, offset, limit)


@router.post("/calendars", status_code=201, response_model=CalendarOut | list[CalendarOut],
             summary="Add a calendar, or a list of calendars (admin, analyst)")
def create_calendars(session: DbSession, body: CalendarIn | list[CalendarIn | Any], user: Any = require_roles(*EDITORS)):
    raw = [body_dict(b) if isinstance(b, CalendarIn) else b for b in body] if isinstance(body, list) else body_dict(body)
    items = service.create_calendars(session, raw)
    for item in items:
        scope.check_calendar(session, user, item)
    return items if isinstance(body, list) else items[0]


@router.get("/calendars/{calendar_id}", response_model=CalendarOut, summary="One calendar")
def get_calendar(calendar_id: int, session: DbSession, _: CurrentUser) -> dict:
    return service.get_calendar(session, calendar_id)


@router.put("/calendars/{calendar_id}", response_model=CalendarOut, summary="Replace a calendar (admin, analyst)")
def put_calendar(calendar_id: int, session: DbSession, body: CalendarIn, user: Any = require_roles(*EDITORS)) -> dict:
    scope.check_calendar(session, user, service.get_calendar(session, calendar_id))
    item = service.replace_calendar(session, calendar_id, body_dict(body))
    scope.check_calendar(session, user, item)
    return item


@router.delete("/calendars/{calendar_id}", status_code=204, summary="Delete a calendar (admin, analyst)")
def delete_calendar(calendar_id: int, session: DbSession, user: Any = require_roles(*EDITORS)) -> Response:
    scope.check_calendar(session, user, service.get_calendar(session, calendar_id))
    service.delete_calendar(session, calendar_id)
    return Response(status_code=204)


@router.get("/network/place", response_model=PlaceOut, summary="Where a point falls on the corridor network")
def place(
    session: DbSession,
    _: CurrentUser,
    lon: float = Query(..., ge=-180, le=180),
    lat: float = Query(..., ge=-90, le=90),
    max_search_m: float = Query(100_000, gt=0, le=1_000_000),
) -> dict:
    return service.place(session, lon, lat, max_search_m)


for _layer in LAYERS:
    _add_layer_routes(_layer)
