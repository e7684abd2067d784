"""Console pages (thin: who is signed in, which service to read, which template)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ttt import web_sessions as sessions
from ttt.config import get_settings
from ttt.http.deps import DbSession
from ttt.users import Principal
from ttt.web import i18n, views
from ttt.web.render import STAFF, page

router = APIRouter(include_in_schema=False)

PRE_COOKIE = "ttt_signin"


class SignInRequired(Exception):
    """Raised by console_user; the app turns it into a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def console_user(request: Request, session: DbSession) -> Principal:
    found = sessions.lookup(session, request.cookies.get(sessions.COOKIE))
    if found is None:
        raise SignInRequired(request.url.path)
    request.state.principal, request.state.csrf = found
    return found[0]


ConsoleUser = Annotated[Principal, Depends(console_user)]


def staff_only(user: ConsoleUser) -> Principal:
    if user.role not in STAFF:
        raise views.NotForRole()
    return user


StaffUser = Annotated[Principal, Depends(staff_only)]


@router.get("/")
def landing(request: Request, session: DbSession) -> Response:
    if sessions.lookup(session, request.cookies.get(sessions.COOKIE)) is not None:
        return RedirectResponse("/console", status_code=303)
    return page(request, "landing.html")


@router.get("/favicon.ico")
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/console/sign-in")
def sign_in_form(request: Request, next: str = "/console", error: str | None = None) -> Response:  # noqa: A002
    pre = secrets.token_urlsafe(24)
    response = page(request, "sign_in.html", status=401 if error else 200, pre=pre, next=_safe_next(next), error=error)
    response.set_cookie(PRE_COOKIE, pre, max_age=900, httponly=True, samesite="strict", secure=_secure())
    return response


@router.post("/console/sign-in")
def sign_in(request: Request, session: DbSession, token: Annotated[str, Form(max_length=300)],
            pre: Annotated[str, Form(max_length=100)], next: Annotated[str, Form(max_length=500)] = "/console") -> Response:  # noqa: A002
    if not sessions.csrf_ok(request.cookies.get(PRE_COOKIE, ""), pre):
        return sign_in_form(request, next, error="expired")
    opened = sessions.open_session(session, token)
    if opened is None:
        return sign_in_form(request, next, error="token")
    sid, principal = opened
    request.state.principal = principal  # the audit log records who signed in
    session.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(sessions.COOKIE, sid, max_age=sessions.SESSION_HOURS * 3600, httponly=True,
                        samesite="strict", secure=_secure(), path="/")
    response.delete_cookie(PRE_COOKIE)
    return response


@router.post("/console/sign-out")
def sign_out(request: Request, session: DbSession, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    found = sessions.lookup(session, request.cookies.get(sessions.COOKIE))
    if found is not None and sessions.csrf_ok(found[1], csrf):
        request.state.principal = found[0]
        sessions.close_session(session, request.cookies.get(sessions.COOKIE))
        session.commit()
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/console")
def situation_map(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    return page(request, "map.html", **views.map_context(session, user))


@router.get("/console/alerts")
def inbox(request: Request, user: ConsoleUser, session: DbSession, status: str | None = None,
          type: str | None = None, severity: str | None = None) -> Response:  # noqa: A002
    return page(request, "alerts.html", **views.inbox_context(session, user, status, type, severity))


@router.get("/console/alerts/{alert_id}")
def alert_page(request: Request, alert_id: int, user: ConsoleUser, session: DbSession) -> Response:
    return page(request, "alert.html", **views.alert_context(session, user, alert_id, i18n.choose(request)))


@router.get("/console/corridors")
def corridors_page(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    return page(request, "corridors.html", **views.corridors_context(session, user))


@router.get("/console/corridors/{code}")
def corridor_page(request: Request, code: str, user: ConsoleUser, session: DbSession) -> Response:
    return page(request, "place.html", **views.place_context(session, user, "corridor", code))


@router.get("/console/flow-points/{code}")
def flow_point_page(request: Request, code: str, user: ConsoleUser, session: DbSession) -> Response:
    return page(request, "place.html", **views.place_context(session, user, "flow_point", code))


@router.get("/console/admin/{section}")
def admin_page(request: Request, section: str, user: StaffUser) -> Response:
    return page(request, "admin.html", **views.admin_context(user, section))


def _safe_next(url: str) -> str:
    """Only our own console paths: never an open redirect."""
    return url if url.startswith("/console") and "//" not in url and "\\" not in url else "/console"


def _secure() -> bool:
    return get_settings().public_url.startswith("https://")


def install(app) -> None:
    """Routes, the redirect to sign-in, static assets and the offline API docs."""
    from fastapi.staticfiles import StaticFiles

    from ttt.web import docs

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired):
        return RedirectResponse(f"/console/sign-in?next={exc.next_url}", status_code=303)

    @app.exception_handler(views.NotForRole)
    async def _not_for_role(request: Request, exc: views.NotForRole):
        return page(request, "forbidden.html", status=403)

    app.include_router(router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=str(views.STATIC)), name="static")

