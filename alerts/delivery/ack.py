"""Signed alert-page links: signed, expiring, URL-safe tokens that need no login.

A token says "delivery D of alert A, version V, valid until T", signed with HMAC-SHA256
under the deployment's secret key (domain-separated, so a token can never be replayed as
any other kind of signed value). It is short on purpose (~38 characters) because it has to
fit in an SMS next to the alert. Anyone holding the link can acknowledge: that is the
point, a prefect's assistant on a phone must be able to say "seen". The recorded "who" is
the recipient of delivery D, looked up when the link is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PURPOSE = b"ttt.ack.v1"
DEFAULT_TTL = timedelta(days=14)
MAC_BYTES = 16  # 128 bits: truncated HMAC as allowed by RFC 2104 section 5


class AckTokenError(ValueError):
    """Why a token is refused; ``reason`` is one of malformed, tampered, expired."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class AckClaim:
    alert_id: int
    version: int
    delivery_id: int | None
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str | bytes, payload: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(hashlib.sha256(PURPOSE + b"|" + key).digest(), payload, hashlib.sha256).digest()[:MAC_BYTES]


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varints(data: bytes, count: int) -> tuple[list[int], bytes]:
    values, value, shift = [], 0, 0
    for i, byte in enumerate(data):
        value |= (byte & 0x7F) << shift
        shift += 7
        if shift > 63:
            raise ValueError("number too long")
        if not byte & 0x80:
            values.append(value)
            value, shift = 0, 0
            if len(values) == count:
                return values, data[i + 1:]
    raise ValueError("truncated")


def make_token(secret: str | bytes, *, alert_id: int, version: int, delivery_id: int | None = None,
               now: datetime | None = None, ttl: timedelta = DEFAULT_TTL) -> str:
    """A compact token (~38 characters: every character counts in an SMS, 67 a part in Arabic):
    ``2`` + base64url(varints alert, version, delivery+1; 4-byte expiry; 16-byte MAC)."""
    if not secret:
        raise ValueError("an acknowledgement token needs a secret key")
    expires = int(((now or datetime.now(UTC)) + ttl).timestamp())
    payload = (_varint(int(alert_id)) + _varint(int(version)) + _varint(0 if delivery_id is None else int(delivery_id) + 1)
               + expires.to_bytes(4, "big"))
    return "2" + _b64(payload + _mac(secret, b"v2|" + payload))


def _read_v2(secret: str | bytes, token: str) -> AckClaim:
    damaged = AckTokenError("malformed", "this acknowledgement link is incomplete or damaged")
    try:
        raw = _unb64(token[1:])
    except (ValueError, TypeError):
        raise damaged from None
    if len(raw) < MAC_BYTES + 7:
        raise damaged
    payload, given = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if not hmac.compare_digest(given, _mac(secret, b"v2|" + payload)):
        raise AckTokenError("tampered", "this acknowledgement link was altered or signed with another key")
    try:
        (alert, version, delivery), rest = _read_varints(payload, 3)
    except ValueError:
        raise damaged from None
    if len(rest) != 4:
        raise damaged
    return AckClaim(alert, version, delivery - 1 if delivery else None,
                    datetime.fromtimestamp(int.from_bytes(rest, "big"), UTC))


def read_token(secret: str | bytes, token: str, *, now: datetime | None = None) -> AckClaim:
    """The claim in a valid token (compact, or the older ``payload.mac`` form still in
    people's inboxes); :class:`AckTokenError` says why a token is refused."""
    damaged = AckTokenError("malformed", "this acknowledgement link is incomplete or damaged")
    if token and token.startswith("2") and "." not in token:
        claim = _read_v2(secret, token)
    else:
        claim = _read_v1(secret, token, damaged)
    if (now or datetime.now(UTC)) >= claim.expires_at:
        raise AckTokenError("expired", f"this acknowledgement link expired on {claim.expires_at:%Y-%m-%d %H:%M} UTC")
    return claim


def _read_v1(secret: str | bytes, token: str, damaged: AckTokenError) -> AckClaim:
    if not token or token.count(".") != 1:
        raise damaged
    body, sig = token.split(".")
    try:
        payload, given = _unb64(body), _unb64(sig)
    except (ValueError, TypeError):
        raise damaged from None
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise AckTokenError("tampered", "this acknowledgement link was altered or signed with another key")
    try:
        alert, version, delivery, expires = payload.decode().split(":")
        return AckClaim(int(alert), int(version), int(delivery) if delivery else None,
                        datetime.fromtimestamp(int(expires), UTC))
    except (ValueError, UnicodeDecodeError):
        raise damaged from None


def page_url(public_url: str, token: str) -> str:
    """The signed alert page (details, map, acknowledge, report back), from the public URL
    as configured when the link is made: a corrected TTT_PUBLIC_URL fixes every later message."""
    return f"{public_url.rstrip('/')}/a/{token}"


ack_url = page_url  # one link per recipient: the page is where a receipt is recorded
