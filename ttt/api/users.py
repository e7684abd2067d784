"""Who am I, and user management for admins (tokens are shown once, at creation/rotation)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ttt import users as users_service
from ttt.http.deps import AdminUser, CurrentUser, DbSession
from ttt.http.schemas import Open, Page

router = APIRouter(prefix="/api/v1", tags=["users"])


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    role: str
    scopes: list[str] = []
    ttl_days: int | None = Field(default=None, ge=1, le=3650)


class MeOut(Open):
    name: str
    role: str
    scopes: list[str]


class UserOut(MeOut):
    active: bool
    created_at: str


class NewTokenOut(Open):
    name: str
    token: str = Field(description="shown once: store it now")


class NewUserOut(UserOut):
    token: str = Field(description="shown once: store it now")


def _user_json(u) -> dict:
    return {"name": u.name, "role": u.role, "scopes": list(u.scopes or []), "active": u.active,
            "created_at": u.created_at.isoformat()}


@router.get("/me", response_model=MeOut, summary="The calling user")
def me(user: CurrentUser) -> dict:
    return {"name": user.name, "role": user.role, "scopes": list(user.scopes)}


@router.get("/users", response_model=Page[UserOut], summary="List users (admin)")
def list_users(session: DbSession, _: AdminUser) -> dict:
    items = [_user_json(u) for u in users_service.list_users(session)]
    return {"items": items, "total": len(items), "next": None}


@router.post("/users", status_code=201, response_model=NewUserOut, summary="Create a user and return its token once (admin)")
def create_user(body: UserIn, session: DbSession, _: AdminUser) -> dict:
    user, token = users_service.create_user(session, body.name, body.role, body.scopes, body.ttl_days)
    return {**_user_json(user), "token": token}


@router.post("/users/{name}/revoke", response_model=UserOut, summary="Deactivate a user and revoke its tokens (admin)")
def revoke_user(name: str, session: DbSession, _: AdminUser) -> dict:
    return _user_json(users_service.revoke_user(session, name))


@router.post("/users/{name}/rotate", response_model=NewTokenOut, summary="Revoke a user's tokens and issue a new one (admin)")
def rotate_token(name: str, session: DbSession, _: AdminUser) -> dict:
    token = users_service.rotate_token(session, name)
    return {"name": name, "token": token}
