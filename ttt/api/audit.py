"""Audit trail: who wrote what, and who was turned away, readable by admins.

``AuditMiddleware`` is the outermost ASGI layer so it sees every outcome, including the 413
sent before the body is read and the 429 of the rate limiter. It records every write
(POST/PUT/PATCH/DELETE, whatever the outcome) and every refused request (401, 403, 413, 429)
as one ``ttt.audit.AuditEntry``: the user and role when authenticated, method, path, status,
client address and request id. It never stores a request body or a credential: path
parameters whose name says token/secret/key/password are blanked and the rest goes through
the same redaction as the logs. The entry is written after the response has been sent, in
a worker thread and its own transaction, so auditing never slows or breaks the request; if
the database is down the entry is logged (redacted) instead.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ttt.audit import AuditEntry
from ttt.db import session_scope
from ttt.http.deps import AdminUser, DbSession
from ttt.http.paging import next_link
from ttt.logging import redact

log = logging.getLogger("ttt.audit")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED_STATUSES = frozenset({401, 403, 413, 429})
_SECRET_PARAM = re.compile(r"(?i)token|secret|key|password|signature")
_MAX_ERROR_BODY = 4096


def should_audit(method: str, status: int) -> bool:
    """Writes are always recorded; reads only when they were refused."""
    return method.upper() in WRITE_METHODS or status in REFUSED_STATUSES


def safe_path(path: str, path_params: dict[str, Any] | None) -> str:
    """The request path with credential-like path parameters blanked and secrets redacted."""
    for name, value in (path_params or {}).items():
        text = str(value)
        if text and _SECRET_PARAM.search(name):
            path = path.replace(text, "[redacted]")
    return redact(path)[:2000]


def safe_query(query: str) -> str | None:
    """The query string minus credential-like parameters (their names are kept)."""
    if not query:
        return None
    from urllib.parse import parse_qsl

    pairs = [(k, "[redacted]" if _SECRET_PARAM.search(k) else v)
             for k, v in parse_qsl(query, keep_blank_values=True)]
    return redact(urlencode(pairs, safe="[]"))[:1000]


class AuditMiddleware:
    """Pure ASGI middleware that writes one audit entry per write or refused request."""

    def __init__(self, app: ASGIApp, writer=None):
        self.app = app
        self.writer = writer or write_entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # share one state dict with every inner layer (request.state.principal lands here)
        state = scope.setdefault("state", {})
        method = scope.get("method", "GET").upper()
        seen: dict[str, Any] = {"status": 500, "request_id": None, "error_body": b"", "json": False}

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for k, v in message.get("headers") or []:
                    if k.lower() == b"x-request-id":
                        seen["request_id"] = v.decode("latin-1")
                    elif k.lower() == b"content-type":
                        seen["json"] = b"json" in v.lower()
            elif (message["type"] == "http.response.body" and seen["status"] >= 400 and seen["json"]
                  and len(seen["error_body"]) < _MAX_ERROR_BODY):
                seen["error_body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            status = seen["status"]
            if should_audit(method, status):
                entry = self._entry(scope, state, method, status, seen)
                try:
                    await anyio.to_thread.run_sync(self.writer, entry)
                except Exception:  # auditing must never turn a served request into an error
                    log.warning("audit entry not stored: %s", redact(json.dumps(entry, default=str)))

    @staticmethod
    def _entry(scope: Scope, state: dict, method: str, status: int, seen: dict) -> dict[str, Any]:
        principal = state.get("principal")
        client = scope.get("client")
        details = []
        user_name = getattr(principal, "name", None)
        if principal is None:
            # verified callers (OpenRosa/KoBo too) leave their principal in the state; a name in
            # a header of any other request (an anonymous ack page, a refused one) is a claim
            claimed = claimed_user(scope)
            if claimed:
                details.append(f"claimed user {claimed!r}")
        if state.get("client_request_id"):
            details.append(f"client request id {state['client_request_id']}")
        if status >= 400:
            code = _error_code(seen["error_body"])
            if code:
                details.insert(0, code)
        query = safe_query(scope.get("query_string", b"").decode("latin-1"))
        if query:
            details.append(f"query: {query}")
        return {
            "user_name": user_name,
            "role": getattr(principal, "role", None),
            "method": method[:10],
            "path": safe_path(scope.get("path", ""), scope.get("path_params")),
            "status": status,
            "client_ip": (client[0] if client else None),
            "request_id": seen["request_id"] or state.get("request_id"),
            "detail": "; ".join(details) or None,
        }


_DIGEST_USER = re.compile(r'username="([^"]{1,80})"')


def claimed_user(scope: Scope) -> str | None:
    """The user name a Digest or Basic Authorization header claims (never the secret)."""
    import base64
    import binascii

    header = next((v for k, v in scope.get("headers") or [] if k == b"authorization"), b"").decode("latin-1")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "digest":
        m = _DIGEST_USER.search(value)
        return m.group(1) if m else None
    if scheme.lower() == "basic":
        try:
            name = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return name[:80] or None
    return None


def _error_code(body: bytes) -> str | None:
    try:
        code = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None


def write_entry(entry: dict[str, Any]) -> None:
    """Store one audit entry in its own transaction (independent of the request's)."""
    with session_scope() as s:
        s.add(AuditEntry(**{k: (v[:64] if k in ("client_ip", "request_id") and v else v)
                            for k, v in entry.items()}))


# --- reading the trail (admins) -------------------------------------------------------------

class AuditItem(BaseModel):
    id: int
    at: datetime
    user_name: str | None
    role: str | None
    method: str
    path: str
    status: int
    client_ip: str | None
    request_id: str | None
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditItem]
    total: int
    next: str | None


def audit_query(*, user: str | None = None, method: str | None = None, status: int | None = None,
                path_prefix: str | None = None, refused: bool | None = None, since: datetime | None = None,
                until: datetime | None = None, request_id: str | None = None) -> Select:
    q = select(AuditEntry)
    if user:
        q = q.where(AuditEntry.user_name == user)
    if method:
        q = q.where(AuditEntry.method == method.upper())
    if status is not None:
        q = q.where(AuditEntry.status == status)
    if path_prefix:
        escaped = path_prefix.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        q = q.where(AuditEntry.path.like(escaped + "%", escape="\\"))
    if refused is True:
        q = q.where(AuditEntry.status.in_(sorted(REFUSED_STATUSES)))
    elif refused is False:
        q = q.where(AuditEntry.status.not_in(sorted(REFUSED_STATUSES)))
    if since:
        q = q.where(AuditEntry.at >= since)
    if until:
        q = q.where(AuditEntry.at < until)
    if request_id:
        q = q.where(AuditEntry.request_id == request_id)
    return q


def list_entries(session: Session, q: Select, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows), total


router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=AuditPage, summary="Audit trail of writes and refused requests (admin)")
def read_audit(
    request: Request,
    session: DbSession,
    _: AdminUser,
    user: Annotated[str | None, Query(max_length=80, description="user name")] = None,
    method: Annotated[str | None, Query(pattern="^[A-Za-z]{3,7}$")] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    path_prefix: Annotated[str | None, Query(max_length=200, description="e.g. /api/v1/observations")] = None,
    refused: Annotated[bool | None, Query(description="only refused (401/403/413/429) or only the others")] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
    request_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    q = audit_query(user=user, method=method, status=status, path_prefix=path_prefix, refused=refused,
                    since=since, until=until, request_id=request_id)
    rows, total = list_entries(session, q, limit, offset)
    return AuditPage(items=[AuditItem.model_validate(r, from_attributes=True) for r in rows], total=total,
                     next=next_link(request, offset, limit, total))
