"""HTTP for rules and alerts (thin: parse, call a service, shape the answer)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from alerts.alerts import service
from alerts.alerts.lifecycle import OUTCOME_MODES
from alerts.alerts.models import ALERT_SEVERITIES, ALERT_STATUSES, ALERT_TYPES
from alerts.alerts.repository import AlertFilter
from alerts.alerts.schemas import (
    AlertOut,
    BacktestOut,
    EvaluateOut,
    ReportedOut,
    ResponseStatsOut,
    RuleSetOut,
)
from alerts.runner import engine
from ttt.errors import ValidationFailed
from ttt.http.deps import CurrentUser, DbSession, ReadSession, require_roles
from ttt.http.paging import page
from ttt.http.schemas import Page

router = APIRouter(prefix="/api/v1", tags=["alerts"])

STAFF = ("admin", "analyst")
RESPONDERS = ("admin", "analyst", "partner")
REPORTERS = ("admin", "analyst", "enumerator", "partner")

AlertType = Literal[ALERT_TYPES]  # type: ignore[valid-type]
AlertStatus = Literal[ALERT_STATUSES]  # type: ignore[valid-type]
Severity = Literal[ALERT_SEVERITIES]  # type: ignore[valid-type]


class BacktestIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: date = Field(alias="from", description="first day replayed (UTC)")
    to: date = Field(description="last day replayed (UTC), inclusive")
    rules: dict[str, Any] | None = Field(default=None, description="a rule set like default.yaml (as JSON); "
                                         "default: the active one")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class ResolveIn(NoteIn):
    """How it ended (every field optional; the old ``{note, reprisal_risk}`` body still works)."""

    mode: Literal[OUTCOME_MODES] | None = Field(default=None, description="how it was resolved")  # type: ignore[valid-type]
    killed: int | None = Field(default=None, ge=0, le=100_000, description="people killed")
    injured: int | None = Field(default=None, ge=0, le=100_000, description="people injured")
    displaced: int | None = Field(default=None, ge=0, le=10_000_000, description="people displaced")
    animals_lost: int | None = Field(default=None, ge=0, le=10_000_000, description="animals lost")
    crop_damage_ha: float | None = Field(default=None, ge=0, le=1_000_000, description="crops damaged, hectares")
    crop_damage_note: str | None = Field(default=None, max_length=1000, description="crop damage in words")
    reprisal_risk: bool | None = Field(default=None, description="does a risk of reprisal remain?")
    acted_by: str | None = Field(default=None, max_length=300, description="who acted (committee, service...)")


class VerifyIn(NoteIn):
    verdict: Literal["verifying", "confirmed", "dismissed"] = Field(
        description="confirmed or dismissed (a final verdict); verifying while it is being checked")


class LocationIn(BaseModel):
    lon: float
    lat: float


class EventIn(BaseModel):
    """A key informant's event alert."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=100, description="the report's own id; re-sending it changes nothing")
    event_kind: str = Field(description=f"one of {', '.join(service.EVENT_KINDS)}")
    severity: str = "moderate"
    headline: str | None = None
    description: str | None = Field(default=None, max_length=5000)
    occurred_at: datetime | None = None
    location: LocationIn | None = Field(default=None, description="{lon, lat} in WGS 84")
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry instead of a location")
    flow_point: str | None = None
    corridor: str | None = None
    reprisal_risk: bool | None = None


@router.get("/rules", response_model=RuleSetOut, summary="The active rule set and its version (a content hash)")
def get_rules(user: CurrentUser) -> dict:
    return engine.active_rules().as_dict()


@router.post("/rules/evaluate", dependencies=[require_roles(*STAFF)], response_model=EvaluateOut,
             summary="Run the engine now: drain the observation queue, then the time-based checks")
def post_evaluate(session: DbSession) -> dict:
    result = engine.evaluate_now(session)
    session.commit()
    return {"created": result.created, "updated": result.updated, "observations": result.observations}


@router.post("/rules/backtest", dependencies=[require_roles(*STAFF)], response_model=BacktestOut,
             summary="Replay a period through a rule set; nothing is written")
def post_backtest(body: BacktestIn, session: DbSession, user: CurrentUser) -> dict:
    return service.backtest_for(session, user, engine.backtest(session, body.from_, body.to, body.rules))


