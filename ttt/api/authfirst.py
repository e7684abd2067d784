"""Authenticate before reading a body: a write to ``/api/v1`` without valid credentials is
refused with 401 before a byte of its body is read or parsed (an anonymous 20 MB request
used to cost ~500 MB and seconds of parsing before the token was even looked at).

Bearer tokens everywhere; Basic (name + token) also on the KoBo webhook, as KoBo sends it;
the console's session cookie with its CSRF header (``ttt.http.deps``).
The principal found here is handed on in the request state, so the route's own
authentication does not look the token up a second time.
"""

from __future__ import annotations

import json

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ttt.errors import Forbidden

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX = "/api/v1/"
BASIC_PATHS = frozenset({"/api/v1/ingest/kobo"})


def _verify(header: str, path: str, scope: Scope):
    from ttt.db import session_scope
    from ttt.users import authenticate

    scheme, _, value = header.partition(" ")
    with session_scope() as session:
        if not header:  # the console: its session cookie and, for changes, the CSRF header
            from starlette.requests import Request

            from ttt.http.deps import _console_principal

            return _console_principal(Request(scope), session)
        if scheme.lower() == "bearer" and value.strip():
            return authenticate(session, value.strip())
        if scheme.lower() == "basic" and path in BASIC_PATHS:
            from corridors.ingest.service import basic_principal

            return basic_principal(session, header)
    return None


class AuthFirstMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITE_METHODS or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        header, cookie = "", False
        for k, v in scope.get("headers") or []:
            if k == b"authorization":
                header = v.decode("latin-1")
            elif k == b"cookie":
                cookie = True
        try:
            principal = await run_in_threadpool(_verify, header, scope["path"], scope) if header or cookie else None
        except Forbidden as exc:
            await _send(scope, send, 403, exc.code, str(exc.detail), [])
            return
        except OperationalError:
            await _send(scope, send, 503, "service_unavailable", "the database is unavailable; retry later",
                        [(b"retry-after", b"5")])
            return
        if principal is None:
            await _send(scope, send, 401, "unauthorized", "send 'Authorization: Bearer <token>'" if not header
                        else "the credentials are unknown, expired or revoked", [(b"www-authenticate", b'Bearer realm="ttt"')])
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def _send(scope: Scope, send: Send, status: int, code: str, detail: str,
                extra: list[tuple[bytes, bytes]]) -> None:
    rid = (scope.get("state") or {}).get("request_id", "")
    body = json.dumps({"error": code, "detail": detail, "request_id": rid}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *extra]})
    await send({"type": "http.response.body", "body": body})
