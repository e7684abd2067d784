"""HTTP for delivery: subscriptions CRUD, the delivery log, CAP 1.2 and Atom, acknowledgement page.

Register this router BEFORE the alerts router: ``/api/v1/alerts/feed.atom`` and
``/api/v1/alerts/{id}.cap`` would otherwise be taken for ``/api/v1/alerts/{id}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from alerts.cap import ATOM_MEDIA_TYPE, CAP_MEDIA_TYPE
from alerts.delivery import service
from alerts.delivery.render import render_ack_page
from alerts.delivery.schemas import DeliveryOut, SubscriptionIn, SubscriptionOut, SubscriptionPatch
from ttt.config import get_settings
from ttt.http.deps import CurrentUser, DbSession, require_roles
from ttt.http.paging import page
from ttt.http.schemas import Page, text_response

router = APIRouter(tags=["delivery"])
STAFF = ("admin", "analyst")


# --- subscriptions ------------------------------------------------------------------------


@router.post("/api/v1/subscriptions", status_code=201, dependencies=[require_roles(*STAFF)], response_model=SubscriptionOut,
             summary="Subscribe someone to alerts (webhook secret generated and shown once if absent)")
def create_subscription(body: SubscriptionIn, user: CurrentUser, session: DbSession) -> dict:
    sub, secret = service.create_subscription(session, body, user)
    return service.subscription_json(sub, secret=secret)


@router.get("/api/v1/subscriptions", dependencies=[require_roles(*STAFF)], response_model=Page[SubscriptionOut],
            summary="List subscriptions")
def list_subscriptions(
    request: Request, session: DbSession,
    active: bool | None = None,
    channel: Annotated[str | None, Query(pattern="^(email|sms|webhook|log)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    rows, total = service.list_subscriptions(session, limit=limit, offset=offset, active=active, channel=channel)
    return page(request, [service.subscription_json(s) for s in rows], total, offset, limit)


@router.get("/api/v1/subscriptions/{subscription_id}", dependencies=[require_roles(*STAFF)],
            response_model=SubscriptionOut, summary="One subscription")
def get_subscription(subscription_id: int, session: DbSession) -> dict:
    return service.subscription_json(service.get_subscription(session, subscription_id))


@router.patch("/api/v1/subscriptions/{subscription_id}", dependencies=[require_roles(*STAFF)],
              response_model=SubscriptionOut,
              summary="Change some fields of a subscription")
def patch_subscription(subscription_id: int, body: SubscriptionPatch, session: DbSession) -> dict:
    sub, secret = service.update_subscription(session, subscription_id, body)
    return service.subscription_json(sub, secret=secret)


@router.delete("/api/v1/subscriptions/{subscription_id}", status_code=204, dependencies=[require_roles(*STAFF)])
def delete_subscription(subscription_id: int, session: DbSession) -> Response:
    service.delete_subscription(session, subscription_id)
    return Response(status_code=204)


# --- delivery log -------------------------------------------------------------------------


@router.get("/api/v1/deliveries", dependencies=[require_roles(*STAFF)], response_model=Page[DeliveryOut],
            summary="Delivery log: who was sent what, every attempt and its outcome")
def list_deliveries(
    request: Request, session: DbSession,
    alert: int | None = None,
    status: Annotated[str | None, Query(pattern="^(pending|sent|failed|superseded)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    items, total = service.delivery_log(session, alert_id=alert, status=status, limit=limit, offset=offset)
    return page(request, items, total, offset, limit)


# --- CAP 1.2 and Atom ---------------------------------------------------------------------


@router.get("/api/v1/alerts/feed.atom", response_class=Response,
            responses=text_response(ATOM_MEDIA_TYPE, "Atom 1.0 feed"), summary="Atom feed of recent alerts (CAP links)")
def alerts_feed(
    user: CurrentUser, session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    lang: Annotated[str, Query(pattern="^(fr|en)$")] = "fr",
) -> Response:
    body = service.feed_document(session, user, limit=limit, language=lang, base_url=get_settings().public_url)
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/api/v1/alerts/{alert_id}.cap", response_class=Response,
            responses=text_response(CAP_MEDIA_TYPE, "CAP 1.2 alert message"),
            summary="The alert as an OASIS CAP 1.2 document (Update/Cancel reference earlier messages)")
def alert_cap(alert_id: int, user: CurrentUser, session: DbSession) -> Response:
    return Response(service.cap_document(session, alert_id, user), media_type=CAP_MEDIA_TYPE)


# --- acknowledgement (no login: the signed link is the credential) ------------------------


def _page(view) -> HTMLResponse:
    return HTMLResponse(render_ack_page(view), status_code=view.status_code,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.get("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
def ack_form(token: str, session: DbSession, lang: Annotated[str | None, Query(pattern="^(fr|en)$")] = None):
    return _page(service.ack_page(session, token, lang))


@router.post("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
def ack_submit(token: str, session: DbSession, lang: Annotated[str | None, Query(pattern="^(fr|en)$")] = None,
               name: Annotated[str | None, Form(max_length=120)] = None,
               note: Annotated[str | None, Form(max_length=1000)] = None):
    return _page(service.acknowledge(session, token, name=name, note=note, language=lang))
