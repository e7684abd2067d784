"""HTTP for observations: JSON batches, CSV uploads, the KoBo webhook, and listing.

Thin: parse the request, call a service, shape the answer. Ingest endpoints commit before
answering, so a client is never told "accepted" for something a failed commit threw away.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json
from sqlalchemy.orm import Session

from corridors.ingest import service as ingest_service
from corridors.observations import review as review_service
from corridors.observations import service
from corridors.observations.answers import (
    BatchOut,
    CsvReportOut,
    HistoryOut,
    KoboMapOut,
    KoboPreviewOut,
    ObservationOut,
    ReviewedOut,
)
from corridors.observations.models import SOURCES
from corridors.observations.quality import FLAGS as QA_FLAGS
from corridors.observations.repository import ListFilter
from corridors.quality.router import router as quality_router
from ttt.config import get_settings
from ttt.errors import PayloadTooLarge, Unauthorized, ValidationFailed
from ttt.http.deps import CurrentUser, DbSession, ReadSession, require_roles
from ttt.http.fastjson import FastJsonRoute
from ttt.http.paging import page
from ttt.http.schemas import Page
from ttt.users import Principal, authenticate

# FastJsonRoute: bulk JSON bodies parsed in Rust (see ttt.http.fastjson)
router = APIRouter(prefix="/api/v1", tags=["observations"], route_class=FastJsonRoute)
router.include_router(quality_router)  # /api/v1/quality: data quality of these counts

WRITERS = ("admin", "analyst", "enumerator")
READERS = ("admin", "analyst", "enumerator")


class BatchIn(BaseModel):
    observations: list[Any] = Field(description="Observation records (see the contract in the README)")


@router.post("/observations", dependencies=[require_roles(*WRITERS)], response_model=BatchOut,
             summary="Submit a batch of observations (up to TTT_MAX_BATCH, 5,000 by default)")
def post_observations(body: BatchIn, user: CurrentUser, session: DbSession) -> Response:
    limit = get_settings().max_batch
    if len(body.observations) > limit:
        raise PayloadTooLarge(
            f"{len(body.observations)} observations in one request; send at most {limit} per request"
        )
    outcome = service.ingest(session, body.observations, source="api", enumerator=user)
    session.commit()
    # Already plain JSON types: encoded in one Rust call, not walked by jsonable_encoder (which
    # took ~10 % of the API's time on a batch of 1,000 results).
    return Response(to_json(outcome.to_json()), media_type="application/json")


@router.get("/observations", dependencies=[require_roles(*READERS)], response_model=Page[ObservationOut],
            summary="List observations (enumerators see only their own)")
def get_observations(
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    corridor: str | None = None,
    flow_point: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    source: Annotated[str | None, Query(pattern=f"^({'|'.join(SOURCES)})$")] = None,
    review: Annotated[str | None, Query(pattern="^(received|flagged|approved|rejected)$",
                                        description="review state")] = None,
    flag: Annotated[str | None, Query(description="an automatic flag: " + ", ".join(QA_FLAGS))] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    for name, t in (("from", from_), ("to", to)):
        if t is not None and t.tzinfo is None:
            raise ValidationFailed([{"field": name, "message": "expected a date-time with a timezone offset"}])
    if flag is not None and flag not in QA_FLAGS:
        raise ValidationFailed([{"field": "flag", "message": f"expected one of {', '.join(QA_FLAGS)}, got {flag!r}"}])
    f = ListFilter(corridor=corridor, flow_point=flow_point, start=from_, end=to, source=source,
                   review=review, flag=flag, limit=limit, offset=offset)
    items, total = service.list_observations(session, user, f)
    return page(request, items, total, offset, limit)


class ReviewIn(BaseModel):
    review: str = Field(description="received, flagged, approved or rejected")
    note: str | None = Field(default=None, max_length=2000, description="why (shown to other reviewers)")


@router.post("/observations/{observation_id}/review", dependencies=[require_roles(*review_service.REVIEWERS)],
             response_model=ReviewedOut,
             summary="Review a count: approve, flag or reject it (rejected counts leave statistics and rules)")
def post_review(observation_id: uuid.UUID, body: ReviewIn, user: CurrentUser, session: DbSession) -> dict:
    out = review_service.review(session, user, observation_id, body.review, body.note)
    session.commit()
    return out


@router.get("/observations/{observation_id}/history", dependencies=[require_roles(*review_service.REVIEWERS)],
            response_model=HistoryOut,
            summary="Earlier versions of a count (replaced by edits), oldest first")
def get_history(observation_id: uuid.UUID, user: CurrentUser, session: DbSession) -> dict:
    return review_service.history(session, user, observation_id)


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed([{"field": "file", "message": "expected UTF-8 (or Windows-1252) text"}])


def _csv_import(session: Session, text: str, user: Principal) -> dict:
    from corridors.ingest.csvfile import CsvFormatError

    try:
        report = ingest_service.import_csv(session, text.splitlines(keepends=True), user)
    except CsvFormatError as exc:
        raise ValidationFailed([{"field": "file", "message": str(exc)}]) from None
    session.commit()
    return report.to_json()


@router.post("/observations.csv", dependencies=[require_roles(*WRITERS)], response_model=CsvReportOut,
             summary="Upload a CSV (plain or HXL-tagged) of observations; per-row report")
async def post_observations_csv(request: Request, user: CurrentUser, session: DbSession) -> dict:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed([{"field": "file", "message": "expected a file part named 'file'"}])
        data = await upload.read()
    else:
        data = await request.body()
    text = _decode(data)
    return await run_in_threadpool(_csv_import, session, text, user)


def _kobo_principal(request: Request, session: Session) -> Principal:
    """KoBo REST services send either a custom ``Authorization: Bearer`` header or Basic auth
    (user name + token as password)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    principal = None
    if scheme.lower() == "bearer":
        principal = authenticate(session, value.strip())
    elif scheme.lower() == "basic":
        principal = ingest_service.basic_principal(session, header)
    if principal is None:
        raise Unauthorized("send 'Authorization: Bearer <token>' or Basic auth with your name and token")
    request.state.principal = principal  # the audit log records who it was
    if principal.role not in WRITERS:
        from ttt.errors import Forbidden

        raise Forbidden(f"role {principal.role!r} may not submit observations")
    return principal


