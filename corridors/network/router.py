"""HTTP for the routable corridor network: the graph, and routes around what closes the way.

Corridors are public, so every signed-in role may read them. Routes start and end at points
on corridors (a flow point, the nearest corridor point to an area or to lon,lat) and never
echo a herd's position.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from corridors.network import service
from corridors.network.schemas import GraphOut, RoutesOut
from ttt.errors import ValidationFailed
from ttt.http.deps import CurrentUser, DbSession

GEOJSON = "application/geo+json"
router = APIRouter(prefix="/api/v1/network", tags=["network"])


@router.get("/graph", response_class=JSONResponse, response_model=GraphOut,
            summary="Nodes and edges of the routable corridor network (GeoJSON)")
def graph(session: DbSession, user: CurrentUser) -> JSONResponse:
    """Nodes and edges of the routable network (GeoJSON); rebuilt when the geodata change."""
    return JSONResponse(service.graph_geojson(session), media_type=GEOJSON)


@router.get("/routes", response_class=JSONResponse, response_model=RoutesOut,
            summary="Open routes between two places around hazards, conflicts and closures (GeoJSON)")
def routes(
    session: DbSession,
    user: CurrentUser,
    from_: Annotated[str, Query(alias="from", description="flow point code, P-code of an area, or lon,lat")],
    to: Annotated[str, Query(description="flow point code, P-code of an area, or lon,lat")],
    k: Annotated[int, Query(ge=1, le=50, description="how many routes at most, best first")] = 3,
    at: Annotated[str | None, Query(description="ISO 8601 date-time the closures are taken at (default now)")] = None,
    species: Annotated[str | None, Query(description="sets the walking speed (default cattle)")] = None,
) -> JSONResponse:
    """Up to k open routes from -> to at a date, best first, with detour, walking days,
    hazards avoided and crossed, resources, areas and countries crossed. 404 when the
    places are not connected; 422 naming what closes every way."""
    when = None
    if at is not None:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise ValidationFailed([{"field": "at", "message": f"expected an ISO 8601 date-time, got {at!r}"}]) from None
        if when.tzinfo is None:
            raise ValidationFailed([{"field": "at", "message": "give a time zone offset (e.g. +00:00)"}])
    body = service.find_routes(session, from_, to, k=k, at=when, species=species)
    return JSONResponse(body, media_type=GEOJSON)