@router.get("/alerts", response_model=Page[AlertOut], summary="List alerts (newest change first)")
def list_alerts(
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    type: AlertType | None = None,  # noqa: A002 - the contract's name
    status: AlertStatus | None = None,
    severity: Severity | None = None,
    corridor: str | None = None,
    flow_point: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    for name, t in (("since", since), ("until", until)):
        if t is not None and t.tzinfo is None:
            raise ValidationFailed([{"field": name, "message": "expected a date-time with a timezone offset"}])
    f = AlertFilter(type=type, status=status, severity=severity, corridor=corridor, flow_point=flow_point,
                    since=since, until=until, limit=limit, offset=offset)
    rows, total = service.list_alerts(session, user, f)
    return page(request, [service.alert_json(a, user) for a in rows], total, offset, limit)


@router.get("/alerts/{alert_id}", response_model=AlertOut, summary="One alert with its evidence")
def get_alert(alert_id: int, user: CurrentUser, session: DbSession) -> dict:
    return service.alert_json(service.get_alert(session, user, alert_id), user)


@router.post("/alerts", dependencies=[require_roles(*REPORTERS)], status_code=201, response_model=ReportedOut,
             responses={200: {"model": ReportedOut, "description": "this report was already received"}},
             summary="Report an event (conflict, crop destruction, rustling, bushfire, disease...)")
def post_alert(body: EventIn, user: CurrentUser, session: DbSession):
    data = body.model_dump(exclude_none=True)
    if body.location is not None:
        data["location"] = body.location.model_dump()
    alert, created = service.report_event(session, user, data)
    session.commit()
    payload = {**service.alert_json(alert, user), "created": created}
    return payload if created else JSONResponse(payload, status_code=200)


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[require_roles(*RESPONDERS)], response_model=AlertOut,
             summary="Acknowledge an alert (who, when and a note are recorded)")
def post_acknowledge(alert_id: int, user: CurrentUser, session: DbSession, body: NoteIn | None = None) -> dict:
    alert = service.acknowledge(session, user, alert_id, body.note if body else None)
    session.commit()
    return service.alert_json(alert, user)


@router.post("/alerts/{alert_id}/resolve", dependencies=[require_roles(*RESPONDERS)], response_model=AlertOut,
             summary="Resolve an alert with its outcome (mode, casualties, damage, reprisal risk, who acted)")
def post_resolve(alert_id: int, user: CurrentUser, session: DbSession, body: ResolveIn | None = None) -> dict:
    alert = service.resolve(session, user, alert_id, body.model_dump(exclude_none=True) if body else None)
    session.commit()
    return service.alert_json(alert, user)


@router.get("/stats/response", dependencies=[require_roles(*RESPONDERS)],
            responses={200: {"model": ResponseStatsOut, "content": {"text/csv": {}},
                             "description": "figures as JSON, or CSV with HXL tags"}},
            summary="How alerts were answered: states, time to acknowledge/verify/resolve, outcomes, casualties")
def get_response_stats(
    user: CurrentUser,
    session: DbSession,
    from_: Annotated[date | None, Query(alias="from", description="first day alerts were raised (UTC); "
                                        "default: 90 days before 'to'")] = None,
    to: Annotated[date | None, Query(description="last day (inclusive); default: today")] = None,
    interval: Literal["day", "week", "month", "season"] = "month",
    pcode: Annotated[str | None, Query(max_length=20, description="P-code prefix: ML, ML05, ML0506...")] = None,
    type: AlertType | None = None,  # noqa: A002 - the contract's name
    severity: Severity | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002
):
    from datetime import UTC, timedelta
    from datetime import datetime as _dt

    from fastapi.responses import Response

    from alerts.alerts.response import response_csv

    last = to or _dt.now(UTC).date()
    first = from_ or last - timedelta(days=90)
    result = service.response_stats(session, user, first, last, interval, type=type, severity=severity, pcode=pcode)
    if format == "csv":
        return Response(response_csv(result), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="response_{first}_{last}.csv"'})
    return result


@router.post("/alerts/{alert_id}/verify", dependencies=[require_roles(*STAFF)], response_model=AlertOut,
             summary="Verify an alert: confirmed (told to recipients if it waited) or dismissed (a cancellation)")
def post_verify(alert_id: int, body: VerifyIn, user: CurrentUser, session: DbSession) -> dict:
    alert = service.verify(session, user, alert_id, body.verdict, body.note)
    session.commit()
    return service.alert_json(alert, user)
