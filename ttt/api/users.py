"""Who am I, and user management for admins (tokens are shown once, at creation/rotation)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ttt import users as users_service
from ttt.api.deps import AdminUser, CurrentUser, DbSession

router = APIRouter(prefix="/api/v1", tags=["users"])


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    role: str
    scopes: list[str] = []
    ttl_days: int | None = Field(default=None, ge=1, le=3650)


def _user_json(u) -> dict:
    return {"name": u.name, "role": u.role, "scopes": list(u.scopes or []), "active": u.active,
            "created_at": u.created_at.isoformat()}


@router.get("/me", summary="The calling user")
def me(user: CurrentUser) -> dict:
    return {"name": user.name, "role": user.role, "scopes": list(user.scopes)}


@router.get("/users", summary="List users (admin)")
def list_users(session: DbSession, _: AdminUser) -> dict:
    items = [_user_json(u) for u in users_service.list_users(session)]
    return {"items": items, "total": len(items), "next": None}


@router.post("/users", status_code=201, summary="Create a user and return its token once (admin)")
def create_user(body: UserIn, session: DbSession, _: AdminUser) -> dict:
    user, token = users_service.create_user(session, body.name, body.role, body.scopes, body.ttl_days)
    return {**_user_json(user), "token": token}


@router.post("/users/{name}/revoke", summary="Deactivate a user and revoke its tokens (admin)")
def revoke_user(name: str, session: DbSession, _: AdminUser) -> dict:
    return _user_json(users_service.revoke_user(session, name))


@router.post("/users/{name}/rotate", summary="Revoke a user's tokens and issue a new one (admin)")
def rotate_token(name: str, session: DbSession, _: AdminUser) -> dict:
    token = users_service.rotate_token(session, name)
    return {"name": name, "token": token}
