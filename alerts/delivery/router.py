"""HTTP for delivery: subscriptions CRUD, the delivery log, CAP 1.2 and Atom, the signed alert page.

Register this router BEFORE the alerts router: ``/api/v1/alerts/feed.atom`` and
``/api/v1/alerts/{id}.cap`` would otherwise be taken for ``/api/v1/alerts/{id}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from alerts.delivery import page as recipient_page
from alerts.delivery import service
from alerts.delivery.cap import ATOM_MEDIA_TYPE, CAP_MEDIA_TYPE
from alerts.delivery.render import render_page
from alerts.delivery.schemas import DeliveryOut, SubscriptionIn, SubscriptionOut, SubscriptionPatch
from ttt.config import get_settings
from ttt.errors import ValidationFailed
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
    request: Request, session: DbSession, user: CurrentUser,
    active: bool | None = None,
    channel: Annotated[str | None, Query(pattern="^(email|sms|webhook|log)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    rows, total = service.list_subscriptions(session, limit=limit, offset=offset, active=active, channel=channel,
                                             user=user)
    return page(request, [service.subscription_json(s) for s in rows], total, offset, limit)


@router.get("/api/v1/subscriptions/{subscription_id}", dependencies=[require_roles(*STAFF)],
            response_model=SubscriptionOut, summary="One subscription")
def get_subscription(subscription_id: int, session: DbSession, user: CurrentUser) -> dict:
    return service.subscription_json(service.get_subscription(session, subscription_id, user))


@router.patch("/api/v1/subscriptions/{subscription_id}", dependencies=[require_roles(*STAFF)],
              response_model=SubscriptionOut,
              summary="Change some fields of a subscription")
def patch_subscription(subscription_id: int, body: SubscriptionPatch, session: DbSession, user: CurrentUser) -> dict:
    sub, secret = service.update_subscription(session, subscription_id, body, user=user)
    return service.subscription_json(sub, secret=secret)


@router.delete("/api/v1/subscriptions/{subscription_id}", status_code=204, dependencies=[require_roles(*STAFF)])
def delete_subscription(subscription_id: int, session: DbSession, user: CurrentUser) -> Response:
    service.delete_subscription(session, subscription_id, user)
    return Response(status_code=204)


# --- delivery log -------------------------------------------------------------------------


@router.get("/api/v1/deliveries", dependencies=[require_roles(*STAFF)], response_model=Page[DeliveryOut],
            summary="Delivery log: who was sent what, every attempt and its outcome")
def list_deliveries(
    request: Request, session: DbSession, user: CurrentUser,
    alert: int | None = None,
    status: Annotated[str | None, Query(pattern="^(pending|sent|failed|superseded)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    items, total = service.delivery_log(session, alert_id=alert, status=status, limit=limit, offset=offset, user=user)
    return page(request, items, total, offset, limit)


# --- CAP 1.2 and Atom ---------------------------------------------------------------------


@router.get("/api/v1/alerts/feed.atom", response_class=Response,
            responses=text_response(ATOM_MEDIA_TYPE, "Atom 1.0 feed"), summary="Atom feed of recent alerts (CAP links)")
def alerts_feed(
    user: CurrentUser, session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    lang: Annotated[str, Query(pattern="^[a-z]{2}$")] = "fr",
) -> Response:
    body = service.feed_document(session, user, limit=limit, language=lang, base_url=get_settings().public_url)
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/api/v1/alerts/{alert_id}.cap", response_class=Response,
            responses=text_response(CAP_MEDIA_TYPE, "CAP 1.2 alert message"),
            summary="The alert as an OASIS CAP 1.2 document (Update/Cancel reference earlier messages)")
def alert_cap(alert_id: int, user: CurrentUser, session: DbSession) -> Response:
    return Response(service.cap_document(session, alert_id, user), media_type=CAP_MEDIA_TYPE)


# --- the signed alert page (no login: the signed link is the credential) -----------------

_PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
FormText = Annotated[str | None, Form(max_length=2000)]
Lang = Annotated[str | None, Query(pattern="^[a-z]{2}$", description="page language (a catalogue we ship)")]


def _page(view) -> HTMLResponse:
    html = render_page("alert_page.html", view.language, v=view)
    return HTMLResponse(html, status_code=view.status_code, headers=_PAGE_HEADERS)


@router.get("/a/{token}", response_class=HTMLResponse, include_in_schema=False)
def alert_page(token: str, session: DbSession, lang: Lang = None, saved: bool = False):
    return _page(recipient_page.view(session, token, lang, outcome_saved=saved))


@router.post("/a/{token}", response_class=HTMLResponse, include_in_schema=False)
def alert_page_acknowledge(token: str, session: DbSession, lang: Lang = None,
                           note: Annotated[str | None, Form(max_length=1000)] = None):
    return _page(recipient_page.acknowledge(session, token, note=note, language=lang))


@router.post("/a/{token}/outcome", response_class=HTMLResponse, include_in_schema=False)
def alert_page_outcome(token: str, session: DbSession, lang: Lang = None,
                       mode: FormText = None, killed: FormText = None, injured: FormText = None,
                       displaced: FormText = None, animals_lost: FormText = None, crop_damage_ha: FormText = None,
                       reprisal_risk: FormText = None, acted_by: FormText = None, note: FormText = None):
    form = {"mode": mode, "killed": killed, "injured": injured, "displaced": displaced,
            "animals_lost": animals_lost, "crop_damage_ha": crop_damage_ha, "reprisal_risk": reprisal_risk,
            "acted_by": acted_by, "note": note}
    try:
        view = recipient_page.report_outcome(session, token, form, language=lang)
    except recipient_page.OutcomeInvalid as exc:
        raise ValidationFailed(exc.errors) from None
    if view.status_code != 200 or not view.outcome_saved:
        return _page(view)
    # after a report, a reload must not send it twice
    return RedirectResponse(f"/a/{token}?saved=1" + (f"&lang={lang}" if lang else ""), status_code=303,
                            headers=_PAGE_HEADERS)


@router.get("/a/{token}/map.svg", include_in_schema=False)
def alert_page_map(token: str, session: DbSession) -> Response:
    svg = recipient_page.map_image(session, token)
    if svg is None:
        return Response(status_code=404, headers=_PAGE_HEADERS)
    return Response(str(svg), media_type="image/svg+xml", headers=_PAGE_HEADERS)


@router.api_route("/ack/{token}", methods=["GET", "POST"], include_in_schema=False)
def old_ack_link(token: str, request: Request) -> RedirectResponse:
    """Links sent before the alert page existed lead to it (307 keeps a POST a POST)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/a/{token}{query}", status_code=307, headers=_PAGE_HEADERS)