@router.post("/ingest/kobo", response_model=BatchOut, status_code=201,
             responses={200: {"model": BatchOut, "description": "a resend: nothing new"},
                        409: {"model": BatchOut}, 422: {"model": BatchOut}},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "description": "a KoBo submission (object) or a list of them", "type": ["object", "array"]}}}}},
             summary="KoBoToolbox REST-service webhook (one submission per POST)")
async def post_kobo(request: Request, session: DbSession) -> JSONResponse:
    try:
        payload = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([{"field": "body", "message": "expected a JSON object (a KoBo submission)"}]) from None
    except RecursionError:
        raise ValidationFailed([{"field": "body", "message": "the JSON is nested too deeply"}]) from None

    def work() -> tuple[int, dict]:
        principal = _kobo_principal(request, session)
        if isinstance(payload, list) and len(payload) > get_settings().max_batch:
            raise PayloadTooLarge(f"send at most {get_settings().max_batch} submissions per request")
        status, body = ingest_service.receive_kobo(session, payload, principal)
        session.commit()
        return status, body

    status, body = await run_in_threadpool(work)
    return JSONResponse(body, status_code=status)


@router.post("/ingest/kobo/preview", dependencies=[require_roles("admin", "analyst")], response_model=KoboPreviewOut,
             summary="Show how a sample KoBo submission maps (fields read, fields ignored, validation); stores nothing")
async def preview_kobo_post(request: Request) -> dict:
    try:
        payload = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([{"field": "body", "message": "expected a JSON object (a KoBo submission)"}]) from None
    if isinstance(payload, list) and len(payload) > get_settings().max_batch:
        raise PayloadTooLarge(f"send at most {get_settings().max_batch} submissions per request")
    return ingest_service.preview_kobo(payload)


@router.get("/ingest/kobo/preview", dependencies=[require_roles("admin", "analyst")], response_model=KoboMapOut,
            summary="The KoBo field map in effect for a form (formhub/uuid or _xform_id_string)")
def preview_kobo_get(form: str | None = None) -> dict:
    sample = {"_xform_id_string": form} if form else {}
    return {"form": form, "field_map": ingest_service.kobo_field_map(sample)}
