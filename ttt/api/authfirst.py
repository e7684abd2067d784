"""Authenticate before reading a body: a write to ``/api/v1`` without valid credentials is
refused with 401 before a byte of its body is read or parsed (an anonymous 20 MB request
used to cost ~500 MB and seconds of parsing before the token was even looked at).

Bearer tokens everywhere; Basic (name + token) also on the KoBo webhook, as KoBo sends it.
The principal found here is handed on in the request state, so the route's own
authentication does not look the token up a second time.
"""

from __future__ import annotations

import json

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX = "/api/v1/"
BASIC_PATHS = frozenset({"/api/v1/ingest/kobo"})


def _verify(header: str, path: str):
    from ttt.db import session_scope
    from ttt.users import authenticate

    scheme, _, value = header.partition(" ")
    with session_scope() as session:
        if scheme.lower() == "bearer" and value.strip():
            return authenticate(session, value.strip())
        if scheme.lower() == "basic" and path in BASIC_PATHS:
            from corridors.ingest.service import basic_principal

            return basic_principal(session, header)
    return None


def _verify_console(cookie_header: str, csrf: str):
    """A signed-in console user's write: the session cookie and its CSRF secret, both checked
    here so the route can reuse the principal (the browser sends cookies on its own)."""
    from http.cookies import SimpleCookie

    from ttt.db import session_scope
    from ttt.web_sessions import COOKIE, csrf_ok, lookup

    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # a malformed Cookie header is simply no session
        return None
    sid = jar[COOKIE].value if COOKIE in jar else None
    with session_scope() as session:
        found = lookup(session, sid)
    if found is None:
        return None
    if not csrf_ok(found[1], csrf):
        raise _NeedsCsrf()
    return found[0]


class _NeedsCsrf(Exception):
    pass


class AuthFirstMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITE_METHODS or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        header = cookie = csrf = ""
        for k, v in scope.get("headers") or []:
            if k == b"authorization":
                header = v.decode("latin-1")
            elif k == b"cookie":
                cookie = v.decode("latin-1")
            elif k == b"x-csrf-token":
                csrf = v.decode("latin-1")
        try:
            if header:
                principal = await run_in_threadpool(_verify, header, scope["path"])
            elif cookie:
                principal = await run_in_threadpool(_verify_console, cookie, csrf)
            else:
                principal = None
        except _NeedsCsrf:
            await _send(scope, send, 403, "forbidden", "a console request that changes data needs its X-CSRF-Token header", [])
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
