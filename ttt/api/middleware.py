"""Pure ASGI middleware: request ids, access log, request-body size limit."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ttt.access")


class RequestContextMiddleware:
    """Give every request an id (echoing a sane client X-Request-ID), log it, and refuse
    bodies larger than ``max_body_bytes`` with 413 before reading them into memory."""

    def __init__(self, app: ASGIApp, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        # our own id, always (a client-chosen one could collide with or impersonate another
        # request in the audit trail); a sane client id is kept beside it
        rid = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
            scope["state"]["client_request_id"] = incoming
        start = time.perf_counter()
        status_holder = {"status": 500}

        declared = headers.get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_413(send, rid, self.max_body_bytes)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge()
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await _send_413(send, rid, self.max_body_bytes)
            status_holder["status"] = 413
        finally:
            log.info("%s %s -> %s in %.1f ms [%s]", scope.get("method"), scope.get("path"),
                     status_holder["status"], (time.perf_counter() - start) * 1000, rid)


class _BodyTooLarge(Exception):
    pass


async def _send_413(send: Send, rid: str, limit: int) -> None:
    import json

    body = json.dumps({"error": "payload_too_large",
                       "detail": f"the request body is larger than {limit} bytes", "request_id": rid}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"x-request-id", rid.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
