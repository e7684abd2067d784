"""OGC API - Features (Part 1: Core 1.0) at /ogc, for QGIS, GDAL/OGR (OAPIF) and owslib.

Collections: corridors, flow-points, hazards, alerts, observations. Same bearer tokens as
the API (QGIS and GDAL send headers: ``GDAL_HTTP_HEADERS="Authorization: Bearer ..."``).
What each role sees of locations is decided by ttt.location_policy: exact for admin and
analyst; for the others, observations at the nearest 0.1 degree grid node (of the flow
point, else of the herd) without km along the corridor, and alerts as the whole 0.1 degree
cells covering them. Enumerators see only their own observations; users with scopes see
only observations and alerts inside them. Parsing and documents live in corridors.geodata.ogc_core.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from alerts.alerts import ogc as alerts_ogc
from corridors.geodata import repository as repo
from corridors.geodata.layers import LAYERS
from corridors.geodata.ogc_core import (
    GEOJSON,
    ITEMS_PARAMS,
    Collection,
    OgcParamError,
    check_params,
    collection_doc,
    collections_doc,
    conformance,
    encode_cursor,
    feature_doc,
    items_stream,
    jsonable,
    landing,
    openapi,
    parse_bbox,
    parse_crs,
    parse_cursor,
    parse_datetime,
    parse_format,
    parse_limit,
    parse_offset,
)
from corridors.observations import ogc as observations_ogc
from ttt.errors import NotFound, TTTError
from ttt.http.deps import CurrentUser, ReadSession
from ttt.http.schemas import Feature, FeatureCollection, Link, Open
from ttt.users import Principal


class LandingOut(Open):
    title: str
    links: list[Link]


class ConformanceOut(Open):
    conformsTo: list[str]


class CollectionOut(Open):
    id: str
    links: list[Link]


class CollectionsOut(Open):
    collections: list[CollectionOut]
    links: list[Link]


class ItemsOut(FeatureCollection):
    numberMatched: int | None = None  # left out where counting would cost as much as reading
    numberReturned: int
    links: list[Link]


router = APIRouter(prefix="/ogc", tags=["ogc"])

# Every collection, published by its own domain: geodata layers, observations, alerts.
PUBLISHED: dict[str, repo.Published] = {
    p.collection.id: p
    for p in (
        *(repo.Published(layer.collection, lambda user, name=name: repo.LAYER_SOURCES[name], layer.scoped)
          for name, layer in LAYERS.items() if layer.collection is not None),
        alerts_ogc.PUBLISHED,
        observations_ogc.PUBLISHED,
    )
}
COLLECTIONS: dict[str, Collection] = {cid: p.collection for cid, p in PUBLISHED.items()}


class InvalidParameter(TTTError):
    code = "invalid_parameter"
    status = 400


def _source(cid: str, user: Principal) -> repo.CollectionSource:
    return PUBLISHED[cid].source_for(user)


def _collection(cid: str) -> Collection:
    if cid not in COLLECTIONS:
        raise NotFound(f"no collection {cid!r}; collections: {', '.join(COLLECTIONS)}")
    return COLLECTIONS[cid]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _checked(request: Request, allowed=frozenset({"f"})) -> None:
    try:
        check_params(request.query_params.keys(), allowed)
        parse_format(request.query_params.get("f"))
    except OgcParamError as exc:
        raise InvalidParameter(str(exc)) from None


def _json(content: Any, media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(jsonable(content), media_type=media_type)


@router.get("", response_model=LandingOut, summary="OGC API landing page")
@router.get("/", include_in_schema=False)
def landing_page(request: Request, _: CurrentUser) -> JSONResponse:
    _checked(request)
    return _json(landing(_base(request), "ttt - transhumance corridors, hazards, alerts and observations",
                         "OGC API - Features over the ttt early-warning service"))


@router.get("/api", response_model=dict[str, Any], summary="OpenAPI 3.0 definition of the OGC API")
def service_desc(request: Request, _: CurrentUser) -> JSONResponse:
    _checked(request)
    return _json(openapi(_base(request), list(COLLECTIONS.values())), "application/vnd.oai.openapi+json;version=3.0")


@router.get("/conformance", response_model=ConformanceOut, summary="Conformance classes")
def conformance_page(request: Request, _: CurrentUser) -> JSONResponse:
    _checked(request)
    return _json(conformance())


def _scopes(cid: str, user: Principal) -> tuple[str, ...]:
    """Scoped users (P-code prefixes) see what lies inside their scopes in scoped collections."""
    return tuple(user.scopes) if PUBLISHED[cid].scoped else ()


@router.get("/collections", response_model=CollectionsOut, summary="The collections")
def collections(request: Request, session: ReadSession, user: CurrentUser) -> JSONResponse:
    _checked(request)
    base = _base(request)
    docs = [
        collection_doc(base, c, repo.ogc_extent(session, _source(c.id, user), _scopes(c.id, user)))
        for c in COLLECTIONS.values()
    ]
    return _json(collections_doc(base, docs))


@router.get("/collections/{cid}", response_model=CollectionOut, summary="One collection")
def collection(cid: str, request: Request, session: ReadSession, user: CurrentUser) -> JSONResponse:
    _checked(request)
    coll = _collection(cid)
    extent = repo.ogc_extent(session, _source(cid, user), _scopes(cid, user))
    return _json(collection_doc(_base(request), coll, extent))


@router.get("/collections/{cid}/items", response_model=ItemsOut,
            summary="Features of a collection (GeoJSON, paged by cursor)")
def items(cid: str, request: Request, session: ReadSession, user: CurrentUser) -> StreamingResponse:
    """A page in id order; its ``next`` link carries a cursor (the page's last id), so each
    page is as cheap as the first and inserts never shift one. ``numberMatched`` only where
    counting is cheap (small collections, or a result that fits in one page)."""
    coll = _collection(cid)
    src = _source(cid, user)
    q = request.query_params
    try:
        check_params(q.keys(), ITEMS_PARAMS)
        parse_format(q.get("f"))
        parse_crs("crs", q.get("crs"))
        parse_crs("bbox-crs", q.get("bbox-crs"))
        limit = parse_limit(q.get("limit"))
        offset = parse_offset(q.get("offset"))
        after = parse_cursor(q.get("cursor"), src.id_cast)
        bbox = parse_bbox(q.get("bbox"))
        interval = parse_datetime(q.get("datetime"))
    except OgcParamError as exc:
        raise InvalidParameter(str(exc)) from None
    if after is not None and offset:
        raise InvalidParameter("give either cursor (from a 'next' link) or offset, not both")
    rows, more, matched = repo.ogc_page(
        session, src, bbox=bbox, interval=interval if coll.temporal else None, limit=limit, after=after,
        offset=offset, scopes=_scopes(cid, user), count=coll.counted,
    )
    next_url = None
    if more:
        next_url = str(request.url.remove_query_params("offset").include_query_params(
            cursor=encode_cursor(rows[-1][0]), limit=limit))
    base = _base(request)
    body = items_stream(str(request.url), next_url, f"{base}/collections/{cid}", [f for _, f in rows], matched,
                        datetime.now(UTC))
    return StreamingResponse(body, media_type=GEOJSON)


@router.get("/collections/{cid}/items/{fid}", response_model=Feature, summary="One feature")
def item(cid: str, fid: str, request: Request, session: ReadSession, user: CurrentUser) -> JSONResponse:
    _checked(request)
    _collection(cid)
    feature = repo.ogc_item(session, _source(cid, user), fid, _scopes(cid, user))
    if feature is None:
        raise NotFound(f"no feature {fid!r} in {cid}")
    base = _base(request)
    return _json(feature_doc(feature, str(request.url), f"{base}/collections/{cid}"), GEOJSON)
