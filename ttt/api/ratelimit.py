"""Per-token rate limiting: 429 with ``Retry-After`` when a caller goes faster than allowed.

A token bucket per caller, kept in process memory: each bucket holds up to ``burst`` requests
and refills at ``per_min / 60`` requests a second. The caller is the bearer token or Basic
credentials (by their SHA-256, never the secret itself), else the Digest user name (ODK
Collect), else the client address, which gets its own, lower, anonymous limit. Failed authentications (401) are also
charged to the client address: once an address has used up its anonymous allowance of
failures, tokens it has not yet used successfully are refused with 429 before any database
lookup, so guessing tokens (each guess a fresh bucket otherwise) is slowed down as well, while
tokens already proven good from that address (a shared mobile-carrier NAT) carry on.
``/health`` is never limited (monitoring).

Limitation, documented in SECURITY.md: the buckets live in one process. With N uvicorn
workers a caller gets up to N times the limit; run one worker per host or put the limit in
the reverse proxy as well. The clock is injectable so tests need no sleeping.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

EXEMPT_PATHS = frozenset({"/health"})
_DIGEST_USER = re.compile(r'username="([^"]{1,80})"')
_MAX_BUCKETS = 50_000


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Token buckets keyed by caller. ``take`` returns 0 when allowed, else seconds to wait."""

    def __init__(self, per_min: float, burst: int, clock: Callable[[], float] = time.monotonic):
        if per_min <= 0 or burst < 1:
            raise ValueError("per_min must be > 0 and burst >= 1")
        self.rate = per_min / 60.0
        self.burst = burst
        self.clock = clock
        self.buckets: dict[str, Bucket] = {}

    def take(self, key: str) -> float:
        now = self.clock()
        b = self.buckets.get(key)
        if b is None:
            if len(self.buckets) >= _MAX_BUCKETS:
                self._prune(now)
            b = self.buckets[key] = Bucket(tokens=float(self.burst), updated=now)
        else:
            b.tokens = min(self.burst, b.tokens + (now - b.updated) * self.rate)
            b.updated = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return 0.0
        return (1.0 - b.tokens) / self.rate

    def available(self, key: str) -> bool:
        """Whether ``take`` would succeed now, without taking anything."""
        b = self.buckets.get(key)
        if b is None:
            return True
        return min(self.burst, b.tokens + (self.clock() - b.updated) * self.rate) >= 1.0

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled completely: they carry no information."""
        full = [k for k, b in self.buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for k in full:
            del self.buckets[k]
        if len(self.buckets) >= _MAX_BUCKETS:  # still full of active callers: drop the oldest half
            for k in sorted(self.buckets, key=lambda k: self.buckets[k].updated)[: _MAX_BUCKETS // 2]:
                del self.buckets[k]


def caller_key(scope: Scope) -> tuple[str, bool]:
    """(bucket key, authenticated?) for the request, without touching the database."""
    auth = b""
    for k, v in scope.get("headers") or []:
        if k == b"authorization":
            auth = v
            break
    scheme, _, value = auth.decode("latin-1").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "tok:" + hashlib.sha256(value.strip().encode()).hexdigest()[:32], True
    if scheme.lower() == "basic" and value.strip():  # KoBo / ODK over https: name:token
        return "basic:" + hashlib.sha256(value.strip().encode()).hexdigest()[:32], True
    if scheme.lower() == "digest":
        m = _DIGEST_USER.search(value)
        if m:  # the name is only claimed here: with the address, a stranger elsewhere cannot drain it
            client = scope.get("client")
            return f"digest:{m.group(1)}@{client[0] if client else 'unknown'}", True
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown"), False


class RateLimitMiddleware:
    """Refuse with 429 + Retry-After once a caller's bucket is empty."""

    def __init__(self, app: ASGIApp, per_min: int, burst: int | None = None, anonymous_per_min: int | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.enabled = per_min > 0
        if self.enabled:
            anon = anonymous_per_min or per_min
            self.authenticated = TokenBuckets(per_min, burst or per_min, clock)
            self.anonymous = TokenBuckets(anon, max(1, min(burst or anon, anon)), clock)
            self.failures = TokenBuckets(anon, max(1, min(burst or anon, anon)), clock)
            self.proven: dict[str, None] = {}  # keys that authenticated successfully (bounded, LRU-ish)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        key, authenticated = caller_key(scope)
        client = scope.get("client")
        address = "ip:" + (client[0] if client else "unknown")
        if authenticated:
            if key not in self.proven and not self.failures.available(address):
                await self._refuse(scope, send, self.failures.take(address))
                return
            wait = self.authenticated.take(key)
        else:
            wait = self.anonymous.take(key)
        if wait > 0:
            await self._refuse(scope, send, wait)
            return

        async def watching_send(message) -> None:
            if message["type"] == "http.response.start" and authenticated:
                if message["status"] == 401:
                    self.failures.take(address)
                    self.proven.pop(key, None)
                else:
                    self.proven[key] = None
                    if len(self.proven) > _MAX_BUCKETS:
                        self.proven.pop(next(iter(self.proven)))
            await send(message)

        await self.app(scope, receive, watching_send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, wait: float) -> None:
        retry_after = max(1, math.ceil(wait))
        rid = (scope.get("state") or {}).get("request_id", "")
        body = json.dumps({"error": "rate_limited",
                           "detail": f"too many requests; retry after {retry_after} s",
                           "request_id": rid}).encode()
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
