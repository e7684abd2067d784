"""HTTP for data quality (data managers: admin, analyst): completeness per flow point, and the
data-gap notices."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from corridors.quality import service
from ttt.http.deps import CurrentUser, DbSession, require_roles
from ttt.http.paging import page
from ttt.http.schemas import Open, Page

router = APIRouter(prefix="/quality", tags=["quality"])  # included under /api/v1 by the observations router
MANAGERS = ("admin", "analyst")


class PointQualityOut(Open):
    flow_point: str
    name: str
    days_in_period: int
    days_reported: int = Field(description="days with a counted herd or a zero report")
    days_with_counts: int
    zero_report_days: int
    expected_days_per_week: float | None = Field(description="set for the point, or learned from its reports")
    rhythm: str = Field(description="set, learned or unknown (too few reports to learn)")
    completeness: float | None = Field(description="days reported / days expected")
    last_report: str | None
    data_gap: dict[str, Any] | None = Field(description="the open data-gap notice, if any")


class CompletenessOut(Open):
    from_: str = Field(alias="from")
    to: str
    items: list[PointQualityOut]


class NoticeOut(Open):
    id: int
    kind: str
    flow_point: str
    name: str
    opened_at: str
    closed_at: str | None
    last_report: str | None
    details: dict[str, Any]


@router.get("/flow-points", dependencies=[require_roles(*MANAGERS)], response_model=CompletenessOut,
            summary="Completeness of each flow point's reports over a period (default: this season)")
def get_completeness(user: CurrentUser, session: DbSession,
                     from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None) -> dict:
    return service.flow_point_completeness(session, user, from_, to)


@router.get("/notices", dependencies=[require_roles(*MANAGERS)], response_model=Page[NoticeOut],
            summary="Data-gap notices (points that stopped reporting), open ones first")
def get_notices(request: Request, user: CurrentUser, session: DbSession, open: bool = False,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    items, total = service.list_notices(session, user, open, limit, offset)
    return page(request, items, total, offset, limit)


class RhythmIn(Open):
    days_per_week: int | None = Field(description="1 to 7; null to learn it from the point's reports")


class RhythmOut(Open):
    flow_point: str
    days_per_week: int | None


@router.put("/flow-points/{code}/rhythm", dependencies=[require_roles(*MANAGERS)], response_model=RhythmOut,
            summary="Set how many days a week a flow point is expected to report (null: learned)")
def put_rhythm(code: str, body: RhythmIn, user: CurrentUser, session: DbSession) -> dict:
    out = service.set_rhythm(session, user, code, body.days_per_week)
    session.commit()
    return out
