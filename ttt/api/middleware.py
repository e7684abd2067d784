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
                present = {k.lower() for k, _ in message["headers"]}
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode()),
                                      *(h for h in security_headers(scope.get("path", "")) if h[0] not in present)]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await _send_413(send, rid, self.max_body_bytes)
            status_holder["status"] = 413
        finally:
            log.info("%s %s -> %s in %.1f ms [%s]", scope.get("method"), scope.get("path"),
                     status_holder["status"], (time.perf_counter() - start) * 1000, rid)


# every answer: no MIME sniffing, no framing (clickjacking of the ack button), no Referer
# (signed links carry their token in the path)
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer")]
# the pages served to recipients: nothing but their own inline style, forms posting to us, no cache
PAGE_HEADERS = [(b"content-security-policy",
                 b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
                 b"frame-ancestors 'none'; base-uri 'none'"),
                (b"cache-control", b"no-store")]
PAGE_PREFIXES = ("/ack/", "/a/")


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    return SECURITY_HEADERS + (PAGE_HEADERS if path.startswith(PAGE_PREFIXES) else [])


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
