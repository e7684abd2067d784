"""HTTP for corridor statistics: thin wrappers over `corridors.stats.service`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from corridors.stats import service
from corridors.stats.schemas import RankingOut, SeriesOut
from ttt.facts import MOVEMENTS
from ttt.http.deps import CurrentUser, ReadSession, require_roles
from ttt.http.paging import next_link

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"],
                   dependencies=[require_roles("admin", "analyst", "partner")])

Interval = Literal["day", "week", "month", "season"]
Direction = Literal[MOVEMENTS]  # type: ignore[valid-type]
Format = Literal["json", "csv", "png", "svg"]
From = Annotated[dt.date | None, Query(alias="from", description="first day (inclusive); default: start of the current season")]
To = Annotated[dt.date | None, Query(description="last day (inclusive, UTC days); default: today")]
Species = Annotated[list[str] | None, Query(description="species to count, repeated or comma separated, e.g. cattle,camels")]
Compare = Annotated[Literal["previous"] | None, Query(description="add the same period of the previous season")]
SERIES_DOC = {200: {"model": SeriesOut, "content": {"text/csv": {}, "image/png": {}, "image/svg+xml": {}},
                    "description": "series and totals as JSON, CSV with an HXL hashtag row, or a chart"}}


def _respond(result: service.SeriesResult, fmt: str) -> Response:
    if fmt == "json":
        return JSONResponse(service.series_json(result))
    out = service.render_series(result, fmt)
    disposition = "attachment" if fmt == "csv" else "inline"
    return Response(out.body, media_type=out.media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{out.filename}"'})


@router.get("/corridors/{code}", responses=SERIES_DOC, summary="Series and totals for one corridor")
def corridor_stats(code: str, session: ReadSession, user: CurrentUser, from_: From = None, to: To = None,
                   interval: Interval = "month", species: Species = None, direction: Direction | None = None,
                   compare: Compare = None, format: Format = "json") -> Response:
    q = service.StatsQuery.build(from_, to, interval, species, direction, compare)
    return _respond(service.corridor_stats(session, user, code, q), format)


@router.get("/flow-points/{code}", responses=SERIES_DOC, summary="Series and totals for one flow monitoring point")
def flow_point_stats(code: str, session: ReadSession, user: CurrentUser, from_: From = None, to: To = None,
                     interval: Interval = "month", species: Species = None, direction: Direction | None = None,
                     compare: Compare = None, format: Format = "json") -> Response:
    q = service.StatsQuery.build(from_, to, interval, species, direction, compare)
    return _respond(service.flow_point_stats(session, user, code, q), format)


@router.get("/areas", responses=SERIES_DOC, summary="Series and totals for the flow points of an admin area")
def area_stats(session: ReadSession, user: CurrentUser,
               pcode: Annotated[str | None, Query(description="P-code prefix: ML (country), ML05 (region), ML0506...")] = None,
               from_: From = None, to: To = None, interval: Interval = "month", species: Species = None,
               direction: Direction | None = None, compare: Compare = None, format: Format = "json") -> Response:
    q = service.StatsQuery.build(from_, to, interval, species, direction, compare)
    return _respond(service.area_stats(session, user, pcode, q), format)


RankBy = Literal["animals", "tlu", "observations", "herders"]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def _ranking_response(request: Request, result: service.RankingResult, format: str, limit: int, offset: int) -> Response:
    if format == "csv":
        out = service.render_ranking(result, "csv")
        return Response(out.body, media_type=out.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'})
    nxt = next_link(request, offset, limit, len(result.ranked))
    return JSONResponse(service.ranking_json(result, limit, offset, nxt))


@router.get("/corridors", responses={200: {"model": RankingOut, "content": {"text/csv": {}}}},
            summary="Corridors ranked over a period")
def corridor_ranking(request: Request, session: ReadSession, user: CurrentUser, from_: From = None, to: To = None,
                     by: RankBy = "animals", species: Species = None, direction: Direction | None = None,
                     compare: Compare = None, format: Literal["json", "csv"] = "json",
                     limit: Limit = 50, offset: Offset = 0) -> Response:
    q = service.StatsQuery.build(from_, to, "month", species, direction, compare)
    return _ranking_response(request, service.corridor_ranking(session, user, q, by), format, limit, offset)


@router.get("/flow-points", responses={200: {"model": RankingOut, "content": {"text/csv": {}}}},
            summary="Flow points ranked over a period (partners: points inside their scopes)")
def flow_point_ranking(request: Request, session: ReadSession, user: CurrentUser, from_: From = None, to: To = None,
                       by: RankBy = "animals", species: Species = None, direction: Direction | None = None,
                       compare: Compare = None, format: Literal["json", "csv"] = "json",
                       limit: Limit = 50, offset: Offset = 0) -> Response:
    q = service.StatsQuery.build(from_, to, "month", species, direction, compare)
    return _ranking_response(request, service.flow_point_ranking(session, user, q, by), format, limit, offset)
