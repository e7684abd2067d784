"""Webhooks signed as in Standard Webhooks (standardwebhooks.com, spec v1).

Headers: ``webhook-id`` (the same on every retry of one delivery, so receivers can drop
duplicates), ``webhook-timestamp`` (integer Unix seconds of this attempt) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``. Secrets
follow the ``whsec_<base64 key>`` convention; several signatures may be sent separated by
spaces during a key rotation, and a receiver accepts any one that matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from alerts.delivery.channels.base import Channel, Envelope, Outcome, register_channel_type
from alerts.delivery.channels.http import post
from alerts.delivery.render import webhook_digest_payload, webhook_payload

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_S = 300


class WebhookVerificationError(ValueError):
    """Why a webhook was refused: missing header, too old or too new, bad signature."""


def generate_secret(nbytes: int = 24) -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key bytes of a ``whsec_...`` secret (the prefix is optional)."""
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret must be 'whsec_' followed by base64 (e.g. from generate_secret())") from exc
    if len(key) < 16:
        raise ValueError(f"a webhook secret needs at least 16 bytes of key, this one has {len(key)}")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<signature>`` for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str | None, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else int(timestamp)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(ts)}
    if secret:
        headers["webhook-signature"] = sign(secret, msg_id, ts, body)
    return headers


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, tolerance_s: int = DEFAULT_TOLERANCE_S,
           now: float | None = None) -> None:
    """Raise :class:`WebhookVerificationError` unless the request is authentic and fresh."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id, ts_text, sig_header = lower["webhook-id"], lower["webhook-timestamp"], lower["webhook-signature"]
    except KeyError as exc:
        raise WebhookVerificationError(f"missing header {exc.args[0]}") from None
    try:
        ts = int(ts_text)
    except ValueError:
        raise WebhookVerificationError(f"webhook-timestamp '{ts_text}' is not an integer") from None
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        raise WebhookVerificationError(f"webhook-timestamp is {int(current - ts)} s away from now (tolerance {tolerance_s} s)")
    expected = sign(secret, msg_id, ts, body).split(",", 1)[1]
    for candidate in sig_header.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise WebhookVerificationError("no webhook-signature matches: wrong secret or altered body")


@dataclass(frozen=True)
class WebhookConfig:
    timeout_s: float = 10.0
    user_agent: str = "ttt-webhooks/1"
    allow_http: bool = True  # deployments may require https


@register_channel_type("webhook")
class WebhookChannel(Channel):
    name = "webhook"

    def __init__(self, config: WebhookConfig | None = None, client: httpx.Client | None = None) -> None:
        self.config = config or WebhookConfig()
        self.client = client

    def check_address(self, address: str) -> str | None:
        parts = urlsplit(address or "")
        allowed = ("https", "http") if self.config.allow_http else ("https",)
        if parts.scheme not in allowed or not parts.netloc:
            return f"'{address}' is not a webhook URL (expected {' or '.join(allowed)}://host/path)"
        return None

    def body(self, envelope: Envelope, msg_id: str) -> bytes:
        if envelope.is_digest:
            payload = webhook_digest_payload(envelope.messages, envelope.language, envelope.digest_day)
            payload["id"] = msg_id
        else:
            payload = webhook_payload(envelope.message, envelope.language, event_id=msg_id)
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def send(self, envelope: Envelope) -> Outcome:
        problem = self.check_address(envelope.address)
        if problem:
            return Outcome.fail(problem)
        msg_id = f"msg_ttt_{envelope.delivery_id}"
        try:
            body = self.body(envelope, msg_id)
            headers = signed_headers(envelope.secret, msg_id, body)
        except ValueError as exc:  # bad secret: retrying will not help
            return Outcome.fail(f"webhook {envelope.delivery_id}: {exc}")
        headers.update({"content-type": "application/json", "user-agent": self.config.user_agent})
        return post(envelope.address, content=body, headers=headers, timeout_s=self.config.timeout_s,
                    client=self.client)
