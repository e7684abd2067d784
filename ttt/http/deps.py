"""FastAPI dependencies shared by every router: the DB session, the caller, role checks.

Routers import only from here (core; never from ttt.api) so domain packages depend on core
alone (the layers contract in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ttt.db import read_session_factory, session_factory
from ttt.errors import Forbidden, Unauthorized, Unavailable
from ttt.users import Principal, authenticate


def get_db() -> Iterator[Session]:
    """One session per request; commit when the endpoint returns, roll back on error.

    Scope "function" (below): the commit runs when the endpoint returns and *before* the
    response is sent, so a 2xx always means committed, a read right after it sees the
    write, and a failed commit answers 5xx instead of a success the data never had."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise Unavailable("the database is unavailable; retry later") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def get_read_db() -> Iterator[Session]:
    """A read-only session on the replica when there is a usable one, else on the primary
    (``ttt.db.read_session_factory``); nothing is committed. For reads that may lag a
    moment: statistics, OGC, lists and exports; never for a read of the caller's own write."""
    session = read_session_factory()()
    try:
        yield session
    except OperationalError as exc:
        raise Unavailable("the database is unavailable; retry later") from exc
    finally:
        session.rollback()
        session.close()


ReadSession = Annotated[Session, Depends(get_read_db)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _console_principal(request: Request, session: Session) -> Principal | None:
    """The signed-in console user (session cookie), or None. A cookie is sent by the browser on
    its own, so unsafe methods also need the session's CSRF secret in ``X-CSRF-Token``."""
    from ttt.web_sessions import COOKIE, csrf_ok, lookup

    found = lookup(session, request.cookies.get(COOKIE))
    if found is None:
        return None
    principal, csrf = found
    if request.method not in SAFE_METHODS and not csrf_ok(csrf, request.headers.get("x-csrf-token")):
        raise Forbidden("a console request that changes data needs its X-CSRF-Token header")
    request.state.principal = principal
    return principal


def get_principal(request: Request, session: DbSession) -> Principal:
    checked = getattr(request.state, "principal", None)  # by ttt.api.authfirst, before the body
    if isinstance(checked, Principal):
        return checked
    token = bearer_token(request)
    if token is None:
        principal = _console_principal(request, session)
        if principal is not None:
            return principal
        raise Unauthorized("send 'Authorization: Bearer <token>'")
    try:
        principal = authenticate(session, token)
    except OperationalError as exc:
        raise Unavailable("the database is unavailable; retry later") from exc
    if principal is None:
        raise Unauthorized("the token is unknown, expired or revoked")
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str):
    """A dependency that lets only the given roles through (403 for the others)."""

    def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise Forbidden(f"role {user.role!r} may not do this; allowed: {', '.join(roles)}")
        return user

    return Depends(check)


AdminUser = Annotated[Principal, require_roles("admin")]
StaffUser = Annotated[Principal, require_roles("admin", "analyst")]
