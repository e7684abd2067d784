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
    """One session per request; commit when the endpoint returns, roll back on error."""
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


DbSession = Annotated[Session, Depends(get_db)]


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


def get_principal(request: Request, session: DbSession) -> Principal:
    token = bearer_token(request)
    if token is None:
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
